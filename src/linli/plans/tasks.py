"""Background jobs of plans: thin wrappers around actions (arguments are ids only)."""

from __future__ import annotations

from django_tasks import task


@task()
def recompute_plan(recompute_id: int) -> str:
    """Compute a plan's values for a year (see ``actions.measure.recompute_run``)."""
    from .actions.measure import recompute_run

    return recompute_run(recompute_id).status
