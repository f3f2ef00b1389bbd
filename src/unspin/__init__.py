"""unspin: find text made by automatic article spinners and restore what was written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from unspin.types import Edit, Restoration

if TYPE_CHECKING:
    from unspin.detect.types import Report

__version__ = "0.1.0"
__all__ = ["Edit", "Restoration", "__version__", "check", "restore"]


def restore(text: str, *, min_confidence: float = 0.5, spun: bool | None = None) -> Restoration:
    """Restore spun ``text``; the engine (and torch) load on first use, not on import.

    ``spun=True`` tells the restorer the text is known to be spun (a flagged paper's phrase, a
    known spun copy): it then edits as boldly as in a text it judges spun itself, which a short
    text seldom looks. ``spun=False`` says it is believed clean; ``None`` (the default) lets the
    fast spun-text check judge.
    """
    from unspin.engine import restore as _restore

    return _restore(text, min_confidence=min_confidence, spun=spun)


def check(text: str, *, fast: bool = False, spun: bool = False) -> Report:
    """Tell whether ``text`` was machine-spun, where and why (see ``unspin.detect``).

    ``fast=True`` screens with no neural model; the full check loads the LM on first use, and
    answers a text or sentence of one or two words as the fast tier does (``report.tier`` says
    which tier answered): the LM has nothing to read such a heading by. ``spun=True``: you know
    the text was spun (a flagged paper) and want to see where; the spans are then those the check
    would show if it judged the text spun (at least 0.9), the probability is still its own.
    """
    from unspin.detect import check as _check

    return _check(text, fast=fast, spun=spun)
