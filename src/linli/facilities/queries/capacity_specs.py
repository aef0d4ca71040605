"""The capacity figures' definitions: keys (the indicator ids of the built-in plans), labels,
units, scopes, the sources each reads, the target most plans set, and how each is counted."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from .capacity_facts import FACILITIES, HOUSEHOLDS, OFFICERS, POPULATION, TRAINING, WORKERS

PERCENT, SQUARE_METRES, HOURS, PERSONS, COUNT = (
    "percent",
    "square_metres",
    "hours",
    "persons",
    "count",
)
UNITS = (PERCENT, SQUARE_METRES, HOURS, PERSONS, COUNT)
ALL, URBAN, RURAL = "all", "urban", "rural"

AREA_THRESHOLD = Decimal(30)  # m² per 100 households, for each community
HOURS_THRESHOLD = Decimal(8)  # hours a day


@dataclass(frozen=True)
class Target:
    """A plan target as a hint: ``op`` is ``>=``, ``>`` or ``=`` (a coverage of 100 %)."""

    op: str
    value: Decimal

    def met(self, value: Decimal | None) -> bool | None:
        if value is None:
            return None
        if self.op == ">":
            return value > self.value
        if self.op == "=":
            return value == self.value
        return value >= self.value

    def __str__(self) -> str:
        shown = self.value.normalize()
        return f"{'≥' if self.op == '>=' else self.op} {shown:f}"


@dataclass(frozen=True)
class Spec:
    key: str
    label: object
    unit: str
    scope: str
    sources: frozenset[str]
    target: Target | None
    what: object  # how it is counted, for the pages and the API


def _t(op: str, value) -> Target:
    return Target(op, Decimal(value))


# The targets most of the built-in plans set (a county's own plan may differ: the plans engine
# holds those); the total of social work talent is a number each plan sets for itself.
SPECS: dict[str, Spec] = {
    s.key: s
    for s in [
        Spec(
            "facility_coverage",
            _("Comprehensive service facility coverage"),
            PERCENT,
            ALL,
            frozenset({FACILITIES}),
            _t("=", 100),
            _("Communities and villages with an open comprehensive service facility ÷ all."),
        ),
        Spec(
            "facility_coverage_urban",
            _("Facility coverage, urban communities"),
            PERCENT,
            URBAN,
            frozenset({FACILITIES}),
            _t("=", 100),
            _("Urban communities with an open comprehensive service facility ÷ urban ones."),
        ),
        Spec(
            "facility_coverage_rural",
            _("Facility coverage, villages"),
            PERCENT,
            RURAL,
            frozenset({FACILITIES}),
            _t(">=", 80),
            _("Villages with an open comprehensive service facility ÷ villages."),
        ),
        Spec(
            "facility_area_per_100_households",
            _("Facility area per 100 households"),
            SQUARE_METRES,
            ALL,
            frozenset({FACILITIES, HOUSEHOLDS}),
            _t(">=", AREA_THRESHOLD),
            _(
                "Floor area of open comprehensive facilities ÷ households × 100, over the "
                "communities whose households are known; the target applies to each community."
            ),
        ),
        Spec(
            "activity_area_ratio",
            _("Resident activity area share"),
            PERCENT,
            ALL,
            frozenset({FACILITIES}),
            _t(">=", 60),
            _("Resident activity area ÷ floor area of open comprehensive facilities."),
        ),
        Spec(
            "self_service_coverage_urban",
            _("Self-service terminal coverage, urban"),
            PERCENT,
            URBAN,
            frozenset({FACILITIES}),
            _t("=", 100),
            _("Urban communities with an open facility holding a self-service terminal ÷ all."),
        ),
        Spec(
            "day_care_coverage_urban",
            _("Day-care coverage, urban"),
            PERCENT,
            URBAN,
            frozenset({FACILITIES}),
            _t(">=", 90),
            _("Urban communities with an open elderly day-care centre ÷ urban communities."),
        ),
        Spec(
            "facility_daily_open_hours",
            _("Daily opening hours of the facilities"),
            HOURS,
            ALL,
            frozenset({FACILITIES}),
            _t(">=", HOURS_THRESHOLD),
            _(
                "The shortest, over communities with an open comprehensive facility, of the "
                "community's longest daily opening; counted: communities open long enough."
            ),
        ),
        Spec(
            "new_facility_area_ratio",
            _("New-build facility area ratio"),
            PERCENT,
            ALL,
            frozenset({FACILITIES}),
            _t(">=", 10),
            _(
                "For facilities built in the plan period: comprehensive and commercial floor "
                "area plus the commercial area built with them ÷ residential floor area served."
            ),
        ),
        Spec(
            "workers_per_10k_urban",
            _("Community workers per 10,000 urban residents"),
            PERSONS,
            URBAN,
            frozenset({WORKERS, POPULATION}),
            _t(">=", 18),
            _(
                "Workers in post in urban communities ÷ their resident population × 10,000; "
                "population as reported, else the registry's residents."
            ),
        ),
        Spec(
            "social_work_talent_total",
            _("Social work talent"),
            PERSONS,
            ALL,
            frozenset({WORKERS}),
            None,
            _(
                "Workers in post holding a valid social work certificate, in the social work "
                "post, or with a social work degree."
            ),
        ),
        Spec(
            "certified_social_workers_per_urban_community",
            _("Certified social workers per urban community"),
            PERSONS,
            URBAN,
            frozenset({WORKERS}),
            _t(">=", 3),
            _("Workers in post in urban communities with a valid certificate ÷ urban communities."),
        ),
        Spec(
            "worker_training_coverage",
            _("Worker training coverage"),
            PERCENT,
            ALL,
            frozenset({TRAINING}),
            _t("=", 100),
            _("Workers in post trained within their required cycle ÷ workers in post."),
        ),
        Spec(
            "social_work_station_coverage",
            _("Social work station coverage of towns"),
            PERCENT,
            ALL,
            frozenset({FACILITIES}),
            _t("=", 100),
            _(
                "Towns and streets with an open social work station, on the town or in one of "
                "its communities ÷ towns and streets."
            ),
        ),
        Spec(
            "disaster_officer_coverage",
            _("Disaster information officer coverage"),
            PERCENT,
            ALL,
            frozenset({OFFICERS}),
            _t("=", 100),
            _("Communities with a disaster information officer serving on the date ÷ all."),
        ),
    ]
}
KEYS = tuple(SPECS)

UNIT_STEPS = {
    PERCENT: Decimal("0.1"),
    SQUARE_METRES: Decimal("0.1"),
    HOURS: Decimal("0.01"),
    PERSONS: Decimal("0.1"),
    COUNT: Decimal(1),
}

# Figures rounded otherwise than their unit says: a head count is a whole number.
STEPS = {"social_work_talent_total": Decimal(1)}


def rounded(value: Decimal | None, step: Decimal) -> Decimal | None:
    return None if value is None else value.quantize(step, rounding=ROUND_HALF_UP)


def ratio(numerator, denominator, times: int = 1) -> Decimal | None:
    if not denominator:
        return None
    return Decimal(numerator) * times / Decimal(denominator)


def sources_of(keys) -> set[str]:
    return set().union(*(SPECS[k].sources for k in keys)) if keys else set()
