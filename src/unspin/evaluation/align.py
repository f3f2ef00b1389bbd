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


def gold_originals(original: str, spun: str) -> dict[tuple[int, int], str]:
    """What each spun span should become: (start, end) character span in ``spun`` → the
    original's lower-cased tokens joined by spaces.

    Adjacent swaps merge into one block ("back naval" ← "rear admiral"); when the
    two sides have as many tokens, each word's own swap is listed too.
    """
    from unspin.tokenise import tokenise

    spun_tokens, original_tokens = tokenise(spun), tokenise(original)
    gold: dict[tuple[int, int], str] = {}
    for block in diff_spans(spun_tokens, original_tokens):
        spun_part = spun_tokens[block.src_start_tok : block.src_end_tok]
        original_part = original_tokens[block.dst_start_tok : block.dst_end_tok]
        if spun_part and original_part:
            gold[(spun_part[0].start, spun_part[-1].end)] = " ".join(t.lower for t in original_part)
        if len(spun_part) == len(original_part) > 1:
            for spun_token, original_token in zip(spun_part, original_part):
                gold[(spun_token.start, spun_token.end)] = original_token.lower
    return gold


def normalised(text: str) -> str:
    """Lower-cased tokens joined by spaces: the form ``gold_originals`` gives."""
    from unspin.tokenise import tokenise

    return " ".join(t.lower for t in tokenise(text))
