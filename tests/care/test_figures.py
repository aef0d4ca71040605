"""Past months' visit-rate figures (MonthFigure): kept by the sweep, read by the trend, and
always the same numbers as counting the plans live."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from linli.care import actions, queries
from linli.care.models import MonthFigure, Plan
from linli.core.scoping import SYSTEM

COUNTY = "220403000000"


def _back(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def history(roster, tree, month):
    """Plans for the three months before this one: 李四 met in each, 王五 met two months ago
    only, 赵六 dropped (died) unvisited three months ago."""
    for n in (1, 2, 3):
        actions.care_plan_generate(
            actor=SYSTEM, area_code=tree["county"].code, month=_back(month, n)
        )
    plans = Plan.objects.filter(month__lt=month)
    plans.filter(subject=roster["subjects"]["li"]).update(done=1, status=Plan.Status.DONE)
    plans.filter(subject=roster["subjects"]["wang"], month=_back(month, 2)).update(
        done=1, status=Plan.Status.DONE
    )
    plans.filter(subject=roster["subjects"]["zhao"], month=_back(month, 3)).update(
        status=Plan.Status.DROPPED, drop_reason="died"
    )
    return roster


def _points(trend) -> list[tuple]:
    return [(p.month, p.numerator, p.denominator) for p in trend]


def test_the_trend_reads_the_same_numbers_from_kept_figures_as_from_the_plans(
    history, users, month
):
    live = _points(queries.visit_rate_trend(actor=users["county"], area_code=COUNTY, months=4))
    assert live == [
        (_back(month, 3), 1, 2),  # 赵六 dropped unvisited: counted nowhere
        (_back(month, 2), 2, 3),
        (_back(month, 1), 1, 3),
        (month, 0, 3),
    ]
    result = actions.care_figures_refresh()
    assert result["months"] == 3
    assert MonthFigure.objects.filter(area_code="").count() == 3
    kept = _points(queries.visit_rate_trend(actor=users["county"], area_code=COUNTY, months=4))
    assert kept == live
    # a community and a grid read the same way
    for code in ("220403001001", "220403001001001"):
        before = [
            (p.month, p.numerator, p.denominator)
            for p in queries.visit_rate_trend(actor=users["county"], area_code=code, months=4)
        ]
        MonthFigure.objects.all().delete()
        fresh = _points(queries.visit_rate_trend(actor=users["county"], area_code=code, months=4))
        actions.care_figures_refresh()
        assert before == fresh


def test_recent_months_are_counted_again_and_older_ones_once(history, month):
    actions.care_figures_refresh()
    three_back = MonthFigure.objects.get(area_code="", month=_back(month, 3))
    last = MonthFigure.objects.get(area_code="", month=_back(month, 1))
    assert (last.numerator, last.denominator) == (1, 3)
    # a visit recorded late for last month and a change three months back
    Plan.objects.filter(month=_back(month, 1), done=0).update(done=1)
    Plan.objects.filter(month=_back(month, 3)).update(done=0)
    result = actions.care_figures_refresh()
    assert result["months"] == 2  # the two months late visits may still change
    last = MonthFigure.objects.get(area_code="", month=_back(month, 1))  # counted afresh
    assert (last.numerator, last.denominator) == (3, 3)
    three_back.refresh_from_db()
    assert three_back.numerator == 1  # kept as counted: no visit may be added that late


def test_the_trend_uses_the_rate_table_it_is_given_for_its_last_month(
    history, users, month, django_assert_num_queries
):
    actions.care_figures_refresh()
    table = queries.visit_rate(actor=users["county"], month=month, area_code=COUNTY)
    with django_assert_num_queries(3):  # the area, the kept months, their figures
        trend = queries.visit_rate_trend(
            actor=users["county"], area_code=COUNTY, months=4, latest=table.total
        )
    assert _points(trend)[-1] == (month, table.total.numerator, table.total.denominator)


def test_the_sweep_keeps_the_figures(history, capsys, monkeypatch):
    # the command closes stale connections between passes; in a test that would be the test's
    monkeypatch.setattr("django.db.close_old_connections", lambda: None)
    call_command("sweep")
    assert '"care_figures": {"months": 3' in capsys.readouterr().out
    assert MonthFigure.objects.filter(area_code="").count() == 3


def test_making_a_kept_month_again_counts_its_figures_again(history, tree, month):
    actions.care_figures_refresh()
    old = _back(month, 3)
    Plan.objects.filter(month=old).delete()
    actions.care_plan_generate(actor=SYSTEM, area_code=tree["county"].code, month=old)
    kept = MonthFigure.objects.get(area_code="", month=old)
    assert (kept.numerator, kept.denominator) == (0, 3)  # the new plans, none visited yet
