"""Substitution pairs mined from real spun text: what spinners actually write for a word.

From each (original, spun) pair the differing token blocks of 1–4 words on
both sides become (spun → original) counts. Tortured phrases of equal length
also give their word-by-word swaps ("profound" → "deep"), which generalise to
phrases never seen whole.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from unspin.resources.thesaurus import MAX_PHRASE_WORDS
from unspin.tokenise import tokenise

MinedPairs = dict[str, dict[str, int]]


def _words(tokens) -> bool:
    return all(t.is_word for t in tokens)


def mine_aligned_pairs(pairs: Iterable[tuple[str, str]]) -> MinedPairs:
    """Count spun → original swaps in (original, spun) text pairs."""
    from unspin.evaluation.align import diff_spans

    mined: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for original, spun in pairs:
        spun_tokens, original_tokens = tokenise(spun), tokenise(original)
        for block in diff_spans(spun_tokens, original_tokens):
            spun_part = spun_tokens[block.src_start_tok : block.src_end_tok]
            original_part = original_tokens[block.dst_start_tok : block.dst_end_tok]
            if not (0 < len(spun_part) <= MAX_PHRASE_WORDS and 0 < len(original_part) <= MAX_PHRASE_WORDS):
                continue
            if not (_words(spun_part) and _words(original_part)):
                continue
            key = " ".join(t.lower for t in spun_part)
            value = " ".join(t.lower for t in original_part)
            if key != value:
                mined[key][value] += 1
    return {k: dict(v) for k, v in mined.items()}


def mine_phrase_pairs(pairs: Iterable[tuple[str, str]]) -> MinedPairs:
    """(correct, tortured) phrase pairs: whole phrases, plus word swaps when lengths match."""
    mined: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for correct, tortured in pairs:
        correct_words, tortured_words = correct.lower().split(), tortured.lower().split()
        if not correct_words or not tortured_words:
            continue
        if len(tortured_words) <= MAX_PHRASE_WORDS:
            mined[" ".join(tortured_words)][" ".join(correct_words)] += 1
        if len(correct_words) == len(tortured_words):
            for c, t in zip(correct_words, tortured_words):
                if c != t and c.isalpha() and t.isalpha():
                    mined[t][c] += 1
    return {k: dict(v) for k, v in mined.items()}


def merge(*tables: MinedPairs) -> MinedPairs:
    merged: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for table in tables:
        for spun, originals in table.items():
            for original, count in originals.items():
                merged[spun][original] += count
    return {k: dict(v) for k, v in merged.items()}


def subtract(table: MinedPairs, part: MinedPairs) -> MinedPairs:
    """``table`` less the counts of ``part``, which it includes (``merge``'s inverse); a count
    that falls to zero is gone, as if ``part`` had never been mined."""
    out = dict(table)
    for spun, originals in part.items():
        left = {original: count - originals.get(original, 0) for original, count in table[spun].items()}
        left = {original: count for original, count in left.items() if count > 0}
        if left:
            out[spun] = left
        else:
            del out[spun]
    return out


def prentice_kinden_pairs(folder: Path) -> list[tuple[str, str]]:
    """(expected, spun) term pairs from Prentice & Kinden (2018), clean rows only."""
    path = folder / "prentice-kinden" / "term_substitutions.tsv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [
            (re.sub(r"\s+", " ", r["expected_term"]).strip(), re.sub(r"\s+", " ", r["spun_term"]).strip())
            for r in rows
            if r.get("quality", "clean") == "clean"
        ]
