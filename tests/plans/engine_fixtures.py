"""A plan of the county 220403 whose values are known exactly.

The county is the capacity fixture's (tests/facilities/capacity_fixtures.py: town A with the
urban communities a1 and a2; town B with the urban community b1, the village r1 and the
community x of no class; a neighbouring county 220402 with its own officer). Its capacity
figures on ``AS_OF`` are that module's ``EXPECTED``; the plan is measured for ``YEAR`` as of
``AS_OF`` (``compute(..., today=AS_OF)``).

Added here:

- ``plan``: the county's plan in force (2021–2035) with a target on most capacity figures, the
  visit rate, two built-in reported indicators and one of the county's own (a total);
- ``visits``: visit plans of the month that stands for ``YEAR`` (``VISIT_MONTH``) — a1 2 met of
  4 (three in its grid, one on the community), a2 1 of 1 (a dropped unmet plan counts nowhere),
  b1 1 of 1 (dropped after it was met), one unmet plan on town B itself; plus plans of another
  month and of the neighbouring county, which count nowhere here;
- ``reported``: reported values of ``YEAR`` (and of other years and places that do not count).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from linli.care.models import Plan as VisitPlan
from linli.care.models import Policy, Subject
from linli.core.models import Area
from linli.core.scoping import SYSTEM
from linli.plans.models import Indicator, Plan, Recompute, ReportedValue, Target
from linli.plans.queries.values import visit_month
from linli.registry import actions as registry_actions
from tests.facilities.capacity_fixtures import *  # noqa: F403 (the capacity_world fixture)
from tests.facilities.capacity_fixtures import AS_OF, N1, R1, X
from tests.registry.conftest import make_id

YEAR = AS_OF.year
VISIT_MONTH = visit_month(YEAR, AS_OF)
COUNTY = "220403000000"
TOWN_A = "220403001000"
TOWN_B = "220403002000"
A1 = "220403001001"
A2 = "220403001002"
B1 = "220403002001"
GRID_A1 = "220403001001001"

# The plan's targets: indicator key -> (op, value, extra target fields).
TARGETS = {
    "facility_coverage": ("=", 100, {}),
    "facility_coverage_urban": ("=", 100, {}),
    "facility_coverage_rural": ("=", 100, {}),
    "facility_area_per_100_households": (">=", 30, {"per_community": True}),
    "activity_area_ratio": (">=", 60, {}),
    "self_service_coverage_urban": ("=", 100, {}),
    "day_care_coverage_urban": (">=", 70, {}),
    "facility_daily_open_hours": (">=", 8, {}),
    "new_facility_area_ratio": (">=", 10, {}),
    "workers_per_10k_urban": (">=", 18, {}),
    "social_work_talent_total": (">=", 5, {}),
    "certified_social_workers_per_urban_community": (">=", 3, {"binding": True}),
    "social_work_station_coverage": ("=", 100, {}),
    "disaster_officer_coverage": ("=", 100, {}),
    "special_elderly_monthly_visit_rate": ("=", 100, {}),
    "satisfaction_survey_coverage": ("=", 100, {}),
    "social_orgs_per_urban_community": (">=", 10, {}),
    "fitness_paths_km": (">=", 10, {}),
}
UNITS = {
    "facility_area_per_100_households": "square_metres",
    "facility_daily_open_hours": "hours",
    "workers_per_10k_urban": "persons",
    "social_work_talent_total": "persons",
    "certified_social_workers_per_urban_community": "persons",
    "social_orgs_per_urban_community": "count",
    "fitness_paths_km": "count",
}
REPORTED = {"satisfaction_survey_coverage", "social_orgs_per_urban_community", "fitness_paths_km"}


def indicator(key: str, **fields) -> Indicator:
    """The indicator ``key`` (built in unless ``area_code`` is given), as the plan needs it."""
    area_code = fields.pop("area_code", "")
    unit = fields.pop("unit", UNITS.get(key, "percent"))
    values = {
        "name": fields.pop("name", key),
        "unit": unit,
        "source": Indicator.Source.COMPUTED,
        "function": key,
        "aggregation": Indicator.Aggregation.RATIO,
        "factor": Decimal(100) if unit == "percent" else Decimal(1),
        "decimals": 0 if key == "social_work_talent_total" else 1,
    }
    values.update(fields)
    if values["source"] == Indicator.Source.REPORTED:
        values["function"] = ""
    found, _created = Indicator.objects.update_or_create(
        area_code=area_code, key=key, defaults=values
    )
    return found


def target(plan: Plan, ind: Indicator, op: str, value, position: int = 0, **fields) -> Target:
    return Target.objects.create(
        plan=plan, indicator=ind, op=op, value=Decimal(value), position=position, **fields
    )


def make_plan(area_code: str = COUNTY, **fields) -> Plan:
    values = {
        "title": "西安区“十四五”城乡社区服务体系建设规划",
        "start_year": 2021,
        "end_year": 2035,
        "status": Plan.Status.ACTIVE,
    }
    values.update(fields)
    return Plan.objects.create(area_code=area_code, **values)


def indicators() -> dict[str, Indicator]:
    found = {}
    for key in TARGETS:
        if key == "fitness_paths_km":
            found[key] = indicator(
                key,
                area_code=COUNTY,
                name="健身步道长度（公里）",
                source=Indicator.Source.REPORTED,
                aggregation=Indicator.Aggregation.TOTAL,
                factor=Decimal(1),
            )
        elif key in REPORTED:
            found[key] = indicator(key, source=Indicator.Source.REPORTED)
        else:
            found[key] = indicator(key)
    return found


@pytest.fixture
def plan(capacity_world) -> Plan:
    """The county's plan in force, with the targets of ``TARGETS`` in that order."""
    found = make_plan()
    for position, (key, ind) in enumerate(indicators().items()):
        op, value, extra = TARGETS[key]
        target(found, ind, op, value, position, **extra)
    return found


def _subject(resident, area_code: str, kind: str = Policy.Kind.ELDERLY) -> Subject:
    return Subject.objects.create(
        resident=resident,
        area_code=area_code,
        kind=kind,
        frequency="monthly",
        started_on=dt.date(2024, 1, 1),
    )


def visit_plan(
    resident, area_code: str, month: dt.date, *, done=0, status="open", kind=Policy.Kind.ELDERLY
):
    subject = _subject(resident, area_code, kind)
    return VisitPlan.objects.create(
        subject=subject,
        resident=resident,
        area_code=area_code,
        month=month,
        due_on=month.replace(day=28),
        frequency="monthly",
        required=1,
        done=done,
        status=status,
    )


@pytest.fixture
def visits(capacity_world):
    """The visit plans of the module docstring. The people live in one household of the
    neighbouring county (where they change no figure of 220403); a plan carries the code of
    the place it is counted at."""
    home = registry_actions.household_create(
        actor=SYSTEM, community_code=N1, residence_type="registered", address="龙山路1号"
    )
    month = VISIT_MONTH
    other = (month - dt.timedelta(days=1)).replace(day=1)
    rows = [
        (GRID_A1, month, 1, "done"),
        (GRID_A1, month, 0, "open"),
        (GRID_A1, month, 1, "done"),
        (A1, month, 0, "open"),
        (A2, month, 1, "done"),
        (A2, month, 0, "dropped"),  # dropped unmet: counted nowhere
        (B1, month, 1, "dropped"),  # dropped after it was met: counted in both
        (TOWN_B, month, 0, "open"),  # recorded on the town itself
        (A1, other, 1, "done"),  # another month
        (N1, month, 1, "done"),  # another county
        (A1, month, 0, "open", Policy.Kind.CHILD),  # a child's visit: not an elderly one
        (A2, month, 0, "open", Policy.Kind.DISABILITY),  # nor a disabled person's
    ]
    found = []
    for seq, (code, when, done, status, *kind) in enumerate(rows, start=1):
        person = registry_actions.resident_add(
            actor=SYSTEM,
            household_id=home.pk,
            name=f"老人{seq}",
            id_number=make_id("19400101", seq, area="220402"),
            relationship="head" if seq == 1 else "other",
        )
        visit_kind = kind[0] if kind else Policy.Kind.ELDERLY
        found.append(visit_plan(person, code, when, done=done, status=status, kind=visit_kind))
    return found


def reported_value(ind: Indicator, area_code: str, numerator, denominator=None, year=YEAR):
    return ReportedValue.objects.create(
        indicator=ind,
        area_code=area_code,
        year=year,
        numerator=Decimal(str(numerator)),
        denominator=None if denominator is None else Decimal(str(denominator)),
        note="统计年报",
    )


@pytest.fixture
def reported(plan):
    """Reported values of ``YEAR``:

    - satisfaction surveys (a ratio in percent): a1 1/1, a2 0/1, b1 1/1, and town B for itself
      2/3 (standing for b1, r1 and x: b1's own entry is not counted again above town B);
    - social organisations per urban community (a ratio, factor 1): town A 25/2, and the county
      for itself 30/3 (the county's value is its own entry);
    - the county's own total, fitness paths (km): a1 2.5, a2 1.5, town B 4.
    Plus values of another year and of the neighbouring county, which count nowhere here."""
    by_key = {t.indicator.key: t.indicator for t in plan.targets.select_related("indicator")}
    surveys = by_key["satisfaction_survey_coverage"]
    orgs = by_key["social_orgs_per_urban_community"]
    paths = by_key["fitness_paths_km"]
    return [
        reported_value(surveys, A1, 1, 1),
        reported_value(surveys, A2, 0, 1),
        reported_value(surveys, B1, 1, 1),
        reported_value(surveys, TOWN_B, 2, 3),
        reported_value(orgs, TOWN_A, 25, 2),
        reported_value(orgs, COUNTY, 30, 3),
        reported_value(paths, A1, "2.5"),
        reported_value(paths, A2, "1.5"),
        reported_value(paths, TOWN_B, 4),
        reported_value(surveys, A2, 1, 1, year=YEAR - 1),
        reported_value(surveys, N1, 1, 1),
    ]


@pytest.fixture
def measured(plan, visits, reported):
    """The plan's values of ``YEAR`` written as a recompute writes them (as of ``AS_OF``)."""
    from linli.plans.actions.measure import recompute_run

    run = Recompute.objects.create(plan=plan, year=YEAR)
    done = recompute_run(run.pk, today=AS_OF)
    assert done.status == Recompute.Status.DONE, done.error
    return done


def area(code: str) -> Area:
    return Area.objects.get(code=code)


__all__ = [
    "A1",
    "A2",
    "AS_OF",
    "B1",
    "COUNTY",
    "GRID_A1",
    "N1",
    "R1",
    "REPORTED",
    "TARGETS",
    "TOWN_A",
    "TOWN_B",
    "VISIT_MONTH",
    "X",
    "YEAR",
    "area",
    "capacity_world",  # noqa: F405
    "indicator",
    "make_plan",
    "measured",
    "plan",
    "reported",
    "reported_value",
    "target",
    "visit_plan",
    "visits",
]
