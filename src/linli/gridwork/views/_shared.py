"""What the grid-work pages share: the capability gates, optional links to other apps' pages and
the written-entry key that lets the phone drop its draft (a posted form's action runs through
:func:`linli.core.views.glue.submit`)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.urls import NoReverseMatch, reverse

from linli.core import scoping
from linli.core.errors import ActionError


def require_any(request, *caps: str) -> None:
    """Pages of grid work are for those who hold one of ``caps`` somewhere."""
    if not any(scoping.has_cap(request.user, cap) for cap in caps):
        raise PermissionDenied


def optional_url(name: str, *args, **query) -> str:
    """The address of another app's page, or "" while it has none by that name."""
    try:
        url = reverse(name, args=args or None)
    except NoReverseMatch:
        return ""
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(kept)}" if kept else url


def with_query(name: str, *args, **query) -> str:
    url = reverse(name, args=args or None)
    kept = {k: v for k, v in query.items() if v not in (None, "", False)}
    return f"{url}?{urlencode(kept)}" if kept else url


def written_key(request) -> str:
    """The key of the log entry just written (``?written=``), so the phone can drop its draft."""
    value = str(request.GET.get("written", ""))[:36]
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return ""


def errors_of(exc: ActionError) -> list[str]:
    """An action's messages as one flat list (for a page message)."""
    found = [str(m) for messages in (exc.errors or {}).values() for m in messages]
    return found or [str(exc.message)]
