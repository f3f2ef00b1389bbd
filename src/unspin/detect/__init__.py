"""Detect and localise machine-spun text (``unspin.check``)."""

from __future__ import annotations

from collections.abc import Iterable

from unspin.detect.types import Report, SentenceReport, Span, TorturedHit

__all__ = ["Report", "SentenceReport", "Span", "TorturedHit", "check", "check_sections"]


def check(text: str, *, fast: bool = False, spun: bool = False) -> Report:
    """Score ``text`` for spinning; ``fast`` uses no neural model (and never imports torch);
    ``spun``: the text is known to be spun, show where (``checker.KNOWN_SPUN_PROBABILITY``)."""
    from unspin.detect.checker import check as _check

    return _check(text, fast=fast, spun=spun)


def check_sections(sections: Iterable[str], *, fast: bool = False, spun: bool = False) -> Report:
    """``check`` for a text too long to hold, given in sections of whole paragraphs (e.g. from
    ``unspin.textio.iter_paragraph_blocks`` over a file): memory stays that of one section."""
    from unspin.detect.checker import check_sections as _check_sections

    return _check_sections(sections, fast=fast, spun=spun)
