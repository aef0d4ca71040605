"""care pages: home."""

from __future__ import annotations

urlpatterns: list = []
