"""Computed values from the service capacity figures (:mod:`linli.facilities.queries.capacity`).

The facts of the whole jurisdiction are gathered once (a few grouped queries, whatever the number
of communities) as of the day the year is measured on. The root and each county and town take
the figures derived from their own part of those facts (a county's part cut from the root's, a
town's from its county's), so a wider area's figure is always its parts' numerators over their
denominators — and the daily opening hours the shortest of its communities', as the figure says.
A community (a town, for the social work station coverage) takes its row of the figure.

The plan's targets set the thresholds the figures count with: the facility area per 100
households each community is held to, and the hours a day a facility must open.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from linli.core.areacodes import Level
from linli.core.models import Area
from linli.facilities.queries.capacity_derive import Params, derive
from linli.facilities.queries.capacity_facts import Facts, gather
from linli.facilities.queries.capacity_specs import (
    AREA_THRESHOLD,
    HOURS_THRESHOLD,
    KEYS,
    sources_of,
)

from ..values import as_of_for
from .common import Cells, Nodes, finish

__all__ = ["KEYS", "ROW_LEVELS", "measure"]

AREA_KEY = "facility_area_per_100_households"
HOURS_KEY = "facility_daily_open_hours"
TOWN_KEYS = frozenset({"social_work_station_coverage"})
ROW_LEVELS = {key: Level.TOWN if key in TOWN_KEYS else Level.COMMUNITY for key in KEYS}
LIMITS = {AREA_KEY: Decimal(100_000), HOURS_KEY: Decimal(24)}


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _threshold(target, key: str, default: Decimal) -> Decimal:
    """The plan's target value as the threshold a figure counts with, when it is a usable one."""
    if target is None:
        return default
    value = Decimal(target.value)
    return value if 0 < value <= LIMITS[key] else default


def measure(root: Area, year: int, keys, targets, *, today=None, nodes=None) -> Cells:
    """Cells of the capacity ``keys`` for ``root`` and every area below it (see the module)."""
    wanted = tuple(key for key in KEYS if key in set(keys))
    if not wanted:
        return {}
    params = Params(
        area_threshold=_threshold(targets.get(AREA_KEY), AREA_KEY, AREA_THRESHOLD),
        hours_threshold=_threshold(targets.get(HOURS_KEY), HOURS_KEY, HOURS_THRESHOLD),
    )
    facts = gather(
        root,
        as_of_for(year, today),
        sources_of(wanted),
        population_for="urban" if "workers_per_10k_urban" in wanted else "",
    )
    cells: Cells = defaultdict(dict)
    children: dict[str, list] = defaultdict(list)
    for area in facts.areas.values():
        if area.level < Level.COMMUNITY and area.code != root.code:
            children[area.parent_id].append(area)

    def walk(code: str, part: Facts) -> None:
        for key, figure in derive(part, wanted, params, with_rows=False).items():
            cells[code][key] = (_dec(figure.numerator), _dec(figure.denominator), figure.value)
        for child in children.get(code, ()):
            walk(child.code, part.within(child.prefix))

    if root.level < Level.COMMUNITY:
        walk(root.code, facts)
    for key, figure in derive(facts, wanted, params, with_rows=True).items():
        level = ROW_LEVELS[key]
        for row in figure.rows:
            place = facts.places.get(row.area_code)
            if place is None or place.level != level:
                continue
            cells[row.area_code][key] = (_dec(row.numerator), _dec(row.denominator), row.value)
    if nodes is None:
        nodes = Nodes(
            Area(code=a.code, name=a.name, level=a.level, parent_id=a.parent_id, prefix=a.prefix)
            for a in sorted(facts.areas.values())
        )
    for key in wanted:
        finish(cells, key, targets.get(key), nodes, ROW_LEVELS[key])
    return dict(cells)
