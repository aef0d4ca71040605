"""The indicator engine: exact values for every area of the county, computed and reported, the
counts of communities covered and below, and the statuses they give."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.areacodes import Level
from linli.core.errors import ActionError
from linli.facilities.queries import capacity_figures, capacity_rollup
from linli.plans.models import Indicator
from linli.plans.queries.engine import compute
from linli.plans.queries.sources import FUNCTIONS
from linli.plans.queries.status import EMPTY, Status, status_of
from tests.facilities.capacity_fixtures import EXPECTED

from .engine_fixtures import *  # noqa: F403 (fixtures)
from .engine_fixtures import (
    A1,
    A2,
    AS_OF,
    B1,
    COUNTY,
    GRID_A1,
    R1,
    TARGETS,
    TOWN_A,
    TOWN_B,
    YEAR,
    X,
    indicator,
    make_plan,
    reported_value,
    target,
)

pytestmark = pytest.mark.django_db

CAPACITY = [k for k in TARGETS if k in EXPECTED]
# Figures whose wider value is the sum of its parts (not the hours: a minimum; and not the new
# build ratio below a town: facilities recorded on a town count for the town only).
ADDITIVE = [k for k in CAPACITY if k != "facility_daily_open_hours"]


def _values(plan, year=YEAR):
    return {area.code: cells for area, cells in compute(plan, year, today=AS_OF)}


def _nd(cell):
    return (cell.numerator, cell.denominator, cell.value)


@pytest.fixture
def values(plan, visits, reported):
    return _values(plan)


def test_every_area_down_to_the_communities_and_no_grid(values):
    assert list(values) == [COUNTY, TOWN_A, A1, A2, TOWN_B, B1, R1, X]
    assert GRID_A1 not in values


@pytest.mark.parametrize("key", CAPACITY)
def test_county_capacity_values_are_the_capacity_figures(values, key):
    cell = values[COUNTY][key]
    numerator, denominator, value = EXPECTED[key]
    assert (cell.numerator, cell.denominator, cell.value) == (numerator, denominator, value)
    assert cell.source == "computed"


def test_towns_take_the_figures_of_their_own_communities(values, users):
    rollup = capacity_rollup(actor=users["county"], area_code="220403", as_of=AS_OF, keys=CAPACITY)
    for child in rollup.children:
        for key in CAPACITY:
            figure = child.figures[key]
            assert _nd(values[child.area_code][key]) == (
                figure.numerator,
                figure.denominator,
                figure.value,
            ), (child.area_code, key)
    assert _nd(values[TOWN_A]["facility_coverage"]) == (2, 2, Decimal("100.0"))
    assert _nd(values[TOWN_B]["facility_coverage"]) == (1, 3, Decimal("33.3"))


def test_communities_take_their_rows(values, users):
    figures = capacity_figures(
        actor=users["county"], area_code="220403", as_of=AS_OF, keys=CAPACITY
    )
    for key, figure in figures.items():
        if key == "social_work_station_coverage":
            continue
        rows = {row.area_code: row for row in figure.rows}
        for code in (A1, A2, B1, R1, X):
            row = rows.get(code)
            cell = values[code].get(key)
            if row is None:
                assert cell is None, (code, key)
            else:
                assert _nd(cell) == (row.numerator, row.denominator, row.value), (code, key)
    # Scope: a village has no urban value, an urban community no rural one.
    assert "facility_coverage_urban" not in values[R1]
    assert _nd(values[R1]["facility_coverage_rural"]) == (1, 1, Decimal(100))
    assert "facility_coverage_rural" not in values[A1]


def test_the_station_coverage_is_counted_by_town(values):
    assert _nd(values[COUNTY]["social_work_station_coverage"]) == (1, 2, Decimal("50.0"))
    assert _nd(values[TOWN_A]["social_work_station_coverage"]) == (0, 1, Decimal(0))
    assert _nd(values[TOWN_B]["social_work_station_coverage"]) == (1, 1, Decimal(100))
    assert values[TOWN_A]["social_work_station_coverage"].below == 1
    assert values[COUNTY]["social_work_station_coverage"].counted == 2
    assert values[COUNTY]["social_work_station_coverage"].below == 1
    assert "social_work_station_coverage" not in values[A1]


@pytest.mark.parametrize("key", ADDITIVE)
def test_a_county_is_the_sum_of_its_towns(values, key):
    county = values[COUNTY][key]
    towns = [values[TOWN_A][key], values[TOWN_B][key]]
    assert county.numerator == sum(t.numerator for t in towns)
    if county.denominator is not None:
        assert county.denominator == sum(t.denominator for t in towns)


@pytest.mark.parametrize("key", [k for k in ADDITIVE if k not in (
    "social_work_station_coverage", "new_facility_area_ratio")])  # fmt: skip
def test_a_town_is_the_sum_of_its_communities(values, key):
    for town, communities in ((TOWN_A, (A1, A2)), (TOWN_B, (B1, R1, X))):
        # the communities counted: those with a value (a population, households … known)
        parts = [values[c][key] for c in communities if values[c].get(key, EMPTY).value is not None]
        found = values[town][key]
        assert found.numerator == sum(p.numerator for p in parts), (town, key)
        if found.denominator is not None:
            assert found.denominator == sum(p.denominator or 0 for p in parts), (town, key)


def test_opening_hours_of_an_area_are_its_shortest(values):
    hours = "facility_daily_open_hours"
    assert values[A1][hours].value == Decimal("8.50")
    assert values[A2][hours].value == Decimal("6.00")
    assert values[TOWN_A][hours].value == Decimal("6.00")
    assert values[TOWN_B][hours].value == Decimal("8.00")
    assert _nd(values[COUNTY][hours]) == (2, 3, Decimal("6.00"))
    assert values[COUNTY][hours].below == 1  # a2 opens 6 hours


def test_per_community_target_counts_the_communities_below(values, plan):
    key = "facility_area_per_100_households"
    # a1 600 m² for 3 households; a2 100 m² for 400 (25); b1 none for 1 (0); r1 150 for 500
    # (30: met); x: households unknown, no value.
    assert values[A2][key].below == 1 and values[B1][key].below == 1
    assert values[A1][key].below == 0 and values[R1][key].below == 0
    assert values[X][key].value is None and values[X][key].below is None
    assert (values[TOWN_A][key].counted, values[TOWN_A][key].below) == (2, 1)
    assert (values[TOWN_B][key].counted, values[TOWN_B][key].below) == (2, 1)
    assert (values[COUNTY][key].counted, values[COUNTY][key].below) == (4, 2)
    goal = plan.targets.get(indicator__key=key)
    # 94.0 m² per 100 households as a whole, but two communities miss 30: at risk.
    assert status_of(goal, values[COUNTY][key]).status == Status.AT_RISK
    assert status_of(goal, values[R1][key]).status == Status.MET
    assert status_of(goal, values[A2][key]).status == Status.NOT_MET


def test_statuses_met_at_risk_not_met_and_no_data(values, plan):
    goals = {t.indicator.key: t for t in plan.targets.select_related("indicator")}

    def status(code, key):
        cell = values[code].get(key)
        return status_of(goals[key], cell, goals[key].indicator.decimals)

    assert status(COUNTY, "facility_coverage_rural").status == Status.MET
    assert status(COUNTY, "activity_area_ratio").status == Status.MET  # 64.7 ≥ 60
    found = status(COUNTY, "day_care_coverage_urban")  # 66.7 against ≥ 70: within 7
    assert (found.status, found.gap) == (Status.AT_RISK, Decimal("3.3"))
    found = status(COUNTY, "facility_coverage")  # 60 against = 100
    assert (found.status, found.gap) == (Status.NOT_MET, Decimal("40.0"))
    assert status(TOWN_A, "facility_coverage_rural").status == Status.NO_DATA  # no village
    assert status(R1, "satisfaction_survey_coverage").status == Status.NO_DATA  # nothing reported


def test_visit_rate_of_the_month_summed_up_the_tree(values):
    key = "special_elderly_monthly_visit_rate"
    assert _nd(values[A1][key]) == (2, 4, Decimal(50))
    assert _nd(values[A2][key]) == (1, 1, Decimal(100))
    assert _nd(values[B1][key]) == (1, 1, Decimal(100))
    assert _nd(values[R1][key]) == (0, 0, None)
    assert _nd(values[TOWN_A][key]) == (3, 5, Decimal(60))
    assert _nd(values[TOWN_B][key]) == (1, 2, Decimal(50))  # b1 and the plan on the town
    assert _nd(values[COUNTY][key]) == (4, 7, Decimal("57.1429"))
    assert (values[COUNTY][key].counted, values[COUNTY][key].below) == (3, 1)  # a1 below
    assert values[A1][key].below == 1 and values[B1][key].below == 0


def test_reported_ratio_an_areas_own_entry_replaces_its_descendants(values):
    key = "satisfaction_survey_coverage"
    assert _nd(values[A1][key]) == (1, 1, Decimal(100))
    assert _nd(values[A2][key]) == (0, 1, Decimal(0))
    assert _nd(values[B1][key]) == (1, 1, Decimal(100))
    assert key not in values[R1] and key not in values[X]  # nothing reported: no value
    assert _nd(values[TOWN_A][key]) == (1, 2, Decimal(50))  # a1 + a2
    assert _nd(values[TOWN_B][key]) == (2, 3, Decimal("66.6667"))  # its own, not + b1
    assert _nd(values[COUNTY][key]) == (3, 5, Decimal(60))  # 1/2 + 2/3, b1 never twice
    assert values[COUNTY][key].source == "reported"
    assert values[TOWN_A][key].counted == 2 and values[TOWN_B][key].counted == 1
    assert values[COUNTY][key].counted == 3
    assert values[A2][key].below == 1 and values[COUNTY][key].below == 1


def test_reported_per_community_average_and_total(values):
    orgs = "social_orgs_per_urban_community"
    assert _nd(values[TOWN_A][orgs]) == (25, 2, Decimal("12.5"))
    assert _nd(values[COUNTY][orgs]) == (30, 3, Decimal(10))  # the county's own entry
    assert orgs not in values[TOWN_B] and orgs not in values[A1]
    paths = "fitness_paths_km"
    assert _nd(values[A1][paths]) == (Decimal("2.5"), None, Decimal("2.5"))
    assert _nd(values[TOWN_A][paths]) == (4, None, 4)
    assert _nd(values[TOWN_B][paths]) == (4, None, 4)
    assert _nd(values[COUNTY][paths]) == (8, None, 8)


def test_nothing_reported_anywhere_gives_no_value(plan, visits):
    values = _values(plan)
    for cells in values.values():
        assert "satisfaction_survey_coverage" not in cells
        assert "fitness_paths_km" not in cells


def test_a_custom_indicator_may_use_any_function(plan, visits, reported):
    mine = indicator(
        "community_coverage_local",
        area_code=COUNTY,
        name="社区综合服务设施覆盖率（本区口径）",
        function="facility_coverage",
    )
    target(plan, mine, ">=", 50, position=99)
    values = _values(plan)
    assert _nd(values[COUNTY]["community_coverage_local"]) == _nd(
        values[COUNTY]["facility_coverage"]
    )
    # Its own target (≥ 50) counts the communities below it: a1, a2, r1 have one, b1 and x not.
    assert values[COUNTY]["community_coverage_local"].below == 2
    assert values[COUNTY]["facility_coverage"].below == 2
    assert values[TOWN_A]["community_coverage_local"].below == 0


def test_a_template_is_not_measured(capacity_world):
    template = make_plan(is_template=True, template_key="xian_qu_test")
    with pytest.raises(ActionError):
        compute(template, YEAR)


def test_a_jurisdiction_missing_from_the_tree_is_an_error(capacity_world):
    orphan = make_plan(area_code="220499000000")
    with pytest.raises(ActionError) as caught:
        compute(orphan, YEAR)
    assert caught.value.errors == {"plan": [caught.value.message]}


def test_an_unknown_function_gives_no_value(plan, visits):
    odd = indicator("odd_one", area_code=COUNTY, function="no_such_function")
    target(plan, odd, ">=", 1, position=100)
    values = _values(plan)
    assert all("odd_one" not in cells for cells in values.values())


def test_the_registry_names_every_function():
    assert len(FUNCTIONS) == 20
    for key, spec in FUNCTIONS.items():
        assert spec.key == key and str(spec.label) and str(spec.definition)
        assert spec.row_level in (Level.COMMUNITY, Level.TOWN)
    assert FUNCTIONS["social_work_station_coverage"].row_level == Level.TOWN


def test_a_prefecture_plan_measures_its_counties(capacity_world, visits):
    prefecture = make_plan(area_code="220400000000", title="辽源市规划")
    target(prefecture, indicator("facility_coverage"), "=", 100)
    target(prefecture, indicator("special_elderly_monthly_visit_rate"), "=", 100, 1)
    values = _values(prefecture)
    assert "220403000000" in values and "220402000000" in values
    county = values["220403000000"]["facility_coverage"]
    assert _nd(county) == (3, 5, Decimal("60.0"))
    neighbour = values["220402000000"]["facility_coverage"]
    assert _nd(neighbour) == (1, 1, Decimal("100.0"))  # 龙山社区 (its facility is open)
    total = values["220400000000"]["facility_coverage"]
    assert _nd(total) == (4, 6, Decimal("66.7"))
    rate = values["220400000000"]["special_elderly_monthly_visit_rate"]
    assert (rate.numerator, rate.denominator) == (5, 8)  # the neighbour's plan counts here


def test_a_reported_value_on_an_area_outside_the_tree_is_ignored(plan):
    surveys = Indicator.objects.get(area_code="", key="satisfaction_survey_coverage")
    reported_value(surveys, GRID_A1, 1, 1)  # a grid: not an area of the plan's rows
    values = _values(plan)
    assert "satisfaction_survey_coverage" not in values[A1]
