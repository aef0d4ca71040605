"""A county's own indicators on the appeal rates: counted as the appeal figures count them.

The appeals are the appeal figures' March 2026 (tests/appeals/test_metrics.py) plus one from
February; the year 2026 is measured as of 31 March."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from linli.appeals import queries as appeal_queries
from linli.plans.models import Indicator
from linli.plans.queries.engine import compute
from tests.appeals.conftest import catalogue, office  # noqa: F401 (fixtures)
from tests.appeals.test_metrics import NOW, month, units  # noqa: F401 (fixtures)

from .engine_fixtures import COUNTY, TOWN_A, TOWN_B, indicator, make_plan, target

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 31)
KEYS = {
    "appeal_response_rate": "response",
    "appeal_resolution_rate": "resolution",
    "appeal_satisfaction_rate": "satisfaction",
}


@pytest.fixture
def appeal_plan(tree, month):  # noqa: F811
    plan = make_plan()
    for position, key in enumerate(KEYS):
        own = indicator(key, area_code=COUNTY, name=key, source=Indicator.Source.COMPUTED)
        target(plan, own, ">=", 90, position)
    return plan


def _pair(cell):
    return (cell.numerator, cell.denominator)


def test_county_rates_of_the_year_so_far(appeal_plan):
    values = {area.code: cells for area, cells in compute(appeal_plan, 2026, today=DAY)}
    county = values[COUNTY]
    # March's 4 of 6 responded and resolved, plus February's (responded, not resolved).
    assert _pair(county["appeal_response_rate"]) == (5, 7)
    assert _pair(county["appeal_resolution_rate"]) == (4, 7)
    assert _pair(county["appeal_satisfaction_rate"]) == (3, 4)
    assert county["appeal_response_rate"].value == Decimal("71.4286")
    assert _pair(values[TOWN_A]["appeal_response_rate"]) == (4, 6)
    assert _pair(values[TOWN_B]["appeal_response_rate"]) == (1, 1)


def test_every_area_counts_as_the_appeal_figures_do(appeal_plan, users):
    values = {area.code: cells for area, cells in compute(appeal_plan, 2026, today=DAY)}
    for code, cells in values.items():
        scope = appeal_queries.metrics_scope(
            actor=users["county"], area=code, period="2026-01-01..2026-03-31", now=NOW
        )
        rates = appeal_queries.metrics_rates(scope=scope)
        for key, rate in KEYS.items():
            expected = (rates[rate].numerator, rates[rate].denominator)
            assert _pair(cells[key]) == expected, (code, key)


def test_a_month_earlier_counts_less(appeal_plan):
    values = {
        area.code: cells for area, cells in compute(appeal_plan, 2026, today=dt.date(2026, 2, 28))
    }
    assert _pair(values[COUNTY]["appeal_response_rate"]) == (1, 1)  # February's alone
    assert _pair(values[COUNTY]["appeal_satisfaction_rate"]) == (0, 0)
    assert values[COUNTY]["appeal_satisfaction_rate"].value is None
