"""A plan's tasks and what the actor must report on them: one task, the task table with
the actor's reports of the last and the current period, and the actor's reports due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Plan, PlanTask, ProgressReport
from ..access import plan_for, plan_prefixes, plans_visible
from ._common import (
    DONE,
    MISSING,
    STATUS_FILTERS,
    _held_prefixes,
    _nearest_is_own,
    _own_prefixes,
    _pk,
    status_label,
)
from .periods import open_periods, period_due, period_label, today

__all__ = [
    "Duty",
    "TaskList",
    "TaskRow",
    "can_manage",
    "my_reports",
    "task_get",
    "task_list",
]


def task_get(*, actor, task_id, cap: str = Cap.PLAN_VIEW) -> PlanTask:
    """A task of a plan the actor sees, with its plan and milestones."""
    pk = _pk(task_id, _("There is no such task."))
    task = (
        PlanTask.objects.select_related("plan")
        .prefetch_related("milestones")
        .filter(pk=pk, plan__in=plans_visible(actor, cap))
        .first()
    )
    if task is None:
        raise NotFound(_("There is no such task."))
    return task


def can_manage(actor, plan: Plan) -> bool:
    """May ``actor`` change the plan's tasks (not a template, not closed)?"""
    return (
        not plan.is_template
        and plan.status != Plan.Status.CLOSED
        and scoping.has_cap(actor, Cap.PLAN_MANAGE, plan.area_code)
    )


@dataclass
class Duty:
    """A report the actor is to write: a task, an area and a period."""

    task: PlanTask
    area: Area
    period: str
    due_on: dt.date
    report: ProgressReport | None
    overdue: bool

    @property
    def status(self) -> str:
        return self.report.status if self.report is not None else MISSING

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def period_label(self) -> str:
        return period_label(self.period)

    @property
    def plan(self) -> Plan:
        return self.task.plan


def _duties(actor, tasks: list[PlanTask], day: dt.date) -> list[Duty]:
    """The reports of ``tasks`` (their plans loaded) for the last and current periods that the
    actor writes: reporting areas in the actor's areas where no one nearer holds
    ``plan.report``. Four queries however many tasks and areas."""
    tasks = [t for t in tasks if not t.plan.is_template and t.plan.status == Plan.Status.ACTIVE]
    per_plan = {t.plan_id: plan_prefixes(actor, t.plan, Cap.PLAN_REPORT) for t in tasks}
    prefixes = sorted({p for found in per_plan.values() for p in found})
    periods = {t.pk: open_periods(t, day) for t in tasks}
    tasks = [t for t in tasks if per_plan[t.plan_id] and periods[t.pk]]
    if not tasks:
        return []
    own = _own_prefixes(actor, Cap.PLAN_REPORT)
    held = _held_prefixes(Cap.PLAN_REPORT, prefixes)
    levels = {t.report_level for t in tasks}
    areas = list(
        Area.objects.filter(scoping.prefix_q(prefixes, "code"), level__in=levels).order_by("code")
    )
    reports = {
        (r.task_id, r.area_code, r.period): r
        for r in ProgressReport.objects.filter(
            scoping.prefix_q(prefixes),
            task__in=[t.pk for t in tasks],
            period__in=sorted({p for t in tasks for p in periods[t.pk]}),
        )
    }
    mine = {a.code for a in areas if _nearest_is_own(a.code, own, held)}
    found: list[Duty] = []
    for task in tasks:
        inside = per_plan[task.plan_id]
        for area in areas:
            if area.level != task.report_level or area.code not in mine:
                continue
            if not any(area.code.startswith(p) for p in inside):
                continue
            for period in periods[task.pk]:
                due = period_due(task, period)
                report = reports.get((task.pk, area.code, period))
                done = report is not None and report.status in DONE
                found.append(Duty(task, area, period, due, report, not done and day > due))
    return found


def my_reports(*, actor) -> list[Duty]:
    """What the actor must report now: for the tasks of the plans in force, the reports of the
    last and the current period of the areas the actor writes for that are not yet submitted
    (missing, draft or returned), the earliest due first."""
    plans = plans_visible(actor, Cap.PLAN_REPORT).filter(
        status=Plan.Status.ACTIVE, is_template=False
    )
    tasks = list(PlanTask.objects.filter(plan__in=plans).select_related("plan"))
    if not tasks:
        return []
    rows = [d for d in _duties(actor, tasks, today()) if d.status not in DONE]
    rows.sort(key=lambda d: (d.due_on, d.task.plan_id, d.task.position, d.task.pk, d.area.code))
    return rows


@dataclass
class TaskRow:
    task: PlanTask
    duties: list[Duty]


@dataclass
class TaskList:
    plan: Plan
    rows: list[TaskRow]
    groups: list[str]
    can_manage: bool
    filters: dict = field(default_factory=dict)


def task_list(*, actor, plan_id, group="", lead="", status="") -> TaskList:
    """The tasks of a plan, in order: only those of ``group``, those whose lead units mention
    ``lead``, and those where one of the actor's reports of the last or current period is in
    ``status`` (``missing`` for not written)."""
    plan = plan_for(actor, plan_id)
    group = " ".join(str(group or "").split())[:200]
    lead = " ".join(str(lead or "").split())[:100]
    status = str(status or "").strip()
    if status and status not in STATUS_FILTERS:
        raise ActionError(_("Choose a status from the list."), field="status")
    qs = PlanTask.objects.filter(plan=plan)
    groups = sorted({g for g in qs.values_list("group", flat=True) if g})
    if group:
        qs = qs.filter(group=group)
    if lead:
        qs = qs.filter(lead_units__icontains=lead)
    tasks = list(qs.order_by("position", "id"))
    for task in tasks:
        task.plan = plan
    duties: dict[int, list[Duty]] = {}
    for duty in _duties(actor, tasks, today()):
        duties.setdefault(duty.task.pk, []).append(duty)
    rows = [TaskRow(t, duties.get(t.pk, [])) for t in tasks]
    if status:
        rows = [row for row in rows if any(d.status == status for d in row.duties)]
    return TaskList(
        plan=plan,
        rows=rows,
        groups=groups,
        can_manage=can_manage(actor, plan),
        filters={"group": group, "lead": lead, "status": status},
    )
