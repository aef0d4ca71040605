"""Grid tasks: assigning work to grids and communities under the county's work-item list,
marking it done, cancelling it.

A task names an item of the list in force in the county of every place it goes to; whoever
assigns it holds ``task.assign`` over each of those places. That is the entry system (准入):
work outside the list, or outside the county that approved it, is refused.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Cap, Role
from linli.registry.models import GridStaff

from ..models import Task, WorkItem
from ..queries import items as item_queries
from ..queries import tasks as task_queries
from . import _common as c

TITLE_MAX = Task._meta.get_field("title").max_length
DESCRIPTION_MAX = Task._meta.get_field("description").max_length
RESULT_MAX = Task._meta.get_field("result").max_length
TARGETS_MAX = 200
GRID_DUTIES = (GridStaff.Duty.GRID_WORKER, GridStaff.Duty.PART_TIME)
COMMUNITY_ROLES = (Role.COMMUNITY_WORKER, Role.COMMUNITY_HEAD)
RECIPIENTS_MAX = 50


def _task_url(task: Task) -> str:
    return reverse("gridwork:task", args=[task.pk])


def _recipients(codes: list[str]) -> dict[str, list[User]]:
    """Who is told of a task at each of ``codes``: a grid's workers on duty (full- and part-time
    grid workers with an account), a community's workers and head. Two queries in all."""
    found: dict[str, list[User]] = defaultdict(list)
    grids = [code for code in codes if len(code) == 15]
    communities = [code for code in codes if len(code) == 12]
    today = c.today()
    if grids:
        duties = (
            GridStaff.objects.filter(grid_id__in=grids, duty__in=GRID_DUTIES, user__isnull=False)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
            .filter(user__is_active=True)
            .select_related("user")
            .order_by("grid_id", "id")
        )
        for duty in duties:
            found[duty.grid_id].append(duty.user)
    if communities:
        held = (
            RoleAssignment.objects.filter(
                area_id__in=communities, role__in=COMMUNITY_ROLES, user__is_active=True
            )
            .select_related("user")
            .order_by("area_id", "role", "user_id")
        )
        for assignment in held:
            found[assignment.area_id].append(assignment.user)
    return {code: users[:RECIPIENTS_MAX] for code, users in found.items()}


def _targets(actor, item: WorkItem, area_codes) -> list[Area]:
    """The places a task goes to: grids and communities of the item's county, each under the
    actor's ``task.assign``. Every problem is named before anything is refused."""
    if isinstance(area_codes, str) or not isinstance(area_codes, list | tuple | set):
        raise ActionError(
            _("Choose the grids or communities the task goes to."), field="area_codes"
        )
    codes: list[str] = []
    for value in area_codes:
        code = c.normal_code(value)
        if code is None:
            raise ActionError(
                _("%(code)s is not an area code.") % {"code": str(value)[:20]}, field="area_codes"
            )
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ActionError(
            _("Choose the grids or communities the task goes to."), field="area_codes"
        )
    if len(codes) > TARGETS_MAX:
        raise ActionError(
            _("At most %(max)d places in one assignment.") % {"max": TARGETS_MAX},
            field="area_codes",
        )
    areas = {a.code: a for a in Area.objects.filter(code__in=codes).only("code", "name", "level")}
    outside = [code for code in codes if not code.startswith(item.area_code[:6])]
    if outside:
        raise ActionError(
            _(
                "“%(item)s” is on the work-item list of %(county)s: it can only be assigned to "
                "that county's grids and communities, and %(code)s is not one of them."
            )
            % {"item": item.name, "county": item.county.name, "code": outside[0]},
            field="area_codes",
            code="outside-list",
        )
    for code in codes:
        area = areas.get(code)
        if not scoping.has_cap(actor, Cap.TASK_ASSIGN, code):
            raise Forbidden(
                _("You do not assign tasks in %(place)s.")
                % {"place": area.name if area is not None else code}
            )
        if area is None:
            raise ActionError(_("There is no area %(code)s.") % {"code": code}, field="area_codes")
        if area.level not in (Level.GRID, Level.COMMUNITY):
            raise ActionError(
                _("%(area)s is not a grid or a community: choose those the task goes to.")
                % {"area": area.name},
                field="area_codes",
            )
    return [areas[code] for code in codes]


def task_assign(*, actor, item_id, area_codes, title, description="", due_on=None) -> list[Task]:
    """Give a task under an item of the county's list to one or more grids and communities:
    one task for each, sharing one batch key. Their grid workers (or the community's workers
    and head) are told."""
    pk = c.row_id(item_id)
    item = (
        WorkItem.objects.filter(item_queries.readable_q(actor), pk=pk)
        .select_related("county")
        .first()
        if pk
        else None
    )
    if item is None:
        raise NotFound(
            _(
                "There is no such item on the work-item lists you may read: a task can only be "
                "given under an item of the county's list (社区工作事项准入清单)."
            ),
            field="item",
        )
    scoping.require(actor, Cap.TASK_ASSIGN)
    if not item.active:
        raise ActionError(
            _(
                "“%(item)s” was withdrawn from the community work-item list of %(county)s on "
                "%(day)s: no task can be given under it."
            )
            % {"item": item.name, "county": item.county.name, "day": item.withdrawn_on or "—"},
            field="item",
            code="outside-list",
        )
    areas = _targets(actor, item, area_codes)
    errors = c.Errors()
    clean_title = c.line(errors, "title", title, max_length=TITLE_MAX, required=True)
    clean_description = c.text(errors, "description", description, max_length=DESCRIPTION_MAX)
    due = c.date(errors, "due_on", due_on)
    if due is not None and due < c.today():
        errors.add("due_on", _("This date has passed."))
    if due is not None and due.year > c.today().year + 5:
        errors.add("due_on", _("This date is too far ahead."))
    errors.raise_if_any(_("The task was not assigned."))
    batch = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        # The item may have been withdrawn a moment ago: the lock makes the check final.
        if not WorkItem.objects.select_for_update().filter(pk=item.pk, active=True).exists():
            raise Conflict(_("This item was withdrawn just now: no task can be given under it."))
        tasks = [
            Task.objects.create(
                item=item,
                area_code=area.code,
                title=clean_title,
                description=clean_description,
                due_on=due,
                assigned_by=c.user_or_none(actor),
                assigned_at=now,
                batch=batch,
            )
            for area in areas
        ]
        recipients = _recipients([area.code for area in areas])
        for task in tasks:
            audit.record(actor, "task.assign", task, extra={"item": item.pk, "batch": str(batch)})
            core_actions.notify(
                recipients.get(task.area_code, []),
                kind="grid.task",
                text=lambda task=task: (
                    _("New grid task: %(title)s, due %(day)s.")
                    % {"title": task.title, "day": task.due_on}
                    if task.due_on
                    else _("New grid task: %(title)s.") % {"title": task.title}
                ),
                url=_task_url(task),
                target=task,
            )
    return tasks


def _lock(actor, task_id) -> Task:
    pk = c.row_id(task_id)
    task = (
        Task.objects.select_for_update(of=("self",))
        .filter(task_queries.visible_q(actor), pk=pk)
        .select_related("item", "assigned_by")
        .first()
        if pk
        else None
    )
    if task is None:
        raise NotFound(_("There is no such task, or it is not yours to see."))
    return task


def _still_open(task: Task) -> None:
    if task.status != Task.Status.OPEN:
        raise Conflict(
            _("This task is %(status)s already.") % {"status": Task.Status(task.status).label}
        )


def task_done(*, actor, task_id, result) -> Task:
    """Mark a task done with what was done (grid work over its area). Whoever assigned it is
    told."""
    errors = c.Errors()
    text = c.text(errors, "result", result, max_length=RESULT_MAX, required=True)
    with transaction.atomic():
        task = _lock(actor, task_id)
        scoping.require(actor, Cap.GRID_WORK, task.area_code)
        _still_open(task)
        errors.raise_if_any(_("The task was not marked done."))
        task.status = Task.Status.DONE
        task.result = text
        task.done_by = c.user_or_none(actor)
        task.done_at = timezone.now()
        task.save(update_fields=["status", "result", "done_by", "done_at"])
        audit.record(actor, "task.done", task, extra={"item": task.item_id})
        if task.assigned_by is not None and task.assigned_by_id != getattr(actor, "pk", None):
            core_actions.notify(
                [task.assigned_by],
                kind="grid.task_done",
                text=lambda: _("Grid task done: %(title)s.") % {"title": task.title},
                url=_task_url(task),
                target=task,
            )
    return task


def task_cancel(*, actor, task_id, reason) -> Task:
    """Cancel an open task, saying why: its assigner, or someone assigning over the assigner's
    whole reach. Those who were to do it are told."""
    errors = c.Errors()
    text = c.text(errors, "reason", reason, max_length=RESULT_MAX, required=True)
    with transaction.atomic():
        task = _lock(actor, task_id)
        refusal = task_queries.cancel_refusal(actor, task)
        if refusal:
            raise Forbidden(refusal)
        _still_open(task)
        errors.raise_if_any(_("The task was not cancelled."))
        task.status = Task.Status.CANCELLED
        task.result = text
        task.done_by = c.user_or_none(actor)
        task.done_at = timezone.now()
        task.save(update_fields=["status", "result", "done_by", "done_at"])
        audit.record(actor, "task.cancel", task, extra={"item": task.item_id})
        core_actions.notify(
            _recipients([task.area_code]).get(task.area_code, []),
            kind="grid.task_cancelled",
            text=lambda: _("Grid task cancelled: %(title)s.") % {"title": task.title},
            url=_task_url(task),
            target=task,
        )
    return task


__all__ = ["task_assign", "task_cancel", "task_done"]
