"""Detect and localise machine-spun text (``unspin.check``)."""

from __future__ import annotations

from unspin.detect.types import Report, SentenceReport, Span, TorturedHit

__all__ = ["Report", "SentenceReport", "Span", "TorturedHit", "check"]


def check(text: str, *, fast: bool = False, spun: bool = False) -> Report:
    """Score ``text`` for spinning; ``fast`` uses no neural model (and never imports torch);
    ``spun``: the text is known to be spun, show where (``checker.KNOWN_SPUN_PROBABILITY``)."""
    from unspin.detect.checker import check as _check

    return _check(text, fast=fast, spun=spun)
