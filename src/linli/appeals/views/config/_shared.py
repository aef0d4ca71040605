"""What the settings pages share: the capability gate, links that keep a query, and the
indented category choosers."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from linli.core import scoping


def _require(request, cap: str) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def _with_query(name: str, **params) -> str:
    url = reverse(name)
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(kept)}" if kept else url


def _indent(categories) -> list:
    """Categories of a tree with ``indent``: a dash for each level below the top."""
    categories = list(categories)
    for category in categories:
        category.indent = "— " * getattr(category, "depth", 0)
    return categories
