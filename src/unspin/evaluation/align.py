"""Token-level alignment of two versions of a text, for scoring restorations."""

from __future__ import annotations

import bisect
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


ProposedEdit = tuple[int, int, str]  # (start, end) in the spun text, and the text written there


@dataclass(frozen=True, slots=True)
class Judgement:
    """How a set of edits to a spun text compares with the original (see ``SpinnerChanges``)."""

    correct: list[bool]  # per edit: it wrote only the original's words there, and undid a change
    written: int  # tokens the edits wrote (a deletion counts as one)
    written_correct: int  # of those, the original's own tokens in their place
    recovered: int  # original tokens the spinner had replaced or removed that the edits brought back


@dataclass
class _Stretch:
    """Spun tokens [first, last), the spinner's blocks among them, and the edits made there."""

    first: int
    last: int
    blocks: list[Replacement]
    edits: list[int]


class SpinnerChanges:
    """Where a spun text differs from its original, token by token, and a judge of edits to it.

    The spinner's changes are the blocks of ``diff_spans`` (spun → original). A
    block often joins several neighbouring swaps ("associations as often as
    possible" ← "organizations frequently"), so an edit is not judged by whether
    it covers a whole block: the edits are made inside the region of the blocks
    they touch, that region is aligned with the original's, and each written
    token counts as correct when the alignment pairs it with the same token of
    the original (in lower case). So "associations" → "organizations" is right
    there, "suggestions" → "recommendations" for "implications" is not, and an
    edit of words the spinner left alone can only be wrong.
    """

    def __init__(self, original: str, spun: str) -> None:
        from unspin.tokenise import tokenise

        self.spun_tokens, self.original_tokens = tokenise(spun), tokenise(original)
        self.blocks = diff_spans(self.spun_tokens, self.original_tokens)
        self._token_starts = [t.start for t in self.spun_tokens]
        self._token_ends = [t.end for t in self.spun_tokens]
        # Spun tokens outside the blocks pair with one original token each.
        self._to_original: dict[int, int] = {}
        spun_at = original_at = 0
        for block in [*self.blocks, Replacement(len(self.spun_tokens), 0, len(self.original_tokens), 0)]:
            for offset in range(block.src_start_tok - spun_at):
                self._to_original[spun_at + offset] = original_at + offset
            spun_at, original_at = block.src_end_tok, block.dst_end_tok
        self._changed_original = {j for b in self.blocks for j in range(b.dst_start_tok, b.dst_end_tok)}

    @property
    def changed(self) -> int:
        """Original tokens the spinner replaced or removed (the recall denominator)."""
        return len(self._changed_original)

    def _tokens_of(self, start: int, end: int) -> tuple[int, int]:
        """The spun tokens [first, last) that the character span overlaps (empty: where it sits)."""
        first = bisect.bisect_right(self._token_ends, start)
        last = bisect.bisect_left(self._token_starts, end)
        return first, max(first, last)

    def _region(self, first: int, last: int) -> tuple[int, int, list[Replacement]]:
        """Widen spun tokens [first, last) to the blocks they touch (a block or an edit that
        inserts touches what is on either side of it)."""
        touched = []
        for block in self.blocks:
            if first < last and block.src_start_tok < block.src_end_tok:
                hit = block.src_start_tok < last and first < block.src_end_tok
            else:
                hit = block.src_start_tok <= last and first <= block.src_end_tok
            if hit:
                touched.append(block)
                first, last = min(first, block.src_start_tok), max(last, block.src_end_tok)
        return first, last, touched

    def _original_range(self, first: int, last: int, touched: list[Replacement]) -> tuple[int, int]:
        """The original tokens that spun tokens [first, last) (widened by ``_region``) stand for."""
        paired = [self._to_original[i] for i in range(first, last) if i in self._to_original]
        begins = paired + [block.dst_start_tok for block in touched]
        ends = [j + 1 for j in paired] + [block.dst_end_tok for block in touched]
        return (min(begins), max(ends)) if begins else (0, 0)

    def _stretches(self, spans: list[tuple[int, int]]) -> list[_Stretch]:
        """The edits grouped by the stretch of spun tokens they and the blocks they touch cover
        (edits whose stretches overlap are judged together)."""
        stretches: list[_Stretch] = []
        for number in sorted(range(len(spans)), key=lambda n: spans[n]):
            first, last, touched = self._region(*spans[number])
            if stretches and first < stretches[-1].last:
                stretch = stretches[-1]
                stretch.last = max(stretch.last, last)
                stretch.blocks += touched
                stretch.edits.append(number)
            else:
                stretches.append(_Stretch(first, last, touched, [number]))
        return stretches

    def _as_edited(self, stretch: _Stretch, new_tokens: list[list[str]],
                   spans: list[tuple[int, int]]) -> tuple[list[str], list[int | None]]:
        """The stretch's tokens (lower case) with its edits' ``new_tokens`` made, and the edit
        that wrote each (or None)."""
        starting = {spans[n][0]: n for n in stretch.edits}
        texts: list[str] = []
        owners: list[int | None] = []
        index = stretch.first
        while index <= stretch.last:
            number = starting.pop(index, None)
            if number is not None:
                texts += new_tokens[number]
                owners += [number] * len(new_tokens[number])
                if spans[number][1] > index:
                    index = spans[number][1]
                    continue
            if index < stretch.last:
                texts.append(self.spun_tokens[index].lower)
                owners.append(None)
            index += 1
        return texts, owners

    def judge(self, edits: Sequence[ProposedEdit]) -> Judgement:
        """Judge edits (non-overlapping character spans of the spun text, with their new text)."""
        from unspin.tokenise import tokenise

        spans = [self._tokens_of(start, end) for start, end, _ in edits]
        new_tokens = [[t.lower for t in tokenise(text)] for _, _, text in edits]
        written = [len(tokens) for tokens in new_tokens]
        written_correct = [0] * len(edits)
        recovering = [0] * len(edits)
        for stretch in self._stretches(spans):
            texts, owners = self._as_edited(stretch, new_tokens, spans)
            low, high = self._original_range(stretch.first, stretch.last, stretch.blocks)
            target = [t.lower for t in self.original_tokens[low:high]]
            for a, b, size in difflib.SequenceMatcher(None, texts, target, autojunk=False).get_matching_blocks():
                for k in range(size):
                    owner = owners[a + k]
                    if owner is not None:
                        written_correct[owner] += 1
                        recovering[owner] += (low + b + k) in self._changed_original
        correct, right_tokens = [], 0
        for number in range(len(edits)):
            first, last = spans[number]
            if not written[number]:  # a deletion is right when it removes only what the spinner put in
                correct.append(last > first and all(i not in self._to_original for i in range(first, last)))
                right_tokens += correct[-1]
                continue
            # Its tokens count only if it undid a change: brought an original token back, or
            # removed one the spinner put in ("firms up" -> "firms"); rewriting a word the
            # spinner left alone ("he" -> "He") is never right.
            undid = recovering[number] > 0 or any(i not in self._to_original for i in range(first, last))
            correct.append(undid and written_correct[number] == written[number])
            right_tokens += written_correct[number] if undid else 0
        return Judgement(
            correct=correct,
            written=sum(max(n, 1) for n in written),
            written_correct=right_tokens,
            recovered=sum(recovering),
        )
