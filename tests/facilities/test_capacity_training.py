"""The training coverage figure, read from the workforce's ``trained_counts``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from linli.facilities.queries import capacity_figures, capacity_rollup
from linli.workforce.models import Attendance, Course, Session, Worker

from .capacity_fixtures import *  # noqa: F403 (the capacity_world fixture)
from .capacity_fixtures import AS_OF, R1
from .test_capacity_figures import A1, A2, B1

pytestmark = pytest.mark.django_db

KEY = "worker_training_coverage"


def _attend(course: Course, worker: Worker, on: dt.date, attended: bool = True) -> None:
    session = Session.objects.create(
        course=course,
        area_code=course.area_code,
        starts_on=on,
        ends_on=on,
        hours=Decimal(8),
        place="区委党校",
    )
    Attendance.objects.create(
        session=session,
        worker=worker,
        area_code=worker.area_code,
        attended=attended,
        hours=Decimal(8),
        trained_on=on,
    )


@pytest.fixture
def trained(capacity_world):
    """Within the two-year cycle: 甲 and 乙 of a1, 癸 of b1. Not counted: 戊 of a1 trained three
    years ago, 子 of r1 absent from the session, 丁 (hired after AS_OF)."""
    county = capacity_world["county"]
    course = Course.objects.create(
        area=county,
        area_code=county.code,
        title="社区工作者素质提升培训",
        organiser="区民政局",
        mode=Course.Mode.IN_PERSON,
        hours=Decimal(8),
    )
    recent = AS_OF - dt.timedelta(days=60)
    for name in ("甲", "乙", "癸"):
        _attend(course, Worker.objects.get(name=name), recent)
    _attend(course, Worker.objects.get(name="戊"), AS_OF - dt.timedelta(days=3 * 365))
    _attend(course, Worker.objects.get(name="子"), recent, attended=False)
    return course


def test_training_coverage_of_the_county(trained, users):
    fig = capacity_figures(actor=users["county"], area_code="220403", as_of=AS_OF, keys=[KEY])[KEY]
    assert (fig.numerator, fig.denominator, fig.value) == (3, 8, Decimal("37.5"))
    rows = {row.area_code: row for row in fig.rows}
    assert (rows[A1].numerator, rows[A1].denominator) == (2, 5)
    assert (rows[A2].numerator, rows[A2].denominator, rows[A2].below) == (0, 1, True)
    assert (rows[B1].numerator, rows[B1].denominator, rows[B1].below) == (1, 1, False)
    assert (rows[R1].numerator, rows[R1].denominator) == (0, 1)


def test_training_rollup_adds_up(trained, users):
    rollup = capacity_rollup(actor=users["county"], area_code="220403", as_of=AS_OF, keys=[KEY])
    parts = [c.figures[KEY] for c in rollup.children]
    assert [(p.numerator, p.denominator) for p in parts] == [(2, 6), (1, 2)]
    assert rollup.total[KEY].numerator == 3


def test_training_for_a_town_officer(trained, users):
    fig = capacity_figures(actor=users["town_b"], as_of=AS_OF, keys=[KEY])[KEY]
    assert (fig.numerator, fig.denominator) == (1, 2)


def test_all_figures_together_stay_a_few_queries(trained, users, django_assert_max_num_queries):
    actor = type(users["county"]).objects.get(pk=users["county"].pk)
    with django_assert_max_num_queries(12):
        capacity_figures(actor=actor, area_code="220403", as_of=AS_OF)
