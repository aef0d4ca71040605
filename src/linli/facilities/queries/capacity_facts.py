"""The facts behind the capacity figures, read once per area subtree and date.

Each source is one grouped SQL query over the subtree (``area_code LIKE 'prefix%'``), so the
number of queries does not grow with the number of communities:

- areas: the towns and communities of the subtree (with the area itself and any county in
  between, so that a rollup can name its children);
- facilities: per place (the first 12 digits of the facility's area code: a community or a town)
  and kind, the facilities open on the date — status open, built by then (``year_built`` empty
  or not after the date's year) and recorded by the end of that day;
- households: the registry's households per community;
- reported figures: the latest population and household figures of each area on or before the
  date;
- residents: active residents per community, read only for communities that need a population
  and have no reported one;
- workers: community workers in post on the date (hired by then, not yet left), those holding
  a certificate valid on the date, and social work talent (such a certificate, the social work
  post or a social work degree);
- training: ``linli.workforce.queries.training.trained_counts``;
- officers: disaster information officers (灾害信息员) serving on the date.

Nothing here applies permissions: :mod:`.capacity` resolves the area for the actor first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from linli.core.areacodes import Level
from linli.core.models import Area, ReportedFigure
from linli.core.scoping import prefix_q
from linli.notices.models import InfoOfficer
from linli.registry.models import Household, Resident
from linli.workforce.models import Certificate, Worker

from ..models import Facility

ZERO = Decimal(0)

# The sources a figure may need; every figure needs the areas.
FACILITIES = "facilities"
HOUSEHOLDS = "households"
POPULATION = "population"
WORKERS = "workers"
TRAINING = "training"
OFFICERS = "officers"
SOURCES = (FACILITIES, HOUSEHOLDS, POPULATION, WORKERS, TRAINING, OFFICERS)

REGISTRY = "registry"
REPORTED = "reported"

# Above this many communities in want of a population, the residents of the whole subtree are
# counted in one pass instead of one prefix condition per community.
RESIDENT_PREFIXES_MAX = 50


@dataclass(slots=True)
class KindFacts:
    """The open facilities of one kind in one place (community or town)."""

    count: int = 0
    floor_area: Decimal = ZERO
    activity_area: Decimal = ZERO
    best_hours: Decimal | None = None  # the longest of their shortest opening days
    open_days: int | None = None  # the most days a week any of them opens
    with_terminals: int = 0
    new_count: int = 0
    new_floor_area: Decimal = ZERO
    new_commercial_area: Decimal = ZERO
    new_residential_area: Decimal = ZERO
    new_without_residential: int = 0


@dataclass(slots=True)
class Place:
    """A community or a town of the subtree with everything the figures read about it.
    ``scope`` is ``urban`` (城乡分类代码 1xx), ``rural`` (2xx) or "" (not recorded)."""

    code: str
    name: str
    level: int
    parent_code: str | None
    urban_rural: str = ""
    scope: str = ""
    is_community: bool = False
    kinds: dict[str, KindFacts] = field(default_factory=dict)
    households: int | None = None
    households_source: str = ""
    population: int | None = None
    population_source: str = ""
    workers: int = 0
    certified: int = 0
    talent: int = 0
    trained: int | None = None
    training_workers: int | None = None
    officers: int = 0

    def kind(self, kind: str) -> KindFacts:
        return self.kinds.get(kind) or _EMPTY

    def has(self, kind: str) -> bool:
        return self.kind(kind).count > 0


class AreaRow(NamedTuple):
    """An area of the subtree as the figures need it (lighter than a model instance)."""

    code: str
    name: str
    level: int
    parent_id: str | None
    prefix: str
    urban_rural: str


def place_of(area: Area | AreaRow) -> Place:
    urban_rural = area.urban_rural or ""
    return Place(
        code=area.code,
        name=area.name,
        level=area.level,
        parent_code=area.parent_id,
        urban_rural=urban_rural,
        scope="urban" if urban_rural[:1] == "1" else "rural" if urban_rural[:1] == "2" else "",
        is_community=area.level == Level.COMMUNITY,
    )


_EMPTY = KindFacts()


@dataclass
class Facts:
    """The places of a subtree on a date, by code."""

    area: Area  # the area read (also in a part made by ``within``)
    as_of: dt.date
    sources: frozenset[str]
    areas: dict[str, AreaRow]  # every area of the subtree down to communities, the area too
    places: dict[str, Place]  # towns and communities
    communities: list[Place] = field(init=False)
    towns: list[Place] = field(init=False)

    def __post_init__(self) -> None:
        self.communities = [p for p in self.places.values() if p.is_community]
        self.towns = [p for p in self.places.values() if p.level == Level.TOWN]

    def within(self, prefix: str) -> Facts:
        """The same facts limited to the places under ``prefix`` (a child area's)."""
        return Facts(
            area=self.area,
            as_of=self.as_of,
            sources=self.sources,
            areas={c: a for c, a in self.areas.items() if c.startswith(prefix)},
            places={c: p for c, p in self.places.items() if c.startswith(prefix)},
        )


def day_end(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the site's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def gather(
    area: Area, as_of: dt.date, sources: set[str] | frozenset[str], *, population_for: str = ""
) -> Facts:
    """Read the facts of ``area``'s subtree on ``as_of`` from the ``sources`` named.

    ``population_for`` says whose population to complete from the registry when no figure was
    reported: ``urban`` communities, ``all`` communities, or nobody ("").
    """
    prefix = area.prefix
    rows = Area.objects.filter(
        code__startswith=prefix, level__gte=area.level, level__lte=Level.COMMUNITY
    ).values_list("code", "name", "level", "parent_id", "prefix", "urban_rural")
    areas = {row[0]: AreaRow(*row) for row in rows}
    places = {
        code: place_of(a) for code, a in areas.items() if a.level in (Level.TOWN, Level.COMMUNITY)
    }
    if FACILITIES in sources:
        _facilities(places, prefix, as_of)
    if HOUSEHOLDS in sources or POPULATION in sources:
        _reported(places, prefix, as_of, sources)
    if HOUSEHOLDS in sources:
        _households(places, prefix)
    if POPULATION in sources and population_for:
        _residents(places, prefix, population_for)
    if WORKERS in sources:
        _workers(places, prefix, as_of)
    if TRAINING in sources:
        _training(places, prefix, as_of)
    if OFFICERS in sources:
        _officers(places, prefix, as_of)
    return Facts(area=area, as_of=as_of, sources=frozenset(sources), areas=areas, places=places)


def _facilities(places: dict[str, Place], prefix: str, as_of: dt.date) -> None:
    new = Q(new_build=True)
    qs = (
        Facility.objects.filter(
            area_code__startswith=prefix,
            status=Facility.Status.OPEN,
            created_at__lt=day_end(as_of),
        )
        .filter(Q(year_built__isnull=True) | Q(year_built__lte=as_of.year))
        .annotate(place=Substr("area_code", 1, 12))
        .values("place", "kind")
        .annotate(
            n=Count("id"),
            floor=Sum("floor_area"),
            activity=Sum("activity_area"),
            hours=Max("min_daily_hours"),
            days=Max("open_days"),
            terminals=Count("id", filter=Q(terminals__gt=0)),
            new_n=Count("id", filter=new),
            new_floor=Sum("floor_area", filter=new),
            new_commercial=Sum("commercial_area", filter=new),
            new_residential=Sum("residential_area", filter=new),
            new_unknown=Count("id", filter=new & Q(residential_area__isnull=True)),
        )
        .order_by()
    )
    # The ORM's SQL, read straight from the cursor: Django's converters of the six decimal sums
    # cost more than the query itself at a prefecture's size; _dec does the same conversion
    # (decimals from PostgreSQL, floats summed by SQLite, kept to the hundredth).
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    for code, kind, n, floor, activity, hours, days, terminals, *new_build in found:
        place = places.get(code)
        if place is None:  # a facility of an area that is not a town or community
            continue
        new_n, new_floor, new_commercial, new_residential, new_unknown = new_build
        place.kinds[kind] = KindFacts(
            count=n,
            floor_area=_dec(floor),
            activity_area=_dec(activity),
            best_hours=None if hours is None else _dec(hours),
            open_days=days,
            with_terminals=terminals,
            new_count=new_n,
            new_floor_area=_dec(new_floor),
            new_commercial_area=_dec(new_commercial),
            new_residential_area=_dec(new_residential),
            new_without_residential=new_unknown,
        )


def _reported(places: dict[str, Place], prefix: str, as_of: dt.date, sources) -> None:
    kinds = []
    if HOUSEHOLDS in sources:
        kinds.append(ReportedFigure.Kind.HOUSEHOLDS)
    if POPULATION in sources:
        kinds.append(ReportedFigure.Kind.POPULATION)
    qs = ReportedFigure.objects.filter(
        area__code__startswith=prefix, as_of__lte=as_of, kind__in=kinds
    ).order_by("area_id", "kind", "-as_of")
    if connection.vendor == "postgresql":
        qs = qs.distinct("area_id", "kind")
    seen: set[tuple[str, str]] = set()
    for code, kind, value in qs.values_list("area_id", "kind", "value"):
        if (code, kind) in seen:
            continue
        seen.add((code, kind))
        place = places.get(code)
        if place is None or not place.is_community:
            continue
        if kind == ReportedFigure.Kind.HOUSEHOLDS:
            place.households, place.households_source = value, REPORTED
        else:
            place.population, place.population_source = value, REPORTED


def _households(places: dict[str, Place], prefix: str) -> None:
    """The registry's count wins over a reported figure wherever the registry has households."""
    rows = (
        Household.objects.filter(community__code__startswith=prefix)
        .values_list("community_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for code, count in rows:
        place = places.get(code)
        if place is not None and count:
            place.households, place.households_source = count, REGISTRY


def _residents(places: dict[str, Place], prefix: str, population_for: str) -> None:
    """Active residents of the communities that need a population and reported none."""
    wanting = [
        p.code
        for p in places.values()
        if p.is_community
        and p.population is None
        and (population_for == "all" or p.scope == "urban")
    ]
    if not wanting:
        return
    qs = Resident.objects.filter(status=Resident.Status.ACTIVE)
    if len(wanting) <= RESIDENT_PREFIXES_MAX:
        qs = qs.filter(prefix_q(wanting))
    else:
        qs = qs.filter(area_code__startswith=prefix)
    rows = (
        qs.annotate(place=Substr("area_code", 1, 12))
        .values_list("place")
        .annotate(n=Count("id"))
        .order_by()
    )
    wanted = set(wanting)
    for code, count in rows:
        if code in wanted and count:
            place = places[code]
            place.population, place.population_source = count, REGISTRY


def live_workers(prefix: str, as_of: dt.date, rel: str = ""):
    """A Q for workers in post on ``as_of`` under ``prefix`` (``rel`` prefixes the fields)."""
    return Q(**{f"{rel}area_code__startswith": prefix, f"{rel}hired_on__lte": as_of}) & (
        Q(**{f"{rel}left_on__isnull": True}) | Q(**{f"{rel}left_on__gt": as_of})
    )


def _workers(places: dict[str, Place], prefix: str, as_of: dt.date) -> None:
    """Workers in post per community: all, those holding a certificate valid on the date, and
    social work talent (a valid certificate, the social work post or a social work degree). One
    pass over the workers; the certified ones are a subquery the database hashes once."""
    certified = (
        Certificate.objects.filter(area_code__startswith=prefix, obtained_on__lte=as_of)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=as_of))
        .values("worker_id")
    )
    holds = Q(id__in=certified)
    social = Q(post=Worker.Post.SOCIAL_WORK) | Q(social_work_major=True)
    rows = (
        Worker.objects.filter(live_workers(prefix, as_of))
        .values_list("community_id")
        .annotate(
            n=Count("id"),
            certified=Count("id", filter=holds),
            talent=Count("id", filter=holds | social),
        )
        .order_by()
    )
    for code, count, certified_count, talent in rows:
        place = places.get(code)
        if place is not None:
            place.workers, place.certified, place.talent = count, certified_count, talent


def _training(places: dict[str, Place], prefix: str, as_of: dt.date) -> None:
    from linli.workforce.queries.training import trained_counts

    for code, (trained, workers) in trained_counts(prefix=prefix, as_of=as_of).items():
        place = places.get(code)
        if place is not None:
            place.trained, place.training_workers = trained, workers


def _officers(places: dict[str, Place], prefix: str, as_of: dt.date) -> None:
    rows = (
        InfoOfficer.objects.filter(area_code__startswith=prefix, started_on__lte=as_of)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=as_of))
        .values_list("community_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for code, count in rows:
        place = places.get(code)
        if place is not None:
            place.officers = count


CENT = Decimal("0.01")


def _dec(value) -> Decimal:
    """A sum or maximum of a two-place decimal column as a Decimal."""
    if value is None:
        return ZERO
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(CENT)
