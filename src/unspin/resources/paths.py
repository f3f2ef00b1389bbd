"""Where built resources live: ``$UNSPIN_HOME`` or the per-user cache directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

# Where the screener and SpinBot data sit in a checkout (``../shared/data``).
DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data"


def home() -> Path:
    """The cache directory, created on first use."""
    configured = os.environ.get("UNSPIN_HOME")
    root = Path(configured) if configured else Path(platformdirs.user_cache_dir("unspin"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def shared_data() -> Path:
    """The folder with the real spun-text data (``UNSPIN_DATA`` overrides)."""
    configured = os.environ.get("UNSPIN_DATA")
    return Path(configured) if configured else DEFAULT_SHARED_DATA
