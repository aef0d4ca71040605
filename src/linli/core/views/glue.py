"""What every app's pages do around the actions and queries they call.

- :func:`read` runs a query for a page: a refusal is the 403 page, anything the reader may not
  see (or that is not there) the 404 page.
- :func:`submit` runs the action of a posted form and answers with a message and a redirect, or
  hands the form back with the action's errors next to its fields (:func:`apply_errors`).
- :func:`filter_errors` turns an action's errors into what a filter form on a list shows.
- :func:`paginate` cuts a list into pages with numbered links; :func:`page_size` is fewer rows in
  elderly mode.
- :func:`is_htmx`: is the request htmx's (which is answered with a part of the page)?
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect

from linli.core.errors import ActionError, Forbidden, NotFound

PAGE_SIZE = 25

__all__ = [
    "PAGE_SIZE",
    "apply_errors",
    "filter_errors",
    "is_htmx",
    "page_size",
    "paginate",
    "read",
    "submit",
]


# --- errors on forms ------------------------------------------------------------------------------


def apply_errors(form: forms.Form, exc: ActionError, aliases: dict | None = None) -> None:
    """Show an action's errors next to the form's fields (or above the form).

    ``aliases`` renames an action's field to the form's (``None``: above the form)."""
    aliases = aliases or {}
    for name, found in (exc.errors or {}).items():
        name = aliases.get(name, name)
        for message in found:
            form.add_error(name if name in form.fields else None, message)
    if not exc.errors:
        form.add_error(None, exc.message)


def filter_errors(exc: ActionError) -> dict:
    """An action's errors as ``{field: [text, …]}`` (``"__all__"`` when it names no field)."""
    return {name: [str(m) for m in found] for name, found in (exc.errors or {}).items()} or {
        "__all__": [str(exc.message)]
    }


# --- reads and writes -----------------------------------------------------------------------------


def read(call: Callable[..., Any], **kwargs) -> Any:
    """Run a query: refusals are the 403 page, anything not the reader's a 404."""
    try:
        return call(**kwargs)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError:  # NotFound, and a request that makes no sense
        raise Http404 from None


def submit(
    request,
    form: forms.Form,
    act: Callable[[dict], Any],
    *,
    message: str | Callable[[Any], str],
    to: str | Callable[[Any], str],
    aliases: dict | None = None,
    refused_page: bool = True,
    missing_page: bool = False,
) -> tuple[HttpResponse | None, int]:
    """Run the action of a posted ``form``: ``act(form.cleaned_data)`` when the form is valid.

    Done: ``message`` (text, or made from the action's result) is shown and the answer is a
    redirect to ``to`` (an address, or made from the result), returned with 302. Otherwise
    ``(None, status)``: the form carries the action's errors (renamed by ``aliases``, as in
    :func:`apply_errors`) and the caller shows its page again with that status (400 for an
    invalid form). A refusal (``Forbidden``) is the 403 page, or with ``refused_page=False`` one
    more error on the form; with ``missing_page=True`` a ``NotFound`` is the 404 page.
    """
    if not form.is_valid():
        return None, 400
    try:
        result = act(form.cleaned_data)
    except Forbidden as exc:
        if refused_page:
            raise PermissionDenied from None
        apply_errors(form, exc, aliases)
        return None, exc.status
    except NotFound as exc:
        if missing_page:
            raise Http404 from None
        apply_errors(form, exc, aliases)
        return None, exc.status
    except ActionError as exc:
        apply_errors(form, exc, aliases)
        return None, exc.status
    messages.success(request, message(result) if callable(message) else message)
    return redirect(to(result) if callable(to) else to), 302


def is_htmx(request) -> bool:
    """Is this htmx asking for a part of the page (the page itself works without it)?"""
    return request.headers.get("HX-Request") == "true"


# --- lists ----------------------------------------------------------------------------------------


def page_size(request) -> int:
    """Fewer rows a page in elderly mode."""
    return PAGE_SIZE // 2 if getattr(request, "elderly_mode", False) else PAGE_SIZE


def paginate(
    request, items, *, param: str = "page", per_page: int | None = None, keep: dict | None = None
) -> Page:
    """A page of ``items`` with numbered links that keep the other query parameters: those
    of the request, or ``keep`` when the list answers a POST. A page number that is not one
    (or past the end) gives the nearest page."""
    page = Paginator(items, per_page or page_size(request)).get_page(request.GET.get(param))
    query = request.GET.copy()
    if keep is not None:
        query = QueryDict(mutable=True)
        for key, value in keep.items():
            query[key] = value

    def url(number: int) -> str:
        query[param] = str(number)
        return "?" + query.urlencode()

    links = []
    if page.paginator.num_pages > 1:
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1):
            if number == Paginator.ELLIPSIS:
                links.append({"ellipsis": True})
            else:
                links.append(
                    {"number": number, "url": url(number), "current": number == page.number}
                )
    page.links = links
    page.prev_url = url(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = url(page.next_page_number()) if page.has_next() else ""
    return page
