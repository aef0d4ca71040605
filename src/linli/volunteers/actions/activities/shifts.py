"""The shifts of an activity (班次): add, change and remove them while the activity is a draft
or published, until each shift begins.

- A new or moved shift starts in the future and lasts at most 24 hours; it has 1 to 500 spots.
- **Fewer spots than confirmed volunteers**: the overflow moves to the waiting list — the
  most recently confirmed first, so they still stand ahead of those who signed up after them —
  and each is told their place. More spots confirm the first of the waiting list.
- **Removing a shift with live sign-ups is refused**: cancel those sign-ups (they are told),
  or cancel the activity. A changed time or place is sent to everyone signed up.
- The activity's ``starts_at``/``ends_at`` follow its shifts (:func:`span`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.cleaning import UNSET, Errors, line, row_id
from linli.core.errors import ActionError, Conflict, NotFound

from ...models import Activity, Shift, Signup
from ...queries.activities import _common as rules
from . import _common as c
from .signups import _waitlist_place, fill_spots

Status = Activity.Status
SStatus = Signup.Status
PLACE_MAX = Shift._meta.get_field("place").max_length
ROLE_MAX = Shift._meta.get_field("role").max_length
SPOTS_MAX = 500
SHIFTS_MAX = 50
SHIFT_LONGEST = dt.timedelta(hours=24)


def clean_shift(errors: Errors, data: dict, *, moment, prefix: str = "") -> dict:
    """One shift: ``starts_at``, ``ends_at``, ``place``, ``role``, ``spots``."""
    start = c.moment(errors, f"{prefix}starts_at", data.get("starts_at"))
    end = c.moment(errors, f"{prefix}ends_at", data.get("ends_at"))
    if start is not None and start <= moment:
        errors.add(f"{prefix}starts_at", _("A shift starts in the future."))
    if start is not None and end is not None:
        if end <= start:
            errors.add(f"{prefix}ends_at", _("The end must come after the start."))
        elif end - start > SHIFT_LONGEST:
            errors.add(f"{prefix}ends_at", _("A shift lasts at most 24 hours."))
    return {
        "starts_at": start,
        "ends_at": end,
        "place": line(
            errors, f"{prefix}place", data.get("place"), max_length=PLACE_MAX, required=False
        ),
        "role": line(
            errors, f"{prefix}role", data.get("role"), max_length=ROLE_MAX, required=False
        ),
        "spots": c.whole(errors, f"{prefix}spots", data.get("spots"), low=1, high=SPOTS_MAX),
    }


def span(activity: Activity) -> None:
    span = Shift.objects.filter(activity_id=activity.pk).aggregate(
        first=Min("starts_at"), last=Max("ends_at")
    )
    activity.starts_at, activity.ends_at = span["first"], span["last"]
    activity.save(update_fields=["starts_at", "ends_at"])


# --- shifts -------------------------------------------------------------------------------------


def _changeable(actor, activity_id) -> Activity:
    activity = c.lock_activity(actor, activity_id)
    c.require_manager(actor, activity)
    if activity.status not in (Status.DRAFT, Status.PUBLISHED):
        raise Conflict(
            _("The shifts of a finished or cancelled activity are not changed."), code="status"
        )
    return activity


def _shift_of(actor, shift_id) -> tuple[Activity, Shift]:
    pk = row_id(shift_id)
    activity_id = (
        Shift.objects.filter(pk=pk).values_list("activity_id", flat=True).first() if pk else None
    )
    if activity_id is None:
        raise NotFound(_("There is no such shift, or it is not yours to see."))
    activity = _changeable(actor, activity_id)
    shift = Shift.objects.select_for_update().get(pk=pk)
    if shift.starts_at <= c.current_time():
        raise Conflict(_("This shift has begun: it can no longer be changed."), code="begun")
    return activity, shift


def shift_add(*, actor, activity_id, starts_at, ends_at, spots, place="", role="") -> Shift:
    """Add a shift to a draft or published activity."""
    with transaction.atomic():
        activity = _changeable(actor, activity_id)
        errors = Errors()
        data = {"starts_at": starts_at, "ends_at": ends_at, "spots": spots}
        data.update(place=place, role=role)
        planned = clean_shift(errors, data, moment=c.current_time())
        if Shift.objects.filter(activity_id=activity.pk).count() >= SHIFTS_MAX:
            errors.add("shifts", _("At most %(count)d shifts.") % {"count": SHIFTS_MAX})
        errors.raise_if_any(_("The shift was not saved."))
        shift = Shift.objects.create(activity=activity, area_code=activity.area_code, **planned)
        span(activity)
        audit.record(actor, "shift.add", shift, extra={"activity": activity.pk})
    return shift


def _tell_moved(activity: Activity, shift: Shift, moved: list[Signup]) -> None:
    for signup in moved:
        place = _waitlist_place(signup)
        c.tell(
            [signup.volunteer],
            kind="volunteer.signup.waitlisted",
            text=lambda place=place: (
                _(
                    "%(title)s, %(when)s, has fewer spots now: you are number %(place)d on "
                    "the waiting list."
                )
                % {"title": activity.title, "when": c.when(shift), "place": place}
            ),
            target=activity,
        )


def shift_update(
    *, actor, shift_id, starts_at=UNSET, ends_at=UNSET, place=UNSET, role=UNSET, spots=UNSET
) -> Shift:
    """Change a shift that has not begun. Fewer spots than confirmed volunteers moves the
    overflow to the waiting list; more spots confirm the first waiting; a new time or place is
    sent to everyone signed up."""
    with transaction.atomic():
        activity, shift = _shift_of(actor, shift_id)
        given = {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "role": role,
            "spots": spots,
        }
        data = {k: (v if c.is_given(v) else getattr(shift, k)) for k, v in given.items()}
        errors = Errors()
        planned = clean_shift(errors, data, moment=c.current_time())
        attended = c.signups_of(shift, SStatus.ATTENDED).count()
        if planned["spots"] is not None and planned["spots"] < attended:
            errors.add(
                "spots",
                _("%(count)d volunteers have checked in already: keep at least that many spots.")
                % {"count": attended},
            )
        errors.raise_if_any(_("The shift was not saved."))
        moved_time = (planned["starts_at"], planned["ends_at"], planned["place"]) != (
            shift.starts_at,
            shift.ends_at,
            shift.place,
        )
        for name, value in planned.items():
            setattr(shift, name, value)
        shift.save()
        taken = c.signups_of(shift, SStatus.CONFIRMED, SStatus.ATTENDED).count()
        moved: list[Signup] = []
        if taken > shift.spots:
            moved = list(
                c.signups_of(shift, SStatus.CONFIRMED)
                .select_related("volunteer__user")
                .order_by("-created_at", "-pk")[: taken - shift.spots]
            )
            Signup.objects.filter(pk__in=[s.pk for s in moved]).update(status=SStatus.WAITLISTED)
            for signup in moved:
                signup.status = SStatus.WAITLISTED
            _tell_moved(activity, shift, moved)
        promoted = fill_spots(shift, activity)
        if moved_time:
            live = c.signups_of(shift, SStatus.CONFIRMED, SStatus.WAITLISTED).select_related(
                "volunteer__user"
            )
            where = shift.place or activity.place
            c.tell(
                [s.volunteer for s in live],
                kind="volunteer.shift.changed",
                text=lambda: (
                    _("%(title)s has changed: your shift is now %(when)s at %(place)s.")
                    % {"title": activity.title, "when": c.when(shift), "place": where}
                ),
                target=activity,
            )
        span(activity)
        audit.record(
            actor,
            "shift.update",
            shift,
            extra={
                "activity": activity.pk,
                "fields": sorted(k for k, v in given.items() if c.is_given(v)),
                "waitlisted": len(moved),
                "confirmed": len(promoted),
            },
        )
    shift.moved_count, shift.promoted_count = len(moved), len(promoted)
    return shift


def shift_remove(*, actor, shift_id) -> Activity:
    """Remove a shift that has not begun and has no live sign-up; an activity keeps one shift
    at least."""
    with transaction.atomic():
        activity, shift = _shift_of(actor, shift_id)
        live = c.signups_of(shift, *rules.LIVE).count()
        if live:
            raise Conflict(
                _(
                    "%(count)d volunteers are signed up for this shift: cancel their sign-ups "
                    "(they are told) or cancel the activity."
                )
                % {"count": live},
                code="signed_up",
            )
        if Shift.objects.filter(activity_id=activity.pk).count() <= 1:
            raise ActionError(_("An activity keeps one shift at least."), code="last_shift")
        pk = shift.pk
        shift.delete()
        span(activity)
        audit.record(
            actor,
            "shift.remove",
            target_type="volunteers.shift",
            target_id=pk,
            area_code=activity.area_code,
            extra={"activity": activity.pk},
        )
    return activity


__all__ = ["clean_shift", "shift_add", "shift_remove", "shift_update", "span"]
