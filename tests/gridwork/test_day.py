"""The grid worker's day: care visits due, appeals with their grid, open tasks and today's log,
read in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.appeals import actions as appeal_actions
from linli.appeals import queries as appeal_queries
from linli.appeals.models import Category
from linli.care.models import Plan, Subject, month_end, month_start
from linli.core.scoping import SYSTEM
from linli.gridwork import actions, queries
from linli.gridwork.models import Task
from tests.registry.conftest import homes  # noqa: F401


@pytest.fixture
def plans(tree, users, homes):  # noqa: F811
    """``plans(*names, due=...)``: this month's open visit plans of ``grid_a1`` for residents."""
    today = timezone.localdate()

    def _plans(*names, due=None):
        made = []
        for name in names:
            resident = homes["people"][name]
            subject = Subject.objects.create(
                resident=resident,
                area_code=resident.area_code,
                kind="elderly",
                tags=["special_elderly.living_alone"],
                frequency="monthly",
                started_on=dt.date(2024, 1, 1),
            )
            made.append(
                Plan.objects.create(
                    subject=subject,
                    resident=resident,
                    area_code=resident.area_code,
                    month=month_start(today),
                    due_on=due or month_end(today),
                    frequency="monthly",
                    required=1,
                    worker=users["grid_a1"],
                )
            )
        return made

    return _plans


@pytest.fixture
def grid_appeals(tree, users):
    """``grid_appeals(n)``: n appeals in A1's grid, dispatched to the grid's own unit."""
    appeal_actions.appeal_defaults_load(actor=SYSTEM, county_code=tree["county"].code)
    noise = Category.objects.get(area_code=tree["county"].code, key="noise")
    unit = appeal_queries.unit_for_area(tree["grid_a1"].code, "grid")

    def _appeals(n=1):
        made = []
        for _ in range(n):
            appeal = appeal_actions.appeal_submit(
                actor=users["resident_a1"],
                category_id=noise.pk,
                area_code=tree["grid_a1"].code,
                description="楼上每天深夜装修，电钻声音很大",
            )
            made.append(
                appeal_actions.appeal_dispatch(actor=SYSTEM, appeal_id=appeal.pk, unit_id=unit.pk)
            )
        return made

    return _appeals


def _log(users, tree, **more):
    data = {
        "area_code": tree["grid_a1"].code,
        "day": timezone.localdate(),
        "saw": "路灯不亮",
        "client_key": uuid.uuid4(),
    }
    data.update(more)
    return actions.log_write(actor=users["grid_a1"], **data)


def test_the_day_gathers_visits_appeals_tasks_and_todays_log(
    tree, users, items, assign, plans, grid_appeals
):
    today = timezone.localdate()
    due_plans = plans("li", "zhang")
    [appeal] = grid_appeals(1)
    later = assign(due_on=today + dt.timedelta(days=6))[0]
    sooner = assign(item="XZ-10", due_on=today)[0]
    Task.objects.filter(pk=sooner.pk).update(due_on=today - dt.timedelta(days=2))
    assign(areas=[tree["a2"].code])  # not this worker's
    entry = _log(users, tree)
    _log(users, tree, day=today - dt.timedelta(days=1))  # not today

    day = queries.day_overview(actor=users["grid_a1"])
    assert day.today == today
    assert day.visits.count == 2 and {p.pk for p in day.visits.top} == {p.pk for p in due_plans}
    assert day.appeals.count == 1 and day.appeals.top[0].pk == appeal.pk
    assert day.tasks.count == 2 and [t.pk for t in day.tasks.top] == [sooner.pk, later.pk]
    assert day.tasks.overdue == 1 and day.tasks.top[0].overdue
    assert day.tasks.top[0].area_name == tree["grid_a1"].name
    assert day.logs == [entry]


def test_the_day_shows_the_first_few_and_the_count(tree, users, items, assign):
    for _ in range(7):
        assign()
    day = queries.day_overview(actor=users["grid_a1"])
    assert day.tasks.count == 7 and len(day.tasks.top) == 5 and day.tasks.more


def test_another_communitys_worker_sees_nothing_of_a1(
    tree, users, items, assign, plans, grid_appeals
):
    plans("li")
    grid_appeals(1)
    assign()
    _log(users, tree)
    day = queries.day_overview(actor=users["worker_a2"])
    assert (day.visits.count, day.appeals.count, day.tasks.count, day.logs) == (0, 0, 0, [])


def test_the_day_of_someone_without_care_or_appeal_work_is_empty_there(users, tree, items, assign):
    assign(actor=users["county"], areas=[tree["a1"].code])
    day = queries.day_overview(actor=users["town_a"])
    assert day.visits.count == 0 and day.appeals.count == 0 and day.tasks.count == 0


def _queries_of_the_day(actor) -> int:
    queries.day_overview(actor=actor)  # grants and units cached as in a request
    with CaptureQueriesContext(connection) as captured:
        queries.day_overview(actor=actor)
    return len(captured.captured_queries)


def test_the_day_reads_in_the_same_few_queries_however_much_there_is(
    tree, users, items, assign, plans, grid_appeals
):
    actor = users["grid_a1"]
    plans("li")
    grid_appeals(1)
    assign()
    _log(users, tree)
    few = _queries_of_the_day(actor)
    # visits due 1; the units the worker acts for 1; appeals count and first rows 2; tasks count,
    # first rows and their area names 3; today's log 1.
    assert few == 8

    plans("zhang", "zhang_wife", "zhang_child", "wang")
    grid_appeals(6)
    for _ in range(6):
        assign(item="XZ-13")
    for _ in range(4):
        _log(users, tree)
    assert _queries_of_the_day(type(actor).objects.get(pk=actor.pk)) == few
    day = queries.day_overview(actor=actor)
    assert (day.visits.count, day.appeals.count, day.tasks.count, len(day.logs)) == (5, 7, 7, 5)


def test_the_staff_home_summary_is_two_queries(
    users, tree, items, assign, django_assert_num_queries
):
    actor = users["grid_a1"]
    assign()
    _log(users, tree)
    queries.day_summary(actor=actor)
    with django_assert_num_queries(2):
        assert queries.day_summary(actor=actor) == {"tasks": 1, "overdue": 0, "logs": 1}
