"""Known tortured phrases (Problematic Paper Screener), found in one pass over the text.

Every phrase and every condition term becomes a pattern in one Aho–Corasick
automaton (``pyahocorasick``) over a *canonical* token stream: words lower-cased
and reduced to a lemma ("rivalries" → "rivalry", "studies" → "study"), hyphens
and dashes dropped ("counterfeit-intelligence" = "counterfeit intelligence"),
other marks kept as tokens, so that a phrase never matches across a full stop
or inside a longer word. A pass costs time linear in the text.

The screener's fingerprints (``pps-phrases-with-counts.csv``) carry conditions,
evaluated over the whole checked text: ``"a" AND "b"`` hits "a" only where "b"
occurs too; ``"a" NOT "b"`` only where "b" does not; ``optimiz*`` is a word
prefix. Proximity (``"a b"~N``) is read as the exact phrase. A phrase with an
unconditional fingerprint (or none: phrases only in ``pps-phrases.json``)
always hits.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

from unspin.detect.types import TorturedHit
from unspin.tokenise import tokenise

_DASHES = frozenset("-‐‑‒–—―")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'"})
_TERM = re.compile(r'"([^"]*)"(?:~\d+)?|(AND|NOT|OR)\b|([^\s"]+)')


@functools.lru_cache(maxsize=200_000)
def canonical(word: str) -> str:
    """A word's matching key: lower case, reduced to the shortest of its lemmas."""
    lower = word.lower().translate(_APOSTROPHES)
    if not lower.isalpha():
        return lower
    from lemminflect import getAllLemmas

    def lemmas(word: str) -> set[str]:
        return {lemma for group in getAllLemmas(word).values() for lemma in group} or {word}

    # Lemmas of lemmas too: "clusterings" → "clustering" → "cluster", as "clustering" does.
    return min(set().union(*(lemmas(lemma) for lemma in lemmas(lower))), key=lambda w: (len(w), w))


def canonical_tokens(text: str) -> list[tuple[str, int, int]]:
    """(key, start, end) of each token of ``text`` that takes part in matching."""
    return [(canonical(t.text), t.start, t.end) for t in tokenise(text.replace("\\", " "))
            if t.text not in _DASHES]


@dataclass(frozen=True, slots=True)
class Condition:
    """Another term the fingerprint needs (``required``) or forbids in the text."""

    key: str  # canonical pattern, as added to the automaton
    required: bool
    text: str = ""  # the term as the screener wrote it


@dataclass(frozen=True, slots=True)
class Fingerprint:
    phrase: str  # the tortured phrase as listed
    expected: str
    fingerprint: str  # the screener's query, or the phrase itself
    conditions: tuple[Condition, ...] = ()


def _pattern(phrase: str, prefix: bool = False) -> str:
    keys = [key for key, _, _ in canonical_tokens(phrase)]
    if not keys:
        return ""
    # A prefix term ("optimiz*") is matched against the raw lower-case word.
    return " " + (keys[0].lower() if prefix else " ".join(keys) + " ")


def parse_fingerprint(query: str) -> tuple[str, list[Condition]] | None:
    """The phrase and conditions of one screener query; ``None`` when it has no quoted phrase."""
    terms = list(_TERM.finditer(query))
    if not terms or terms[0].group(1) is None:
        return None
    phrase = terms[0].group(1)
    conditions: list[Condition] = []
    operator = None
    for term in terms[1:]:
        if term.group(2):
            operator = term.group(2)
            continue
        if operator not in ("AND", "NOT"):
            return None  # an OR, or a bare continuation: not a form the counts file uses
        text = term.group(1) if term.group(1) is not None else term.group(3)
        prefix = text.endswith("*")
        key = _pattern(text.rstrip("*"), prefix)
        if key:
            conditions.append(Condition(key, required=operator == "AND", text=text))
    return phrase, conditions


def load_fingerprints(folder: Path) -> list[Fingerprint]:
    """All phrases of ``pps-phrases.json`` plus fingerprints of the counts file, conditions attached."""
    from unspin.evaluation.datasets import clean_phrase

    by_phrase: dict[str, list[tuple[str, str, list[Condition]]]] = {}
    with (folder / "pps-phrases-with-counts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            parsed = parse_fingerprint(row["tortured_phrase"])
            if parsed:
                phrase, conditions = parsed
                by_phrase.setdefault(phrase.lower(), []).append(
                    (row["tortured_phrase"], row["expected_phrase"], conditions))
    out: list[Fingerprint] = []
    listed = json.loads((folder / "pps-phrases.json").read_text(encoding="utf-8"))["phrases"]
    seen: set[str] = set()
    for entry in listed:
        phrase, expected = entry["tortured"], clean_phrase(entry["correct"]) or entry["correct"]
        seen.add(phrase.lower())
        queries = by_phrase.get(phrase.lower(), [])
        if not queries or any(not conditions for _, _, conditions in queries):
            out.append(Fingerprint(phrase, expected, phrase))
        else:
            out += [Fingerprint(phrase, expected, query, tuple(conditions)) for query, _, conditions in queries]
    for lower, queries in by_phrase.items():
        if lower not in seen:
            out += [Fingerprint(lower, expected, query, tuple(conditions)) for query, expected, conditions in queries]
    return out


class TorturedMatcher:
    """Finds known tortured phrases in text (see the module docstring)."""

    def __init__(self, fingerprints: list[Fingerprint]) -> None:
        import ahocorasick

        self.fingerprints = fingerprints
        patterns: dict[str, list[int]] = {}
        for index, fingerprint in enumerate(fingerprints):
            # As listed, notes included: "international organizations (mncs)" is a tortured
            # phrase, "international organizations" alone is ordinary English.
            key = _pattern(fingerprint.phrase)
            if key:
                patterns.setdefault(key, []).append(index)
            for condition in fingerprint.conditions:
                patterns.setdefault(condition.key, [])
        self._automaton = ahocorasick.Automaton()
        for key, indices in patterns.items():
            self._automaton.add_word(key, (key, tuple(indices)))
        self._automaton.make_automaton()

    def find(self, text: str) -> list[TorturedHit]:
        tokens = canonical_tokens(text)
        if not tokens:
            return []
        starts, pieces, cursor = [], [], 0
        for key, _, _ in tokens:
            starts.append(cursor)
            pieces.append(" " + key)
            cursor += len(key) + 1
        stream = "".join(pieces) + " "
        present: set[str] = set()
        matches: list[tuple[int, int, tuple[int, ...]]] = []
        for end, (key, indices) in self._automaton.iter(stream):
            present.add(key)
            if indices:
                first = bisect_right(starts, end - len(key) + 1) - 1
                last = bisect_right(starts, end - 1) - 1
                matches.append((first, last, indices))
        hits: dict[tuple[int, int], TorturedHit] = {}
        for first, last, indices in matches:
            start, end = tokens[first][1], tokens[last][2]
            for index in indices:
                fingerprint = self.fingerprints[index]
                if all((c.key in present) == c.required for c in fingerprint.conditions):
                    hit = TorturedHit(start, end, text[start:end], fingerprint.expected, fingerprint.fingerprint)
                    # Of fingerprints that differ in inflection only, the one written as in the text.
                    if (start, end) not in hits or fingerprint.phrase.lower() == hit.text.lower():
                        hits[(start, end)] = hit
        # Keep the longest of overlapping hits ("deep learning" inside a longer phrase).
        kept: list[TorturedHit] = []
        for hit in sorted(hits.values(), key=lambda h: (h.start, -(h.end - h.start))):
            if kept and hit.start < kept[-1].end:
                continue
            kept.append(hit)
        return kept


@functools.cache
def default_matcher() -> TorturedMatcher:
    """The matcher over the shared screener data (built once per process)."""
    from unspin.resources.paths import shared_data

    return TorturedMatcher(load_fingerprints(shared_data() / "tortured-phrases"))
