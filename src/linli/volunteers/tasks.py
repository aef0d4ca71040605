"""Background jobs of the volunteers app: thin wrappers around actions (arguments are ids only)."""

from __future__ import annotations

from django_tasks import task


@task()
def recompute_totals(user_id: int) -> dict:
    """Recompute the hours and star levels of the volunteers of the counties the account
    manages (see ``actions.records.totals_recompute_run``)."""
    from .actions.records import totals_recompute_run

    return totals_recompute_run(user_id=user_id)
