"""facilities pages: bookings."""

from __future__ import annotations

urlpatterns: list = []
