"""The three rates of the appeals (接诉即办 响应率、解决率、满意率), for a county's own targets, from
:mod:`linli.appeals.queries.metrics`.

A year counts the appeals submitted (and the ratings given) from its first day up to the day it
is measured on, by the county's own appeal policy, as the appeal figures page counts them. One
query over the appeals and one over the ratings give each place's numerators and denominators;
each area adds up the places under it.
"""

from __future__ import annotations

import datetime as dt

from linli.appeals.queries.metrics.places import rates_by_place
from linli.core.models import Area

from ..values import as_of_for
from .common import Cells, day_bounds, finish, places_up, ratio, subtree

__all__ = ["KEYS", "measure"]

# Function key -> the rate of the appeal figures it reads.
KEYS = {
    "appeal_response_rate": "response",
    "appeal_resolution_rate": "resolution",
    "appeal_satisfaction_rate": "satisfaction",
}


def measure(root: Area, year: int, keys, targets, *, today=None, nodes=None) -> Cells:
    wanted = [key for key in KEYS if key in set(keys)]
    if not wanted:
        return {}
    nodes = subtree(root) if nodes is None else nodes
    start, end = day_bounds(dt.date(year, 1, 1), as_of_for(year, today))
    found = rates_by_place(root.prefix, start, end)
    cells: Cells = {node.code: {} for node in nodes}
    for key in wanted:
        rate = KEYS[key]
        parts = {place: rates[rate] for place, rates in found.items()}
        sums = places_up(root, nodes, parts)
        for node in nodes:
            numerator, denominator = sums.get(node.code, (0, 0))
            cells[node.code][key] = ratio(numerator, denominator, 100)
        finish(cells, key, targets.get(key), nodes)
    return cells
