"""好差评 and 回访: the resident's rating, the rectification a bad one opens, and the callback
the unit's supervisor must record before the appeal can close again."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ActionError, Conflict, Forbidden

from .. import queries
from ..models import (
    BAD_RATING_BELOW,
    Appeal,
    Callback,
    Dispatch,
    Event,
    Rating,
    RatingLevel,
    Rectification,
    State,
    add_workdays,
    local_tz,
    workday_overrides,
)
from . import _common as c

RATEABLE = (State.RESOLVED, State.CONFIRMED, State.CLOSED)


def _level(value, field: str) -> int:
    try:
        level = int(value)
    except (TypeError, ValueError):
        level = 0
    if level not in RatingLevel.values:
        raise ActionError(_("Choose one of the five levels."), field=field)
    return level


def _rated_text(level: int, comment: str) -> str:
    """Stored in the site's language: a timeline is read by the resident and by staff alike."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        label = str(RatingLevel(level).label)
    return f"{label}: {comment}" if comment else label


def reopen(
    appeal: Appeal, *, actor, now, reason: str, rating: Rating | None
) -> Rectification | None:
    """Back to the unit that resolved it. A bad rating also opens a rectification due within the
    county's working days and makes a callback mandatory."""
    before = c.move(appeal, State.IN_PROGRESS, now)
    appeal.reopen_count += 1
    appeal.confirmed_at = None
    appeal.closed_at = None
    rect = None
    policy = c.policy_for(appeal.area_code)
    if rating is not None:
        day = timezone.localtime(now, local_tz()).date()
        due = add_workdays(
            now,
            policy.rectify_workdays,
            workday_overrides(day, day + dt.timedelta(days=policy.rectify_workdays * 3 + 31)),
        )
        rect = Rectification.objects.create(
            appeal=appeal,
            rating=rating,
            unit=appeal.unit,
            area_code=appeal.area_code,
            opened_at=now,
            due_at=due,
        )
        appeal.callback_due = True
        c.run_clock(appeal, now, due)
    else:
        c.run_clock(appeal, now, max(appeal.resolve_due, appeal.tier.resolve_due(now)))
    if appeal.unit is None:
        raise Conflict(_("This appeal has no unit to go back to."))
    if not Dispatch.objects.filter(appeal=appeal, live=True).exists():
        # A closed appeal's turn ended; the same unit takes it up again.
        Dispatch.objects.create(
            appeal=appeal,
            unit=appeal.unit,
            dispatched_at=now,
            accepted_by=appeal.accepted_by,
            accepted_at=now if appeal.accepted_by_id else None,
        )
    appeal.save()
    c.event(
        appeal,
        Event.Kind.REOPENED,
        actor=actor,
        now=now,
        unit=appeal.unit,
        note=reason,
        from_state=before,
    )
    number = appeal.number
    c.tell_unit(
        appeal,
        appeal.unit,
        "appeal.reopened",
        lambda: _("Appeal %(number)s was reopened by the resident.") % {"number": number},
    )
    if rating is not None:
        c.tell(
            queries.supervisor_recipients(appeal.unit, queries.supervising_code(appeal.unit)),
            appeal,
            "appeal.callback_due",
            lambda: (
                _("Bad rating on appeal %(number)s: rectify and call the resident back.")
                % {"number": number}
            ),
        )
    return rect


def appeal_rate(
    *,
    actor,
    appeal_id: int,
    level,
    efficiency=None,
    attitude=None,
    result=None,
    comment: str = "",
    on_behalf: bool = False,
) -> Rating:
    """The resident rates the round of handling (once a round). A supervisor may record a rating
    given by telephone (``on_behalf``). A bad rating reopens the appeal for rectification."""
    level = _level(level, "level")
    efficiency = _level(efficiency if efficiency not in (None, "") else level, "efficiency")
    attitude = _level(attitude if attitude not in (None, "") else level, "attitude")
    result = _level(result if result not in (None, "") else level, "result")
    comment = c.clean_text(
        comment, field="comment", required=level < BAD_RATING_BELOW, max_length=500
    )
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        mine = getattr(actor, "is_authenticated", False) and appeal.submitter_id == actor.pk
        if not mine and not (on_behalf and c.is_supervisor(actor, appeal)):
            raise Forbidden(_("Only the resident who submitted it can rate it."))
        if appeal.state not in RATEABLE:
            raise Conflict(_("An appeal is rated once it is resolved."), code="illegal-transition")
        now = c.now()
        if appeal.state == State.CLOSED and appeal.confirmed_at is not None:
            days = c.policy_for(appeal.area_code).rating_days
            if appeal.confirmed_at + dt.timedelta(days=days) < now:
                raise Conflict(
                    _("The time to rate this appeal ended %(days)d days after it was confirmed.")
                    % {"days": days},
                    code="rating-closed",
                )
        try:
            with transaction.atomic():
                rating = Rating.objects.create(
                    appeal=appeal,
                    round=appeal.reopen_count,
                    level=level,
                    efficiency=efficiency,
                    attitude=attitude,
                    result=result,
                    comment=comment,
                    unit=appeal.unit,
                    area_code=appeal.area_code,
                    by=actor if getattr(actor, "is_authenticated", False) else None,
                    at=now,
                )
        except IntegrityError:
            raise Conflict(
                _("This round of handling has already been rated."), code="rated"
            ) from None
        appeal.rating = level
        appeal.rated_at = now
        c.event(
            appeal,
            Event.Kind.RATED,
            actor=actor,
            now=now,
            unit=appeal.unit,
            message=_rated_text(level, comment),
            from_state=appeal.state,
        )
        if rating.is_bad:
            reopen(appeal, actor=actor, now=now, reason=comment, rating=rating)
        else:
            if appeal.state == State.RESOLVED:
                before = c.move(appeal, State.CONFIRMED, now)
                appeal.confirmed_at = now
                c.event(appeal, Event.Kind.CONFIRMED, actor=actor, now=now, from_state=before)
            appeal.save()
            if appeal.state == State.CONFIRMED and not appeal.callback_due:
                from .lifecycle import close

                close(appeal, actor=actor, now=now)
        c.record(actor, "appeal.rate", appeal, level=level, on_behalf=bool(on_behalf and not mine))
    return rating


def appeal_callback(*, actor, appeal_id: int, outcome: str, note: str) -> Callback:
    """回访: the supervisor records the call to the resident (mandatory after a bad rating)."""
    note = c.clean_text(note, field="note", required=True)
    if outcome not in Callback.Outcome.values:
        raise ActionError(_("Choose how the call went."), field="outcome")
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        if not c.is_supervisor(actor, appeal):
            raise Forbidden(_("Callbacks are recorded by the unit's supervisor."))
        now = c.now()
        rating = appeal.ratings.order_by("-round").first()
        callback = Callback.objects.create(
            appeal=appeal, rating=rating, by=actor, at=now, outcome=outcome, note=note
        )
        if outcome != Callback.Outcome.UNREACHABLE:
            appeal.callback_due = False
            appeal.save(update_fields=["callback_due"])
        c.event(
            appeal,
            Event.Kind.CALLBACK,
            actor=actor,
            now=now,
            public=False,
            note=f"{Callback.Outcome(outcome).label}: {note}",
            from_state=appeal.state,
        )
        c.record(actor, "appeal.callback", appeal, outcome=outcome)
    return callback
