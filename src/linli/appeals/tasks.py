"""Background jobs of the appeals app: thin wrappers around actions (arguments are ids only)."""

from __future__ import annotations

from django_tasks import task


@task()
def sweep() -> dict:
    """Escalate overdue appeals, auto-confirm and auto-close (see ``actions.appeals_sweep``)."""
    from .actions import appeals_sweep

    return appeals_sweep()
