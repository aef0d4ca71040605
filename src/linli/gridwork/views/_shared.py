"""What the grid-work pages share: the capability gates, optional links to other apps' pages,
the written-entry key that lets the phone drop its draft, and the run of a posted form's action."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden
from linli.registry.forms import apply_errors


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


def submit(
    request,
    form,
    act: Callable[[dict], Any],
    *,
    message: str | Callable[[Any], str],
    to: str,
    refused_page: bool = True,
) -> tuple[HttpResponse | None, int]:
    """Run the action of a posted ``form``: ``act(form.cleaned_data)`` when the form is valid.

    Done: ``message`` (text, or made from the action's result) is shown and the answer is a
    redirect to ``to``, returned with 302. Otherwise ``(None, status)``: the form carries the
    action's errors and the caller shows its page again with that status (400 for an invalid
    form). A refusal (``Forbidden``) is the 403 page, or with ``refused_page=False`` one more
    error on the form.
    """
    if not form.is_valid():
        return None, 400
    try:
        result = act(form.cleaned_data)
    except Forbidden as exc:
        if refused_page:
            raise PermissionDenied from None
        apply_errors(form, exc)
        return None, exc.status
    except ActionError as exc:
        apply_errors(form, exc)
        return None, exc.status
    messages.success(request, message(result) if callable(message) else message)
    response = redirect(to)
    return response, response.status_code
