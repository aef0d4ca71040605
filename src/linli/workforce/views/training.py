"""workforce pages: training."""

from __future__ import annotations

urlpatterns: list = []
