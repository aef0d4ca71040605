"""facilities queries: the capacity figures of an area (places and people) on a date.

The figures the plans measure for service capacity — facility coverage (all, urban, rural),
facility area per 100 households, activity-area share, self-service and day-care coverage of
urban communities, daily opening hours, the new-build area ratio, community workers per 10,000
urban residents, social work talent, certified social workers per urban community, training
coverage, social work stations per town and disaster information officers — each with its
numerator, denominator and the rows behind them (:mod:`.capacity_derive`).

Every read is a few grouped SQL queries over the area's subtree (:mod:`.capacity_facts`),
whatever the number of communities; the figures are derived from those per-community rows in
Python. A wider area's figure is the sum of its parts' numerators over the sum of their
denominators, never an average of percentages. Reading needs ``capacity.view`` over the area;
any other area is not found.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Facility
from .capacity_derive import Figure, Params, derive

# The shapes, for callers that name them from here.
from .capacity_derive import FigureRow as FigureRow
from .capacity_facts import (
    FACILITIES,
    HOUSEHOLDS,
    OFFICERS,
    POPULATION,
    WORKERS,
    Facts,
    Place,
    gather,
)
from .capacity_specs import (
    AREA_THRESHOLD,
    HOURS_THRESHOLD,
    KEYS,
    SPECS,
    ratio,
    rounded,
    sources_of,
)
from .capacity_specs import Spec as Spec
from .capacity_specs import Target as Target

__all__ = [
    "CAPACITY_KEYS",
    "CAPACITY_SPECS",
    "CAPACITY_GAP_KINDS",
    "CapacityGaps",
    "CapacityReport",
    "CapacityRollup",
    "capacity_area",
    "capacity_as_of",
    "capacity_figures",
    "capacity_gaps",
    "capacity_keys",
    "capacity_report",
    "capacity_rollup",
]

CAPACITY_KEYS = KEYS
CAPACITY_SPECS = SPECS
CAPACITY_GAP_KINDS = tuple(Facility.Kind.values)
FIRST_DAY = dt.date(2000, 1, 1)
THRESHOLD_MAX = {"area_per_100_below": 100_000, "workers_per_10k_below": 10_000, "hours_below": 24}

# --- input ---------------------------------------------------------------------------------------


def capacity_area(actor, area_code=None, *, field: str = "area") -> Area:
    """The area ``area_code`` when ``actor`` holds ``capacity.view`` over it; with no code, the
    actor's widest such area. A grid has no capacity figures of its own (its community has)."""
    granted = scoping.prefixes(actor, Cap.CAPACITY_VIEW)
    missing = NotFound(_("No such area among yours."), field=field)
    if not granted:
        raise missing
    if area_code in (None, ""):
        if granted[0] == "":
            raise ActionError(_("Choose an area."), field=field)
        code = granted[0].ljust(12, "0")
    else:
        try:
            code = areacodes.normalize(str(area_code).replace("\x00", ""))
        except areacodes.AreaCodeError as exc:
            raise ActionError(str(exc.args[0]), field=field) from None
    if not any(code.startswith(prefix) for prefix in granted):
        raise missing
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise missing
    if area.level == Level.GRID:
        raise ActionError(_("Choose a community or a wider area, not a grid."), field=field)
    return area


def capacity_as_of(value=None, *, field: str = "as_of") -> dt.date:
    """The date of the figures: ``YYYY-MM-DD`` or a date, from 2000-01-01 up to today; today
    when empty."""
    today = timezone.localdate()
    if value in (None, ""):
        return today
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).replace("\x00", "").strip())
        except ValueError:
            raise ActionError(_("Enter a date as YYYY-MM-DD."), field=field) from None
    if not FIRST_DAY <= day <= today:
        raise ActionError(_("Choose a date from 2000-01-01 up to today."), field=field)
    return day


def capacity_keys(keys=None, *, field: str = "keys") -> tuple[str, ...]:
    """The figure keys asked for, in the standard order; every figure when none."""
    if keys in (None, "", []):
        return KEYS
    if isinstance(keys, str):
        keys = keys.split(",")
    wanted = {str(k).strip() for k in keys if str(k).strip()}
    unknown = sorted(wanted - set(KEYS))
    if unknown:
        raise ActionError(
            _("Unknown figure: %(keys)s.") % {"keys": ", ".join(k[:60] for k in unknown[:5])},
            field=field,
        )
    return tuple(k for k in KEYS if k in wanted) or KEYS


def _threshold(value, default: Decimal | None, *, field: str, high: int) -> Decimal | None:
    if value in (None, ""):
        return default
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not 0 < number <= high:
        raise ActionError(
            _("Enter a number above 0 and at most %(high)s.") % {"high": high}, field=field
        )
    return number


# --- figures -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityReport:
    """The figures of an area on a date, by key."""

    area: Area
    as_of: dt.date
    figures: dict[str, Figure]


def capacity_report(
    *,
    actor,
    area_code=None,
    as_of=None,
    keys=None,
    area_threshold=None,
    hours_threshold=None,
    with_rows: bool = True,
) -> CapacityReport:
    """:func:`capacity_figures` with the area and the date they were read for."""
    area = capacity_area(actor, area_code)
    day = capacity_as_of(as_of)
    wanted = capacity_keys(keys)
    params = _params(area_threshold, hours_threshold)
    facts = _gather(area, day, wanted)
    return CapacityReport(
        area=area, as_of=day, figures=derive(facts, wanted, params, with_rows=with_rows)
    )


def capacity_figures(
    *,
    actor,
    area_code=None,
    as_of=None,
    keys=None,
    area_threshold=None,
    hours_threshold=None,
    with_rows: bool = True,
) -> dict[str, Figure]:
    """The capacity figures ``keys`` (all of them by default) of ``area_code``'s subtree on
    ``as_of`` (today by default), by key, each with its rows (communities; towns for the social
    work station figure). ``area_threshold`` (m² per 100 households, default 30) and
    ``hours_threshold`` (hours a day, default 8) are the targets each community is held to."""
    return capacity_report(
        actor=actor,
        area_code=area_code,
        as_of=as_of,
        keys=keys,
        area_threshold=area_threshold,
        hours_threshold=hours_threshold,
        with_rows=with_rows,
    ).figures


def _params(area_threshold, hours_threshold) -> Params:
    return Params(
        area_threshold=_threshold(
            area_threshold, AREA_THRESHOLD, field="area_threshold", high=100_000
        ),
        hours_threshold=_threshold(
            hours_threshold, HOURS_THRESHOLD, field="hours_threshold", high=24
        ),
    )


def _gather(area: Area, day: dt.date, keys) -> Facts:
    population_for = "urban" if "workers_per_10k_urban" in keys else ""
    return gather(area, day, sources_of(keys), population_for=population_for)


@dataclass(frozen=True)
class RollupChild:
    """A child area (town of a county, community of a town…) with its figures, no rows."""

    area_code: str
    name: str
    level: int
    figures: dict[str, Figure]


@dataclass(frozen=True)
class CapacityRollup:
    area: Area
    as_of: dt.date
    keys: tuple[str, ...]
    total: dict[str, Figure]
    children: list[RollupChild] = field(default_factory=list)


def capacity_rollup(*, actor, area_code=None, as_of=None, keys=None) -> CapacityRollup:
    """Every figure of ``area_code`` and of each of its child areas (towns of a county,
    counties of a prefecture, communities of a town) with numerators, denominators and
    values. Each child's figure is built from its own communities, so the children's
    numerators and denominators add up to the area's."""
    area = capacity_area(actor, area_code)
    day = capacity_as_of(as_of)
    wanted = capacity_keys(keys)
    facts = _gather(area, day, wanted)
    params = Params()
    children = [
        RollupChild(
            area_code=child.code,
            name=child.name,
            level=child.level,
            figures=derive(facts.within(child.prefix), wanted, params, with_rows=False),
        )
        for child in sorted(facts.areas.values(), key=lambda a: a.code)
        if child.parent_id == area.code and child.code != area.code
    ]
    return CapacityRollup(
        area=area,
        as_of=day,
        keys=wanted,
        total=derive(facts, wanted, params, with_rows=False),
        children=children,
    )


# --- gaps ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    key: str
    label: str


@dataclass(frozen=True)
class Failure:
    """A condition a community fails, with the community's value where there is one."""

    key: str
    label: str
    value: Decimal | None = None


@dataclass(frozen=True)
class GapRow:
    area_code: str
    name: str
    town_code: str
    town_name: str
    urban_rural: str
    failures: list[Failure]


@dataclass(frozen=True)
class CapacityGaps:
    area: Area
    as_of: dt.date
    conditions: list[Condition]
    rows: list[GapRow]
    checked: int  # communities looked at (in the scope chosen)
    query: dict = field(default_factory=dict)  # the conditions as the pages' query names them


def _kind_label(kind: str) -> str:
    return str(Facility.Kind(kind).label)


def capacity_gaps(
    *,
    actor,
    area_code=None,
    as_of=None,
    lacks_kinds=(),
    area_per_100_below=None,
    workers_per_10k_below=None,
    hours_below=None,
    no_officer: bool = False,
    scope: str = "all",
) -> CapacityGaps:
    """The communities of ``area_code`` failing ANY of the chosen conditions on ``as_of``, each
    with the conditions it fails, most failures first:

    - ``lacks_kinds``: no open facility of each of these kinds;
    - ``area_per_100_below``: comprehensive facility area per 100 households under this (only
      communities whose households are known);
    - ``workers_per_10k_below``: workers in post per 10,000 residents under this (only
      communities whose population is known: reported, else the registry's);
    - ``hours_below``: its comprehensive facility opens fewer hours a day (or it has none);
    - ``no_officer``: no disaster information officer serving.

    ``scope`` limits the communities to ``urban`` or ``rural`` ones."""
    area = capacity_area(actor, area_code)
    day = capacity_as_of(as_of)
    kinds = _kinds(lacks_kinds)
    area_below = _threshold(
        area_per_100_below, None, field="area_below", high=THRESHOLD_MAX["area_per_100_below"]
    )
    workers_below = _threshold(
        workers_per_10k_below,
        None,
        field="workers_below",
        high=THRESHOLD_MAX["workers_per_10k_below"],
    )
    hours = _threshold(hours_below, None, field="hours_below", high=THRESHOLD_MAX["hours_below"])
    if scope not in ("all", "urban", "rural"):
        raise ActionError(_("Choose all, urban or rural communities."), field="scope")
    conditions = _conditions(kinds, area_below, workers_below, hours, no_officer)
    if not conditions:
        raise ActionError(_("Choose at least one condition."), field="lacks")
    sources: set[str] = set()
    if kinds or area_below is not None or hours is not None:
        sources.add(FACILITIES)
    if area_below is not None:
        sources.add(HOUSEHOLDS)
    if workers_below is not None:
        sources |= {WORKERS, POPULATION}
    if no_officer:
        sources.add(OFFICERS)
    facts = gather(area, day, sources, population_for="all" if workers_below else "")
    places = facts.communities
    if scope != "all":
        places = [p for p in places if p.scope == scope]
    rows = []
    for place in places:
        failures = _failures(place, kinds, area_below, workers_below, hours, no_officer)
        if failures:
            town = facts.areas.get(place.parent_code or "")
            rows.append(
                GapRow(
                    area_code=place.code,
                    name=place.name,
                    town_code=place.parent_code or "",
                    town_name=town.name if town is not None else "",
                    urban_rural=place.urban_rural,
                    failures=failures,
                )
            )
    rows.sort(key=lambda r: (-len(r.failures), r.area_code))
    query = {
        "lacks": list(kinds),
        "area_below": _plain(area_below),
        "workers_below": _plain(workers_below),
        "hours_below": _plain(hours),
        "no_officer": "1" if no_officer else "",
        "scope": "" if scope == "all" else scope,
    }
    return CapacityGaps(
        area=area,
        as_of=day,
        conditions=conditions,
        rows=rows,
        checked=len(places),
        query=query,
    )


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _kinds(lacks_kinds) -> tuple[str, ...]:
    if isinstance(lacks_kinds, str):
        lacks_kinds = lacks_kinds.split(",")
    wanted = {str(k).strip() for k in (lacks_kinds or ()) if str(k).strip()}
    if wanted - set(CAPACITY_GAP_KINDS):
        raise ActionError(_("Choose facility kinds from the list."), field="lacks")
    return tuple(k for k in CAPACITY_GAP_KINDS if k in wanted)


def _conditions(kinds, area_below, workers_below, hours, no_officer) -> list[Condition]:
    found = [
        Condition(f"lacks:{kind}", _("No %(kind)s") % {"kind": _kind_label(kind)}) for kind in kinds
    ]
    if area_below is not None:
        found.append(
            Condition(
                "area_per_100_below",
                _("Under %(n)s m² per 100 households") % {"n": _plain(area_below)},
            )
        )
    if workers_below is not None:
        found.append(
            Condition(
                "workers_per_10k_below",
                _("Under %(n)s workers per 10,000 residents") % {"n": _plain(workers_below)},
            )
        )
    if hours is not None:
        found.append(
            Condition("hours_below", _("Open under %(n)s hours a day") % {"n": _plain(hours)})
        )
    if no_officer:
        found.append(Condition("no_officer", _("No disaster information officer")))
    return found


def _failures(place: Place, kinds, area_below, workers_below, hours, no_officer) -> list[Failure]:
    failures = []
    for kind in kinds:
        if not place.has(kind):
            failures.append(
                Failure(f"lacks:{kind}", _("No %(kind)s") % {"kind": _kind_label(kind)})
            )
    comprehensive = place.kind(Facility.Kind.COMPREHENSIVE)
    if area_below is not None:
        value = ratio(comprehensive.floor_area, place.households, 100)
        if value is not None and value < area_below:
            failures.append(
                Failure(
                    "area_per_100_below",
                    _("%(value)s m² per 100 households")
                    % {"value": rounded(value, Decimal("0.1"))},
                    rounded(value, Decimal("0.1")),
                )
            )
    if workers_below is not None:
        value = ratio(place.workers, place.population, 10_000)
        if value is not None and value < workers_below:
            failures.append(
                Failure(
                    "workers_per_10k_below",
                    _("%(value)s workers per 10,000 residents")
                    % {"value": rounded(value, Decimal("0.1"))},
                    rounded(value, Decimal("0.1")),
                )
            )
    if hours is not None:
        if not comprehensive.count:
            if Facility.Kind.COMPREHENSIVE not in kinds:  # else already said
                failures.append(Failure("hours_below", _("No comprehensive facility open")))
        else:
            best = comprehensive.best_hours or Decimal(0)
            if best < hours:
                failures.append(
                    Failure(
                        "hours_below",
                        _("Open %(value)s hours a day") % {"value": _plain(best)},
                        best,
                    )
                )
    if no_officer and not place.officers:
        failures.append(Failure("no_officer", _("No disaster information officer")))
    return failures
