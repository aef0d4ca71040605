"""plans pages: the annual implementation report of a plan (for holders of ``plan.view``).

- ``plans:report`` <plan_id> (``?year=&area=&snapshot=``): choose the year, the area (the
  jurisdiction or one of its sub-areas) and the values (live, or a snapshot); a preview of the
  main indicator table with each sub-area's values; the two downloads.
- ``plans:report_xlsx`` / ``plans:report_pdf`` <plan_id> (same query): the report as an .xlsx
  workbook or an A4 PDF (each download is an audit event). When the report cannot be made (a
  year never computed, a bad year) they send the browser back to the report page, which says
  why.

Every page is a GET form that works without JavaScript; the views parse, call
:func:`~linli.plans.queries.reports.plan_report` or the report actions, and render.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors

from ..actions.reports import PDF, XLSX, report_context, report_pdf, report_xlsx
from ..queries.access import plan_area, plan_for, plan_prefixes
from ..queries.reports import NO_VALUES, plan_report
from ..queries.values import plan_years, snapshot_list


def _require(request) -> None:
    if not scoping.has_cap(request.user, Cap.PLAN_VIEW):
        raise PermissionDenied


def _text(request, name: str, limit: int = 20) -> str:
    return " ".join(str(request.GET.get(name, "")).replace("\x00", "").split())[:limit]


def _query(request) -> dict[str, str]:
    return {
        "year": _text(request, "year", 6),
        "area": _text(request, "area", 15),
        "snapshot": _text(request, "snapshot", 12),
    }


def _url(name: str, plan_id: int, **query) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    url = reverse(name, args=[plan_id])
    return f"{url}?{urlencode(kept)}" if kept else url


def _optional_url(name: str, plan_id: int, **query) -> str:
    """A link to another page of the plan, or "" where that page is not offered."""
    try:
        return _url(name, plan_id, **query)
    except NoReverseMatch:
        return ""


def _visible(actor, plan, code: str | None) -> bool:
    return bool(code) and any(code.startswith(p) for p in plan_prefixes(actor, plan))


@login_required
@require_GET
def report(request, plan_id: int):
    _require(request)
    actor = request.user
    query = _query(request)
    try:
        plan = plan_for(actor, plan_id)
        found = plan_report(
            actor=actor,
            plan_id=plan.pk,
            year=query["year"],
            area_code=query["area"],
            snapshot_id=query["snapshot"],
            ledger=False,
        )
        errors: dict[str, list[str]] = {}
        missing = ""
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        found = None
        # A year never computed is not a mistake in the form: the page says so and offers
        # the computation; anything else is shown beside its field.
        missing = str(exc.message) if exc.code == NO_VALUES else ""
        errors = {} if missing else filter_errors(exc)
    if found is not None:
        area, year = found.area, found.year
    else:
        try:
            area = plan_area(actor, plan, None if "area" in errors else query["area"] or None)
        except NotFound:
            raise Http404 from None
        years = plan_years(plan)
        year = int(query["year"]) if query["year"].isdigit() and "year" not in errors else None
        year = year if year in years else (years[0] if years else None)
    snapshot = found.snapshot if found is not None else None
    keep = {"year": year, "area": area.code, "snapshot": snapshot.pk if snapshot else ""}
    context = report_context(found, charts=False) if found is not None else {"lines": []}
    children = [
        {
            "child": child,
            "url": _url("plans:report", plan.pk, **{**keep, "area": child.area_code}),
        }
        for child in (found.children if found is not None else [])
    ]
    parent = area.parent_id
    may_manage = scoping.has_cap(actor, Cap.PLAN_MANAGE, plan.area_code)
    return render(
        request,
        "plans/reports/report.html",
        {
            **context,
            "plan": plan,
            "area": area,
            "year": year,
            "report": found,
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "missing": missing,
            "years": [{"value": y, "selected": y == year} for y in plan_years(plan)],
            "snapshots": [
                {
                    "value": s.pk,
                    "label": s.label,
                    "year": s.year,
                    "day": s.measured_at,
                    "selected": snapshot is not None and s.pk == snapshot.pk,
                }
                for s in snapshot_list(actor=actor, plan_id=plan.pk)
            ],
            "children": children,
            "up_url": _url("plans:report", plan.pk, **{**keep, "area": parent})
            if _visible(actor, plan, parent)
            else "",
            "xlsx_url": _url("plans:report_xlsx", plan.pk, **keep),
            "pdf_url": _url("plans:report_pdf", plan.pk, **keep),
            "dashboard_url": _optional_url("plans:dashboard", plan.pk, area=area.code, year=year),
            "recompute_url": _optional_url("plans:recompute", plan.pk) if may_manage else "",
            "next_url": _url("plans:report", plan.pk, year=year, area=area.code),
        },
        status=400 if errors else 200,
    )


def _download(request, plan_id: int, make, content_type: str) -> HttpResponse:
    _require(request)
    query = _query(request)
    try:
        filename, content = make(
            actor=request.user,
            plan_id=plan_id,
            year=query["year"],
            area_code=query["area"],
            snapshot_id=query["snapshot"],
        )
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError:  # back to the report page, which says what is wrong
        response = HttpResponse(status=303)
        response["Location"] = _url("plans:report", plan_id, **query)
        return response
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def report_xlsx_view(request, plan_id: int):
    return _download(request, plan_id, report_xlsx, XLSX)


@login_required
@require_GET
def report_pdf_view(request, plan_id: int):
    return _download(request, plan_id, report_pdf, PDF)


urlpatterns = [
    path("<int:plan_id>/report/", report, name="report"),
    path("<int:plan_id>/report.xlsx", report_xlsx_view, name="report_xlsx"),
    path("<int:plan_id>/report.pdf", report_pdf_view, name="report_pdf"),
]
