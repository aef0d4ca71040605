"""gridwork pages: tasks."""

from __future__ import annotations

urlpatterns: list = []
