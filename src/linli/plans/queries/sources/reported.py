"""Reported values: entered per area and year (:class:`~linli.plans.models.ReportedValue`), with
who entered them and the evidence.

An area's value is its own entry when it has one; otherwise the entries of the areas below it
are added up, an area's own entry standing for everything below it (a town that reports for
itself replaces its communities' entries, which are never counted twice). A ratio indicator's
value is the sum of the numerators over the sum of the denominators times the indicator's factor
(100 for a percentage, 1 for "per community", 10,000 for "per 10,000"); a total is the sum of
the numerators. An area with nothing reported at or below it has no value.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from linli.core.models import Area

from ...models import Indicator, ReportedValue, Target
from .common import Cells, finish, ratio, subtree

__all__ = ["measure_reported"]

ZERO = Decimal(0)


def measure_reported(
    root: Area,
    year: int,
    indicators: list[Indicator],
    targets: dict[str, Target],
    *,
    nodes=None,
) -> Cells:
    """Cells of the reported ``indicators`` (by key) for ``root`` and every area below it."""
    if not indicators:
        return {}
    nodes = subtree(root) if nodes is None else nodes
    by_id = {indicator.pk: indicator for indicator in indicators}
    own: dict[int, dict[str, tuple[Decimal, Decimal | None]]] = defaultdict(dict)
    rows = ReportedValue.objects.filter(
        indicator_id__in=list(by_id), year=year, area_code__startswith=root.prefix
    ).values_list("indicator_id", "area_code", "numerator", "denominator")
    for indicator_id, code, numerator, denominator in rows:
        own[indicator_id][code] = (Decimal(numerator), _dec(denominator))
    children: dict[str, list[str]] = defaultdict(list)
    for node in nodes:
        if node.code != root.code:
            children[node.parent_id].append(node.code)
    deepest_first = sorted(nodes, key=lambda node: -node.level)
    cells: Cells = defaultdict(dict)
    for indicator_id, entries in own.items():
        indicator = by_id[indicator_id]
        is_ratio = indicator.aggregation == Indicator.Aggregation.RATIO
        sums: dict[str, tuple[Decimal, Decimal, int]] = {}
        for node in deepest_first:
            entry = entries.get(node.code)
            if entry is not None:
                numerator, denominator = entry
                sums[node.code] = (numerator, denominator or ZERO, 1)
                continue
            parts = [sums[c] for c in children.get(node.code, ()) if c in sums]
            if parts:
                sums[node.code] = (
                    sum((p[0] for p in parts), ZERO),
                    sum((p[1] for p in parts), ZERO),
                    sum(p[2] for p in parts),
                )
        for code, (numerator, denominator, entered) in sums.items():
            if is_ratio:
                n, d, value = ratio(numerator, denominator, indicator.factor)
                cells[code][indicator.key] = (n, d, value, entered)
            else:
                cells[code][indicator.key] = (numerator, None, numerator, entered)
        finish(
            cells,
            indicator.key,
            targets.get(indicator.key),
            nodes,
            count=False,
            source="reported",
        )
    return dict(cells)


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)
