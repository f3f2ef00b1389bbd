"""``check``: score a text for spinning (placeholder until the tiers land)."""

from __future__ import annotations

from unspin.detect.types import Report


def check(text: str, *, fast: bool = False) -> Report:
    raise NotImplementedError("unspin.check is being built (issue #3)")
