"""Reading a plan's values: the board of an area, its child areas, the drill-down of one target,
the trend over the snapshots, the snapshots themselves.

Everything here reads the rows a recompute wrote (:class:`~linli.plans.models.Measurement`, one
per area and year) or a snapshot froze (:class:`~linli.plans.models.SnapshotValue`), plus the
plan's targets and indicators: a board is a handful of queries whatever the size of the tree, and
the children of an area are the rows whose ``parent_code`` is the area's. The status of each value
is worked out on reading (:func:`~linli.plans.queries.status.status_of`), so a changed target shows
at once without a recompute.

Scope: the actor sees the plan's areas within :func:`~linli.plans.queries.access.plan_prefixes`
(a town officer sees the county's plan measured over the town); anything else is "not found".

By family: :mod:`.years` (the years of a plan, the day and month a year is measured on),
:mod:`.board` (an area's board), :mod:`.drill` (the child areas, the drill-down of one target
and the records behind a value), :mod:`.trend` (the trend over the snapshots, the snapshot
list) and :mod:`.reported` (the reported values table, where a recompute stands).
"""

from ._common import *  # noqa: F403
from .board import *  # noqa: F403
from .drill import *  # noqa: F403
from .reported import *  # noqa: F403
from .trend import *  # noqa: F403
from .years import *  # noqa: F403
