"""What the appeal actions share: locking, moving between states, clocks, events, telling people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.errors import Conflict, Forbidden, NotFound
from linli.core.roles import Cap

from .. import queries
from ..models import (
    Appeal,
    Event,
    Policy,
    State,
    Unit,
    warn_from,
)

TEXT_MAX = 2000


def lock(actor, appeal_id: int) -> Appeal:
    """The appeal, locked for this transaction, if the actor may see it."""
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .filter(queries.visible_q(actor), pk=appeal_id)
        .select_related("category", "tier", "unit")
        .first()
    )
    if appeal is None:
        raise NotFound(_("There is no such appeal, or it is not yours to see."))
    return appeal


def policy_for(area_code: str) -> Policy:
    county = queries.county_code(area_code)
    policy = Policy.objects.filter(area_code=county).first()
    return policy or Policy(area_code=county)


def move(appeal: Appeal, to_state: str, now: dt.datetime) -> str:
    """Check that the move is legal and make it (the caller saves)."""
    if not appeal.can_move_to(to_state):
        raise Conflict(
            _("This appeal is %(state)s: it cannot be %(next)s now.")
            % {"state": State(appeal.state).label, "next": State(to_state).label},
            code="illegal-transition",
        )
    before = appeal.state
    appeal.state = to_state
    appeal.state_changed_at = now
    return before


def run_clock(appeal: Appeal, start: dt.datetime, due: dt.datetime | None) -> None:
    """Set the clock that runs now (``None`` stops it). A new deadline may be escalated anew."""
    if due is None:
        appeal.due_at = None
        appeal.warn_at = None
        return
    if appeal.due_at != due:
        appeal.escalation_level = 0
    appeal.due_at = due
    appeal.warn_at = warn_from(start, due)


def response_clock(appeal: Appeal, now: dt.datetime) -> dt.datetime:
    """A unit given the appeal gets the rest of the response time, or a full one if none is left."""
    fresh = appeal.tier.respond_due(now)
    return appeal.respond_due if appeal.respond_due > now else fresh


def event(
    appeal: Appeal,
    kind: str,
    *,
    actor=None,
    now: dt.datetime,
    unit: Unit | None = None,
    message: str = "",
    note: str = "",
    public: bool = True,
    from_state: str = "",
    to_state: str = "",
) -> Event:
    return Event.objects.create(
        appeal=appeal,
        at=now,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        unit=unit,
        public=public,
        message=(message or "")[:TEXT_MAX],
        note=(note or "")[:TEXT_MAX],
        from_state=from_state,
        to_state=to_state or appeal.state,
    )


def record(actor, action: str, appeal: Appeal, **extra) -> None:
    audit.record(
        actor,
        action,
        appeal,
        extra={"state": appeal.state, **{k: v for k, v in extra.items() if v is not None}},
    )


def clean_text(value, *, field: str, required: bool, max_length: int = TEXT_MAX) -> str:
    from linli.core.errors import ActionError

    text = (value or "").strip()
    if required and not text:
        raise ActionError(_("Please write something here."), field=field)
    if len(text) > max_length:
        raise ActionError(
            _("At most %(max)d characters, please.") % {"max": max_length}, field=field
        )
    return text


def require_act_for(actor, unit: Unit | None) -> None:
    if not queries.can_act_for(actor, unit):
        raise Forbidden(_("Only the unit handling this appeal can do this."))


def require_dispatch(actor, appeal: Appeal) -> None:
    scoping.require(actor, Cap.APPEAL_DISPATCH, appeal.area_code)


def is_dispatcher(actor, appeal: Appeal) -> bool:
    return scoping.has_cap(actor, Cap.APPEAL_DISPATCH, appeal.area_code)


def is_supervisor(actor, appeal: Appeal) -> bool:
    if scoping.has_cap(actor, Cap.APPEAL_SUPERVISE, appeal.area_code):
        return True
    return appeal.unit_id is not None and appeal.unit_id in queries.supervised_unit_ids(actor)


def appeal_url(appeal: Appeal, *, staff: bool = True) -> str:
    return reverse("appeals:detail" if staff else "appeals:my_detail", args=[appeal.pk])


def tell(
    users: Iterable, appeal: Appeal, kind: str, text: Callable[[], str], *, staff=True, sms=False
):
    core_actions.notify(
        users,
        kind=kind,
        text=text,
        url=appeal_url(appeal, staff=staff),
        target=appeal,
        by_sms=sms,
    )


def tell_resident(appeal: Appeal, kind: str, text: Callable[[], str], *, sms: bool = False):
    if appeal.submitter_id is None:
        return
    tell([appeal.submitter], appeal, kind, text, staff=False, sms=sms)


def tell_unit(appeal: Appeal, unit: Unit, kind: str, text: Callable[[], str]) -> None:
    tell(queries.unit_recipients(unit), appeal, kind, text)


def now() -> dt.datetime:
    return timezone.now()
