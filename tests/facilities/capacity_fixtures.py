"""A small county whose capacity figures are known exactly (see ``EXPECTED``).

The shared tree (tests/conftest.py) gives town A (仙城街道) with the urban communities a1 and a2,
and town B (东山街道) with the urban community b1. Added here: the village r1 (rural, class 220)
and the community x (no urban-rural class) in town B, and a neighbouring county 220402 with one
community of its own and its own officer.

The figures are read on ``AS_OF`` (30 days ago); every row below is dated so that what exists
on that day is what the comments say.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.models import Area, ReportedFigure
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.facilities.models import Facility
from linli.notices.models import InfoOfficer
from linli.registry import actions as registry_actions
from linli.registry.models import Resident
from linli.workforce.models import Certificate, Worker
from tests.conftest import make_area, make_user
from tests.registry.conftest import make_id

TODAY = timezone.localdate()
AS_OF = TODAY - dt.timedelta(days=30)
BEFORE = timezone.make_aware(dt.datetime.combine(AS_OF - dt.timedelta(days=100), dt.time(9)))

R1 = "220403002002"
X = "220403002003"
NEIGHBOUR_COUNTY = "220402000000"
N1 = "220402001001"


def facility(area: Area, name: str, kind: str = Facility.Kind.COMPREHENSIVE, **fields):
    values = {
        "floor_area": Decimal(100),
        "activity_area": Decimal(0),
        "status": Facility.Status.OPEN,
        "created_at": BEFORE,
        "updated_at": BEFORE,
    }
    values.update(fields)
    return Facility.objects.create(area=area, area_code=area.code, name=name, kind=kind, **values)


def worker(area: Area, name: str, *, post: str = Worker.Post.OTHER, **fields) -> Worker:
    fields.setdefault("hired_on", AS_OF - dt.timedelta(days=365))
    return Worker.objects.create(
        community=area, area_code=area.code, name=name, post=post, **fields
    )


def certificate(w: Worker, level: str, obtained_on: dt.date, expires_on=None) -> Certificate:
    return Certificate.objects.create(
        worker=w, area_code=w.area_code, level=level, obtained_on=obtained_on, expires_on=expires_on
    )


def figure(area: Area, kind: str, value: int, as_of: dt.date) -> ReportedFigure:
    return ReportedFigure.objects.create(
        area=area, kind=kind, value=value, as_of=as_of, source="统计年报"
    )


def officer(area: Area, name: str, started_on: dt.date, ended_on=None) -> InfoOfficer:
    return InfoOfficer.objects.create(
        community=area, area_code=area.code, name=name, started_on=started_on, ended_on=ended_on
    )


def household(area: Area, address: str):
    return registry_actions.household_create(
        actor=SYSTEM, community_code=area.code, residence_type="registered", address=address
    )


# What the county 220403 shows on AS_OF: (numerator, denominator, value).
EXPECTED = {
    "facility_coverage": (3, 5, Decimal("60.0")),
    "facility_coverage_urban": (2, 3, Decimal("66.7")),
    "facility_coverage_rural": (1, 1, Decimal("100.0")),
    "facility_area_per_100_households": (Decimal(850), 904, Decimal("94.0")),
    "activity_area_ratio": (Decimal(550), Decimal(850), Decimal("64.7")),
    "self_service_coverage_urban": (2, 3, Decimal("66.7")),
    "day_care_coverage_urban": (2, 3, Decimal("66.7")),
    "facility_daily_open_hours": (2, 3, Decimal("6.00")),
    "new_facility_area_ratio": (Decimal(650), Decimal(15000), Decimal("4.3")),
    "workers_per_10k_urban": (6, 5002, Decimal("12.0")),
    "social_work_talent_total": (5, None, Decimal(5)),
    "certified_social_workers_per_urban_community": (3, 3, Decimal("1.0")),
    "social_work_station_coverage": (1, 2, Decimal("50.0")),
    "disaster_officer_coverage": (2, 5, Decimal("40.0")),
}


@pytest.fixture
def capacity_world(tree, users):
    """The county's facilities, households, figures, workers and officers (module docstring)."""
    a1, a2, b1 = tree["a1"], tree["a2"], tree["b1"]
    r1 = make_area(R1, "红旗村", "220")
    x = make_area(X, "新区社区")
    later = timezone.now()  # recorded after AS_OF: not there yet on that day

    # --- facilities ---
    # a1: an open comprehensive facility with a terminal, a closed bigger one, a day-care
    # centre, and a social work station recorded only after AS_OF.
    facility(a1, "仙城党群服务中心", floor_area=600, activity_area=400, min_daily_hours=Decimal("8.5"),
             open_days=7, terminals=1, year_built=2020)  # fmt: skip
    facility(a1, "仙城旧中心", floor_area=1000, status=Facility.Status.CLOSED, terminals=3)
    facility(a1, "仙城日间照料中心", Facility.Kind.DAY_CARE, floor_area=300)
    facility(a1, "仙城社工站", Facility.Kind.SOCIAL_WORK, created_at=later)
    # a2: a small comprehensive facility open 6 hours, a bigger one built after AS_OF's year,
    # a closed day-care centre and a new-build commercial block.
    facility(
        a2, "新兴党群服务中心", floor_area=100, activity_area=50, min_daily_hours=6, open_days=5
    )
    facility(a2, "新兴新中心", floor_area=500, year_built=AS_OF.year + 1, min_daily_hours=12)
    facility(a2, "新兴日间照料", Facility.Kind.DAY_CARE, status=Facility.Status.CLOSED)
    facility(a2, "新兴商业中心", Facility.Kind.COMMERCIAL, floor_area=300, new_build=True,
             residential_area=10000, commercial_area=200)  # fmt: skip
    # b1: no comprehensive facility; a day-care centre with two terminals, built new without a
    # residential area recorded. Town B runs the social work station itself.
    facility(b1, "东山日间照料中心", Facility.Kind.DAY_CARE, terminals=2, new_build=True)
    facility(tree["town_b"], "东山街道社工站", Facility.Kind.SOCIAL_WORK)
    # r1: a new-build comprehensive facility open 8 hours.
    facility(r1, "红旗村党群服务中心", floor_area=150, activity_area=100, min_daily_hours=8,
             open_days=6, new_build=True, residential_area=5000)  # fmt: skip

    # --- households ---
    # a1 from the registry (3; its reported 1000 is not used), a2 and r1 as reported, b1 from
    # the registry below (1).
    for n in range(3):
        household(a1, f"仙城路{n + 1}号")
    figure(a1, ReportedFigure.Kind.HOUSEHOLDS, 1000, AS_OF - dt.timedelta(days=200))
    figure(a2, ReportedFigure.Kind.HOUSEHOLDS, 400, AS_OF - dt.timedelta(days=200))
    figure(a2, ReportedFigure.Kind.HOUSEHOLDS, 800, AS_OF + dt.timedelta(days=1))  # after
    figure(r1, ReportedFigure.Kind.HOUSEHOLDS, 300, AS_OF - dt.timedelta(days=400))  # older
    figure(r1, ReportedFigure.Kind.HOUSEHOLDS, 500, AS_OF - dt.timedelta(days=10))

    # --- population ---
    # a1 reported; b1 from the registry (two living there, one moved out: its one household
    # counts too), as its reported figure comes only after AS_OF; a2 unknown.
    figure(a1, ReportedFigure.Kind.POPULATION, 5000, AS_OF - dt.timedelta(days=200))
    home = household(b1, "东山路3号")
    people = [
        registry_actions.resident_add(
            actor=SYSTEM,
            household_id=home.pk,
            name=name,
            id_number=make_id("19700101", seq),
            relationship="head" if seq == 1 else "other",
        )
        for seq, name in [(1, "赵一"), (2, "赵二"), (3, "赵三")]
    ]
    Resident.objects.filter(pk=people[2].pk).update(status=Resident.Status.MOVED_OUT)
    figure(b1, ReportedFigure.Kind.POPULATION, 2000, AS_OF + dt.timedelta(days=3))

    # --- workers ---
    day = dt.timedelta(days=1)
    worker(a1, "甲", post=Worker.Post.SOCIAL_WORK)  # talent by post
    w2 = worker(a1, "乙")
    certificate(w2, Certificate.Level.ASSISTANT, AS_OF - 100 * day)  # certified
    w3 = worker(a1, "丙", left_on=AS_OF - 10 * day)  # left before
    certificate(w3, Certificate.Level.SOCIAL_WORKER, AS_OF - 300 * day)
    worker(a1, "丁", hired_on=AS_OF + 5 * day)  # hired after
    w5 = worker(a1, "戊")
    certificate(w5, Certificate.Level.ASSISTANT, AS_OF - 900 * day, AS_OF - day)  # expired
    w6 = worker(a1, "己")
    certificate(w6, Certificate.Level.ASSISTANT, AS_OF + day)  # obtained after
    worker(a1, "庚", left_on=AS_OF)  # leaves on the day: no longer in post
    w8 = worker(a1, "辛", social_work_major=True)
    certificate(w8, Certificate.Level.SENIOR, AS_OF - 50 * day, AS_OF)  # valid to the day
    certificate(w8, Certificate.Level.ASSISTANT, AS_OF - 900 * day)  # counted once
    worker(a2, "壬")
    w10 = worker(b1, "癸")
    certificate(w10, Certificate.Level.SOCIAL_WORKER, AS_OF - 20 * day)
    worker(r1, "子", post=Worker.Post.SOCIAL_WORK)

    # --- disaster information officers ---
    officer(a1, "信息员一", AS_OF - 100 * day)
    officer(a2, "信息员二", AS_OF - 100 * day, AS_OF - 5 * day)  # ended before
    officer(b1, "信息员三", AS_OF + 2 * day)  # starts after
    officer(r1, "信息员四", AS_OF - 100 * day, AS_OF)  # serves to the day

    # --- the neighbouring county ---
    n1 = make_area(N1, "龙山社区", "111")
    facility(n1, "龙山党群服务中心", floor_area=900)
    worker(n1, "邻居")
    officer(n1, "邻居信息员", AS_OF - 100 * day)
    neighbour = make_user(
        "county_neighbour", Role.COUNTY_OFFICER, Area.objects.get(code=NEIGHBOUR_COUNTY)
    )
    return {"r1": r1, "x": x, "n1": n1, "neighbour": neighbour, **tree}
