"""What the needs, resources and matches pages share."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap

CSS = "matching/lists.css"


def require_cap(request, cap: str = Cap.MATCH_VIEW) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def clean_values(source, names: tuple[str, ...]) -> dict[str, str]:
    """The filters of a list as sent (one line each, bounded)."""
    return {name: " ".join(str(source.get(name, "")).split())[:40] for name in names}


def messages_of(exc: ActionError) -> list[str]:
    found = [str(text) for texts in (exc.errors or {}).values() for text in texts]
    return found or [str(exc.message)]


def back_to(request, default: str) -> str:
    """The page a form came from (``next``), when it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def step(request, act, *, message, back: str):
    """Run an action of a button: its outcome as a message, then back to ``back``. Not
    found is the 404 page, refused the 403 page."""
    try:
        result = act()
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in messages_of(exc):
            messages.error(request, text)
        return redirect(back), None
    messages.success(request, message(result) if callable(message) else message)
    return redirect(back), result


def times_grid(form) -> list[dict] | None:
    """The weekly-times grid of a form with a ``times`` field, ticked as sent or stored."""
    from ...queries.matcher import week_grid

    if "times" not in form.fields:
        return None
    value = form["times"].value()
    return week_grid(value if isinstance(value, list | tuple) else [value] if value else [])


def url_or_blank(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
