"""Token-level alignment of two versions of a text, for scoring restorations."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from unspin.types import Token


@dataclass(frozen=True, slots=True)
class Replacement:
    """Source tokens [src_start_tok, src_end_tok) became target tokens [dst_start_tok, dst_end_tok).

    Either range may be empty (a pure insertion or deletion).
    """

    src_start_tok: int
    src_end_tok: int
    dst_start_tok: int
    dst_end_tok: int

    @property
    def src_length(self) -> int:
        return self.src_end_tok - self.src_start_tok

    @property
    def dst_length(self) -> int:
        return self.dst_end_tok - self.dst_start_tok


def diff_spans(
    source_tokens: Sequence[Token | str], target_tokens: Sequence[Token | str]
) -> list[Replacement]:
    """The non-equal blocks between two token sequences (exact, case-sensitive text).

    ``autojunk`` is off: its popularity heuristic would treat common tokens
    such as "the" as junk in long paragraphs and misalign around them.
    """
    source = [_text(token) for token in source_tokens]
    target = [_text(token) for token in target_tokens]
    matcher = difflib.SequenceMatcher(None, source, target, autojunk=False)
    return [
        Replacement(i1, i2, j1, j2)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _text(token: Token | str) -> str:
    return token if isinstance(token, str) else token.text
