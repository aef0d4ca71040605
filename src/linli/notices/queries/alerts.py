"""notices queries: alerts."""

from __future__ import annotations

__all__: list[str] = []
