"""The grid worker's day on one screen: care visits due, appeals with their grid, open tasks of
their grids and communities, and today's entries of their daily log.

Each part is a count and its first few rows, read in a bounded number of queries whatever the
numbers are: the care visits come from the care app's own query, the appeals from the appeals
inbox's (open, with a unit the worker acts for), so nothing is counted twice or differently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from linli.core import scoping
from linli.core.roles import Cap

from ..models import Log, Task
from .tasks import with_area_names

TOP = 5


@dataclass
class Part:
    """One section of the day: how many there are, and the first of them."""

    count: int = 0
    top: list = field(default_factory=list)
    overdue: int = 0

    @property
    def more(self) -> bool:
        return self.count > len(self.top)


@dataclass
class Day:
    today: dt.date
    visits: Part
    appeals: Part
    tasks: Part
    logs: list[Log]


def _open_tasks(actor):
    return Task.objects.filter(
        scoping.prefix_q(scoping.prefixes(actor, Cap.GRID_WORK)), status=Task.Status.OPEN
    )


def _visits(actor, today: dt.date) -> Part:
    if not scoping.has_cap(actor, Cap.CARE_VISIT):
        return Part()
    from linli.care.queries import plans_due

    plans = list(plans_due(actor=actor, today=today))
    overdue = sum(1 for plan in plans if plan.due_on < today)
    return Part(count=len(plans), top=plans[:TOP], overdue=overdue)


def _appeals(actor) -> Part:
    if not scoping.has_cap(actor, Cap.APPEAL_HANDLE):
        return Part()
    from linli.appeals.queries import appeal_list, category_label

    qs = appeal_list(actor=actor, filters={"state": "open", "mine": "1"})
    now = timezone.now()
    counts = qs.order_by().aggregate(
        count=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    top = list(
        qs.select_related("category", "unit").defer(
            "description", "contact_name", "contact_phone", "resolution", "attributes"
        )[:TOP]
    )
    for appeal in top:
        appeal.category_name = category_label(appeal.category)
    return Part(count=counts["count"], top=top, overdue=counts["overdue"])


def _tasks(actor, today: dt.date) -> Part:
    qs = _open_tasks(actor)
    counts = qs.aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    top = with_area_names(
        qs.select_related("item")
        .defer("description", "result")
        .order_by(F("due_on").asc(nulls_last=True), "id")[:TOP]
    )
    return Part(count=counts["count"], top=top, overdue=counts["overdue"])


def day_overview(*, actor, today: dt.date | None = None) -> Day:
    """The actor's day. Parts they hold no capability for are empty."""
    today = today or timezone.localdate()
    logs = (
        list(
            Log.objects.filter(author_id=actor.pk, day=today)
            .select_related("author")
            .order_by("-id")
        )
        if getattr(actor, "is_authenticated", False)
        else []
    )
    return Day(
        today=today,
        visits=_visits(actor, today),
        appeals=_appeals(actor),
        tasks=_tasks(actor, today),
        logs=logs,
    )


def day_summary(*, actor, today: dt.date | None = None) -> dict[str, int]:
    """For the staff home: open and overdue tasks of the actor's grids, and how many entries
    they wrote in their log today (two queries)."""
    today = today or timezone.localdate()
    counts = _open_tasks(actor).aggregate(
        tasks=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )
    counts["logs"] = Log.objects.filter(author_id=actor.pk, day=today).count()
    return counts


__all__ = ["Day", "Part", "day_overview", "day_summary"]
