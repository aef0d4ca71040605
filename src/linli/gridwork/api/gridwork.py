"""Grid work at /api/v1/grid/: the county's community work-item list, grid tasks, the daily log
(民情日记) and the grid worker's day.

Each operation parses, calls one action or query of :mod:`linli.gridwork`, and shapes the answer.
What you see is what the pages show you: the lists of your counties, the tasks of your areas and
those you assigned, the log entries of your grids; anything else is a 404. Errors are
problem+json: 400 with per-field ``errors`` named as the JSON members, 403 when the step is not
yours, 404 when the row is not visible, 409 when it is not possible now.
"""

from typing import Annotated

from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.errors import ActionError
from linli.core.pagination import Page

from .. import actions, queries
from ..models import Log, Task, WorkItem
from ..schemas import (
    MAX_ID,
    AssignOut,
    CancelIn,
    DayOut,
    DefaultsIn,
    DefaultsOut,
    DoneIn,
    LogFilters,
    LogIn,
    LogOut,
    LogUpdateIn,
    TaskAssignIn,
    TaskDetailOut,
    TaskFilters,
    TaskOut,
    Text,
    WithdrawIn,
    WorkItemIn,
    WorkItemOut,
    WorkItemUpdateIn,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]

# The actions name fields as the pages' forms do; the JSON members carry ``_id``/``_code``.
_JSON_NAMES = {"item": "item_id", "appeal": "appeal_id"}


def _act(action, **kwargs):
    """Call one action; its field errors are renamed after the JSON members."""
    try:
        return action(**kwargs)
    except ActionError as exc:
        exc.errors = {_JSON_NAMES.get(name, name): msgs for name, msgs in exc.errors.items()}
        raise


# --- shaping ------------------------------------------------------------------------------------


def _item(item: WorkItem) -> WorkItem:
    return queries.labelled([item])[0]


class _Items:
    """A queryset whose sliced page is labelled in the reader's language."""

    def __init__(self, qs):
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return queries.labelled(self.qs[index])


def _name(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _task_row(task: Task, names: dict[str, str]) -> dict:
    return {
        "id": task.pk,
        "item": {
            "id": task.item_id,
            "code": task.item.code,
            "label": queries.builtin_text(task.item, "name"),
        },
        "area_code": task.area_code,
        "area_name": names.get(task.area_code, task.area_code),
        "title": task.title,
        "due_on": task.due_on,
        "status": task.status,
        "status_label": str(Task.Status(task.status).label),
        "overdue": queries.is_overdue(task),
        "assigned_by": _name(task.assigned_by),
        "assigned_at": task.assigned_at,
        "batch": task.batch,
        "done_at": task.done_at,
    }


def _rows(tasks) -> list[dict]:
    tasks = list(tasks)
    names = queries.area_names(t.area_code for t in tasks)
    return [_task_row(task, names) for task in tasks]


class _Tasks:
    """A queryset whose sliced page is shaped as list rows (two queries a page)."""

    def __init__(self, qs):
        self.qs = queries.task_rows(qs)

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return _rows(self.qs[index])


def _task_detail(actor, task: Task) -> dict:
    body = _task_row(task, queries.area_names([task.area_code]))
    body.update(
        description=task.description,
        result=task.result,
        done_by=_name(task.done_by),
        can_do=queries.can_do(actor, task),
        can_cancel=task.status == Task.Status.OPEN and not queries.cancel_refusal(actor, task),
    )
    return body


def _log(actor, entry: Log, names: dict[str, str]) -> dict:
    return {
        "id": entry.pk,
        "area_code": entry.area_code,
        "area_name": names.get(entry.area_code, entry.area_code),
        "author": _name(entry.author),
        "author_id": entry.author_id,
        "day": entry.day,
        "saw": entry.saw,
        "heard": entry.heard,
        "resolved": entry.resolved,
        "appeal_id": entry.appeal_id,
        "can_change": queries.can_change(actor, entry),
        "created_at": entry.created_at,
        "updated_at": entry.updated_at,
    }


def _logs(actor, entries) -> list[dict]:
    entries = list(entries)
    names = queries.area_names(e.area_code for e in entries)
    return [_log(actor, entry, names) for entry in entries]


class _Logs:
    def __init__(self, actor, qs):
        self.actor, self.qs = actor, qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return _logs(self.actor, self.qs[index])


# --- the work-item list -------------------------------------------------------------------------


@router.get("items", response=list[WorkItemOut], summary="Work items of your counties' lists")
@paginate(Page)
def item_list(request, county: Text = "", active: bool | None = None, q: Text = ""):
    """The community work-item lists (社区工作事项准入清单) you may read, in list order:
    ``county`` one county's, ``active`` true for items in force, false for those withdrawn."""
    return _Items(queries.workitem_list(actor=request.user, county_code=county, active=active, q=q))


@router.post("items", response={201: WorkItemOut}, summary="Add an item to a county's list")
def item_create(request, payload: WorkItemIn):
    data = payload.dict()
    item = _act(actions.workitem_save, actor=request.user, county_code=data.pop("county"), **data)
    return Status(201, _item(item))


@router.post(
    "items/defaults",
    response=DefaultsOut,
    summary="Give a county the built-in work-item list (idempotent)",
)
def item_defaults(request, payload: DefaultsIn):
    """Adds the built-in items whose number the county does not have yet; what it has stays as
    it was edited or withdrawn."""
    return {"created": actions.workitem_defaults(actor=request.user, county_code=payload.county)}


@router.get("items/{item_id}", response=WorkItemOut, summary="One work item")
def item_detail(request, item_id: RowId):
    return _item(queries.workitem_get(actor=request.user, item_id=item_id))


@router.put("items/{item_id}", response=WorkItemOut, summary="Change a work item")
def item_update(request, payload: WorkItemUpdateIn, item_id: RowId):
    item = queries.workitem_get(actor=request.user, item_id=item_id)
    _act(
        actions.workitem_save,
        actor=request.user,
        county_code=item.area_code,
        item_id=item_id,
        **payload.dict(),
    )
    return _item(queries.workitem_get(actor=request.user, item_id=item_id))


@router.post(
    "items/{item_id}/withdraw",
    response=WorkItemOut,
    summary="Withdraw a work item from the list in force",
)
def item_withdraw(request, payload: WithdrawIn, item_id: RowId):
    """Tasks already given under it stay; no new task can name it."""
    _act(
        actions.workitem_withdraw,
        actor=request.user,
        item_id=item_id,
        withdrawn_on=payload.withdrawn_on,
    )
    return _item(queries.workitem_get(actor=request.user, item_id=item_id))


# --- tasks --------------------------------------------------------------------------------------


@router.get("tasks", response=list[TaskOut], summary="Grid tasks you may see, filtered")
@paginate(Page)
def task_list(request, filters: Query[TaskFilters]):
    """Tasks of your grids and communities, of the areas you assign in, and those you assigned.
    Open tasks come soonest due first; otherwise the newest first."""
    wanted = filters.dict()
    return _Tasks(queries.task_list(actor=request.user, filters=wanted))


@router.post(
    "tasks",
    response={201: AssignOut},
    summary="Assign a task under a work item to grids and communities",
)
def task_assign(request, payload: TaskAssignIn):
    """One task for each place, sharing one ``batch``. The item must be in force on the list of
    the county of every place, and you must assign tasks there; otherwise nothing is written."""
    tasks = _act(actions.task_assign, actor=request.user, **payload.dict())
    rows = queries.task_rows(Task.objects.filter(pk__in=[t.pk for t in tasks])).order_by("id")
    return Status(201, {"batch": tasks[0].batch, "tasks": _rows(rows)})


@router.get("tasks/{task_id}", response=TaskDetailOut, summary="One grid task")
def task_detail(request, task_id: RowId):
    return _task_detail(request.user, queries.task_get(actor=request.user, task_id=task_id))


@router.post("tasks/{task_id}/done", response=TaskDetailOut, summary="Mark a task done")
def task_done(request, payload: DoneIn, task_id: RowId):
    _act(actions.task_done, actor=request.user, task_id=task_id, result=payload.result)
    return _task_detail(request.user, queries.task_get(actor=request.user, task_id=task_id))


@router.post("tasks/{task_id}/cancel", response=TaskDetailOut, summary="Cancel a task")
def task_cancel(request, payload: CancelIn, task_id: RowId):
    """By whoever assigned it, or by someone assigning over their whole reach."""
    _act(actions.task_cancel, actor=request.user, task_id=task_id, reason=payload.reason)
    return _task_detail(request.user, queries.task_get(actor=request.user, task_id=task_id))


# --- the daily log ------------------------------------------------------------------------------


@router.get("logs", response=list[LogOut], summary="Daily log entries (民情日记) you may read")
@paginate(Page)
def log_list(request, filters: Query[LogFilters]):
    """Yours and those of the grids and communities where you do grid work, newest day first."""
    wanted = filters.dict()
    return _Logs(
        request.user,
        queries.log_list(
            actor=request.user,
            author=wanted["author"],
            area=wanted["area"],
            since=wanted["since"],
            until=wanted["until"],
        ),
    )


@router.post(
    "logs",
    response={200: LogOut, 201: LogOut},
    summary="Write a daily log entry (idempotent on client_key)",
)
def log_write(request, payload: LogIn):
    """201 when written; 200 with the entry already written when the same ``client_key`` is
    sent again (a retry after a lost connection)."""
    entry = _act(actions.log_write, actor=request.user, **payload.dict())
    fresh = getattr(entry, "written_now", False)
    return Status(201 if fresh else 200, _logs(request.user, [entry])[0])


@router.get("logs/{log_id}", response=LogOut, summary="One daily log entry")
def log_detail(request, log_id: RowId):
    return _logs(request.user, [queries.log_get(actor=request.user, log_id=log_id)])[0]


@router.put("logs/{log_id}", response=LogOut, summary="Change your daily log entry")
def log_update(request, payload: LogUpdateIn, log_id: RowId):
    """Only its author, for a day up to a week back; members left out keep their value."""
    given = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    _act(actions.log_update, actor=request.user, log_id=log_id, **given)
    return _logs(request.user, [queries.log_get(actor=request.user, log_id=log_id)])[0]


# --- the day ------------------------------------------------------------------------------------


@router.get("day", response=DayOut, summary="Your day: visits, appeals, tasks and today's log")
def day(request):
    """Each part is a count, how many are overdue and the first few rows."""
    actor = request.user
    overview = queries.day_overview(actor=actor)
    return {
        "today": overview.today,
        "visits": {
            "count": overview.visits.count,
            "overdue": overview.visits.overdue,
            "top": overview.visits.top,
        },
        "appeals": {
            "count": overview.appeals.count,
            "overdue": overview.appeals.overdue,
            "top": [
                {
                    "id": appeal.pk,
                    "number": appeal.number,
                    "title": appeal.title,
                    "area_code": appeal.area_code,
                    "state": appeal.state,
                    "due_at": appeal.due_at,
                }
                for appeal in overview.appeals.top
            ],
        },
        "tasks": {
            "count": overview.tasks.count,
            "overdue": overview.tasks.overdue,
            "top": [
                {
                    "id": task.pk,
                    "title": task.title,
                    "area_code": task.area_code,
                    "area_name": task.area_name,
                    "due_on": task.due_on,
                    "overdue": task.overdue,
                }
                for task in overview.tasks.top
            ],
        },
        "logs": _logs(actor, overview.logs),
    }
