"""Background jobs of notices and alerts: thin wrappers around actions (arguments are ids only)."""

from __future__ import annotations

from django_tasks import task


@task()
def fan_out(alert_id: int) -> dict:
    """Reach every resident of an alert's area (see ``actions.alert_fanout``)."""
    from .actions import alert_fanout

    return alert_fanout(alert_id=alert_id)


@task()
def alerts_sweep() -> dict:
    """End alerts whose time is up, finish lost fan-outs, tell grid workers whom to check."""
    from .actions import alerts_sweep as sweep

    return sweep()
