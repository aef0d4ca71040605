"""督办 and the sweep. The sweep escalates overdue appeals, confirms resolved ones the resident
left unanswered, and closes confirmed ones whose rating time is over. It is safe to run on
several workers at once: each step claims its row with a conditional UPDATE, and a unique
constraint allows one supervision per appeal, level and deadline."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.errors import Conflict, Forbidden

from .. import queries
from ..models import Appeal, Event, Policy, State, Supervision
from . import _common as c
from .lifecycle import close

SWEEP_BATCH = 500


def _escalate(appeal: Appeal, *, level: int, reason: str, actor, now, note: str = "") -> bool:
    """Record one supervision and tell the supervising level. False if it already exists."""
    unit = appeal.unit or appeal.accountable_unit
    if unit is not None:
        code = queries.supervising_code(unit, level)
    else:
        code = queries.county_code(appeal.area_code) if level > 1 else appeal.area_code[:9] + "000"
    try:
        with transaction.atomic():
            Supervision.objects.create(
                appeal=appeal,
                level=level,
                reason=reason,
                supervising_code=code,
                unit=unit,
                due_at=appeal.due_at,
                by=actor if getattr(actor, "is_authenticated", False) else None,
                at=now,
                note=note,
            )
    except IntegrityError:
        return False
    c.event(
        appeal,
        Event.Kind.ESCALATED,
        actor=actor,
        now=now,
        unit=unit,
        public=True,
        note=note,
        from_state=appeal.state,
    )
    number, title = appeal.number, appeal.title
    recipients = queries.supervisor_recipients(unit, code)
    if unit is not None:
        recipients += queries.unit_recipients(unit)
    c.tell(
        recipients,
        appeal,
        "appeal.escalated",
        lambda: (
            _("Supervision: appeal %(number)s is overdue: %(title)s")
            % {"number": number, "title": title}
        ),
    )
    return True


def appeal_supervise(*, actor, appeal_id: int, note: str) -> Appeal:
    """A supervisor raises an open appeal by hand (督办), with what they expect."""
    note = c.clean_text(note, field="note", required=True)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        if not c.is_supervisor(actor, appeal):
            raise Forbidden(_("Only a supervisor can raise an appeal for supervision."))
        if appeal.state not in (
            State.SUBMITTED,
            State.DISPATCHED,
            State.ACCEPTED,
            State.IN_PROGRESS,
        ):
            raise Conflict(_("Only an open appeal can be supervised."), code="illegal-transition")
        now = c.now()
        level = appeal.escalation_level + 1
        Appeal.objects.filter(pk=appeal.pk).update(escalation_level=level, escalated_at=now)
        appeal.escalation_level, appeal.escalated_at = level, now
        _escalate(
            appeal, level=level, reason=Supervision.Reason.MANUAL, actor=actor, now=now, note=note
        )
        c.record(actor, "appeal.supervise", appeal, level=level)
    return appeal


def _policies() -> dict[str, Policy]:
    return {p.area_code: p for p in Policy.objects.all()}


def _shortest(policies: dict[str, Policy], field: str) -> int:
    default = Policy._meta.get_field(field).get_default()
    return min([getattr(p, field) for p in policies.values()] + [default])


def _policy(policies: dict[str, Policy], area_code: str) -> Policy:
    county = queries.county_code(area_code)
    return policies.get(county) or Policy(area_code=county)


def sweep_escalations(now: dt.datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Raise each overdue appeal once per deadline: level 1 when the clock runs out, level 2
    when it is still overdue the county's hours later."""
    policies = _policies()
    done = 0
    # Appeals at level 1 still inside every county's waiting time stay out of the batch, so a
    # day's worth of them cannot hold up appeals that have just run out.
    shortest = _shortest(policies, "escalate_again_hours")
    candidates = list(
        Appeal.objects.filter(due_at__lt=now)
        .filter(
            Q(escalation_level=0)
            | Q(escalation_level=1, due_at__lt=now - dt.timedelta(hours=shortest))
        )
        .order_by("due_at")
        .values_list("pk", "escalation_level", "due_at", "area_code")[:limit]
    )
    for pk, level, due, area_code in candidates:
        if level == 1:
            wait = dt.timedelta(hours=_policy(policies, area_code).escalate_again_hours)
            if due + wait > now:
                continue
        with transaction.atomic():
            # Claim the row: only one worker moves it from this level for this deadline.
            claimed = Appeal.objects.filter(pk=pk, escalation_level=level, due_at=due).update(
                escalation_level=F("escalation_level") + 1, escalated_at=now
            )
            if not claimed:
                continue
            appeal = Appeal.objects.select_related("unit", "accountable_unit", "tier").get(pk=pk)
            reason = (
                Supervision.Reason.RESPONSE_OVERDUE
                if appeal.state in (State.SUBMITTED, State.DISPATCHED)
                else Supervision.Reason.RESOLUTION_OVERDUE
            )
            if _escalate(appeal, level=level + 1, reason=reason, actor=scoping.SYSTEM, now=now):
                c.record(scoping.SYSTEM, "appeal.escalate", appeal, level=level + 1, reason=reason)
                done += 1
    return done


def sweep_confirmations(now: dt.datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Resolved appeals the resident has not answered within the county's days are confirmed."""
    policies = _policies()
    done = 0
    oldest = now - dt.timedelta(days=_shortest(policies, "auto_confirm_days"))
    rows = list(
        Appeal.objects.filter(state=State.RESOLVED, resolved_at__lt=oldest)
        .order_by("resolved_at")
        .values_list("pk", "resolved_at", "area_code")[:limit]
    )
    for pk, resolved_at, area_code in rows:
        days = _policy(policies, area_code).auto_confirm_days
        if resolved_at + dt.timedelta(days=days) > now:
            continue
        with transaction.atomic():
            claimed = Appeal.objects.filter(pk=pk, state=State.RESOLVED).update(
                state=State.CONFIRMED, state_changed_at=now, confirmed_at=now, auto_confirmed=True
            )
            if not claimed:
                continue
            appeal = Appeal.objects.get(pk=pk)
            c.event(
                appeal,
                Event.Kind.AUTO_CONFIRMED,
                now=now,
                from_state=State.RESOLVED,
            )
            c.record(scoping.SYSTEM, "appeal.auto_confirm", appeal)
            done += 1
    return done


def sweep_closings(now: dt.datetime, *, limit: int = SWEEP_BATCH) -> int:
    """Confirmed appeals close when the rating time is over (and no callback is due)."""
    policies = _policies()
    done = 0
    rows = list(
        Appeal.objects.filter(
            state=State.CONFIRMED,
            callback_due=False,
            confirmed_at__lt=now - dt.timedelta(days=_shortest(policies, "rating_days")),
        )
        .order_by("confirmed_at")
        .values_list("pk", "confirmed_at", "area_code")[:limit]
    )
    for pk, confirmed_at, area_code in rows:
        if confirmed_at + dt.timedelta(days=_policy(policies, area_code).rating_days) > now:
            continue
        with transaction.atomic():
            appeal = (
                Appeal.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, state=State.CONFIRMED)
                .first()
            )
            if appeal is None:
                continue
            close(appeal, actor=scoping.SYSTEM, now=now)
            c.record(scoping.SYSTEM, "appeal.auto_close", appeal)
            done += 1
    return done


def appeals_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass of the background sweep (run every few minutes by ``linli worker``)."""
    now = now or c.now()
    return {
        "escalated": sweep_escalations(now),
        "confirmed": sweep_confirmations(now),
        "closed": sweep_closings(now),
    }
