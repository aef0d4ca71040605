"""The capacity figures: exact numerators and denominators, the rows behind them, the date,
scoping and a query count that does not grow with the number of communities."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.errors import ActionError, NotFound
from linli.core.models import ReportedFigure
from linli.facilities.queries import capacity_figures
from linli.facilities.queries.capacity import CAPACITY_KEYS
from tests.conftest import make_area

from .capacity_fixtures import *  # noqa: F403 (the capacity_world fixture)
from .capacity_fixtures import (
    AS_OF,
    EXPECTED,
    N1,
    R1,
    TODAY,
    X,
    facility,
    figure,
    officer,
    worker,
)

pytestmark = pytest.mark.django_db

WITHOUT_TRAINING = [k for k in CAPACITY_KEYS if k != "worker_training_coverage"]
A1, A2, B1 = "220403001001", "220403001002", "220403002001"


def _figures(actor, area="220403", **kwargs):
    kwargs.setdefault("keys", WITHOUT_TRAINING)
    return capacity_figures(actor=actor, area_code=area, as_of=AS_OF, **kwargs)


def _rows(fig):
    return {row.area_code: row for row in fig.rows}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_county_figure_is_exact(capacity_world, users, key):
    fig = _figures(users["county"], keys=[key])[key]
    assert (fig.numerator, fig.denominator, fig.value) == EXPECTED[key]


def test_every_figure_comes_back_in_order_with_its_unit_and_scope(capacity_world, users):
    figures = _figures(users["county"])
    assert list(figures) == WITHOUT_TRAINING
    assert figures["facility_coverage_urban"].scope == "urban"
    assert figures["facility_coverage_rural"].scope == "rural"
    assert figures["facility_area_per_100_households"].unit == "square_metres"
    assert figures["facility_daily_open_hours"].unit == "hours"
    assert figures["social_work_talent_total"].unit == "persons"
    assert figures["facility_coverage"].unit == "percent"
    assert str(figures["facility_area_per_100_households"].target) == "≥ 30"
    assert figures["social_work_talent_total"].target is None


def test_coverage_rows_say_which_communities_lack_a_facility(capacity_world, users):
    fig = _figures(users["county"], keys=["facility_coverage"])["facility_coverage"]
    rows = _rows(fig)
    assert set(rows) == {A1, A2, B1, R1, X}  # not the neighbouring county's community
    assert {code for code, row in rows.items() if row.below} == {B1, X}
    assert rows[A1].extra["facilities"] == 1  # the closed one is not counted
    assert rows[R1].extra["urban_rural"] == "220"
    assert fig.below_count == 2


def test_area_per_100_households_uses_registry_then_reported(capacity_world, users):
    fig = _figures(users["county"])["facility_area_per_100_households"]
    rows = _rows(fig)
    assert (rows[A1].denominator, rows[A1].extra["households_source"]) == (3, "registry")
    assert (rows[A2].denominator, rows[A2].extra["households_source"]) == (400, "reported")
    assert (rows[R1].denominator, rows[R1].value) == (500, Decimal("30.0"))
    assert (rows[B1].numerator, rows[B1].denominator, rows[B1].value) == (0, 1, Decimal("0.0"))
    assert rows[X].denominator is None and rows[X].value is None and rows[X].below is None
    assert rows[A2].value == Decimal("25.0") and rows[A2].below
    assert not rows[R1].below  # exactly 30 meets the target
    assert fig.extra["meeting"] == 2 and fig.extra["communities"] == 4
    assert fig.extra["share_meeting"] == Decimal("50.0")


def test_area_threshold_is_a_parameter(capacity_world, users):
    fig = _figures(users["county"], area_threshold=20)["facility_area_per_100_households"]
    assert fig.extra["meeting"] == 3
    assert str(fig.target) == "≥ 20"
    with pytest.raises(ActionError) as caught:
        _figures(users["county"], area_threshold="lots")
    assert "area_threshold" in caught.value.errors


def test_hours_rows_and_threshold(capacity_world, users):
    fig = _figures(users["county"])["facility_daily_open_hours"]
    rows = _rows(fig)
    assert set(rows) == {A1, A2, R1}
    assert rows[A1].value == Decimal("8.50") and rows[A1].extra["open_days"] == 7
    assert rows[A2].below and not rows[R1].below
    assert fig.extra["below"] == 1
    loose = _figures(users["county"], hours_threshold=6)["facility_daily_open_hours"]
    assert (loose.numerator, loose.extra["below"]) == (3, 0)


def test_new_build_rows_name_the_missing_residential_area(capacity_world, users):
    fig = _figures(users["county"])["new_facility_area_ratio"]
    rows = _rows(fig)
    assert (rows[A2].numerator, rows[A2].denominator) == (Decimal(500), Decimal(10000))
    assert rows[B1].extra["without_residential_area"] == 1
    assert fig.extra["without_residential_area"] == 1


def test_workers_per_10k_rows_say_where_the_population_comes_from(capacity_world, users):
    fig = _figures(users["county"])["workers_per_10k_urban"]
    rows = _rows(fig)
    assert set(rows) == {A1, A2, B1}  # urban only
    assert (rows[A1].numerator, rows[A1].denominator) == (5, 5000)
    assert rows[A1].extra["population_source"] == "reported"
    assert (rows[B1].numerator, rows[B1].denominator) == (1, 2)
    assert rows[B1].extra["population_source"] == "registry"
    assert rows[A2].denominator is None and rows[A2].value is None  # unknown: left out
    assert rows[A1].value == Decimal("10.0") and rows[A1].below


def test_talent_and_certificates_per_community(capacity_world, users):
    figures = _figures(users["county"])
    talent = _rows(figures["social_work_talent_total"])
    assert (talent[A1].numerator, talent[B1].numerator, talent[R1].numerator) == (3, 1, 1)
    assert talent[A1].extra["certified"] == 2
    certified = _rows(figures["certified_social_workers_per_urban_community"])
    assert set(certified) == {A1, A2, B1}
    assert certified[A1].numerator == 2 and certified[A1].extra["workers"] == 5


def test_station_rows_are_towns(capacity_world, users):
    fig = _figures(users["county"])["social_work_station_coverage"]
    rows = _rows(fig)
    assert set(rows) == {"220403001000", "220403002000"}
    assert rows["220403001000"].below and not rows["220403002000"].below


def test_officer_rows(capacity_world, users):
    rows = _rows(_figures(users["county"])["disaster_officer_coverage"])
    assert {code for code, row in rows.items() if not row.below} == {A1, R1}
    assert rows[A1].extra["officers"] == 1


def test_the_date_decides_what_counts(capacity_world, users):
    """Today the a1 social work station, the a2 facility built this year (if the year has
    turned) and b1's reported population are there; a year before AS_OF, r1's older household
    figure applies."""
    today = capacity_figures(
        actor=users["county"],
        area_code="220403",
        as_of=TODAY,
        keys=["social_work_station_coverage"],
    )["social_work_station_coverage"]
    assert (today.numerator, today.denominator) == (2, 2)
    earlier = AS_OF - dt.timedelta(days=365)
    fig = capacity_figures(
        actor=users["county"],
        area_code="220403",
        as_of=earlier,
        keys=["facility_area_per_100_households"],
    )["facility_area_per_100_households"]
    rows = _rows(fig)
    assert rows[R1].denominator == 300
    assert rows[A2].denominator is None  # its figure is dated later


def test_as_of_is_checked(capacity_world, users):
    for bad in ("2026-13-01", "yesterday", "1999-12-31", TODAY + dt.timedelta(days=1)):
        with pytest.raises(ActionError) as caught:
            capacity_figures(actor=users["county"], area_code="220403", as_of=bad)
        assert "as_of" in caught.value.errors


def test_unknown_keys_are_refused(capacity_world, users):
    with pytest.raises(ActionError) as caught:
        _figures(users["county"], keys=["facility_coverage", "nonsense"])
    assert "keys" in caught.value.errors


def test_a_town_officer_sees_only_their_town(capacity_world, users):
    figures = capacity_figures(actor=users["town_a"], as_of=AS_OF, keys=WITHOUT_TRAINING)
    cov = figures["facility_coverage"]
    assert (cov.numerator, cov.denominator) == (2, 2)
    assert set(_rows(cov)) == {A1, A2}
    assert figures["social_work_station_coverage"].denominator == 1
    with pytest.raises(NotFound):
        _figures(users["town_a"], area="220403002")
    with pytest.raises(NotFound):
        _figures(users["town_a"], area="220403")


def test_a_community_head_sees_their_community(capacity_world, users):
    cov = _figures(users["head_a1"], area=A1)["facility_coverage"]
    assert (cov.numerator, cov.denominator) == (1, 1)
    assert _figures(users["head_a1"], area=A1)["social_work_station_coverage"].denominator == 0


def test_neighbouring_county_sees_nothing_of_ours(capacity_world, users):
    neighbour = capacity_world["neighbour"]
    with pytest.raises(NotFound):
        _figures(neighbour, area="220403")
    with pytest.raises(NotFound):
        _figures(neighbour, area=A1)
    own = capacity_figures(actor=neighbour, as_of=AS_OF, keys=WITHOUT_TRAINING)
    assert set(_rows(own["facility_coverage"])) == {N1}
    assert own["workers_per_10k_urban"].numerator == 0
    assert own["disaster_officer_coverage"].numerator == 1


def test_refused_without_the_capability(capacity_world, users):
    for name in ("worker_a1", "resident_a1", "auditor"):
        with pytest.raises(NotFound):
            _figures(users[name], area=A1)


def test_a_grid_or_a_bad_code_is_an_input_error(capacity_world, users):
    with pytest.raises(ActionError) as caught:
        _figures(users["county"], area="220403001001001")
    assert "area" in caught.value.errors
    with pytest.raises(ActionError):
        _figures(users["county"], area="22x")


def _add_communities(count: int) -> None:
    """More communities in town A, each with a facility, a worker, an officer, a figure."""
    for n in range(count):
        code = f"220403001{n + 10:03d}"
        area = make_area(code, f"新社区{n}", "111")
        facility(area, f"中心{n}", floor_area=200)
        worker(area, f"工作者{n}")
        officer(area, f"信息员{n}", AS_OF - dt.timedelta(days=10))
        figure(area, ReportedFigure.Kind.HOUSEHOLDS, 500, AS_OF - dt.timedelta(days=10))
        figure(area, ReportedFigure.Kind.POPULATION, 1500, AS_OF - dt.timedelta(days=10))


def _count_queries(actor) -> int:
    actor = type(actor).objects.get(pk=actor.pk)  # its grants read again, as on a request
    with CaptureQueriesContext(connection) as captured:
        _figures(actor, keys=None)  # every figure, training included
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_communities(capacity_world, users):
    before = _count_queries(users["county"])
    _add_communities(12)
    assert _count_queries(users["county"]) == before
    assert before <= 12


def test_constant_queries(capacity_world, users, django_assert_max_num_queries):
    actor = type(users["county"]).objects.get(pk=users["county"].pk)
    with django_assert_max_num_queries(10):
        _figures(actor)
