"""The progress reports: those of a task for a period, where a report is written, one
report with its evidence, history and what the actor may do with it, and one evidence file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area, AuditEvent
from linli.core.roles import Cap

from ...models import Evidence, Plan, PlanTask, ProgressReport
from ..access import plan_area, plan_prefixes, plans_visible, prefix_of_plan
from ._common import (
    EDITABLE,
    MISSING,
    STATUS_FILTERS,
    _held_prefixes,
    _nearest_is_own,
    _own_prefixes,
    _pk,
    status_label,
)
from .approvals import approval_of, report_levels
from .periods import clean_period, period_due, period_label, period_of, started_periods, today
from .tasks import task_get

__all__ = [
    "HISTORY_LABELS",
    "REPORT_TARGET",
    "AreaReport",
    "HistoryRow",
    "Place",
    "ReportView",
    "TaskReports",
    "evidence_get",
    "history",
    "report_above",
    "report_get",
    "report_lookup",
    "report_place",
    "task_reports",
    "writable_areas",
]

REPORT_TARGET = ProgressReport._meta.label_lower


# --- the reports of a task ------------------------------------------------------------------------


@dataclass
class AreaReport:
    """One area's report of a task for a period (``report`` None: not written)."""

    area: Area
    report: ProgressReport | None
    required: bool  # a reporting area (else the area's own summary)
    can_write: bool

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else MISSING

    @property
    def status_label(self) -> str:
        return status_label(self.status)


@dataclass
class TaskReports:
    task: PlanTask
    period: str | None
    periods: list[str]
    due_on: dt.date | None
    rows: list[AreaReport]
    counts: dict[str, int]  # status → reporting areas (not the summaries)

    @property
    def tally(self) -> list[tuple[str, str, int]]:
        """(status, label, count) in the order of the workflow."""
        return [(s, status_label(s), self.counts[s]) for s in STATUS_FILTERS if s in self.counts]

    @property
    def period_label(self) -> str:
        return period_label(self.period) if self.period else ""


def task_reports(*, actor, task: PlanTask, period=None) -> TaskReports:
    """The reports of ``task`` for ``period`` (default: the current one) of every area of the
    actor's that writes one, each with its status, in code order (a town before its
    communities). Three queries."""
    plan = task.plan
    day = today()
    periods = started_periods(task, day)
    prefixes = plan_prefixes(actor, plan, Cap.PLAN_VIEW)
    if not periods or not prefixes:
        return TaskReports(task, None, periods, None, [], {})
    if period in (None, ""):
        current = period_of(task, day)
        period = current if current in periods else periods[0]
    else:
        period = clean_period(task, period, day=day)
    levels = report_levels(task, plan)
    areas = Area.objects.filter(
        scoping.prefix_q(prefixes, "code"),
        code__startswith=prefix_of_plan(plan),
        level__in=levels,
    ).order_by("code")
    reports = {
        r.area_code: r
        for r in ProgressReport.objects.filter(scoping.prefix_q(prefixes), task=task, period=period)
    }
    active = plan.status == Plan.Status.ACTIVE
    rows = []
    counts: dict[str, int] = {}
    for area in areas:
        report = reports.get(area.code)
        writable = active and (report is None or report.status in EDITABLE)
        row = AreaReport(
            area=area,
            report=report,
            required=area.level == task.report_level,
            can_write=writable and scoping.has_cap(actor, Cap.PLAN_REPORT, area.code),
        )
        if row.required:
            counts[row.status] = counts.get(row.status, 0) + 1
        rows.append(row)
    return TaskReports(task, period, periods, period_due(task, period), rows, counts)


@dataclass
class Place:
    """Where a report is written: the task, the area and the period, and the report so far."""

    task: PlanTask
    plan: Plan
    area: Area
    period: str
    due_on: dt.date
    report: ProgressReport | None

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def editable(self) -> bool:
        return self.plan.status == Plan.Status.ACTIVE and (
            self.report is None or self.report.status in EDITABLE
        )


def writable_areas(*, actor, task: PlanTask) -> list[Area]:
    """The areas of the actor's for which ``task`` takes a report, the widest first."""
    plan = task.plan
    prefixes = plan_prefixes(actor, plan, Cap.PLAN_REPORT)
    if plan.is_template or not prefixes:
        return []
    own = _own_prefixes(actor, Cap.PLAN_REPORT)
    held = _held_prefixes(Cap.PLAN_REPORT, prefixes)
    areas = Area.objects.filter(
        scoping.prefix_q(prefixes, "code"),
        code__startswith=prefix_of_plan(plan),
        level__in=report_levels(task, plan),
    ).order_by("level", "code")
    return [a for a in areas if _nearest_is_own(a.code, own, held)]


def report_place(*, actor, task_id, area_code=None, period=None) -> Place:
    """Check where a report is written: a task of a plan (not a template), an area of the
    task's that the actor reports for (default: the first one the actor writes), and a period
    of the task that has begun (default: the current one)."""
    task = task_get(actor=actor, task_id=task_id, cap=Cap.PLAN_REPORT)
    plan = task.plan
    if plan.is_template:
        raise ActionError(_("A template's tasks take no reports: adopt the plan first."))
    if area_code in (None, ""):
        choices = writable_areas(actor=actor, task=task)
        if not choices:
            raise Forbidden(_("You do not report on this task."))
        choices.sort(key=lambda a: (a.level != task.report_level, a.level, a.code))
        area = choices[0]
    else:
        area = plan_area(actor, plan, area_code, Cap.PLAN_REPORT, field="area_code")
    if area.level not in report_levels(task, plan):
        raise ActionError(
            _("%(area)s does not report on this task: it is reported by each %(level)s.")
            % {"area": area.name, "level": Level(task.report_level).label},
            field="area_code",
        )
    day = today()
    if period in (None, ""):
        periods = started_periods(task, day)
        if not periods:
            raise ActionError(_("This task has no period to report yet."), field="period")
        current = period_of(task, day)
        period = current if current in periods else periods[0]
    else:
        period = clean_period(task, period, day=day)
    report = ProgressReport.objects.filter(task=task, area_code=area.code, period=period).first()
    return Place(task, plan, area, period, period_due(task, period), report)


# --- one report -----------------------------------------------------------------------------------


def _visible_report(actor, pk: int) -> ProgressReport | None:
    report = (
        ProgressReport.objects.select_related("task__plan", "submitted_by", "decided_by")
        .filter(pk=pk, task__plan__in=plans_visible(actor, Cap.PLAN_VIEW))
        .first()
    )
    if report is None:
        return None
    prefixes = plan_prefixes(actor, report.task.plan, Cap.PLAN_VIEW)
    if not any(report.area_code.startswith(p) for p in prefixes):
        return None
    return report


def report_lookup(*, actor, report_id) -> ProgressReport:
    """A report in one of the actor's areas (with its task and plan); else not found."""
    pk = _pk(report_id, _("There is no such report."))
    report = _visible_report(actor, pk)
    if report is None:
        raise NotFound(_("There is no such report."))
    return report


@dataclass
class HistoryRow:
    at: dt.datetime
    who: str
    action: str
    label: str


HISTORY_LABELS = {
    "plans.report.save": lambda: _("saved"),
    "plans.report.submit": lambda: _("submitted"),
    "plans.report.approve": lambda: _("approved"),
    "plans.report.return": lambda: _("returned"),
    "plans.report.reopen": lambda: _("reopened"),
    "plans.evidence.add": lambda: _("file attached"),
    "plans.evidence.remove": lambda: _("file removed"),
}


def history(report: ProgressReport) -> list[HistoryRow]:
    """The audit events of a report, oldest first, with who and when."""
    events = (
        AuditEvent.objects.filter(target_type=REPORT_TARGET, target_id=str(report.pk))
        .select_related("actor")
        .order_by("at", "id")
    )
    rows = []
    for event in events:
        who = event.actor.get_full_name() if event.actor is not None else event.actor_label
        label = HISTORY_LABELS.get(event.action)
        rows.append(HistoryRow(event.at, who, event.action, label() if label else event.action))
    return rows


@dataclass
class ReportView:
    report: ProgressReport
    task: PlanTask
    plan: Plan
    area: Area
    approver: Area | None
    evidence: list[Evidence]
    history: list[HistoryRow]
    can_edit: bool
    can_decide: bool
    can_reopen: bool
    above: ProgressReport | None  # the report of the area above, same task and period

    @property
    def period_label(self) -> str:
        return period_label(self.report.period)

    @property
    def status_label(self) -> str:
        return status_label(self.report.status)

    @property
    def on_time(self) -> bool | None:
        if self.report.submitted_at is None:
            return None
        return timezone.localdate(self.report.submitted_at) <= self.report.due_on

    @property
    def locked_by_above(self) -> bool:
        return self.above is not None and self.above.status == ProgressReport.Status.APPROVED


def report_above(report: ProgressReport, plan: Plan) -> ProgressReport | None:
    """The report of the area above ``report``'s, same task and period (if it has one)."""
    if report.area_code == plan.area_code:
        return None
    parent = areacodes.parent_code(report.area_code)
    if parent is None or not parent.startswith(prefix_of_plan(plan)):
        return None
    return ProgressReport.objects.filter(
        task_id=report.task_id, area_code=parent, period=report.period
    ).first()


def report_get(*, actor, report_id) -> ReportView:
    """A report with its evidence, history and what the actor may do with it."""
    report = report_lookup(actor=actor, report_id=report_id)
    task, plan = report.task, report.task.plan
    cap, approver_code = approval_of(plan, report.area_code)
    areas = {a.code: a for a in Area.objects.filter(code__in={report.area_code, approver_code})}
    area = areas.get(report.area_code) or Area(code=report.area_code, name=report.area_code)
    approving = scoping.has_cap(actor, cap, approver_code)
    status = report.status
    above = report_above(report, plan) if status == ProgressReport.Status.APPROVED else None
    view = ReportView(
        report=report,
        task=task,
        plan=plan,
        area=area,
        approver=areas.get(approver_code),
        evidence=list(report.evidence.all()),
        history=history(report),
        can_edit=plan.status == Plan.Status.ACTIVE
        and status in EDITABLE
        and scoping.has_cap(actor, Cap.PLAN_REPORT, report.area_code),
        can_decide=approving and status == ProgressReport.Status.SUBMITTED,
        can_reopen=False,
        above=above,
    )
    view.can_reopen = approving and status == ProgressReport.Status.APPROVED
    view.can_reopen = view.can_reopen and not view.locked_by_above
    return view


def evidence_get(*, actor, evidence_id) -> Evidence:
    """A file of a report the actor sees."""
    pk = _pk(evidence_id, _("There is no such file."))
    row = Evidence.objects.filter(pk=pk).only("pk", "report_id").first()
    report = _visible_report(actor, row.report_id) if row is not None else None
    if report is None:
        raise NotFound(_("There is no such file."))
    found = Evidence.objects.get(pk=pk)
    found.report = report
    return found
