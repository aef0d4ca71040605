"""Registry pages: ledgers (台账) generated from the registry.

- ``ledgers/``: which ledgers there are for an area, with counts, and the same counts for each
  area one level below (towns of a county, communities of a town, grids of a community);
- ``ledgers/<ledger>/``: one ledger — people per community at the top, then the rows, a page at
  a time, with identity and phone numbers masked;
- ``ledgers/<ledger>/export.xlsx|csv``: the whole ledger as a file (audited), numbers in full
  for those who hold ``pii.reveal`` over the area unless they ask for ``masked=1``.

The area is the ``area`` query parameter (default: the user's widest area); an area outside
the user's registry areas is a 404, as for any other record they cannot see.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap

from .. import ledgers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEDGER_CODE = r"(?P<ledger>[a-z0-9][a-z0-9_.\-]{0,39})"


def _scope(request, ledger: str | None = None) -> ledgers.LedgerScope:
    if not scoping.has_cap(request.user, Cap.REGISTRY_VIEW):
        raise PermissionDenied
    try:
        return ledgers.ledger_scope(
            actor=request.user, area_code=request.GET.get("area"), ledger=ledger
        )
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None


def _page_size(request) -> int:
    """Fewer rows a page in elderly mode."""
    return ledgers.PAGE_SIZE // 2 if getattr(request, "elderly_mode", False) else ledgers.PAGE_SIZE


def _choices(request, scope) -> list[dict]:
    return [
        {
            "code": area.code,
            "name": area.name,
            "indent": "\u3000" * depth,
            "selected": area == scope.area,
        }
        for area, depth in ledgers.area_choices(actor=request.user)
    ]


@login_required
@require_GET
@never_cache
def ledger_index(request):
    scope = _scope(request)
    overview = ledgers.ledger_overview(scope=scope)
    names = ledgers.area_names(scope=scope)
    return render(
        request,
        "registry/ledgers/index.html",
        {
            "scope": scope,
            "area_title": ledgers.area_title(scope, names),
            "choices": _choices(request, scope),
            "items": [(ledger, overview.totals[ledger.code]) for ledger in scope.ledgers],
            "below": overview.rows,
            "below_totals": [overview.totals[ledger.code] for ledger in scope.ledgers],
        },
    )


@login_required
@require_GET
@never_cache
def ledger_detail(request, ledger: str):
    scope = _scope(request, ledger)
    names = ledgers.area_names(scope=scope)
    summary = ledgers.ledger_summary(scope=scope, names=names)
    page = ledgers.ledger_page(
        scope=scope, names=names, page=request.GET.get("page") or 1, per_page=_page_size(request)
    )
    columns = scope.ledger.screen_columns(scope.area.level)
    rows = [ledgers.cells(row, columns, seq) for seq, row in enumerate(page.rows, start=page.start)]
    return render(
        request,
        "registry/ledgers/detail.html",
        {
            "scope": scope,
            "ledger": scope.ledger,
            "area_title": ledgers.area_title(scope, names),
            "choices": _choices(request, scope),
            "summary": summary,
            "page": page,
            "columns": columns,
            "rows": rows,
        },
    )


@login_required
@require_GET
def ledger_export_view(request, ledger: str, fmt: str):
    if not scoping.has_cap(request.user, Cap.REGISTRY_VIEW):
        raise PermissionDenied
    try:
        export = ledgers.ledger_export(
            actor=request.user,
            ledger=ledger,
            area_code=request.GET.get("area"),
            fmt=fmt,
            masked=request.GET.get("masked") in ("1", "true", "on"),
        )
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:  # e.g. too long for one .xlsx sheet: back to the page, say why
        messages.error(request, exc.message)
        query = urlencode({"area": request.GET.get("area", "")})
        return redirect(f"{reverse('registry:ledger_detail', args=[ledger])}?{query}")
    if export.content is not None:
        response = HttpResponse(export.content, content_type=XLSX)
    else:
        response = StreamingHttpResponse(export.chunks(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, export.display_filename)
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    response["X-Export-Masked"] = "1" if export.masked else "0"
    return response


urlpatterns = [
    path("ledgers/", ledger_index, name="ledger_index"),
    re_path(rf"^ledgers/{LEDGER_CODE}/$", ledger_detail, name="ledger_detail"),
    re_path(
        rf"^ledgers/{LEDGER_CODE}/export\.(?P<fmt>csv|xlsx)$",
        ledger_export_view,
        name="ledger_export",
    ),
]
