"""Plain data classes shared by every stage of the pipeline.

Offsets are Python string indices (code points) into the text that was given,
so ``text[edit.start:edit.end] == edit.spun`` always holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import NamedTuple


class Token(NamedTuple):
    """A word, number or punctuation mark with its place in the source text.

    A named tuple, not a frozen dataclass: the fast spun-text check makes hundreds of
    thousands of them a second, and a frozen dataclass takes 1.7 times as long to make."""

    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        # isalpha() settles nearly every token at C speed; the loop is for "1000's", "U.S." and the like.
        return self.text.isalpha() or any(ch.isalpha() for ch in self.text)


@dataclass(frozen=True, slots=True)
class Edit:
    """One restored span: ``spun`` (as found) is replaced by ``original``."""

    start: int
    end: int
    spun: str
    original: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()
    reason: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["alternatives"] = [list(pair) for pair in self.alternatives]
        return data


@dataclass(frozen=True, slots=True)
class Restoration:
    """The restored text and the edits that produced it from the input."""

    text: str
    edits: list[Edit] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict:
        return {"text": self.text, "edits": [edit.to_dict() for edit in self.edits]}


class Cancelled(Exception):
    """A restore was told to stop (its ``should_stop`` answered true) before it finished."""


def apply_edits(source: str, edits: list[Edit]) -> str:
    """Rebuild ``source`` with each edit's span replaced; all else byte-for-byte."""
    pieces: list[str] = []
    cursor = 0
    for edit in sorted(edits, key=lambda e: e.start):
        if edit.start < cursor:
            raise ValueError(f"overlapping edits at {edit.start}")
        if source[edit.start : edit.end] != edit.spun:
            raise ValueError(f"edit does not match the text at {edit.start}:{edit.end}")
        pieces.append(source[cursor : edit.start])
        pieces.append(edit.original)
        cursor = edit.end
    pieces.append(source[cursor:])
    return "".join(pieces)
