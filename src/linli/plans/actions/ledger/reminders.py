"""The reminders of the ledger: "due soon" and "overdue", each sent once to those who write
the report."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit
from linli.core.models import Area
from linli.core.roles import Cap
from linli.core.scoping import SYSTEM

from ...models import Plan, PlanTask, ProgressReport, Reminder
from ...queries import ledger as q
from ...queries.access import prefix_of_plan

__all__ = ["SOON_DAYS", "ledger_remind"]

SOON_DAYS = 7


def ledger_remind(now=None) -> int:
    """Remind those who write each report of the tasks of the plans in force, for the last and
    the current period: "due soon" from seven days before the due date, "overdue" from the day
    after; each once (a reminder row, unique per task, area, period and kind), and none for a
    report already submitted or approved. Returns how many reminders were sent."""
    current = now or q.now()
    day = timezone.localdate(current)
    sent = 0
    plans = Plan.objects.filter(status=Plan.Status.ACTIVE, is_template=False).order_by("pk")
    for plan in plans:
        tasks = list(plan.tasks.order_by("position", "id"))
        wanted: list[tuple[PlanTask, str, str, dt.date]] = []
        for task in tasks:
            for period in q.open_periods(task, day):
                due = q.period_due(task, period)
                if day > due:
                    wanted.append((task, period, Reminder.Kind.OVERDUE, due))
                elif day >= due - dt.timedelta(days=SOON_DAYS):
                    wanted.append((task, period, Reminder.Kind.SOON, due))
        if not wanted:
            continue
        sent += _remind_plan(plan, wanted, current)
    if sent:
        with transaction.atomic():
            audit.record(SYSTEM, "plans.ledger.remind", extra={"reminders": sent})
    return sent


def _remind_plan(plan: Plan, wanted, current) -> int:
    prefix = prefix_of_plan(plan)
    levels = {task.report_level for task, *_rest in wanted}
    areas = list(Area.objects.filter(code__startswith=prefix, level__in=levels).order_by("code"))
    task_ids = sorted({task.pk for task, *_rest in wanted})
    periods = sorted({period for _task, period, *_rest in wanted})
    done = set(
        ProgressReport.objects.filter(
            task_id__in=task_ids, period__in=periods, status__in=q.DONE
        ).values_list("task_id", "area_code", "period")
    )
    known = set(
        Reminder.objects.filter(task_id__in=task_ids, period__in=periods).values_list(
            "task_id", "area_code", "period", "kind"
        )
    )
    holders = q.holders_in_plan(Cap.PLAN_REPORT, plan)
    sent = 0
    for task, period, kind, due in wanted:
        for area in areas:
            if area.level != task.report_level:
                continue
            if (task.pk, area.code, period) in done or (task.pk, area.code, period, kind) in known:
                continue
            users = q.nearest(holders, area.code)
            try:
                with transaction.atomic():
                    Reminder.objects.create(
                        task=task,
                        area_code=area.code,
                        period=period,
                        kind=kind,
                        sent_at=current,
                        recipients=len(users),
                    )
                    _notify_due(users, task, area, period, kind, due)
            except IntegrityError:
                continue  # sent meanwhile by another run
            sent += 1
    return sent


def _notify_due(users, task: PlanTask, area, period: str, kind: str, due: dt.date) -> None:
    url = reverse("plans:report_edit", args=[task.pk]) + f"?area={area.code}&period={period}"
    number, name, day = task.number, area.name, due.isoformat()

    def text() -> str:
        values = {"number": number, "area": name, "period": q.period_label(period), "due": day}
        if kind == Reminder.Kind.OVERDUE:
            return (
                _(
                    "Overdue: the progress of %(area)s on task %(number)s for %(period)s was due on %(due)s."
                )
                % values
            )
        return (
            _(
                "Due soon: the progress of %(area)s on task %(number)s for %(period)s is due on %(due)s."
            )
            % values
        )

    core_actions.notify(users, kind=f"plans.report_{kind}", text=text, url=url, target=task)
