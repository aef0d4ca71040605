"""The coverage of volunteer teams led by party members, counted from the volunteer teams.

The county 220403 of the shared tree (town A: the urban communities a1 and a2; town B: the urban
community b1) with the village r1 and the community x added to town B, and a neighbouring
county's community n1. Measured for 2024 (as of 31 December 2024) the teams say:

- a1: two active party-led teams (counted once) — covered;
- a2: a party-led team stood down, and an active team not led by party members — not covered;
- b1: a party-led team formed in the evening of 31 December 2024 — covered;
- r1: a party-led team formed in June 2024 — covered;
- x: a party-led team formed at midnight on 1 January 2025 — covered from 2025 only;
- n1: a party-led team, outside the county.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.models import Area
from linli.plans.models import Indicator, Plan, Target
from linli.plans.queries.engine import compute
from linli.plans.queries.sources import FUNCTIONS
from linli.plans.queries.sources import volunteers as source
from linli.plans.queries.sources.common import subtree
from linli.volunteers.models import Team
from tests.conftest import make_area

pytestmark = pytest.mark.django_db

KEY = source.KEY
COUNTY = "220403000000"
TOWN_A = "220403001000"
TOWN_B = "220403002000"
A1, A2, B1 = "220403001001", "220403001002", "220403002001"
R1, X = "220403002002", "220403002003"
N1 = "220402001001"
AFTER_2024 = dt.date(2026, 3, 1)  # 2024 is a past year: measured as of its 31 December
MID_2025 = dt.date(2025, 6, 30)  # 2025 as the current year: measured as of this day


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def team(area: Area, name: str, formed: dt.datetime, *, party_led=True, active=True) -> Team:
    return Team.objects.create(
        area=area,
        area_code=area.code,
        name=name,
        party_led=party_led,
        active=active,
        created_at=formed,
    )


@pytest.fixture
def world(tree):
    r1 = make_area(R1, "红旗村", "220")
    x = make_area(X, "新区社区")
    n1 = make_area(N1, "龙山社区", "111")
    early = at(dt.date(2023, 3, 1))
    team(tree["a1"], "仙城党员先锋队", early)
    team(tree["a1"], "仙城党员巡逻队", early)
    team(tree["a2"], "新兴党员先锋队", early, active=False)
    team(tree["a2"], "新兴助老服务队", early, party_led=False)
    team(tree["b1"], "东山党员先锋队", at(dt.date(2024, 12, 31), 23, 30))
    team(r1, "红旗村党员先锋队", at(dt.date(2024, 6, 1)))
    team(x, "新区党员先锋队", at(dt.date(2025, 1, 1), 0, 0))
    team(n1, "龙山党员先锋队", early)
    return tree


def goal(value=100, op="=") -> Target:
    return Target(op=op, value=Decimal(value))


def measured(root_code=COUNTY, year=2024, today=AFTER_2024, targets=None):
    root = Area.objects.get(code=root_code)
    cells = source.measure(root, year, [KEY], targets or {KEY: goal()}, today=today)
    return {code: by_key[KEY] for code, by_key in cells.items()}


def nd(cell):
    return (cell.numerator, cell.denominator, cell.value)


def test_communities_count_one_over_one(world):
    cells = measured()
    assert nd(cells[A1]) == (1, 1, Decimal(100))  # two teams: still one community
    assert nd(cells[A2]) == (0, 1, Decimal(0))  # stood down; not led by party members
    assert nd(cells[B1]) == (1, 1, Decimal(100))  # formed on the last evening of the year
    assert nd(cells[R1]) == (1, 1, Decimal(100))
    assert nd(cells[X]) == (0, 1, Decimal(0))  # formed the day after
    assert cells[A1].source == "computed"
    assert (cells[A1].counted, cells[A1].below) == (1, 0)
    assert (cells[A2].counted, cells[A2].below) == (1, 1)


def test_towns_and_the_county_sum_their_communities(world):
    cells = measured()
    assert nd(cells[TOWN_A]) == (1, 2, Decimal(50))
    assert nd(cells[TOWN_B]) == (2, 3, Decimal("66.6667"))
    assert nd(cells[COUNTY]) == (3, 5, Decimal(60))  # 1/2 + 2/3, not the mean of 50 and 66.7
    assert (cells[COUNTY].counted, cells[COUNTY].below) == (5, 2)  # a2 and x miss 100 %
    assert (cells[TOWN_B].counted, cells[TOWN_B].below) == (3, 1)
    assert N1 not in cells  # the neighbouring county is not measured here


def test_the_current_year_is_measured_as_of_today(world):
    cells = measured(year=2025, today=MID_2025)
    assert nd(cells[X]) == (1, 1, Decimal(100))
    assert nd(cells[TOWN_B]) == (3, 3, Decimal(100))
    assert nd(cells[COUNTY]) == (4, 5, Decimal(80))
    # A year before any team: nothing covered, every community counted.
    cells = measured(year=2022, today=MID_2025)
    assert nd(cells[COUNTY]) == (0, 5, Decimal(0))


def test_a_town_measured_alone(world):
    cells = measured(TOWN_B)
    assert set(cells) == {TOWN_B, B1, R1, X}
    assert nd(cells[TOWN_B]) == (2, 3, Decimal("66.6667"))


def test_another_key_is_not_measured(world):
    root = Area.objects.get(code=COUNTY)
    assert source.measure(root, 2024, ["facility_coverage"], {}, today=AFTER_2024) == {}


def test_query_count_does_not_grow_with_the_communities(world, django_assert_num_queries):
    root = Area.objects.get(code=COUNTY)
    with django_assert_num_queries(2):  # the area tree, the teams
        source.measure(root, 2024, [KEY], {}, today=AFTER_2024)
    for n in range(4, 40):
        more = make_area(f"220403002{n:03d}", f"社区{n}", "111")
        team(more, f"党员先锋队{n}", at(dt.date(2023, 5, 1)))
    with django_assert_num_queries(2):
        cells = source.measure(root, 2024, [KEY], {}, today=AFTER_2024)
    assert nd(cells[COUNTY][KEY]) == (39, 41, Decimal("95.1220"))
    nodes = subtree(root)
    with django_assert_num_queries(1):  # given the tree, as the engine does: the teams only
        source.measure(root, 2024, [KEY], {}, today=AFTER_2024, nodes=nodes)


def test_registered_as_a_function():
    spec = FUNCTIONS[KEY]
    assert spec.measure is source.measure and spec.source == "volunteers"
    assert (spec.unit, spec.scope) == ("percent", "all")
    assert "party" in str(spec.definition).lower()


def test_a_plan_measures_the_built_in_indicator_from_the_teams(world):
    indicator = Indicator.objects.get(area_code="", key=KEY)
    assert (indicator.source, indicator.function) == ("computed", KEY)
    plan = Plan.objects.create(
        area_code=COUNTY, title="西安区规划", start_year=2021, end_year=2025, status="active"
    )
    Target.objects.create(plan=plan, indicator=indicator, op="=", value=Decimal(100))
    with CaptureQueriesContext(connection) as queries:
        rows = compute(plan, 2024, today=AFTER_2024)
    values = {area.code: cells[KEY] for area, cells in rows}
    assert nd(values[COUNTY]) == (3, 5, Decimal(60)) and values[COUNTY].source == "computed"
    assert nd(values[A2]) == (0, 1, Decimal(0)) and values[A2].below == 1
    team_queries = [q for q in queries.captured_queries if "volunteers_team" in q["sql"]]
    assert len(team_queries) == 1
