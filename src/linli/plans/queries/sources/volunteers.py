"""The coverage of volunteer teams led by party members (党员带头的志愿服务队伍覆盖率), from the
teams of :mod:`linli.volunteers`.

A year is measured as of its last day (today for the current year). A community counts 1 over 1
when on that day it had at least one team led by party members, formed on or before the day and
still active, and 0 over 1 otherwise. One grouped query finds the communities of the
jurisdiction with such a team; each area adds up the communities under it — communities covered
÷ communities, never an average of percentages.

A team records whether it is active, not since when: a team stood down counts in no year, the
past ones included.
"""

from __future__ import annotations

import datetime as dt

from linli.core.areacodes import Level
from linli.core.models import Area
from linli.volunteers.models import Team

from ..values import as_of_for
from .common import Cells, day_bounds, finish, places_up, ratio, subtree

__all__ = ["KEY", "covered_communities", "measure"]

KEY = "volunteer_team_coverage"
COMMUNITY_DIGITS = 12


def covered_communities(prefix: str, as_of: dt.date) -> set[str]:
    """The codes of the communities under ``prefix`` with an active team led by party members
    formed on or before ``as_of`` (one query)."""
    _start, end = day_bounds(as_of, as_of)
    codes = (
        Team.objects.filter(
            area_code__startswith=prefix, party_led=True, active=True, created_at__lt=end
        )
        .order_by()
        .values_list("area_code", flat=True)
        .distinct()
    )
    return {code[:COMMUNITY_DIGITS] for code in codes}


def measure(root: Area, year: int, keys, targets, *, today=None, nodes=None) -> Cells:
    if KEY not in set(keys):
        return {}
    nodes = subtree(root) if nodes is None else nodes
    covered = covered_communities(root.prefix, as_of_for(year, today))
    parts = {
        node.code: (int(node.code in covered), 1) for node in nodes if node.level == Level.COMMUNITY
    }
    sums = places_up(root, nodes, parts)
    cells: Cells = {}
    for node in nodes:
        numerator, denominator = sums.get(node.code, (0, 0))
        cells[node.code] = {KEY: ratio(numerator, denominator, 100)}
    finish(cells, KEY, targets.get(KEY), nodes)
    return cells
