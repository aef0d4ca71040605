"""What every source of computed values shares: the area tree of a plan's jurisdiction, the
sums of places up that tree, and the counts of communities covered by a value and missing the
target.

A source measures a jurisdiction (the plan's root area) and answers a :class:`Cell` for the root
and every area below it down to the communities (or the towns, for an indicator counted by town):
``{area_code: {key: Cell}}``. A community's cell says whether it misses the plan's target
(``below`` 1 or 0); a wider area's cell counts its communities with a value (``counted``) and
those missing the target (``below``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.utils import timezone

from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.models import Area

from ...models import Target
from ..status import Cell, met

__all__ = [
    "Cells",
    "Nodes",
    "PLACES",
    "decimals_of",
    "day_bounds",
    "finish",
    "misses",
    "places_up",
    "ratio",
    "ratio_cell",
    "subtree",
]

Cells = dict[str, dict[str, Cell]]
Raw = tuple  # (numerator, denominator, value) or with counted as a fourth member
VALUE_STEP = Decimal("0.0001")  # values are kept to four places; pages round to the indicator's
PLACES = tuple(PREFIX_LENGTH[level] for level in (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY,
                                                  Level.TOWN, Level.COMMUNITY))  # fmt: skip
DEFAULT_DECIMALS = 1


class Nodes(list):
    """The areas of a subtree (a list of :class:`Area`), with each one's ancestors among them
    worked out once for every indicator measured over it."""

    @cached_property
    def known(self) -> set[str]:
        return {node.code for node in self}

    @cached_property
    def top(self) -> int:
        return min((len(node.prefix) for node in self), default=0)

    @cached_property
    def up(self) -> dict[str, list[str]]:
        """code -> the codes of the areas above it in the subtree (not itself)."""
        return {
            node.code: [c for c in _ancestors(node.code, self.known, self.top) if c != node.code]
            for node in self
        }


def subtree(root: Area) -> Nodes:
    """The root and every area below it down to the communities (no grids), in code order."""
    rows = (
        Area.objects.filter(
            code__startswith=root.prefix, level__gte=root.level, level__lte=Level.COMMUNITY
        )
        .order_by("code")
        .values_list("code", "name", "level", "parent_id", "prefix", "urban_rural")
    )
    return Nodes(
        Area(code=c, name=n, level=lv, parent_id=p, prefix=pre, urban_rural=ur)
        for c, n, lv, p, pre, ur in rows
    )


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``first`` and the first moment after ``last``, local time."""

    def start(day: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    return start(first), start(last + dt.timedelta(days=1))


def decimals_of(target: Target | None) -> int:
    """The indicator's decimals when the target came with its indicator loaded."""
    if target is not None and Target.indicator.is_cached(target):
        return target.indicator.decimals
    return DEFAULT_DECIMALS


def misses(target: Target, value: Decimal, decimals: int = DEFAULT_DECIMALS) -> bool:
    """Does ``value``, rounded as the pages show it, miss ``target``?"""
    step = Decimal(1).scaleb(-decimals)
    return not met(target.op, value.quantize(step, rounding=ROUND_HALF_UP), Decimal(target.value))


def ratio(numerator, denominator, factor) -> Raw:
    """``(numerator, denominator, numerator ÷ denominator × factor)`` as decimals; no value
    when there is nothing to divide by."""
    n = None if numerator is None else Decimal(numerator)
    d = None if denominator is None else Decimal(denominator)
    value = None
    if n is not None and d:
        value = (n * Decimal(factor) / d).quantize(VALUE_STEP, rounding=ROUND_HALF_UP)
    return (n, d, value)


def ratio_cell(numerator, denominator, factor, *, source: str = "computed") -> Cell:
    """:func:`ratio` as a cell."""
    return Cell(*ratio(numerator, denominator, factor), source=source)


def _ancestors(code: str, known: set[str], top: int) -> list[str]:
    """The areas of ``known`` that contain ``code`` (itself included), no wider than ``top``
    digits of prefix."""
    found = []
    for length in PLACES:
        if length < top:
            continue
        candidate = code[:length].ljust(12, "0")
        if candidate in known and candidate not in found:
            found.append(candidate)
    return found


def places_up(
    root: Area, nodes: list[Area], parts: dict[str, tuple]
) -> dict[str, list[Decimal | int]]:
    """Each area's sums of the ``parts`` of the places under it: ``parts`` maps a place's
    12-digit code (a community, or a town for rows recorded on it) to a tuple of numbers."""
    known = nodes.known if isinstance(nodes, Nodes) else {node.code for node in nodes}
    top = len(root.prefix)
    sums: dict[str, list] = {}
    for place, numbers in parts.items():
        for code in _ancestors(place, known, top):
            found = sums.get(code)
            if found is None:
                sums[code] = list(numbers)
            else:
                for i, number in enumerate(numbers):
                    found[i] += number
    return sums


def _parts(found) -> tuple:
    """(numerator, denominator, value, counted) of a raw tuple or a cell."""
    if isinstance(found, Cell):
        return found.numerator, found.denominator, found.value, found.counted
    if len(found) == 4:
        return found
    return (*found, None)


def finish(
    cells: Cells,
    key: str,
    target: Target | None,
    nodes: Iterable[Area],
    row_level: int = Level.COMMUNITY,
    *,
    decimals: int | None = None,
    count: bool = True,
    source: str | None = None,
) -> None:
    """Turn ``key``'s raw values into cells with their counts: an area of ``row_level`` (a
    community, or a town) counts 1 when it has a value and is below when that value misses
    ``target``; a wider area counts its row-level areas with a value (``counted``, unless
    ``count`` is false: the source counted for itself, the fourth member of its raw tuple) and
    those below (``below``; None without a target).

    A raw value is ``(numerator, denominator, value)`` (or with ``counted`` as a fourth); a
    cell may be given instead (its ``source`` is kept unless ``source`` is given)."""
    nodes = nodes if isinstance(nodes, Nodes) else Nodes(nodes)
    up = nodes.up
    decimals = decimals_of(target) if decimals is None else decimals
    if target is not None:
        step = Decimal(1).scaleb(-decimals)
        op, goal = target.op, Decimal(target.value)
    counted: dict[str, int] = defaultdict(int)
    below: dict[str, int] = defaultdict(int)

    def origin(found) -> str:
        if source is not None:
            return source
        return found.source if isinstance(found, Cell) else "computed"

    for node in nodes:
        if node.level != row_level:
            continue
        by_key = cells.get(node.code)
        found = by_key.get(key) if by_key else None
        if found is None:
            continue
        n, d, value, own = _parts(found)
        has = value is not None
        miss = False
        if has and target is not None:
            miss = not met(op, value.quantize(step, rounding=ROUND_HALF_UP), goal)
        by_key[key] = Cell(
            n,
            d,
            value,
            origin(found),
            int(has) if count else own,
            int(miss) if has and target is not None else None,
        )
        if has:
            for code in up[node.code]:
                counted[code] += 1
                below[code] += miss
    for node in nodes:
        if node.level >= row_level:
            continue
        by_key = cells.get(node.code)
        found = by_key.get(key) if by_key else None
        if found is None:
            continue
        n, d, value, own = _parts(found)
        by_key[key] = Cell(
            n,
            d,
            value,
            origin(found),
            counted[node.code] if count else own,
            below[node.code] if target is not None else None,
        )
