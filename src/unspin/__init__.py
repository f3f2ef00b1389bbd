"""unspin: find text made by automatic article spinners and restore what was written."""

from __future__ import annotations

from unspin.types import Edit, Restoration

__version__ = "0.1.0"
__all__ = ["Edit", "Restoration", "__version__", "restore"]


def restore(text: str, *, min_confidence: float = 0.5) -> Restoration:
    """Restore spun ``text``; the engine (and torch) load on first use, not on import."""
    from unspin.engine import restore as _restore

    return _restore(text, min_confidence=min_confidence)
