"""Reading a plan's values: the board, the child areas, the drill-down, the trend and the
snapshots — scoped to the reader's areas, a few queries whatever the size of the tree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.plans.actions.measure import snapshot_take
from linli.plans.models import Measurement, Plan, Snapshot, SnapshotValue
from linli.plans.queries import values as q
from linli.plans.queries.status import Cell as C
from linli.plans.queries.status import Status, cell_to_json
from tests.conftest import make_area

from .engine_fixtures import *  # noqa: F403 (fixtures)
from .engine_fixtures import (
    A1,
    A2,
    AS_OF,
    B1,
    COUNTY,
    R1,
    TARGETS,
    TOWN_A,
    TOWN_B,
    VISIT_MONTH,
    YEAR,
    X,
    make_plan,
)

pytestmark = pytest.mark.django_db


def _item(board, key):
    return next(item for item in board.items if item.indicator.key == key)


# --- the board -----------------------------------------------------------------------------------


def test_county_board_shows_every_target_with_its_status(measured, users, plan):
    board = q.plan_board(actor=users["county"], plan_id=plan.pk, year=YEAR)
    assert board.area.code == COUNTY and board.year == YEAR and board.snapshot is None
    assert [item.indicator.key for item in board.items] == list(TARGETS)
    assert board.measured_at is not None and board.stale is False
    assert board.last_run == measured
    assert board.breadcrumbs == [(COUNTY, "西安区")]
    coverage = _item(board, "facility_coverage")
    assert (coverage.cell.numerator, coverage.cell.denominator) == (3, 5)
    assert coverage.cell.value == Decimal("60")
    assert (coverage.state.status, coverage.state.gap) == (Status.NOT_MET, Decimal("40.0"))
    assert coverage.unit == "percent" and coverage.decimals == 1 and not coverage.binding
    assert coverage.rows_url == (
        reverse("plans:drill", args=[plan.pk, coverage.target.pk]) + f"?area={COUNTY}&year={YEAR}"
    )
    area = _item(board, "facility_area_per_100_households")
    assert area.state.status == Status.AT_RISK and area.cell.below == 2
    assert _item(board, "certified_social_workers_per_urban_community").binding
    assert _item(board, "satisfaction_survey_coverage").cell.source == "reported"
    assert sum(board.counts.values()) == len(TARGETS)
    assert board.counts == {
        "met": sum(1 for i in board.items if i.state.status == Status.MET),
        "at_risk": sum(1 for i in board.items if i.state.status == Status.AT_RISK),
        "not_met": sum(1 for i in board.items if i.state.status == Status.NOT_MET),
        "no_data": sum(1 for i in board.items if i.state.status == Status.NO_DATA),
    }
    assert board.counts["met"] and board.counts["at_risk"] and board.counts["not_met"]


def test_a_town_officer_sees_the_countys_plan_over_the_town(measured, users, plan):
    board = q.plan_board(actor=users["town_a"], plan_id=plan.pk, year=YEAR)
    assert board.area.code == TOWN_A
    assert board.breadcrumbs == [(TOWN_A, "仙城街道")]
    coverage = _item(board, "facility_coverage")
    assert (coverage.cell.numerator, coverage.cell.denominator) == (2, 2)
    assert coverage.state.status == Status.MET
    # One of its communities, yes; the other town, no.
    found = q.plan_board(actor=users["town_a"], plan_id=plan.pk, area_code=A1, year=YEAR)
    assert found.breadcrumbs == [(TOWN_A, "仙城街道"), (A1, "仙城社区")]
    with pytest.raises(NotFound):
        q.plan_board(actor=users["town_a"], plan_id=plan.pk, area_code=TOWN_B, year=YEAR)


def test_a_neighbouring_county_sees_nothing(measured, users, plan, capacity_world):
    neighbour = capacity_world["neighbour"]
    for call, extra in (
        (q.plan_board, {}),
        (q.plan_children, {}),
        (q.plan_trend, {}),
        (q.snapshot_list, {}),
        (q.target_drill, {"target_id": plan.targets.first().pk}),
    ):
        with pytest.raises(NotFound):
            call(actor=neighbour, plan_id=plan.pk, **extra)
    with pytest.raises(NotFound):
        q.plan_board(actor=neighbour, plan_id=plan.pk, area_code=A1)


def test_actors_without_plan_view_see_nothing(measured, users, plan):
    for name in ("resident_a1", "grid_a1", "secadmin", "auditor"):
        with pytest.raises(NotFound):
            q.plan_board(actor=users[name], plan_id=plan.pk)


def test_a_community_head_sees_their_community_only(measured, users, plan):
    board = q.plan_board(actor=users["head_a1"], plan_id=plan.pk, year=YEAR)
    assert board.area.code == A1
    with pytest.raises(NotFound):
        q.plan_board(actor=users["head_a1"], plan_id=plan.pk, area_code=A2)


def test_never_computed(plan, users):
    board = q.plan_board(actor=users["county"], plan_id=plan.pk)
    assert board.measured_at is None and board.stale is True and board.last_run is None
    assert board.counts["no_data"] == len(TARGETS)
    assert all(item.cell.value is None for item in board.items)


def test_values_older_than_the_limit_are_stale(measured, users, plan, settings):
    settings.LINLI_PLAN_STALE_MINUTES = 60
    Measurement.objects.filter(plan=plan).update(
        computed_at=timezone.now() - dt.timedelta(minutes=61)
    )
    assert q.plan_board(actor=users["county"], plan_id=plan.pk, year=YEAR).stale is True
    settings.LINLI_PLAN_STALE_MINUTES = 120
    assert q.plan_board(actor=users["county"], plan_id=plan.pk, year=YEAR).stale is False


def test_bad_year_and_area(plan, users):
    for year in ("2020", "2099", "abc"):
        with pytest.raises(ActionError) as caught:
            q.plan_board(actor=users["county"], plan_id=plan.pk, year=year)
        assert "year" in caught.value.errors
    with pytest.raises(ActionError):
        q.plan_board(actor=users["county"], plan_id=plan.pk, area_code="22040300100x")
    with pytest.raises(ActionError):  # a grid has no values of its own
        q.plan_board(actor=users["county"], plan_id=plan.pk, area_code="220403001001001")
    with pytest.raises(NotFound):
        q.plan_board(actor=users["county"], plan_id="nope")


def test_a_template_has_no_board(users, capacity_world):
    template = make_plan(is_template=True, template_key="xian_qu_values_test")
    with pytest.raises(NotFound):
        q.plan_board(actor=users["county"], plan_id=template.pk)
    assert q.snapshot_list(actor=users["county"], plan_id=template.pk) == []


# --- snapshots -----------------------------------------------------------------------------------


def test_board_of_a_snapshot(measured, users, plan):
    snapshot = snapshot_take(
        actor=users["county"], plan_id=plan.pk, label="2026年1—10月", year=YEAR
    )
    Measurement.objects.filter(plan=plan).update(values={})  # live values gone: the snapshot stays
    board = q.plan_board(actor=users["county"], plan_id=plan.pk, snapshot_id=snapshot.pk)
    assert board.snapshot == snapshot and board.year == YEAR and board.stale is False
    assert board.measured_at == snapshot.measured_at
    assert _item(board, "facility_coverage").cell.value == Decimal(60)
    live = q.plan_board(actor=users["county"], plan_id=plan.pk, year=YEAR)
    assert _item(live, "facility_coverage").cell.value is None
    other = make_plan(title="另一个规划")
    with pytest.raises(NotFound):
        q.plan_board(actor=users["county"], plan_id=other.pk, snapshot_id=snapshot.pk)
    assert q.snapshot_list(actor=users["town_a"], plan_id=plan.pk) == [snapshot]


def test_snapshots_newest_first(measured, users, plan):
    first = snapshot_take(actor=users["county"], plan_id=plan.pk, label="一", year=YEAR)
    second = snapshot_take(actor=users["county"], plan_id=plan.pk, label="二", year=YEAR)
    Snapshot.objects.filter(pk=second.pk).update(measured_at=first.measured_at + dt.timedelta(1))
    assert [s.label for s in q.snapshot_list(actor=users["county"], plan_id=plan.pk)] == [
        "二",
        "一",
    ]


# --- children and drill-down ---------------------------------------------------------------------


def test_children_of_the_county_are_its_towns(measured, users, plan):
    table = q.plan_children(actor=users["county"], plan_id=plan.pk, year=YEAR)
    assert [row.area_code for row in table.rows] == [TOWN_A, TOWN_B]
    assert [t.indicator.key for t in table.targets] == list(TARGETS)
    town_a = table.rows[0]
    coverage = next(t for t in table.targets if t.indicator.key == "facility_coverage")
    cell, state = town_a.cells[coverage.pk]
    assert (cell.numerator, cell.denominator, state.status) == (2, 2, Status.MET)
    assert town_a.worst == Status.NOT_MET and town_a.level == Level.TOWN
    assert sum(town_a.counts.values()) == len(TARGETS)
    table = q.plan_children(actor=users["county"], plan_id=plan.pk, area_code=TOWN_B, year=YEAR)
    assert [row.area_code for row in table.rows] == [B1, R1, X]
    table = q.plan_children(actor=users["county"], plan_id=plan.pk, area_code=A1, year=YEAR)
    assert table.rows == []


def test_drill_lists_the_children_and_links_communities_to_their_records(measured, users, plan):
    goal = plan.targets.get(indicator__key="facility_area_per_100_households")
    drill = q.target_drill(actor=users["county"], plan_id=plan.pk, target_id=goal.pk, year=YEAR)
    assert [row.area_code for row in drill.rows] == [TOWN_A, TOWN_B]
    assert all(row.records_url is None and not row.is_community for row in drill.rows)
    assert drill.total[1].status == Status.AT_RISK and drill.total[0].below == 2
    assert drill.breadcrumbs == [(COUNTY, "西安区")] and drill.records_url is None
    drill = q.target_drill(
        actor=users["county"], plan_id=plan.pk, target_id=goal.pk, area_code=TOWN_A, year=YEAR
    )
    assert [row.area_code for row in drill.rows] == [A1, A2]
    a1, a2 = drill.rows
    assert a1.is_community and a1.state.status == Status.MET
    assert a2.state.status == Status.NOT_MET
    assert a1.records_url == reverse("facilities:list") + f"?area={A1}&kind=comprehensive"
    below = q.target_drill(
        actor=users["county"],
        plan_id=plan.pk,
        target_id=goal.pk,
        area_code=TOWN_A,
        year=YEAR,
        only_below=True,
    )
    assert [row.area_code for row in below.rows] == [A2] and below.only_below
    community = q.target_drill(
        actor=users["county"], plan_id=plan.pk, target_id=goal.pk, area_code=A2, year=YEAR
    )
    assert community.rows == [] and community.records_url is not None
    assert community.breadcrumbs == [(COUNTY, "西安区"), (TOWN_A, "仙城街道"), (A2, "新兴社区")]


def test_drill_of_a_town_level_figure_links_the_towns(measured, users, plan):
    goal = plan.targets.get(indicator__key="social_work_station_coverage")
    drill = q.target_drill(actor=users["county"], plan_id=plan.pk, target_id=goal.pk, year=YEAR)
    assert [row.records_url for row in drill.rows] == [
        reverse("facilities:list") + f"?area={code}&kind=social_work" for code in (TOWN_A, TOWN_B)
    ]


def test_drill_refuses_a_target_of_another_plan(measured, users, plan):
    other = make_plan(title="另一个规划")
    with pytest.raises(NotFound):
        q.target_drill(actor=users["county"], plan_id=other.pk, target_id=plan.targets.first().pk)
    with pytest.raises(NotFound):
        q.target_drill(actor=users["county"], plan_id=plan.pk, target_id="x")


# --- trend ---------------------------------------------------------------------------------------


def test_trend_is_the_snapshots_then_the_live_values(measured, users, plan):
    snapshot_take(actor=users["county"], plan_id=plan.pk, label="2026年1—10月", year=YEAR)
    trend = q.plan_trend(actor=users["county"], plan_id=plan.pk)
    labels = [point.label for point in trend.points]
    if q.current_year(plan) == YEAR:
        assert labels == ["2026年1—10月", f"Live, {YEAR}"]
        assert trend.points[-1].snapshot_id is None
    else:  # the values measured are of last year: no live values this year yet
        assert labels == ["2026年1—10月"]
    coverage = next(t for t in trend.targets if t.indicator.key == "facility_coverage")
    assert trend.points[0].cells[coverage.pk][0].value == Decimal(60)
    town = q.plan_trend(actor=users["town_b"], plan_id=plan.pk)
    assert town.area.code == TOWN_B
    assert town.points[0].cells[coverage.pk][0].value == Decimal("33.3")


# --- constant query counts -----------------------------------------------------------------------


def _grow(plan: Plan, year: int, parent: str, count: int) -> None:
    """``count`` more child rows under ``parent`` (areas that need no row of their own)."""
    cells = {"facility_coverage": cell_to_json(C(Decimal(1), Decimal(2), Decimal(50)))}
    Measurement.objects.bulk_create(
        Measurement(
            plan=plan,
            year=year,
            area_code=f"{parent[:9]}{900 - n:03d}",
            parent_code=parent,
            level=Level.COMMUNITY,
            name=f"社区{n}",
            values=cells,
            computed_at=timezone.now(),
        )
        for n in range(count)
    )


def _count(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_reads_cost_the_same_queries_whatever_the_tree(
    measured, users, plan, django_assert_num_queries
):
    county = users["county"]
    scoping.grants(county)
    goal = plan.targets.get(indicator__key="facility_coverage")
    calls = {
        "board": lambda: q.plan_board(actor=county, plan_id=plan.pk, area_code=TOWN_A, year=YEAR),
        "children": lambda: q.plan_children(
            actor=county, plan_id=plan.pk, area_code=TOWN_A, year=YEAR
        ),
        "drill": lambda: q.target_drill(
            actor=county, plan_id=plan.pk, target_id=goal.pk, area_code=TOWN_A, year=YEAR
        ),
    }
    small = {name: _count(call) for name, call in calls.items()}
    assert small["board"] <= 7 and small["children"] <= 6 and small["drill"] <= 7
    _grow(plan, YEAR, TOWN_A, 300)
    for name, call in calls.items():
        with django_assert_num_queries(small[name]):
            found = call()
        if name != "board":
            assert len(found.rows) == 302


# --- years, dates, records -----------------------------------------------------------------------


def test_plan_years_newest_first_up_to_this_year(capacity_world):
    today = dt.date(2026, 5, 1)
    plan = make_plan(start_year=2021, end_year=2025)
    assert q.plan_years(plan, today) == [2025, 2024, 2023, 2022, 2021]
    plan = make_plan(start_year=2026, end_year=2030, title="十五五")
    assert q.plan_years(plan, today) == [2026]
    plan = make_plan(start_year=2027, end_year=2030, title="later")
    assert q.plan_years(plan, today) == [] and q.current_year(plan, today) is None


def test_the_day_and_month_a_year_is_measured_on():
    today = dt.date(2026, 5, 20)
    assert q.as_of_for(2025, today) == dt.date(2025, 12, 31)
    assert q.as_of_for(2026, today) == today
    assert q.visit_month(2025, today) == dt.date(2025, 12, 1)
    assert q.visit_month(2026, today) == dt.date(2026, 4, 1)
    assert q.visit_month(2026, dt.date(2026, 1, 9)) == dt.date(2026, 1, 1)
    assert q.visit_month(YEAR, AS_OF) == VISIT_MONTH


def test_records_behind_a_communitys_value():
    year = 2025
    assert q.records_url("facility_coverage", A1, year) == (
        reverse("facilities:list") + f"?area={A1}&kind=comprehensive"
    )
    assert q.records_url("day_care_coverage_urban", A1, year).endswith("kind=day_care")
    assert q.records_url("new_facility_area_ratio", A1, year).endswith("new_build=1")
    assert q.records_url("workers_per_10k_urban", A1, year) == (
        reverse("workforce:workers") + f"?area={A1}"
    )
    assert q.records_url("certified_social_workers_per_urban_community", A1, year).endswith(
        "certified=any"
    )
    assert q.records_url("worker_training_coverage", A1, year) == (
        reverse("workforce:training_due") + f"?area={A1}&as_of=2025-12-31"
    )
    assert q.records_url("special_elderly_monthly_visit_rate", A1, year) == (
        reverse("care:rate") + f"?area={A1}&month=2025-12"
    )
    assert q.records_url("disaster_officer_coverage", A1, year) == (
        reverse("notices:officers") + f"?community={A1}"
    )
    assert q.records_url("appeal_response_rate", A1, year) == (
        reverse("appeals:inbox") + f"?area={A1}&tab=all"
    )
    assert q.records_url("volunteer_team_coverage", A1, year) == (
        reverse("volunteers:teams") + f"?area={A1}&party_led=yes&active=yes"
    )
    assert q.records_url("satisfaction_survey_coverage", A1, year) is None
    assert q.records_url("no_such_key", A1, year) is None


def test_snapshot_rows_are_the_years_rows(measured, users, plan):
    snapshot = snapshot_take(actor=users["county"], plan_id=plan.pk, label="冻结", year=YEAR)
    live = dict(Measurement.objects.filter(plan=plan, year=YEAR).values_list("area_code", "values"))
    frozen = dict(
        SnapshotValue.objects.filter(snapshot=snapshot).values_list("area_code", "values")
    )
    assert frozen == live and len(frozen) == 8
    make_area("220403002099", "新建社区", "111")  # a new area does not appear in old values
    assert SnapshotValue.objects.filter(snapshot=snapshot).count() == 8
