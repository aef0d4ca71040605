"""The monthly visit rate (月探访率): the rule for dropped plans, the child-area rows, the trend."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.care import actions, queries
from linli.care.models import Plan
from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.scoping import SYSTEM

COUNTY = "220403000000"


def _previous(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def _figures(row) -> tuple:
    return (row.numerator, row.denominator, row.not_visited, row.overdue, row.unassigned)


@pytest.fixture
def visited(roster):
    """李四 visited (met); 赵六 died unvisited (dropped: counted nowhere); 王五 still due."""
    plans = roster["plans"]
    Plan.objects.filter(pk=plans["li"].pk).update(done=1, status=Plan.Status.DONE)
    Plan.objects.filter(pk=plans["zhao"].pk).update(
        status=Plan.Status.DROPPED, drop_reason="died", dropped_on=dt.date.today()
    )
    return roster


def test_a_dropped_plan_counts_nowhere_unless_already_met(visited, users, month):
    table = queries.visit_rate(actor=users["county"], month=month, area_code=COUNTY)
    assert (table.total.numerator, table.total.denominator) == (1, 2)
    assert table.total.rate == 0.5 and table.total.percent == 50.0
    # A plan met before it was dropped counts in both.
    Plan.objects.filter(pk=visited["plans"]["zhao"].pk).update(done=1)
    table = queries.visit_rate(actor=users["county"], month=month, area_code=COUNTY)
    assert (table.total.numerator, table.total.denominator) == (2, 3)


def test_county_rows_are_its_towns(visited, users, month, tree, django_assert_num_queries):
    scoping.grants(users["county"])
    with django_assert_num_queries(3):  # the area, one aggregate, the child areas' names
        table = queries.visit_rate(actor=users["county"], month=month, area_code="220403")
    assert table.area == tree["county"] and table.month == month
    assert [(r.code, r.name) for r in table.rows] == [
        (tree["town_a"].code, "仙城街道"),
        (tree["town_b"].code, "东山街道"),
    ]
    town_a, town_b = table.rows
    assert _figures(town_a) == (1, 2, 1, 0, 1)
    assert _figures(town_b) == (0, 0, 0, 0, 0) and town_b.rate is None
    assert _figures(table.total) == (1, 2, 1, 0, 1)


def test_town_rows_are_communities_and_community_rows_are_grids(visited, users, month, tree):
    table = queries.visit_rate(actor=users["town_a"], month=month, area_code=tree["town_a"].code)
    assert [(r.code, r.numerator, r.denominator) for r in table.rows] == [
        (tree["a1"].code, 1, 2),
        (tree["a2"].code, 0, 0),
    ]
    table = queries.visit_rate(actor=users["head_a1"], month=month, area_code=tree["a1"].code)
    assert [(r.code, r.name, r.area, r.numerator, r.denominator) for r in table.rows] == [
        (tree["grid_a1"].code, tree["grid_a1"].name, tree["grid_a1"], 1, 1),
        (tree["a1"].code, "not in a grid", None, 0, 1),
    ]
    assert table.rows[1].unassigned == 1
    table = queries.visit_rate(actor=users["grid_a1"], month=month, area_code=tree["grid_a1"].code)
    assert table.rows == [] and (table.total.numerator, table.total.denominator) == (1, 1)


def test_default_area_is_the_actors_own(visited, users, month, tree):
    assert queries.visit_rate(actor=users["head_a1"], month=month).area == tree["a1"]
    assert queries.visit_rate(actor=users["town_a"], month=month).area == tree["town_a"]


def test_overdue_counts_unmet_plans_past_their_month(visited, users, month):
    previous = _previous(month)
    actions.care_plan_generate(actor=SYSTEM, area_code=COUNTY, month=previous)
    table = queries.visit_rate(actor=users["county"], month=previous, area_code=COUNTY)
    assert _figures(table.total) == (0, 3, 3, 3, 2)


def test_rate_is_scoped(visited, users, month, tree):
    with pytest.raises(NotFound):
        queries.visit_rate(actor=users["worker_a2"], month=month, area_code=tree["a1"].code)
    with pytest.raises(NotFound):
        queries.visit_rate(actor=users["town_b"], month=month, area_code=COUNTY)
    with pytest.raises(Forbidden):
        queries.visit_rate(actor=users["resident_a1"], month=month, area_code=tree["a1"].code)
    with pytest.raises(ActionError) as exc:
        queries.visit_rate(actor=users["county"], month="March", area_code=COUNTY)
    assert set(exc.value.errors) == {"month"}
    with pytest.raises(ActionError) as exc:
        queries.visit_rate(actor=users["county"], month=month, area_code="22040x")
    assert set(exc.value.errors) == {"area_code"}


def test_trend_month_by_month(visited, users, month, tree):
    previous = _previous(month)
    actions.care_plan_generate(actor=SYSTEM, area_code=COUNTY, month=previous)
    Plan.objects.filter(month=previous, resident__name="赵六").update(done=1, status="done")
    points = queries.visit_rate_trend(
        actor=users["town_a"], area_code=tree["town_a"].code, months=3
    )
    assert [p.month for p in points] == [_previous(previous), previous, month]
    assert [(p.numerator, p.denominator, p.rate) for p in points] == [
        (0, 0, None),
        (1, 3, 1 / 3),
        (1, 2, 0.5),
    ]
    one = queries.visit_rate_trend(
        actor=users["head_a1"], area_code=tree["a1"].code, months=1, until=f"{previous:%Y-%m}"
    )
    assert [(p.month, p.numerator, p.denominator) for p in one] == [(previous, 0, 2)]
    with pytest.raises(ActionError):
        queries.visit_rate_trend(actor=users["town_a"], area_code=tree["town_a"].code, months=0)
    with pytest.raises(NotFound):
        queries.visit_rate_trend(actor=users["town_b"], area_code=tree["town_a"].code)


def test_unscoped_figures_for_the_indicator_engine(visited, month, tree):
    assert queries.visit_rate_of(COUNTY, month) == (1, 2)
    assert queries.visit_rate_of(tree["a2"].code, f"{month:%Y-%m}") == (0, 0)
    assert queries.visit_rate_of(tree["grid_a1"].code, month) == (1, 1)
