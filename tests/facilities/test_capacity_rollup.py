"""The rollup of the capacity figures by child area, and the gap finder."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.errors import ActionError, NotFound
from linli.facilities.queries import capacity_figures, capacity_gaps, capacity_rollup

from .capacity_fixtures import *  # noqa: F403 (the capacity_world fixture)
from .capacity_fixtures import AS_OF, R1, X
from .test_capacity_figures import A1, A2, B1, WITHOUT_TRAINING

pytestmark = pytest.mark.django_db

ADDITIVE = [
    k
    for k in WITHOUT_TRAINING
    if k not in ("facility_daily_open_hours", "social_work_talent_total")
]


def _rollup(actor, area="220403"):
    return capacity_rollup(actor=actor, area_code=area, as_of=AS_OF, keys=WITHOUT_TRAINING)


def test_county_rollup_has_its_towns(capacity_world, users):
    rollup = _rollup(users["county"])
    assert [c.area_code for c in rollup.children] == ["220403001000", "220403002000"]
    town_a, town_b = rollup.children
    cov = town_a.figures["facility_coverage"]
    assert (cov.numerator, cov.denominator, cov.value) == (2, 2, Decimal("100.0"))
    cov = town_b.figures["facility_coverage"]
    assert (cov.numerator, cov.denominator, cov.value) == (1, 3, Decimal("33.3"))
    assert town_b.figures["social_work_station_coverage"].numerator == 1
    assert not town_a.figures["facility_coverage"].rows  # rows are for the figure pages


@pytest.mark.parametrize("key", ADDITIVE + ["social_work_talent_total"])
def test_rollup_total_is_the_sum_of_its_children(capacity_world, users, key):
    rollup = _rollup(users["county"])
    total = rollup.total[key]
    assert total.numerator == sum(c.figures[key].numerator for c in rollup.children)
    if total.denominator is not None:
        assert total.denominator == sum(c.figures[key].denominator for c in rollup.children)
    full = capacity_figures(actor=users["county"], area_code="220403", as_of=AS_OF, keys=[key])
    assert (total.numerator, total.denominator, total.value) == (
        full[key].numerator,
        full[key].denominator,
        full[key].value,
    )


def test_hours_rollup_counts_and_takes_the_lowest(capacity_world, users):
    rollup = _rollup(users["county"])
    hours = [c.figures["facility_daily_open_hours"] for c in rollup.children]
    assert [h.value for h in hours] == [Decimal("6.00"), Decimal("8.00")]
    assert rollup.total["facility_daily_open_hours"].value == min(h.value for h in hours)
    assert sum(h.numerator for h in hours) == rollup.total["facility_daily_open_hours"].numerator


def test_percentages_are_not_averaged(capacity_world, users):
    rollup = _rollup(users["county"])
    values = [c.figures["facility_coverage"].value for c in rollup.children]
    assert rollup.total["facility_coverage"].value == Decimal("60.0")
    assert sum(values) / len(values) != Decimal("60.0")


def test_town_rollup_has_its_communities(capacity_world, users):
    rollup = _rollup(users["town_a"], "220403001")
    assert [c.area_code for c in rollup.children] == [A1, A2]
    a1 = rollup.children[0].figures
    assert a1["workers_per_10k_urban"].numerator == 5
    assert a1["facility_area_per_100_households"].denominator == 3


def test_community_rollup_has_no_children(capacity_world, users):
    rollup = _rollup(users["head_a1"], A1)
    assert rollup.children == []
    assert rollup.total["facility_coverage"].numerator == 1


def test_rollup_is_scoped(capacity_world, users):
    with pytest.raises(NotFound):
        _rollup(users["town_a"], "220403")
    with pytest.raises(NotFound):
        _rollup(capacity_world["neighbour"], "220403")


# --- gaps ----------------------------------------------------------------------------------------


def _gaps(actor, area="220403", **conditions):
    return capacity_gaps(actor=actor, area_code=area, as_of=AS_OF, **conditions)


def _failed(report) -> dict[str, set[str]]:
    return {row.area_code: {f.key for f in row.failures} for row in report.rows}


def test_the_done_when_question(capacity_world, users):
    """Which communities lack a day-care centre, have under 30 m² per 100 households, or have
    too few workers?"""
    report = _gaps(
        users["county"],
        lacks_kinds=["day_care"],
        area_per_100_below=30,
        workers_per_10k_below=18,
    )
    assert _failed(report) == {
        A1: {"workers_per_10k_below"},  # 5 per 5,000 residents = 10
        A2: {"lacks:day_care", "area_per_100_below"},  # the day-care centre is closed; 25 m²
        B1: {"area_per_100_below"},  # no facility area for its one household
        R1: {"lacks:day_care"},
        X: {"lacks:day_care"},
    }
    assert report.rows[0].area_code == A2  # most failures first
    assert report.checked == 5
    assert [c.key for c in report.conditions] == [
        "lacks:day_care",
        "area_per_100_below",
        "workers_per_10k_below",
    ]
    a1 = next(row for row in report.rows if row.area_code == A1)
    assert a1.failures[0].value == Decimal("10.0")
    assert a1.town_name == "仙城街道"


def test_gaps_hours_and_officers(capacity_world, users):
    report = _gaps(users["county"], hours_below=8, no_officer=True)
    assert _failed(report) == {
        A2: {"hours_below", "no_officer"},
        B1: {"hours_below", "no_officer"},  # no comprehensive facility at all
        X: {"hours_below", "no_officer"},
    }
    b1 = next(row for row in report.rows if row.area_code == B1)
    assert b1.failures[0].value is None


def test_gaps_scope_urban_or_rural(capacity_world, users):
    report = _gaps(users["county"], lacks_kinds=["day_care"], scope="rural")
    assert _failed(report) == {R1: {"lacks:day_care"}}
    assert report.checked == 1
    assert report.query["scope"] == "rural"


def test_gaps_for_a_town_officer_stay_in_the_town(capacity_world, users):
    report = capacity_gaps(actor=users["town_a"], as_of=AS_OF, lacks_kinds=["day_care"])
    assert _failed(report) == {A2: {"lacks:day_care"}}
    with pytest.raises(NotFound):
        _gaps(capacity_world["neighbour"], lacks_kinds=["day_care"])


def test_gaps_need_a_condition_and_valid_input(capacity_world, users):
    with pytest.raises(ActionError) as caught:
        _gaps(users["county"])
    assert "lacks" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        _gaps(users["county"], lacks_kinds=["palace"])
    assert "lacks" in caught.value.errors
    for name, value in [("area_per_100_below", "-1"), ("hours_below", "25"), ("hours_below", "x")]:
        with pytest.raises(ActionError):
            _gaps(users["county"], **{name: value})
    with pytest.raises(ActionError) as caught:
        _gaps(users["county"], no_officer=True, scope="suburban")
    assert "scope" in caught.value.errors
