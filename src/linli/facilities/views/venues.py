"""facilities pages: venues."""

from __future__ import annotations

urlpatterns: list = []
