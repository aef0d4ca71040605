"""notices pages: notices."""

from __future__ import annotations

urlpatterns: list = []
