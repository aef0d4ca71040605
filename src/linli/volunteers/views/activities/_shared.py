"""What the activities pages share: where to go back to, running one step of an action with
its outcome as a message, and the staff gate."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap


def back_to(request, default: str) -> str:
    """The page a form was sent from (``next``), when it is one of ours."""
    target = str(request.POST.get("next", "") or request.GET.get("next", ""))[:500]
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def texts_of(exc: ActionError) -> list[str]:
    found = [str(m) for group in (exc.errors or {}).values() for m in group]
    return found or [str(exc.message)]


def step(request, act: Callable[[], object], *, done: str | Callable, back: str):
    """Run one action for a button; its refusal is a message on the page it came from (403
    and 404 stay pages of their own)."""
    try:
        result = act()
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        for text in texts_of(exc):
            messages.error(request, text)
        return redirect(back)
    messages.success(request, done(result) if callable(done) else done)
    return redirect(back)


def require_staff(request, cap: str = Cap.VOLUNTEER_VIEW) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied
