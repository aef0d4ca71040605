"""plans pages of the values: recompute, snapshots, reported values.

- ``plans:recompute`` <plan> (POST ``year``, ``next``): queue a recompute of the plan's values
  (``plan.manage`` over the jurisdiction); back to ``next`` (the dashboard) or the status page.
- ``plans:recompute_status`` <plan> (``?year=``): where the recompute stands — a small fragment
  for htmx that polls itself while the recompute is queued or running, or a page of its own.
- ``plans:snapshots`` <plan>: the snapshots (values frozen for reporting), each opening the
  dashboard on its values; ``snapshot_new`` (POST) takes one, ``snapshot_remove`` (POST) removes
  one (``plan.manage``).
- ``plans:reported`` <plan> (``?indicator=&year=&area=``): a reported indicator of the plan for
  a year: the area's own value and its child areas', who entered each and when, the evidence;
  a form on each row the user may report for (``reported_set``, POST with a file) and a remove
  button (``reported_remove``, POST).
- ``plans:evidence_file`` <reported value>: the evidence file, as a download (an audit event).

Every page works without JavaScript; the views parse, call the actions and queries and render.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import is_htmx, read, submit

from ..actions import measure as actions
from ..forms_values import ReportedForm, SnapshotForm
from ..models import Indicator, Plan, Recompute
from ..queries import values as q
from ..queries.access import plan_for

POLL_SECONDS = 2


def _plan(request, plan_id) -> Plan:
    return read(plan_for, actor=request.user, plan_id=plan_id)


def _manageable(request, plan: Plan) -> bool:
    return not plan.is_template and scoping.has_cap(request.user, Cap.PLAN_MANAGE, plan.area_code)


def _url(name: str, *args, **query) -> str:
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    url = reverse(name, args=args or None)
    return f"{url}?{urlencode(kept)}" if kept else url


def _next(request, fallback: str) -> str:
    wanted = str(request.POST.get("next") or "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return fallback


# --- recompute -----------------------------------------------------------------------------------


@login_required
@require_POST
def recompute(request, plan_id: int):
    plan = _plan(request, plan_id)
    year = request.POST.get("year") or None
    status_url = _url("plans:recompute_status", plan.pk, year=year)
    try:
        run = actions.plan_recompute(actor=request.user, plan_id=plan.pk, year=year)
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(_next(request, status_url))
    if run.status in (Recompute.Status.QUEUED, Recompute.Status.RUNNING):
        messages.info(
            request,
            _("The values of %(year)s are being computed; this takes a moment.")
            % {"year": run.year},
        )
    elif run.status == Recompute.Status.DONE:
        messages.success(request, _("The values of %(year)s are computed.") % {"year": run.year})
    else:
        messages.error(request, run.error or _("The recompute failed."))
    return redirect(_next(request, _url("plans:recompute_status", plan.pk, year=run.year)))


@login_required
@require_GET
def recompute_status(request, plan_id: int):
    plan = _plan(request, plan_id)
    year = request.GET.get("year") or None
    try:
        state = q.recompute_state(actor=request.user, plan_id=plan.pk, year=year)
    except NotFound:
        raise Http404 from None
    except ActionError:
        state = read(q.recompute_state, actor=request.user, plan_id=plan.pk)
    context = {
        "plan": plan,
        "state": state,
        "poll_url": _url("plans:recompute_status", plan.pk, year=state.year),
        "poll_seconds": POLL_SECONDS,
        "dashboard_url": _url("plans:dashboard", plan.pk, year=state.year),
        "can_manage": _manageable(request, plan),
    }
    if is_htmx(request):
        return render(request, "plans/values/_recompute_status.html", context)
    return render(request, "plans/values/recompute_status.html", context)


# --- snapshots -----------------------------------------------------------------------------------


def _snapshots_page(request, plan: Plan, *, form=None, status: int = 200):
    snapshots = read(q.snapshot_list, actor=request.user, plan_id=plan.pk)
    manage = _manageable(request, plan)
    years = q.plan_years(plan)
    if manage and form is None and years:
        form = SnapshotForm(years=years, initial={"year": years[0]}, auto_id="snap-%s")
    context = {
        "plan": plan,
        "snapshots": snapshots,
        "can_manage": manage,
        "form": form if manage and years else None,
    }
    return render(request, "plans/values/snapshots.html", context, status=status)


@login_required
@require_GET
def snapshots(request, plan_id: int):
    return _snapshots_page(request, _plan(request, plan_id))


@login_required
@require_POST
def snapshot_new(request, plan_id: int):
    plan = _plan(request, plan_id)
    if not _manageable(request, plan):
        raise PermissionDenied
    form = SnapshotForm(request.POST, years=q.plan_years(plan), auto_id="snap-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.snapshot_take(actor=request.user, plan_id=plan.pk, **data),
        message=lambda snapshot: (
            _("The values are frozen as “%(label)s”.") % {"label": snapshot.label}
        ),
        to=reverse("plans:snapshots", args=[plan.pk]),
        missing_page=True,
    )
    return done or _snapshots_page(request, plan, form=form, status=status)


@login_required
@require_POST
def snapshot_remove(request, plan_id: int, snapshot_id: int):
    plan = _plan(request, plan_id)
    try:
        actions.snapshot_remove(actor=request.user, snapshot_id=snapshot_id, plan_id=plan.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError:
        raise Http404 from None
    messages.success(request, _("The snapshot is removed."))
    return redirect("plans:snapshots", plan.pk)


# --- reported values -----------------------------------------------------------------------------


def _reported_query(request) -> dict:
    source = request.POST if request.method == "POST" else request.GET
    names = {"indicator": "page_indicator", "year": "page_year", "area": "page_area"}
    if request.method == "POST":
        return {k: str(source.get(v, "")).strip()[:20] for k, v in names.items()}
    return {k: str(source.get(k, "")).strip()[:20] for k in names}


def _row_form(table, row, bound=None) -> ReportedForm | None:
    if not row.can_report or table.indicator is None:
        return None
    total = table.indicator.aggregation == Indicator.Aggregation.TOTAL
    prefix = f"r{row.area_code}-%s"
    if bound is not None and bound.data.get("area_code") == row.area_code:
        if total and "denominator" in bound.fields and not bound.errors.get("denominator"):
            del bound.fields["denominator"]
        return bound
    value = row.value
    initial = {"indicator": table.indicator.pk, "area_code": row.area_code, "year": table.year}
    if value is not None:
        initial.update(
            numerator=_plain(value.numerator),
            denominator=_plain(value.denominator),
            note=value.note,
        )
    return ReportedForm(initial=initial, total=total, auto_id=prefix)


def _plain(value) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _reported_page(request, plan_id, *, bound=None, status: int = 200):
    query = _reported_query(request)
    try:
        table = q.reported_table(
            actor=request.user,
            plan_id=plan_id,
            indicator_id=query["indicator"] or None,
            year=query["year"] or None,
            area_code=query["area"] or None,
        )
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
        table = read(
            q.reported_table,
            actor=request.user,
            plan_id=plan_id,
            indicator_id=query["indicator"] or None,
        )
    rows = [(row, _row_form(table, row, bound)) for row in table.rows]
    context = {
        "plan": table.plan,
        "table": table,
        "rows": rows,
        "query": {
            "indicator": table.indicator.pk if table.indicator else "",
            "year": table.year,
            "area": table.area.code,
        },
        "dashboard_url": _url(
            "plans:dashboard", table.plan.pk, area=table.area.code, year=table.year
        ),  # fmt: skip
    }
    return render(request, "plans/values/reported.html", context, status=status)


@login_required
@require_GET
def reported(request, plan_id: int):
    return _reported_page(request, plan_id)


def _back(plan: Plan, query: dict) -> str:
    return _url("plans:reported", plan.pk, **query)


@login_required
@require_POST
def reported_set(request, plan_id: int):
    plan = _plan(request, plan_id)
    query = _reported_query(request)
    area_code = str(request.POST.get("area_code", ""))[:15]
    form = ReportedForm(request.POST, request.FILES, auto_id=f"r{area_code}-%s")

    def act(data):
        return actions.reported_value_set(
            actor=request.user,
            indicator_id=data["indicator"],
            area_code=data["area_code"],
            year=data["year"],
            numerator=data["numerator"],
            denominator=data.get("denominator") or None,
            note=data["note"],
            evidence=data["evidence"],
            plan_id=plan.pk,
        )

    done, status = submit(
        request,
        form,
        act,
        message=_("The value is saved; the plan's values are recomputed with it."),
        to=_back(plan, query),
        aliases={"area": "area_code"},
        missing_page=True,
    )
    return done or _reported_page(request, plan.pk, bound=form, status=status)


@login_required
@require_POST
def reported_remove(request, plan_id: int, reported_id: int):
    plan = _plan(request, plan_id)
    query = _reported_query(request)
    try:
        actions.reported_value_remove(actor=request.user, reported_id=reported_id, plan_id=plan.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError:
        raise Http404 from None
    messages.success(request, _("The value is removed."))
    return redirect(_back(plan, query))


@login_required
@require_GET
def evidence_file(request, reported_id: int):
    row = read(actions.reported_evidence, actor=request.user, reported_id=reported_id)
    try:
        handle = row.evidence.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    name = row.evidence_name or "evidence"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type, as_attachment=True, filename=name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns = [
    path("<int:plan_id>/values/recompute/", recompute, name="recompute"),
    path("<int:plan_id>/values/recompute/status/", recompute_status, name="recompute_status"),
    path("<int:plan_id>/snapshots/", snapshots, name="snapshots"),
    path("<int:plan_id>/snapshots/new/", snapshot_new, name="snapshot_new"),
    path(
        "<int:plan_id>/snapshots/<int:snapshot_id>/remove/",
        snapshot_remove,
        name="snapshot_remove",
    ),
    path("<int:plan_id>/reported/", reported, name="reported"),
    path("<int:plan_id>/reported/set/", reported_set, name="reported_set"),
    path(
        "<int:plan_id>/reported/<int:reported_id>/remove/",
        reported_remove,
        name="reported_remove",
    ),
    path("reported/<int:reported_id>/evidence/", evidence_file, name="evidence_file"),
]
