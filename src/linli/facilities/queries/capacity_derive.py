"""The capacity figures, derived in Python from the per-place facts of :mod:`.capacity_facts`.

Every figure is a numerator over a denominator with the rows (communities, or towns for the
social work station figure) that make them up, so a figure of a wider area is always the sum of
its parts and never an average of percentages. The keys are the indicator ids of the built-in
plans (``seed-plans.yaml``), so the plans engine can read its actual values from here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from ..models import Facility
from .capacity_facts import (
    ZERO,
    Facts,
    Place,
)
from .capacity_specs import (
    ALL,
    AREA_THRESHOLD,
    HOURS_THRESHOLD,
    KEYS,
    PERCENT,
    SPECS,
    STEPS,
    UNIT_STEPS,
    URBAN,
    Spec,
    Target,
    ratio,
    rounded,
)

COMPREHENSIVE = Facility.Kind.COMPREHENSIVE
DAY_CARE = Facility.Kind.DAY_CARE
COMMERCIAL = Facility.Kind.COMMERCIAL
SOCIAL_WORK = Facility.Kind.SOCIAL_WORK


@dataclass(frozen=True, slots=True)
class FigureRow:
    """One community's (or town's) part of a figure. ``extra`` holds what the row adds: its
    urban-rural class, the source of a household or population number, opening days…;
    ``below`` is True when the row misses the target (None when there is no target or no
    value)."""

    area_code: str
    name: str
    numerator: Decimal | int | None
    denominator: Decimal | int | None
    value: Decimal | None
    below: bool | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str
    numerator: Decimal | int | None
    denominator: Decimal | int | None
    value: Decimal | None
    scope: str
    rows: Sequence[FigureRow] = field(default_factory=list)  # a list, or LazyRows
    target: Target | None = None
    extra: dict = field(default_factory=dict)

    @property
    def meets(self) -> bool | None:
        return self.target.met(self.value) if self.target is not None else None

    @property
    def below_count(self) -> int:
        return sum(1 for row in self.rows if row.below)


@dataclass(frozen=True)
class Params:
    area_threshold: Decimal = AREA_THRESHOLD
    hours_threshold: Decimal = HOURS_THRESHOLD

    def target(self, spec: Spec) -> Target | None:
        if spec.key == "facility_area_per_100_households":
            return Target(">=", self.area_threshold)
        if spec.key == "facility_daily_open_hours":
            return Target(">=", self.hours_threshold)
        return spec.target


def _in_scope(places: list[Place], scope: str) -> list[Place]:
    return places if scope == ALL else [p for p in places if p.scope == scope]


class LazyRows(Sequence):
    """A figure's rows, built on first use: reading every figure's totals stays one quick pass
    over the places, and the rows of a figure cost something only when they are shown."""

    __slots__ = ("_build", "_rows")

    def __init__(self, build: Callable[[], list[FigureRow]]):
        self._build, self._rows = build, None

    def _all(self) -> list[FigureRow]:
        if self._rows is None:
            self._rows = self._build()
        return self._rows

    def __getitem__(self, index):
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self):
        return iter(self._all())

    def __eq__(self, other) -> bool:
        return list(self._all()) == list(other)

    def __repr__(self) -> str:
        return f"LazyRows({len(self)})"


class _Maker:
    """Builds one figure: its totals, and its rows when ``with_rows``. The derive functions call
    :meth:`row` only when ``rows`` is true, so the pass for the totals costs no row at all."""

    def __init__(self, spec: Spec, target: Target | None, with_rows: bool):
        self.spec, self.target, self.rows = spec, target, with_rows
        self.step = STEPS.get(spec.key, UNIT_STEPS[spec.unit])
        self.found: list[FigureRow] = []

    def row(self, place: Place, numerator, denominator, value, extra: dict) -> None:
        target = self.target
        below = None if target is None or value is None else not target.met(value)
        extra["urban_rural"] = place.urban_rural
        self.found.append(
            FigureRow(
                place.code,
                place.name,
                numerator,
                denominator,
                None if value is None else value.quantize(self.step, rounding=ROUND_HALF_UP),
                below,
                extra,
            )
        )

    def done(self, numerator, denominator, value, **extra) -> Figure:
        return Figure(
            key=self.spec.key,
            label=str(self.spec.label),
            unit=self.spec.unit,
            numerator=numerator,
            denominator=denominator,
            value=rounded(value, self.step),
            scope=self.spec.scope,
            rows=self.found,
            target=self.target,
            extra=extra,
        )


HUNDRED = Decimal(100)


def _has(kind: str):
    """Communities of the figure's scope with an open facility of ``kind``."""

    def derive(m: _Maker, facts: Facts) -> Figure:
        places = _in_scope(facts.communities, m.spec.scope)
        hits = 0
        for place in places:
            found = place.kinds.get(kind)
            count = found.count if found is not None else 0
            if count:
                hits += 1
            if m.rows:
                m.row(place, int(count > 0), 1, HUNDRED if count else ZERO, {"facilities": count})
        return m.done(hits, len(places), ratio(hits, len(places), 100))

    return derive


def _terminals(m: _Maker, facts: Facts) -> Figure:
    """Urban communities with an open facility (of any kind) holding a self-service terminal."""
    places = _in_scope(facts.communities, m.spec.scope)
    hits = 0
    for place in places:
        count = sum(f.with_terminals for f in place.kinds.values())
        if count:
            hits += 1
        if m.rows:
            m.row(place, int(count > 0), 1, HUNDRED if count else ZERO, {"facilities": count})
    return m.done(hits, len(places), ratio(hits, len(places), 100))


def _area_per_100(m: _Maker, facts: Facts) -> Figure:
    area = ZERO
    households = counted = meeting = 0
    threshold = m.target.value
    for place in facts.communities:
        found = place.kinds.get(COMPREHENSIVE)
        floor = found.floor_area if found is not None else ZERO
        known = place.households
        if known:
            area += floor
            households += known
            counted += 1
            if floor * 100 >= threshold * known:
                meeting += 1
        if m.rows:
            value = ratio(floor, known, 100)
            m.row(place, floor, known, value, {"households_source": place.households_source})
    return m.done(
        area,
        households,
        ratio(area, households, 100),
        threshold=threshold,
        meeting=meeting,
        communities=counted,
        share_meeting=rounded(ratio(meeting, counted, 100), UNIT_STEPS[PERCENT]),
    )


def _activity(m: _Maker, facts: Facts) -> Figure:
    activity = floor = ZERO
    for place in facts.communities:
        found = place.kinds.get(COMPREHENSIVE)
        if found is None or not found.count:
            continue
        activity += found.activity_area
        floor += found.floor_area
        if m.rows:
            value = ratio(found.activity_area, found.floor_area, 100)
            m.row(place, found.activity_area, found.floor_area, value, {})
    return m.done(activity, floor, ratio(activity, floor, 100))


def _hours(m: _Maker, facts: Facts) -> Figure:
    threshold = m.target.value
    lowest: Decimal | None = None
    counted = meeting = 0
    for place in facts.communities:
        found = place.kinds.get(COMPREHENSIVE)
        if found is None or not found.count:
            continue
        hours = found.best_hours if found.best_hours is not None else ZERO
        counted += 1
        if hours >= threshold:
            meeting += 1
        if lowest is None or hours < lowest:
            lowest = hours
        if m.rows:
            m.row(place, hours, None, hours, {"open_days": found.open_days or 0})
    return m.done(meeting, counted, lowest, threshold=threshold, below=counted - meeting)


def _new_build(m: _Maker, facts: Facts) -> Figure:
    built = residential = ZERO
    unknown = 0
    for place in facts.places.values():
        place_built = place_residential = ZERO
        place_unknown = 0
        for kind, f in place.kinds.items():
            if not f.new_count:
                continue
            if kind in (COMPREHENSIVE, COMMERCIAL):
                place_built += f.new_floor_area
            place_built += f.new_commercial_area
            place_residential += f.new_residential_area
            place_unknown += f.new_without_residential
        if not (place_built or place_residential or place_unknown):
            continue
        built += place_built
        residential += place_residential
        unknown += place_unknown
        if m.rows:
            value = ratio(place_built, place_residential, 100)
            extra = {"without_residential_area": place_unknown}
            m.row(place, place_built, place_residential, value, extra)
    return m.done(
        built, residential, ratio(built, residential, 100), without_residential_area=unknown
    )


def _workers_per_10k(m: _Maker, facts: Facts) -> Figure:
    workers = population = 0
    for place in _in_scope(facts.communities, URBAN):
        known = place.population
        if known:
            workers += place.workers
            population += known
        if m.rows:
            value = ratio(place.workers, known, 10_000)
            extra = {"population_source": place.population_source}
            m.row(place, place.workers, known, value, extra)
    return m.done(workers, population, ratio(workers, population, 10_000))


def _talent(m: _Maker, facts: Facts) -> Figure:
    total = 0
    for place in facts.communities:
        total += place.talent
        if m.rows:
            m.row(place, place.talent, None, Decimal(place.talent), {"certified": place.certified})
    return m.done(total, None, Decimal(total))


def _certified(m: _Maker, facts: Facts) -> Figure:
    places = _in_scope(facts.communities, URBAN)
    certified = 0
    for place in places:
        certified += place.certified
        if m.rows:
            extra = {"workers": place.workers}
            m.row(place, place.certified, 1, Decimal(place.certified), extra)
    return m.done(certified, len(places), ratio(certified, len(places)))


def _training(m: _Maker, facts: Facts) -> Figure:
    trained = workers = 0
    for place in facts.communities:
        t, w = place.trained or 0, place.training_workers or 0
        trained += t
        workers += w
        if m.rows:
            m.row(place, t, w, ratio(t, w, 100), {})
    return m.done(trained, workers, ratio(trained, workers, 100))


def _stations(m: _Maker, facts: Facts) -> Figure:
    with_station = {
        p.code[:9] for p in facts.places.values() if SOCIAL_WORK in p.kinds and p.has(SOCIAL_WORK)
    }
    hits = 0
    for town in facts.towns:
        hit = town.code[:9] in with_station
        if hit:
            hits += 1
        if m.rows:
            m.row(town, int(hit), 1, HUNDRED if hit else ZERO, {})
    return m.done(hits, len(facts.towns), ratio(hits, len(facts.towns), 100))


def _officers(m: _Maker, facts: Facts) -> Figure:
    places = facts.communities
    hits = 0
    for place in places:
        if place.officers:
            hits += 1
        if m.rows:
            value = HUNDRED if place.officers else ZERO
            m.row(place, int(place.officers > 0), 1, value, {"officers": place.officers})
    return m.done(hits, len(places), ratio(hits, len(places), 100))


DERIVE: dict[str, Callable[[_Maker, Facts], Figure]] = {
    "facility_coverage": _has(COMPREHENSIVE),
    "facility_coverage_urban": _has(COMPREHENSIVE),
    "facility_coverage_rural": _has(COMPREHENSIVE),
    "facility_area_per_100_households": _area_per_100,
    "activity_area_ratio": _activity,
    "self_service_coverage_urban": _terminals,
    "day_care_coverage_urban": _has(DAY_CARE),
    "facility_daily_open_hours": _hours,
    "new_facility_area_ratio": _new_build,
    "workers_per_10k_urban": _workers_per_10k,
    "social_work_talent_total": _talent,
    "certified_social_workers_per_urban_community": _certified,
    "worker_training_coverage": _training,
    "social_work_station_coverage": _stations,
    "disaster_officer_coverage": _officers,
}


def derive(
    facts: Facts, keys, params: Params | None = None, *, with_rows: bool = True
) -> dict[str, Figure]:
    """The figures ``keys`` (in the order of :data:`KEYS`) from ``facts``. With ``with_rows``
    each figure's rows are there to read (built when first read); without, they are empty."""
    params = params or Params()
    wanted = set(keys)
    figures = {}
    for key in KEYS:
        if key not in wanted:
            continue
        spec, fn = SPECS[key], DERIVE[key]
        target = params.target(spec)
        figure = fn(_Maker(spec, target, False), facts)
        if with_rows:

            def build(spec=spec, fn=fn, target=target) -> list[FigureRow]:
                return fn(_Maker(spec, target, True), facts).rows

            figure = replace(figure, rows=LazyRows(build))
        figures[key] = figure
    return figures
