"""Reading the county's recomputes of volunteers' totals: each request and each finished run
is an audit event of the requesting officer (``volunteer.totals_recompute`` and
``volunteer.totals_recomputed``, with counts and the time taken), which the recompute page
lists as its result. Only the officer's own events are read, and only these two kinds."""

from __future__ import annotations

from dataclasses import dataclass

from linli.core.models import AuditEvent

RUNS_SHOWN = 10
REQUESTED = "volunteer.totals_recompute"
DONE = "volunteer.totals_recomputed"


@dataclass
class Run:
    at: object
    done: bool
    volunteers: int
    ms: int | None


def recompute_runs(*, actor) -> list[Run]:
    """The actor's latest recompute requests and runs, newest first."""
    if not getattr(actor, "is_authenticated", False):
        return []
    rows = (
        AuditEvent.objects.filter(actor_id=actor.pk, action__in=(REQUESTED, DONE))
        .order_by("-at", "-id")
        .values_list("at", "action", "extra")[:RUNS_SHOWN]
    )
    return [
        Run(
            at=at,
            done=action == DONE,
            volunteers=int((extra or {}).get("volunteers") or 0),
            ms=(extra or {}).get("ms"),
        )
        for at, action, extra in rows
    ]


__all__ = ["DONE", "REQUESTED", "Run", "recompute_runs"]
