"""The HTTP service and web page (``unspin serve``)."""

from __future__ import annotations

from unspin.service.settings import Settings

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings | None = None):
    """The FastAPI application (imported lazily: FastAPI is not needed by the CLI's other commands)."""
    from unspin.service.app import create_app as _create_app

    return _create_app(settings)
