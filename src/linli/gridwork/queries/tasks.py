"""Reading grid tasks: who sees which, the list and its filters, one task, where the actor may
assign and whether they may cancel.

A task is seen by those who do grid work over its area (``grid.work``: its grid's workers, the
community's workers and head), by those who assign tasks over it (``task.assign``: the community
head, the town, the county's officers and departments) and by whoever assigned it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Task
from .items import county_code

CHOICES_MAX = 400
STATUSES = tuple(Task.Status.values)


def visible_q(actor) -> Q:
    """The tasks ``actor`` may see."""
    if actor is scoping.SYSTEM:
        return Q()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Q(pk__in=[])
    granted = sorted(
        {*scoping.prefixes(actor, Cap.GRID_WORK), *scoping.prefixes(actor, Cap.TASK_ASSIGN)}
    )
    return scoping.prefix_q(granted) | Q(assigned_by_id=actor.pk)


def _bool(value) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _area_prefix(value) -> str:
    try:
        return areacodes.prefix_of(areacodes.normalize(str(value)))
    except areacodes.AreaCodeError:
        raise ActionError(_("An area is given by its code."), field="area") from None


def task_list(*, actor, filters: dict | None = None) -> QuerySet[Task]:
    """Tasks the actor may see. Filters: ``status`` (open, done, cancelled), ``area`` (a code:
    that area and everything in it), ``item`` (a work item id), ``overdue`` (open and past their
    date), ``mine`` (those the actor assigned), ``batch`` (one assignment to many areas).

    Open tasks come soonest due first (those without a date last); otherwise the newest first.
    """
    filters = filters or {}
    qs = Task.objects.filter(visible_q(actor))
    status = str(filters.get("status") or "")
    if status:
        if status not in STATUSES:
            raise ActionError(
                _("Unknown status: %(status)s.") % {"status": status[:20]}, field="status"
            )
        qs = qs.filter(status=status)
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=_area_prefix(filters["area"]))
    if filters.get("item"):
        item = filters["item"]
        if isinstance(item, bool) or not str(item).isdigit():
            raise ActionError(_("A work item is given by its number in the list."), field="item")
        qs = qs.filter(item_id=int(item))
    if _bool(filters.get("overdue", "")):
        qs = qs.filter(status=Task.Status.OPEN, due_on__lt=timezone.localdate())
        status = Task.Status.OPEN
    if _bool(filters.get("mine", "")):
        qs = qs.filter(assigned_by_id=getattr(actor, "pk", None))
    if filters.get("batch"):
        try:
            qs = qs.filter(batch=uuid.UUID(str(filters["batch"])))
        except ValueError:
            raise ActionError(_("This is not an assignment's key."), field="batch") from None
    if status == Task.Status.OPEN:
        return qs.order_by(F("due_on").asc(nulls_last=True), "id")
    return qs.order_by("-assigned_at", "-id")


def task_rows(qs: QuerySet[Task]) -> QuerySet[Task]:
    """What a list row shows: the item, who assigned it (no long text)."""
    return qs.select_related("item", "assigned_by").defer("description", "result")


def task_counts(*, actor) -> dict[str, int]:
    """Open and overdue tasks the actor sees, and those they assigned still open (one query)."""
    today = timezone.localdate()
    return Task.objects.filter(visible_q(actor), status=Task.Status.OPEN).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        mine=Count("pk", filter=Q(assigned_by_id=getattr(actor, "pk", None))),
    )


def task_get(*, actor, task_id: int) -> Task:
    task = (
        Task.objects.filter(visible_q(actor), pk=task_id)
        .select_related("item", "assigned_by", "done_by")
        .first()
    )
    if task is None:
        raise NotFound(_("There is no such task, or it is not yours to see."))
    return task


def is_overdue(task: Task, today: dt.date | None = None) -> bool:
    return (
        task.status == Task.Status.OPEN
        and task.due_on is not None
        and task.due_on < (today or timezone.localdate())
    )


def can_do(actor, task: Task) -> bool:
    """May ``actor`` mark ``task`` done (grid work over its area, and still open)?"""
    return task.status == Task.Status.OPEN and scoping.has_cap(actor, Cap.GRID_WORK, task.area_code)


def cancel_refusal(actor, task: Task) -> str:
    """Why ``actor`` may not cancel ``task`` ("" when they may).

    A task is cancelled by whoever assigned it, or by someone assigning over the assigner's
    whole reach (their town above a community head, their county above a town): a community
    cannot cancel what the town or county gave it. If the assigner no longer assigns anywhere,
    an assigner over the item's county may.
    """
    if actor is scoping.SYSTEM:
        return ""
    if not scoping.has_cap(actor, Cap.TASK_ASSIGN, task.area_code):
        return _("Only someone who assigns tasks here can cancel this one.")
    if task.assigned_by_id is not None and task.assigned_by_id == getattr(actor, "pk", None):
        return ""
    mine = scoping.prefixes(actor, Cap.TASK_ASSIGN)
    theirs = scoping.prefixes(task.assigned_by, Cap.TASK_ASSIGN) if task.assigned_by else []
    if not theirs:
        theirs = [county_code(task.area_code)[:6]]
    if all(any(prefix.startswith(kept) for kept in mine) for prefix in theirs):
        return ""
    return _("Only whoever assigned this task, or someone above them, can cancel it.")


def task_targets(*, actor) -> list[tuple[str, list[tuple[str, str]]]]:
    """Communities and grids where the actor assigns tasks, grouped by community for a picker
    (each community first, as "whole community")."""
    rows = (
        Area.objects.filter(level__in=(Level.COMMUNITY, Level.GRID))
        .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.TASK_ASSIGN), "code"))
        .order_by("code")
        .values_list("code", "name", "level")[:CHOICES_MAX]
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    labels: dict[str, str] = {}
    for code, name, level in rows:
        community = code[:12]
        if level == Level.COMMUNITY:
            labels[community] = name
            groups.setdefault(community, []).insert(
                0, (code, _("%(name)s (whole community)") % {"name": name})
            )
        else:
            groups.setdefault(community, []).append((code, name))
    return [(labels.get(code, code), options) for code, options in groups.items()]


def area_names(codes) -> dict[str, str]:
    """Names of areas by code (rows keep only a code)."""
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def with_area_names(tasks) -> list[Task]:
    """Tasks with ``area_name`` (one query for the whole page) and ``overdue``."""
    tasks = list(tasks)
    names = area_names(task.area_code for task in tasks)
    today = timezone.localdate()
    for task in tasks:
        task.area_name = names.get(task.area_code, task.area_code)
        task.overdue = is_overdue(task, today)
    return tasks


__all__ = [
    "area_names",
    "can_do",
    "cancel_refusal",
    "is_overdue",
    "task_counts",
    "task_get",
    "task_list",
    "task_rows",
    "task_targets",
    "visible_q",
    "with_area_names",
]
