"""plans actions: measuring a plan (recompute), freezing its values (snapshots), and the values
areas report for the indicators no app counts yet.

- :func:`plan_recompute` queues a recompute of a plan's values for a year (``plan.manage`` over
  the plan's jurisdiction); the task worker runs :func:`recompute_run`, which computes every
  target for every area (:func:`~linli.plans.queries.engine.compute`) and replaces the year's
  :class:`~linli.plans.models.Measurement` rows in one transaction. A second request while one is
  queued or running gets that one back.
- :func:`plans_refresh` is the sweep's part: plans in force whose values are out of date
  (``LINLI_PLAN_STALE_MINUTES``) are recomputed.
- :func:`snapshot_take` copies a year's values into a :class:`~linli.plans.models.Snapshot`
  (read-only from then on); :func:`snapshot_remove` deletes one.
- :func:`reported_value_set` / :func:`reported_value_remove`: a reported value of an area and
  year with its source note and evidence file (``plan.report`` over the area);
  :func:`reported_evidence` hands out the evidence file (an audit event). A change queues a
  recompute of the plans in force that measure the indicator there.

Every write checks its permission, validates everything first and writes its audit event in the
same transaction.

By family: :mod:`.recompute` (the request, the run and the sweep's refresh), :mod:`.snapshots`
and :mod:`.reported` (the reported values and their evidence files).
"""

from ._common import *  # noqa: F403
from .recompute import *  # noqa: F403
from .reported import *  # noqa: F403
from .snapshots import *  # noqa: F403
