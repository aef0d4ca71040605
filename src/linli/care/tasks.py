"""Background jobs of care: thin wrappers around actions (arguments are ids only)."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_plans(run_id: int) -> str:
    """Make one month's visit plans for an area (see ``actions.care_plan_run``)."""
    from .actions import care_plan_run

    run = care_plan_run(run_id=run_id)
    return run.status if run is not None else "skipped"
