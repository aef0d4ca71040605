"""What the writes of a plan's values share: the signed-in user of a write, the plan the actor
manages (and measures), the request of a recompute (one at a time for a plan and year, those
lost long ago marked failed) and its queueing, and the reading of a short text and of an id."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap

from ...models import Plan, Recompute
from ...queries.access import plan_for

__all__ = ["ABANDONED_AFTER"]

RUNNING = (Recompute.Status.QUEUED, Recompute.Status.RUNNING)
# A recompute queued or running this long is taken as lost (a worker stopped): a new request
# starts another instead of waiting for it.
ABANDONED_AFTER = dt.timedelta(minutes=30)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _managed_plan(actor, plan_id) -> Plan:
    """The plan when the actor may manage it: not found when they cannot see it, refused when
    they see it without ``plan.manage`` over its whole jurisdiction."""
    plan = plan_for(actor, plan_id)
    scoping.require(actor, Cap.PLAN_MANAGE, plan.area_code)
    return plan


def _measured_plan(actor, plan_id) -> Plan:
    plan = _managed_plan(actor, plan_id)
    if plan.is_template:
        raise ActionError(
            _("A template is not measured: adopt it for a jurisdiction first."), field="plan"
        )
    return plan


def _busy(plan: Plan, year: int, now: dt.datetime) -> Recompute | None:
    """The recompute of this plan and year that is queued or running, if any; those lost long
    ago are marked failed on the way."""
    found = None
    for run in Recompute.objects.filter(plan=plan, year=year, status__in=RUNNING).order_by(
        "-requested_at", "-id"
    ):
        since = run.started_at or run.requested_at
        if since < now - ABANDONED_AFTER:
            Recompute.objects.filter(pk=run.pk, status=run.status).update(
                status=Recompute.Status.FAILED,
                finished_at=now,
                error=_("Stopped without finishing (the task worker was probably stopped)."),
            )
        elif found is None:
            found = run
    return found


def _queue(run: Recompute) -> None:
    from ...tasks import recompute_plan

    transaction.on_commit(lambda: recompute_plan.enqueue(run.pk))


def _request(actor, plan: Plan, year: int, now: dt.datetime) -> tuple[Recompute, bool]:
    """The recompute to wait for, and whether it is a new one (inside a transaction)."""
    Plan.objects.select_for_update().filter(pk=plan.pk).first()
    busy = _busy(plan, year, now)
    if busy is not None:
        return busy, False
    run = Recompute.objects.create(
        plan=plan, year=year, requested_by=_user(actor), requested_at=now
    )
    audit.record(
        actor,
        "plans.recompute.request",
        run,
        area_code=plan.area_code,
        extra={"plan": plan.pk, "year": year},
    )
    return run, True


def _text(value, limit: int, *, field: str, required: bool, message: str) -> str:
    text = " ".join(str(value or "").replace("\x00", "").split())
    if (required and not text) or len(text) > limit:
        raise ActionError(message, field=field)
    return text


def _pk(value) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0
