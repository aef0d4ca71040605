"""Grid task pages: the list with its filters and, for those who assign, the form that gives a
task under an item of the county's list to grids and communities; one task, with "mark done"
for its grid's workers and "cancel" for its assigner.

Filters are a plain GET form (htmx refreshes the list in place when it is there); every form
works without JavaScript.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, is_htmx, paginate, submit

from .. import actions, queries
from ..forms import TaskAssignForm, TaskCancelForm, TaskDoneForm
from ..models import Task
from ._shared import require_any, with_query

FILTERS = ("status", "area", "item", "overdue", "mine", "batch")
CHOICES_MAX = 400
STATUS_CHOICES = [
    ("open", gettext_lazy("To do")),
    ("done", gettext_lazy("Done")),
    ("cancelled", gettext_lazy("Cancelled")),
    ("all", gettext_lazy("All")),
]


def _values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:40] for key in FILTERS}
    if values["status"] not in {value for value, _label in STATUS_CHOICES}:
        values["status"] = "open"
    if not values["item"].isdigit():
        values["item"] = ""
    try:
        values["batch"] = str(uuid.UUID(values["batch"])) if values["batch"] else ""
    except ValueError:
        values["batch"] = ""
    for flag in ("overdue", "mine"):
        values[flag] = "1" if values[flag] in ("1", "on", "true") else ""
    return values


def _assign_form(actor, data=None):
    if not scoping.has_cap(actor, Cap.TASK_ASSIGN):
        return None
    return TaskAssignForm(
        data,
        items=queries.assignable_items(actor=actor),
        targets=queries.task_targets(actor=actor),
        auto_id="assign-%s",
    )


def _context(request, values: dict[str, str], assign_form=None) -> dict:
    actor = request.user
    filters = {key: values[key] for key in FILTERS if values[key]}
    if filters.get("status") == "all":
        filters.pop("status")
    errors: dict = {}
    try:
        rows = queries.task_list(actor=actor, filters=filters)
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = queries.task_list(actor=actor).none()
    page = paginate(request, queries.task_rows(rows))
    page.object_list = queries.with_area_names(page.object_list)
    for task in page.object_list:
        task.item.label = queries.builtin_text(task.item, "name")
        task.can_do = queries.can_do(actor, task)
    if assign_form is None:
        assign_form = _assign_form(actor)
    return {
        "values": values,
        "errors": errors,
        "page_obj": page,
        "statuses": STATUS_CHOICES,
        "items": queries.labelled(queries.workitem_list(actor=actor)[:CHOICES_MAX]),
        "counts": queries.task_counts(actor=actor),
        "assign_form": assign_form,
        "can_assign": assign_form is not None,
        "htmx": is_htmx(request),
    }


@login_required
@require_GET
def tasks(request):
    require_any(request, Cap.GRID_WORK, Cap.TASK_ASSIGN)
    context = _context(request, _values(request.GET))
    status = 400 if context["errors"] and not context["htmx"] else 200
    return render(request, "gridwork/tasks.html", context, status=status)


@login_required
@require_POST
def task_assign(request):
    require_any(request, Cap.TASK_ASSIGN)
    actor = request.user
    form = _assign_form(actor, request.POST)
    done, status = submit(
        request,
        form,
        lambda data: actions.task_assign(
            actor=actor,
            item_id=data["item"],
            area_codes=data["area_codes"],
            title=data["title"],
            description=data["description"],
            due_on=data["due_on"] or None,
        ),
        message=lambda created: (
            ngettext(
                "The task is assigned to %(count)d place.",
                "The task is assigned to %(count)d places.",
                len(created),
            )
            % {"count": len(created)}
        ),
        to=with_query("gridwork:tasks", status="open", mine="1"),
        refused_page=False,
    )
    if done:
        return done
    context = _context(request, _values({"status": "open", "mine": "1"}), assign_form=form)
    return render(request, "gridwork/tasks.html", context, status=status)


def _task_or_404(actor, task_id: int) -> Task:
    try:
        return queries.task_get(actor=actor, task_id=task_id)
    except NotFound:
        raise Http404 from None


def _task_url(task: Task) -> str:
    return reverse("gridwork:task", kwargs={"task_id": task.pk})


def _detail(request, task: Task, *, done_form=None, cancel_form=None, status: int = 200):
    actor = request.user
    task = queries.with_area_names([task])[0]
    task.item = queries.labelled([task.item])[0]
    can_do = queries.can_do(actor, task)
    can_cancel = task.status == Task.Status.OPEN and not queries.cancel_refusal(actor, task)
    context = {
        "task": task,
        "can_do": can_do,
        "can_cancel": can_cancel,
        "done_form": done_form or (TaskDoneForm(auto_id="done-%s") if can_do else None),
        "cancel_form": cancel_form or (TaskCancelForm(auto_id="cancel-%s") if can_cancel else None),
        "batch_url": with_query("gridwork:tasks", status="all", batch=str(task.batch))
        if task.batch
        else "",
    }
    return render(request, "gridwork/task.html", context, status=status)


@login_required
@require_GET
def task(request, task_id: int):
    require_any(request, Cap.GRID_WORK, Cap.TASK_ASSIGN)
    return _detail(request, _task_or_404(request.user, task_id))


@login_required
@require_http_methods(["POST"])
def task_done(request, task_id: int):
    require_any(request, Cap.GRID_WORK)
    actor = request.user
    task = _task_or_404(actor, task_id)
    form = TaskDoneForm(request.POST, auto_id="done-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.task_done(actor=actor, task_id=task.pk, result=data["result"]),
        message=_("The task is marked done."),
        to=with_query("gridwork:tasks", status="open")
        if request.POST.get("next") == "list"
        else _task_url(task),
    )
    return done or _detail(request, task, done_form=form, status=status)


@login_required
@require_http_methods(["POST"])
def task_cancel(request, task_id: int):
    require_any(request, Cap.TASK_ASSIGN)
    actor = request.user
    task = _task_or_404(actor, task_id)
    form = TaskCancelForm(request.POST, auto_id="cancel-%s")
    done, status = submit(
        request,
        form,
        lambda data: actions.task_cancel(actor=actor, task_id=task.pk, reason=data["reason"]),
        message=_("The task is cancelled."),
        to=_task_url(task),
    )
    return done or _detail(request, task, cancel_form=form, status=status)


urlpatterns = [
    path("tasks/", tasks, name="tasks"),
    path("tasks/assign/", task_assign, name="task_assign"),
    path("tasks/<int:task_id>/", task, name="task"),
    path("tasks/<int:task_id>/done/", task_done, name="task_done"),
    path("tasks/<int:task_id>/cancel/", task_cancel, name="task_cancel"),
]
