"""facilities queries: bookings."""

from __future__ import annotations

__all__: list[str] = []
