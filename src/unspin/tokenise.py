"""Split text into tokens and sentences, keeping exact character offsets.

Words keep internal apostrophes ("won't", "received't", "1000's") so that
contractions and spinner residue arrive at the candidate stage whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from unspin.types import Token

_TOKEN = re.compile(
    r"""
    \d+(?:[.,:]\d+)*(?:['’]s)?        # numbers: 1,000  3.5  1000's
    | [^\W\d_]+(?:['’][^\W\d_]+)*     # words, with inner apostrophes
    | \{[^{}\n]*\}                    # spintax residue: {that|a}
    | \S                              # any other single mark
    """,
    re.VERBOSE,
)
# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space and
# an upper-case letter, a digit or an opening quote; or at a blank line.
_SENTENCE_END = re.compile(r"""(?<=[.!?])["'’”)\]]*\s+(?=["'‘“(\[]?[A-Z0-9])|\n\s*\n""")
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st vs etc inc ltd co corp gen col lt sgt rep sen gov no vol fig e.g i.e u.s u.k jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def tokenise(text: str, offset: int = 0) -> list[Token]:
    """All tokens of ``text``; offsets are shifted by ``offset``."""
    return [Token(m.group(), m.start() + offset, m.end() + offset) for m in _TOKEN.finditer(text)]


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence, whitespace between sentences excluded."""
    start = 0
    for match in _SENTENCE_END.finditer(text):
        before = text[start : match.start()].rstrip(".!?\"'’”)]")
        last_word = before.rsplit(None, 1)[-1].lower() if before.split() else ""
        ends_with_period = text[start : match.start()].rstrip("\"'’”)]").endswith(".")
        if ends_with_period and "\n" not in match.group() and (
            last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha())
        ):
            continue
        if text[start : match.start()].strip():
            yield _strip(text, start, match.start())
        start = match.end()
    if text[start:].strip():
        yield _strip(text, start, len(text))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
