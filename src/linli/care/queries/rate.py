"""care queries: rate."""

from __future__ import annotations

__all__: list[str] = []
