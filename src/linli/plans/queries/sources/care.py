"""The monthly visit rate of special-difficulty elderly people (特殊困难老年人月探访率), from
:mod:`linli.care.queries.rate`.

A year stands for the visit rate of its last complete month (December of a past year; last
month in the current year, or January itself in January). One grouped query counts the month's
elderly-care plans (the people on the roster for 特殊困难老年人 visits; not the disabled or
children, whom the county visits under other kinds) met and counted per place (community, or town for people recorded on it); each area adds up
the places under it — plans met ÷ plans counted, never an average of percentages.
"""

from __future__ import annotations

from linli.care.models import Policy
from linli.care.queries.rate import visit_rate_by_place
from linli.core.models import Area

from ..values import visit_month
from .common import Cells, finish, places_up, ratio, subtree

__all__ = ["KEY", "measure"]

KEY = "special_elderly_monthly_visit_rate"


def measure(root: Area, year: int, keys, targets, *, today=None, nodes=None) -> Cells:
    if KEY not in set(keys):
        return {}
    nodes = subtree(root) if nodes is None else nodes
    parts = visit_rate_by_place(root.prefix, visit_month(year, today), kind=Policy.Kind.ELDERLY)
    sums = places_up(root, nodes, parts)
    cells: Cells = {}
    for node in nodes:
        numerator, denominator = sums.get(node.code, (0, 0))
        cells[node.code] = {KEY: ratio(numerator, denominator, 100)}
    finish(cells, KEY, targets.get(KEY), nodes)
    return cells
