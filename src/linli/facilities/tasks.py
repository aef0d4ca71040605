"""Background jobs of facilities: thin wrappers around actions (arguments are ids only)."""

from __future__ import annotations

from django_tasks import task


@task()
def bookings_sweep() -> dict:
    """Decline booking requests nobody decided before they began (see
    ``actions.bookings_sweep``); ``linli sweep`` calls the action directly."""
    from .actions import bookings_sweep as sweep

    return sweep()
