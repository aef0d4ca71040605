"""gridwork pages: day."""

from __future__ import annotations

urlpatterns: list = []
