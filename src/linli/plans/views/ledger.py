"""plans pages: the task ledger (年度任务清单和工作台账).

- ``plans:ledger`` (?plan=&group=&lead=&status=): the actor's work — the reports to write, the
  reports to approve — and the plan's task table with filters.
- ``plans:task`` (task_id; ?period=): a task, its milestones and the reports of the areas below
  the actor's with their status; ``task_new`` (plan_id), ``task_edit``, ``task_remove`` (POST),
  ``milestone_new`` (task_id), ``milestone_remove`` (milestone_id, POST).
- ``plans:report_edit`` (task_id; ?area=&period=): write, save and submit an area's progress,
  from a phone too; ``evidence_new`` (report_id, POST) attaches a file, ``evidence_remove``
  (evidence_id, POST) takes one off, ``ledger_evidence`` (evidence_id) downloads one (audited).
- ``plans:ledger_report`` (report_id): a report with its files and history, and the approver's
  forms; ``report_decide`` (report_id, POST: approve, return or reopen).
- ``plans:approvals``: the reports waiting for the actor's decision.
- ``plans:ledger_rates`` (plan_id; ?period=&area=): reporting and on-time rates by child area,
  as a table and a bar chart (``plans/ledger.js``), with links down.
- ``plans:ledger_home``: the home pages' "Progress reports due" block, filled by htmx.

Every read goes through :mod:`linli.plans.queries.ledger`, every write through
:mod:`linli.plans.actions.ledger`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import read, submit
from linli.notices.files import download
from linli.web.navigation import HOME_SECTIONS, HomeSection

from ..actions import ledger as actions
from ..forms_ledger import DecisionForm, EvidenceForm, MilestoneForm, ReportForm, TaskForm
from ..models import Plan, PlanTask, ProgressReport
from ..queries import ledger as queries
from ..queries.access import plan_area, plan_for, plans_visible

HOME_ROWS = 5


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args or None)
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(kept)}" if kept else url


def _require(request, cap: str = Cap.PLAN_VIEW) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def _run(request, act, *, message) -> bool:
    """Run a button's action: its refusal is the 403 page, its other errors a message."""
    try:
        act()
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, message)
    return True


# --- the ledger ---------------------------------------------------------------------------------


def _plans(actor) -> list[Plan]:
    return list(
        plans_visible(actor, Cap.PLAN_VIEW)
        .filter(is_template=False)
        .exclude(status=Plan.Status.CLOSED)
        .order_by("area_code", "-start_year", "pk")
    )


@login_required
@require_GET
def ledger(request):
    _require(request)
    actor = request.user
    plans = _plans(actor)
    wanted = request.GET.get("plan")
    plan = None
    if wanted:
        plan = read(plan_for, actor=actor, plan_id=wanted)
    elif plans:
        plan = next((p for p in plans if p.status == Plan.Status.ACTIVE), plans[0])
    values = {key: str(request.GET.get(key, "")).strip()[:100] for key in ("group", "lead")}
    values["status"] = str(request.GET.get("status", "")).strip()[:20]
    errors: dict = {}
    table = None
    if plan is not None:
        try:
            table = queries.task_list(actor=actor, plan_id=plan.pk, **values)
        except ActionError as exc:
            errors = exc.errors or {"__all__": [exc.message]}
            table = queries.task_list(actor=actor, plan_id=plan.pk)
    context = {
        "plans": plans,
        "plan": plan,
        "table": table,
        "values": values,
        "errors": errors,
        "duties": queries.my_reports(actor=actor),
        "pending": queries.approvals_pending(actor=actor),
        "statuses": [(s, queries.status_label(s)) for s in queries.STATUS_FILTERS],
        "can_report": scoping.has_cap(actor, Cap.PLAN_REPORT),
    }
    return render(request, "plans/ledger/ledger.html", context, status=400 if errors else 200)


@login_required
@require_GET
def approvals(request):
    user = request.user
    if not scoping.has_cap(user, Cap.PLAN_APPROVE) and not scoping.has_cap(user, Cap.PLAN_MANAGE):
        raise PermissionDenied
    pending = queries.approvals_pending(actor=request.user)
    return render(request, "plans/ledger/approvals.html", {"pending": pending})


# --- tasks --------------------------------------------------------------------------------------


@login_required
@require_GET
def task(request, task_id: int):
    _require(request)
    actor = request.user
    found = read(queries.task_get, actor=actor, task_id=task_id)
    reports = read(
        queries.task_reports, actor=actor, task=found, period=request.GET.get("period") or None
    )
    context = {
        "task": found,
        "plan": found.plan,
        "milestones": list(found.milestones.all()),
        "reports": reports,
        "periods": queries.period_choices(reports.periods),
        "can_manage": queries.can_manage(actor, found.plan),
        "writable": queries.writable_areas(actor=actor, task=found)
        if found.plan.status == Plan.Status.ACTIVE
        else [],
        "levels": [Level(level).label for level in queries.report_levels(found, found.plan)],
    }
    return render(request, "plans/ledger/task.html", context)


def _task_initial(task: PlanTask) -> dict:
    return {name: getattr(task, name) for name in actions.TASK_FIELDS}


def _task_form_page(request, form, *, plan, task=None, status=200):
    context = {"form": form, "plan": plan, "task": task}
    return render(request, "plans/ledger/task_form.html", context, status=status)


def _managed_plan(request, plan_id) -> Plan:
    _require(request)
    plan = read(plan_for, actor=request.user, plan_id=plan_id)
    if not queries.can_manage(request.user, plan):
        raise PermissionDenied
    return plan


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request, plan_id: int):
    actor = request.user
    plan = _managed_plan(request, plan_id)
    initial = {
        "first_year": plan.start_year,
        "last_year": plan.end_year,
        "due_month": 12,
        "due_day": 31,
        "frequency": PlanTask.Frequency.YEAR,
    }
    form = TaskForm(request.POST or None, initial=initial, auto_id="task-%s")
    if request.method == "GET":
        return _task_form_page(request, form, plan=plan)
    done, status = submit(
        request,
        form,
        lambda data: actions.task_create(actor=actor, plan_id=plan.pk, **data),
        message=_("The task is saved."),
        to=lambda created: reverse("plans:task", args=[created.pk]),
    )
    return done or _task_form_page(request, form, plan=plan, status=status)


def _managed_task(request, task_id) -> PlanTask:
    _require(request)
    found = read(queries.task_get, actor=request.user, task_id=task_id)
    if not queries.can_manage(request.user, found.plan):
        raise PermissionDenied
    return found


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request, task_id: int):
    actor = request.user
    found = _managed_task(request, task_id)
    form = TaskForm(request.POST or None, initial=_task_initial(found), auto_id="task-%s")
    if request.method == "GET":
        return _task_form_page(request, form, plan=found.plan, task=found)
    done, status = submit(
        request,
        form,
        lambda data: actions.task_update(actor=actor, task_id=found.pk, **data),
        message=_("The task is saved."),
        to=reverse("plans:task", args=[found.pk]),
    )
    return done or _task_form_page(request, form, plan=found.plan, task=found, status=status)


@login_required
@require_POST
def task_remove(request, task_id: int):
    found = _managed_task(request, task_id)
    if _run(
        request,
        lambda: actions.task_remove(actor=request.user, task_id=found.pk),
        message=_("The task is removed."),
    ):
        return redirect(_url("plans:ledger", plan=found.plan_id))
    return redirect("plans:task", found.pk)


@login_required
@require_http_methods(["GET", "POST"])
def milestone_new(request, task_id: int):
    actor = request.user
    found = _managed_task(request, task_id)
    form = MilestoneForm(
        request.POST or None, initial={"year": found.first_year}, auto_id="milestone-%s"
    )
    context = {"form": form, "task": found, "plan": found.plan}
    if request.method == "GET":
        return render(request, "plans/ledger/milestone_form.html", context)
    done, status = submit(
        request,
        form,
        lambda data: actions.milestone_add(actor=actor, task_id=found.pk, **data),
        message=_("The milestone is saved."),
        to=reverse("plans:task", args=[found.pk]),
    )
    return done or render(request, "plans/ledger/milestone_form.html", context, status=status)


@login_required
@require_POST
def milestone_remove(request, milestone_id: int):
    _require(request)
    try:
        found = actions.milestone_remove(actor=request.user, milestone_id=milestone_id)
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("plans:ledger")
    messages.success(request, _("The milestone is removed."))
    return redirect("plans:task", found.pk)


# --- writing a report ---------------------------------------------------------------------------


def _edit_page(request, place, *, form=None, status=200):
    actor = request.user
    report = place.report
    context = {
        "place": place,
        "task": place.task,
        "plan": place.plan,
        "report": report,
        "form": form
        or ReportForm(
            initial={"text": report.text, "percent": report.percent} if report else None,
            auto_id="report-%s",
        ),
        "evidence": list(report.evidence.all()) if report is not None else [],
        "evidence_form": EvidenceForm(auto_id="evidence-%s"),
        "areas": queries.writable_areas(actor=actor, task=place.task),
        "periods": queries.period_choices(queries.started_periods(place.task, queries.today())),
        "max_files": actions.EVIDENCE_MAX_COUNT,
    }
    return render(request, "plans/ledger/report_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request, task_id: int):
    _require(request, Cap.PLAN_REPORT)
    actor = request.user
    source = request.POST if request.method == "POST" else request.GET
    place = read(
        queries.report_place,
        actor=actor,
        task_id=task_id,
        area_code=source.get("area") or None,
        period=source.get("period") or None,
    )
    if request.method == "GET":
        return _edit_page(request, place)
    if not place.editable:
        messages.error(request, _("This report can no longer change here."))
        return redirect(
            _url("plans:report_edit", place.task.pk, area=place.area.code, period=place.period)
        )
    form = ReportForm(request.POST, auto_id="report-%s")
    submitting = request.POST.get("action") == "submit"

    def act(data):
        saved = actions.report_save(
            actor=actor,
            task_id=place.task.pk,
            area_code=place.area.code,
            period=place.period,
            text=data["text"],
            percent=data["percent"],
        )
        if submitting:
            actions.report_submit(actor=actor, report_id=saved.pk)
        return saved

    done, status = submit(
        request,
        form,
        act,
        message=_("The report is submitted.") if submitting else _("The progress is saved."),
        to=lambda saved: (
            reverse("plans:ledger_report", args=[saved.pk])
            if submitting
            else _url("plans:report_edit", place.task.pk, area=place.area.code, period=place.period)
        ),
    )
    if done:
        return done
    place = read(
        queries.report_place,
        actor=actor,
        task_id=place.task.pk,
        area_code=place.area.code,
        period=place.period,
    )
    return _edit_page(request, place, form=form, status=status)


def _back_to_edit(report: ProgressReport) -> str:
    return _url("plans:report_edit", report.task_id, area=report.area_code, period=report.period)


@login_required
@require_POST
def evidence_new(request, report_id: int):
    _require(request, Cap.PLAN_REPORT)
    report = read(queries.report_lookup, actor=request.user, report_id=report_id)
    form = EvidenceForm(request.POST, request.FILES, auto_id="evidence-%s")
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
        return redirect(_back_to_edit(report))
    _run(
        request,
        lambda: actions.evidence_add(
            actor=request.user, report_id=report.pk, file=form.cleaned_data["file"]
        ),
        message=_("The file is attached."),
    )
    return redirect(_back_to_edit(report))


@login_required
@require_POST
def evidence_remove(request, evidence_id: int):
    _require(request, Cap.PLAN_REPORT)
    row = read(queries.evidence_get, actor=request.user, evidence_id=evidence_id)
    _run(
        request,
        lambda: actions.evidence_remove(actor=request.user, evidence_id=row.pk),
        message=_("The file is removed."),
    )
    return redirect(_back_to_edit(row.report))


@login_required
@require_GET
def ledger_evidence(request, evidence_id: int):
    _require(request)
    row = read(actions.evidence_download, actor=request.user, evidence_id=evidence_id)
    return download(row)


# --- a report and its decision ------------------------------------------------------------------


@login_required
@require_GET
def ledger_report(request, report_id: int):
    _require(request)
    view = read(queries.report_get, actor=request.user, report_id=report_id)
    context = {
        "view": view,
        "report": view.report,
        "task": view.task,
        "plan": view.plan,
        "form": DecisionForm(auto_id="decide-%s"),
    }
    return render(request, "plans/ledger/report.html", context)


@login_required
@require_POST
def report_decide(request, report_id: int):
    _require(request)
    actor = request.user
    report = read(queries.report_lookup, actor=actor, report_id=report_id)
    form = DecisionForm(request.POST, auto_id="decide-%s")
    back = reverse("plans:ledger_report", args=[report.pk])
    if request.POST.get("next") == "approvals":
        back = reverse("plans:approvals")
    if not form.is_valid():
        messages.error(request, _("Choose what to do with this report."))
        return redirect(back)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    calls = {
        "approve": (
            lambda: actions.report_approve(actor=actor, report_id=report.pk),
            _("The report is approved."),
        ),
        "return": (
            lambda: actions.report_return(actor=actor, report_id=report.pk, reason=reason),
            _("The report is returned to its area."),
        ),
        "reopen": (
            lambda: actions.report_reopen(actor=actor, report_id=report.pk, reason=reason),
            _("The report is reopened and returned to its area."),
        ),
    }
    act, message = calls[decision]
    _run(request, act, message=message)
    return redirect(back)


# --- rates --------------------------------------------------------------------------------------


def chart_data(rates) -> dict:
    """What ledger.js draws; the table on the page shows the same numbers."""
    shown = [row for row in rates.rows if row.expected]
    return {
        "labels": {
            "reporting": _("Reporting rate (%)"),
            "on_time": _("On-time rate (%)"),
        },
        "names": [row.name for row in shown],
        "reporting": [row.reporting_rate for row in shown],
        "on_time": [row.on_time_rate for row in shown],
    }


@login_required
@require_GET
def ledger_rates(request, plan_id: int):
    _require(request)
    actor = request.user
    plan = read(plan_for, actor=actor, plan_id=plan_id)
    errors: dict = {}
    period = str(request.GET.get("period", "")).strip()[:7]
    area = request.GET.get("area") or None
    try:
        rates = queries.ledger_rates(actor=actor, plan_id=plan.pk, period=period, area_code=area)
    except (NotFound, Forbidden):
        raise Http404 from None
    except ActionError as exc:
        errors = exc.errors or {"__all__": [exc.message]}
        rates = read(queries.ledger_rates, actor=actor, plan_id=plan.pk, area_code=area)
    up = ""
    parent = rates.area.parent_id
    if parent and rates.area.code != plan.area_code:
        try:
            plan_area(actor, plan, parent)
        except ActionError:
            parent = None
        up = _url("plans:ledger_rates", plan.pk, area=parent, period=rates.selection)
        up = up if parent else ""
    context = {
        "plan": plan,
        "rates": rates,
        "errors": errors,
        "period": period,
        "up": up,
        "chart_data": chart_data(rates),
        "choices": queries.period_choices(rates.choices),
    }
    return render(request, "plans/ledger/rates.html", context, status=400 if errors else 200)


# --- the home block -----------------------------------------------------------------------------


def home_block(request) -> dict | None:
    """The home pages' block names only where to load from (no query of its own: the grants
    are those the home page read); without JavaScript it is a link to the ledger."""
    user = request.user
    if not scoping.has_cap(user, Cap.PLAN_REPORT) and not scoping.has_cap(user, Cap.PLAN_APPROVE):
        return None
    return {"lazy": True, "block_url": reverse("plans:ledger_home")}


@login_required
@require_GET
def ledger_home(request):
    """The home pages' "Progress reports due" block, filled (htmx)."""
    user = request.user
    if home_block(request) is None:
        raise PermissionDenied
    duties = queries.my_reports(actor=user)
    pending = queries.approvals_pending(actor=user)
    section = {
        "duties": duties[:HOME_ROWS],
        "count": len(duties),
        "overdue": sum(1 for d in duties if d.overdue),
        "pending": len(pending),
        "url": reverse("plans:ledger"),
        "approvals_url": reverse("plans:approvals"),
    }
    return render(request, "plans/ledger/_home.html", {"section": section})


_BLOCKS = [
    HomeSection(home="staff", template="plans/ledger/_home.html", context=home_block, order=30),
    HomeSection(home="officer", template="plans/ledger/_home.html", context=home_block, order=30),
]
HOME_SECTIONS.extend(
    block
    for block in _BLOCKS
    if not any(
        known.template == block.template and known.home == block.home for known in HOME_SECTIONS
    )
)


urlpatterns = [
    path("ledger/", ledger, name="ledger"),
    path("ledger/approvals/", approvals, name="approvals"),
    path("ledger/home-block/", ledger_home, name="ledger_home"),
    path("ledger/plans/<int:plan_id>/rates/", ledger_rates, name="ledger_rates"),
    path("ledger/plans/<int:plan_id>/tasks/new/", task_new, name="task_new"),
    path("ledger/tasks/<int:task_id>/", task, name="task"),
    path("ledger/tasks/<int:task_id>/edit/", task_edit, name="task_edit"),
    path("ledger/tasks/<int:task_id>/remove/", task_remove, name="task_remove"),
    path("ledger/tasks/<int:task_id>/milestones/new/", milestone_new, name="milestone_new"),
    path("ledger/milestones/<int:milestone_id>/remove/", milestone_remove, name="milestone_remove"),
    path("ledger/tasks/<int:task_id>/report/", report_edit, name="report_edit"),
    path("ledger/reports/<int:report_id>/", ledger_report, name="ledger_report"),
    path("ledger/reports/<int:report_id>/decide/", report_decide, name="report_decide"),
    path("ledger/reports/<int:report_id>/evidence/", evidence_new, name="evidence_new"),
    path("ledger/evidence/<int:evidence_id>/", ledger_evidence, name="ledger_evidence"),
    path("ledger/evidence/<int:evidence_id>/remove/", evidence_remove, name="evidence_remove"),
]
