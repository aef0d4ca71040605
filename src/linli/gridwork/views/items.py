"""gridwork pages: items."""

from __future__ import annotations

urlpatterns: list = []
