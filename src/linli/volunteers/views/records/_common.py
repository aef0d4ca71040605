"""What the records pages share: the checks at their doors, the filter values of the record
list, and the redirect after a form."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from linli.core import scoping
from linli.core.roles import Cap

from ...queries import records as q

FILTERS = ("date_from", "date_to", "organisation", "activity", "volunteer", "kind")


def require_view(request) -> None:
    """Staff pages: those who read volunteers somewhere (others get the 403 page)."""
    if not scoping.has_cap(request.user, Cap.VOLUNTEER_VIEW):
        raise PermissionDenied


def require_manage(request) -> None:
    if not scoping.has_cap(request.user, Cap.VOLUNTEER_MANAGE):
        raise PermissionDenied


def filter_values(source) -> dict[str, str]:
    """The list's filters as typed (trimmed); the query checks them."""
    return {key: " ".join(str(source.get(key, "")).split())[:20] for key in FILTERS}


def to_filters(values: dict[str, str]) -> q.RecordFilters:
    return q.RecordFilters(**values)


def kept(values: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in values.items() if value}


def url_with(name: str, params: dict | None = None, *args) -> str:
    url = reverse(name, args=args or None)
    params = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def back_to(request, default: str) -> str:
    """The page a form was sent from (``next``), when it is one of ours."""
    target = str(request.POST.get("next", ""))[:500]
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


__all__ = [
    "FILTERS",
    "back_to",
    "filter_values",
    "kept",
    "require_manage",
    "require_view",
    "to_filters",
    "url_with",
]
