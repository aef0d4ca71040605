"""The grid-work demo: the county's work-item list, tasks under it given by the demo officers
(done, open, overdue, cancelled), two weeks of daily log, and a loader that changes nothing
when run again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.appeals.demo import load_appeals_demo
from linli.appeals.models import Channel
from linli.care.demo import HOME_GRID
from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.demo import load_core_demo
from linli.core.models import Area, AuditEvent, Notification, User
from linli.core.roles import Cap
from linli.gridwork.defaults import WORK_ITEMS
from linli.gridwork.demo import LOG_DAYS, load_gridwork_demo
from linli.gridwork.models import Log, Task, WorkItem
from linli.gridwork.queries.day import day_overview
from linli.registry.demo import load_registry_demo

N = 600


@pytest.fixture
def demo(db):
    load_core_demo()
    load_registry_demo(residents=N)
    load_appeals_demo(residents=N, appeals=0)  # the categories the patrol appeal goes to
    return load_gridwork_demo()


def test_tasks_under_the_list_in_every_state(demo):
    now = timezone.now()
    today = timezone.localdate()
    assert "grid tasks" in demo and "daily log" in demo
    items = WorkItem.objects.filter(area_code="220403000000")
    assert items.count() == len(WORK_ITEMS)

    tasks = Task.objects.select_related("item", "assigned_by", "done_by")
    assert 10 <= tasks.count() <= 20
    assert {t.assigned_by.username for t in tasks} == {"dept", "county", "town", "head"}
    levels = dict(Area.objects.filter(code__in={t.area_code for t in tasks}).values_list(
        "code", "level"
    ))  # fmt: skip
    for task in tasks:
        assert task.item.area_code == "220403000000" and task.item.active
        assert levels[task.area_code] in (Level.GRID, Level.COMMUNITY)
        assert scoping.has_cap(task.assigned_by, Cap.TASK_ASSIGN, task.area_code)
        assert task.assigned_at <= now
        if task.status == Task.Status.DONE:
            assert task.result and task.done_by and task.assigned_at < task.done_at <= now
            assert scoping.has_cap(task.done_by, Cap.GRID_WORK, task.area_code)
        if task.status == Task.Status.CANCELLED:
            assert task.result and task.done_at
    done = tasks.filter(status=Task.Status.DONE)
    open_ = tasks.filter(status=Task.Status.OPEN)
    assert done.count() >= 5 and open_.count() >= 4
    assert open_.filter(due_on__lt=today).count() >= 2  # overdue
    assert tasks.filter(status=Task.Status.CANCELLED).count() == 1
    assert len(set(tasks.values_list("batch", flat=True))) >= 5

    # Today's through the action: its grid worker heard of it.
    grid = User.objects.get(username="grid")
    given = AuditEvent.objects.filter(action="task.assign")
    assert given.count() == 2
    assert Notification.objects.filter(user=grid, kind="grid.task").exists()

    # The grid worker's day: open tasks of their grid, one of them overdue.
    day = day_overview(actor=grid, today=today)
    assert day.tasks.count >= 3 and day.tasks.overdue >= 1
    assert len(day.logs) == 1 and day.logs[0].appeal_id is not None


def test_two_weeks_of_daily_log(demo):
    today = timezone.localdate()
    grid = User.objects.get(username="grid")
    logs = Log.objects.select_related("author", "appeal")
    mine = logs.filter(author=grid)
    assert mine.filter(day__lt=today).values("day").distinct().count() >= 5
    assert logs.exclude(author=grid).exists()
    for log in logs:
        assert today - dt.timedelta(days=LOG_DAYS) <= log.day <= today
        assert log.saw or log.heard or log.resolved
        assert scoping.has_cap(log.author, Cap.GRID_WORK, log.area_code)
        assert timezone.localdate(log.created_at) == log.day
    # Today's entry names the appeal raised on the round, both through the actions.
    linked = mine.exclude(appeal=None).get()
    assert linked.day == today and linked.area_code == HOME_GRID
    assert linked.appeal.channel == Channel.PATROL and linked.appeal.entered_by == grid
    assert AuditEvent.objects.filter(action="log.write", target_id=str(linked.pk)).exists()


def test_loading_again_changes_nothing(demo):
    def snapshot():
        return (
            WorkItem.objects.count(),
            Task.objects.count(),
            Log.objects.count(),
            AuditEvent.objects.count(),
            Notification.objects.count(),
            sorted(Task.objects.values_list("area_code", "title", "status")),
        )

    first = snapshot()
    assert "kept the 18 grid tasks" in load_gridwork_demo()
    assert snapshot() == first


def test_without_a_registry_or_appeals_it_still_loads(db):
    load_core_demo()
    out = load_gridwork_demo()
    assert "18 grid tasks" in out
    assert not Log.objects.exclude(appeal=None).exists()  # no categories: no appeal to link
    assert Log.objects.filter(author__username="grid", day=timezone.localdate()).exists()
