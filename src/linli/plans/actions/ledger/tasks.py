"""Writing a plan's task table: tasks (add, change, remove) and their yearly milestones, by
those who manage the plan."""

from __future__ import annotations

import calendar

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core import cleaning as c
from linli.core.errors import Conflict, NotFound
from linli.core.roles import Cap

from ...models import Milestone, Plan, PlanTask
from ...queries import ledger as q
from ...queries.access import plan_for
from ._common import _int

__all__ = [
    "MILESTONE_MAX",
    "REQUIREMENT_MAX",
    "TASK_FIELDS",
    "milestone_add",
    "milestone_remove",
    "task_create",
    "task_remove",
    "task_update",
]

REQUIREMENT_MAX = 4000
_FIELDS = {
    name: PlanTask._meta.get_field(name).max_length
    for name in ("group", "number", "title", "lead_units", "co_units")
}
MILESTONE_MAX = Milestone._meta.get_field("title").max_length
TASK_FIELDS = (
    "number",
    "title",
    "group",
    "requirement",
    "lead_units",
    "co_units",
    "report_level",
    "frequency",
    "due_month",
    "due_day",
    "first_year",
    "last_year",
)


def _managed_plan(actor, plan: Plan) -> None:
    scoping.require(actor, Cap.PLAN_MANAGE, plan.area_code)
    if plan.is_template:
        raise Conflict(_("A template's tasks cannot change: adopt the plan and change the copy."))
    if plan.status == Plan.Status.CLOSED:
        raise Conflict(_("This plan is closed: its tasks can no longer change."))


def _task_values(plan: Plan, data: dict) -> dict:
    """The task's fields from ``data``, all checked; every problem named by field at once."""
    errors = c.Errors()
    values = {
        "number": c.line(
            errors, "number", data.get("number"), max_length=_FIELDS["number"], required=True
        ),
        "title": c.line(
            errors, "title", data.get("title"), max_length=_FIELDS["title"], required=True
        ),
        "group": c.line(
            errors, "group", data.get("group"), max_length=_FIELDS["group"], required=False
        ),
        "requirement": c.text(
            errors, "requirement", data.get("requirement"), max_length=REQUIREMENT_MAX
        ),
        "lead_units": c.line(
            errors,
            "lead_units",
            data.get("lead_units"),
            max_length=_FIELDS["lead_units"],
            required=True,
        ),
        "co_units": c.line(
            errors, "co_units", data.get("co_units"), max_length=_FIELDS["co_units"], required=False
        ),
    }
    top = areacodes.level_of(plan.area_code)
    level = _int(
        errors,
        "report_level",
        data.get("report_level"),
        min(q.REPORT_LEVELS),
        max(q.REPORT_LEVELS),
        _("Choose who reports: each community, each town or the county."),
    )
    if level is not None and level < top:
        errors.add(
            "report_level",
            _("Choose a level at or below the plan's jurisdiction (%(level)s).")
            % {"level": areacodes.Level(top).label},
        )
    values["report_level"] = level
    frequency = str(data.get("frequency") or "")
    if frequency not in PlanTask.Frequency.values:
        errors.add("frequency", _("Choose how often the task reports."))
    values["frequency"] = frequency
    month = _int(
        errors, "due_month", data.get("due_month"), 1, 12, _("Enter a month from 1 to 12.")
    )
    day = _int(errors, "due_day", data.get("due_day"), 1, 31, _("Enter a day from 1 to 31."))
    if month is not None and day is not None and day > calendar.monthrange(2001, month)[1]:
        errors.add("due_day", _("This month does not have that day every year."))
    values["due_month"], values["due_day"] = month, day
    span = _("Enter a year from %(first)d to %(last)d, the plan's years.") % {
        "first": plan.start_year,
        "last": plan.end_year,
    }
    first = _int(errors, "first_year", data.get("first_year"), plan.start_year, plan.end_year, span)
    last = _int(errors, "last_year", data.get("last_year"), plan.start_year, plan.end_year, span)
    if first is not None and last is not None and last < first:
        errors.add("last_year", _("The last year cannot come before the first."))
    values["first_year"], values["last_year"] = first, last
    errors.raise_if_any(_("The task was not saved."))
    return values


def _number_taken(plan: Plan, number: str, task_id=None) -> None:
    taken = PlanTask.objects.filter(plan=plan, number=number).exclude(pk=task_id).exists()
    if taken:
        raise Conflict(
            _("This plan already has a task %(number)s.") % {"number": number}, field="number"
        )


def task_create(
    *,
    actor,
    plan_id,
    number,
    title,
    lead_units,
    report_level,
    frequency,
    due_month,
    due_day,
    first_year,
    last_year,
    group="",
    requirement="",
    co_units="",
) -> PlanTask:
    """Add a task to a plan's task table (a plan one manages; not a template, not closed)."""
    given = {name: value for name, value in locals().items() if name in TASK_FIELDS}
    plan = plan_for(actor, plan_id)
    _managed_plan(actor, plan)
    values = _task_values(plan, given)
    _number_taken(plan, values["number"])
    try:
        with transaction.atomic():
            locked = Plan.objects.select_for_update().get(pk=plan.pk)
            position = locked.tasks.aggregate(top=Max("position"))["top"]
            task = PlanTask.objects.create(plan=locked, position=(position or 0) + 1, **values)
            audit.record(
                actor,
                "plans.task.create",
                task,
                area_code=plan.area_code,
                extra={"plan": plan.pk, "report_level": task.report_level},
            )
    except IntegrityError:
        raise Conflict(
            _("This plan already has a task %(number)s.") % {"number": values["number"]},
            field="number",
        ) from None
    return task


def _managed_task(actor, task_id) -> PlanTask:
    task = q.task_get(actor=actor, task_id=task_id)
    _managed_plan(actor, task.plan)
    return task


def task_update(
    *,
    actor,
    task_id,
    number,
    title,
    lead_units,
    report_level,
    frequency,
    due_month,
    due_day,
    first_year,
    last_year,
    group="",
    requirement="",
    co_units="",
) -> PlanTask:
    """Change a task. Once it has reports its level and frequency stay, its years keep every
    period reported, and a new due date applies to the reports not yet submitted."""
    given = {name: value for name, value in locals().items() if name in TASK_FIELDS}
    task = _managed_task(actor, task_id)
    plan = task.plan
    values = _task_values(plan, given)
    _number_taken(plan, values["number"], task.pk)
    with transaction.atomic():
        task = (
            PlanTask.objects.select_for_update(of=("self",)).select_related("plan").get(pk=task.pk)
        )
        periods = set(task.reports.values_list("period", flat=True))
        errors = c.Errors()
        if periods and values["report_level"] != task.report_level:
            errors.add("report_level", _("Areas have reported on this task: its level stays."))
        if periods and values["frequency"] != task.frequency:
            errors.add("frequency", _("Areas have reported on this task: how often stays."))
        years = {int(p[:4]) for p in periods}
        years |= set(task.milestones.values_list("year", flat=True))
        if years and (min(years) < values["first_year"] or max(years) > values["last_year"]):
            errors.add(
                "first_year" if min(years) < values["first_year"] else "last_year",
                _("Reports or milestones of %(first)d–%(last)d must stay within the years.")
                % {"first": min(years), "last": max(years)},
            )
        errors.raise_if_any(_("The task was not saved."))
        due_changed = (values["due_month"], values["due_day"]) != (task.due_month, task.due_day)
        for name, value in values.items():
            setattr(task, name, value)
        try:
            with transaction.atomic():
                task.save()
        except IntegrityError:
            raise Conflict(
                _("This plan already has a task %(number)s.") % {"number": values["number"]},
                field="number",
            ) from None
        moved = 0
        if due_changed:
            for report in task.reports.filter(status__in=q.EDITABLE):
                report.due_on = q.period_due(task, report.period)
                report.save(update_fields=["due_on"])
                moved += 1
        audit.record(
            actor,
            "plans.task.update",
            task,
            area_code=plan.area_code,
            extra={"plan": plan.pk, "due_moved": moved},
        )
    return task


def task_remove(*, actor, task_id) -> None:
    """Remove a task nobody has reported on (one entered by mistake)."""
    task = _managed_task(actor, task_id)
    plan = task.plan
    with transaction.atomic():
        task = PlanTask.objects.select_for_update().get(pk=task.pk)
        reports = task.reports.count()
        if reports:
            raise Conflict(
                _(
                    "Areas have reported on this task (%(count)d reports): it cannot be removed. "
                    "Change it instead."
                )
                % {"count": reports}
            )
        audit.record(
            actor,
            "plans.task.remove",
            task,
            area_code=plan.area_code,
            extra={"plan": plan.pk, "reports": 0},
        )
        task.delete()


def milestone_add(*, actor, task_id, year, title, due_on) -> Milestone:
    """Add a yearly milestone to a task: a year of the task's, due within that year."""
    task = _managed_task(actor, task_id)
    errors = c.Errors()
    span = _("Enter a year from %(first)d to %(last)d, the task's years.") % {
        "first": task.first_year,
        "last": task.last_year,
    }
    number = _int(errors, "year", year, task.first_year, task.last_year, span)
    text = c.line(errors, "title", title, max_length=MILESTONE_MAX, required=True)
    day = c.date(errors, "due_on", due_on)
    if day is None and not errors.has("due_on"):
        errors.add("due_on", _("Please fill this in."))
    if day is not None and number is not None and day.year != number:
        errors.add("due_on", _("The due date must fall in %(year)d.") % {"year": number})
    errors.raise_if_any(_("The milestone was not saved."))
    with transaction.atomic():
        milestone = Milestone.objects.create(task=task, year=number, title=text, due_on=day)
        audit.record(
            actor,
            "plans.milestone.add",
            milestone,
            area_code=task.plan.area_code,
            extra={"task": task.pk, "year": number},
        )
    return milestone


def milestone_remove(*, actor, milestone_id) -> PlanTask:
    """Remove a milestone of a task one manages; returns the task."""
    pk = c.row_id(milestone_id)
    found = (
        Milestone.objects.filter(pk=pk).values_list("task_id", flat=True).first() if pk else None
    )
    if found is None:
        raise NotFound(_("There is no such milestone."))
    task = _managed_task(actor, found)
    with transaction.atomic():
        milestone = Milestone.objects.select_for_update().filter(pk=pk, task=task).first()
        if milestone is None:
            raise NotFound(_("There is no such milestone."))
        audit.record(
            actor,
            "plans.milestone.remove",
            milestone,
            area_code=task.plan.area_code,
            extra={"task": task.pk, "year": milestone.year},
        )
        milestone.delete()
    return task
