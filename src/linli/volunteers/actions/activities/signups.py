"""Signing up for a shift, and cancelling.

A volunteer signs themselves up on their phone (their record must be active); an organiser —
staff with ``volunteer.manage`` over the community, or the leader of the activity's team — may
sign up a volunteer on their behalf (staff: a volunteer they read, or a member of the team;
a team leader: members of the team).

No more confirmed sign-ups than spots, whatever the load: :func:`signup_create` locks the
shift row, then counts the confirmed and attended sign-ups; below the spots the new sign-up is
confirmed, otherwise waitlisted and told its place. The volunteer's row is locked next, so two
sign-ups of one volunteer for overlapping shifts cannot both pass the overlap check. The form's
``client_key`` makes a double submit sign up once; the unique constraint
``vol_signup_one_live`` is the last guard (its refusal becomes a clear 409).

Refused: unpublished activities, shifts that have begun, a second live sign-up for the same
shift, a live sign-up overlapping another of the same volunteer, non-public activities of
another community (unless the volunteer is in the activity's team), paused or departed
volunteers.

Cancelling (the volunteer, or an organiser) is possible until the shift begins; a freed spot
goes to the first on the waiting list, who is told.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import audit, cleaning
from linli.core.cleaning import Errors, line, row_id
from linli.core.errors import Conflict, Forbidden, NotFound

from ...models import Activity, Membership, Shift, Signup, Volunteer
from ...queries._common import own_volunteer, volunteers_seen
from ...queries.activities import _common as rules
from . import _common as c

Status = Signup.Status
ALREADY = gettext_lazy("You are signed up for this shift already.")
REASON_MAX = 200


def _waitlist_place(signup: Signup) -> int:
    return (
        Signup.objects.filter(shift_id=signup.shift_id, status=Status.WAITLISTED)
        .filter(
            Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, pk__lte=signup.pk)
        )
        .count()
    )


def fill_spots(shift: Shift, activity: Activity) -> list[Signup]:
    """Confirm the first of the waiting list while the (locked) shift has free spots; each one
    confirmed is told. Returns them."""
    taken = c.signups_of(shift, *rules.TAKEN).count()
    free = shift.spots - taken
    if free <= 0:
        return []
    moved = list(
        c.signups_of(shift, Status.WAITLISTED)
        .select_related("volunteer__user")
        .order_by("created_at", "pk")[:free]
    )
    if not moved:
        return []
    Signup.objects.filter(pk__in=[s.pk for s in moved]).update(status=Status.CONFIRMED)
    for signup in moved:
        signup.status = Status.CONFIRMED
    c.tell(
        [s.volunteer for s in moved],
        kind="volunteer.signup.confirmed",
        text=lambda: (
            _("A spot opened: you are confirmed for %(title)s, %(when)s.")
            % {"title": activity.title, "when": c.when(shift)}
        ),
        target=activity,
    )
    return moved


# --- who is signed up ---------------------------------------------------------------------------


def _on_behalf(actor, activity: Activity, volunteer_id) -> Volunteer:
    """The volunteer an organiser signs up: staff, one they read or a team member; a team
    leader, a member of the team."""
    pk = row_id(volunteer_id)
    manager = rules.manages(actor, activity.area_code)
    if not manager and not rules.leads(actor, activity):
        raise Forbidden(_("Only the organisers of this activity can sign up someone else."))
    found = None
    if pk:
        members = Membership.objects.filter(
            team_id=activity.team_id, volunteer_id=pk, left_on__isnull=True
        )
        in_team = bool(activity.team_id) and members.exists()
        if in_team:
            found = Volunteer.objects.filter(pk=pk).select_related("user").first()
        elif manager:
            found = volunteers_seen(actor).filter(pk=pk).select_related("user").first()
    if found is None:
        raise NotFound(
            _("There is no such volunteer among those you may sign up."), field="volunteer_id"
        )
    return found


def _open_for(activity: Activity, shift: Shift, volunteer: Volunteer, *, actor, own: bool):
    """The rules a sign-up must pass before the shift is locked (and again after)."""
    if activity.status != Activity.Status.PUBLISHED:
        raise Conflict(_("This activity is not open for sign-up."), code="not_open")
    if shift.starts_at <= c.current_time():
        raise Conflict(_("This shift has begun: sign-up is closed."), code="begun")
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise Conflict(
            _("This volunteer record is not active: it cannot be signed up.")
            if not own
            else _("Your volunteer record is not active: ask your community to reactivate it."),
            code="inactive",
        )
    if own and not _may_see(actor, activity, volunteer):
        raise NotFound(_("There is no such activity, or it is not yours to see."))
    if not activity.public and volunteer.area_code[:12] != activity.area_code[:12]:
        in_team = (
            activity.team_id
            and Membership.objects.filter(
                team_id=activity.team_id, volunteer_id=volunteer.pk, left_on__isnull=True
            ).exists()
        )
        if not in_team:
            raise Forbidden(
                _("This activity is for the volunteers of its own community and team."),
                code="not_public",
            )


def _may_see(actor, activity: Activity, volunteer: Volunteer) -> bool:
    return Activity.objects.filter(rules.volunteer_q(actor, volunteer), pk=activity.pk).exists()


def _resend(volunteer: Volunteer, key) -> Signup | None:
    signup = Signup.objects.filter(volunteer_id=volunteer.pk, client_key=str(key)).first()
    if signup is not None:
        signup.written_now = False
        signup.place = _waitlist_place(signup) if signup.status == Status.WAITLISTED else None
    return signup


def signup_create(*, actor, shift_id, client_key, volunteer_id=None) -> Signup:
    """Sign the actor's own volunteer record (or, for an organiser, ``volunteer_id``) up for a
    shift: confirmed while spots are free, else waitlisted. The answer carries ``place`` (the
    place on the waiting list, or None) and ``written_now`` (False when the same
    ``client_key`` was sent before)."""
    errors = Errors()
    key = cleaning.client_key(errors, client_key)
    errors.raise_if_any(_("You were not signed up."))
    pk = row_id(shift_id)
    shift = Shift.objects.select_related("activity").filter(pk=pk).first() if pk else None
    if shift is None:
        raise NotFound(_("There is no such shift."))
    activity = shift.activity
    own = volunteer_id in (None, "")
    if own:
        volunteer = own_volunteer(actor)
        if volunteer is None:
            raise Forbidden(_("Register as a volunteer first, then sign up."), code="not_volunteer")
        if not _may_see(actor, activity, volunteer) and not rules.reads(actor, activity.area_code):
            raise NotFound(_("There is no such activity, or it is not yours to see."))
    else:
        if not (rules.reads(actor, activity.area_code) or rules.leads(actor, activity)):
            raise NotFound(_("There is no such activity, or it is not yours to see."))
        volunteer = _on_behalf(actor, activity, volunteer_id)
    sent = _resend(volunteer, key)
    if sent is not None:
        return sent
    _open_for(activity, shift, volunteer, actor=actor, own=own)
    try:
        with transaction.atomic():
            signup = _insert(actor, shift.pk, volunteer, key, own=own)
    except IntegrityError:
        # The same form at the same moment, or a live sign-up the checks did not see: the
        # constraint vol_signup_one_live refused the second.
        sent = _resend(volunteer, key)
        if sent is not None:
            return sent
        raise Conflict(ALREADY, code="already") from None
    return signup


def _insert(actor, shift_pk: int, volunteer: Volunteer, key, *, own: bool) -> Signup:
    shift = c.lock_shift(shift_pk)
    if shift is None:
        raise NotFound(_("There is no such shift."))
    activity = shift.activity
    _open_for(activity, shift, volunteer, actor=actor, own=own)
    held = c.signups_of(shift, *rules.HELD).filter(volunteer_id=volunteer.pk).first()
    if held is not None:
        if held.client_key == str(key):
            return _resend(volunteer, key)
        raise Conflict(
            ALREADY if own else _("This volunteer is signed up for this shift already."),
            code="already",
        )
    # One volunteer's sign-ups queue here, so the overlap check holds for any two shifts.
    list(Volunteer.objects.select_for_update().filter(pk=volunteer.pk).values_list("pk"))
    clash = (
        Signup.objects.filter(
            volunteer_id=volunteer.pk,
            status__in=rules.LIVE,
            shift__starts_at__lt=shift.ends_at,
            shift__ends_at__gt=shift.starts_at,
        )
        .exclude(shift_id=shift.pk)
        .select_related("shift__activity")
        .first()
    )
    if clash is not None:
        raise Conflict(
            _("Already signed up at that time: %(title)s, %(when)s.")
            % {"title": clash.shift.activity.title, "when": c.when(clash.shift)},
            code="overlap",
        )
    taken = c.signups_of(shift, *rules.TAKEN).count()
    moment = c.current_time()
    signup = Signup.objects.create(
        shift=shift,
        volunteer=volunteer,
        area_code=activity.area_code,
        status=Status.CONFIRMED if taken < shift.spots else Status.WAITLISTED,
        client_key=str(key),
        created_at=moment,
    )
    signup.place = _waitlist_place(signup) if signup.status == Status.WAITLISTED else None
    signup.written_now = True
    audit.record(
        actor,
        "signup.create",
        signup,
        extra={
            "shift": shift.pk,
            "activity": activity.pk,
            "volunteer": volunteer.pk,
            "status": signup.status,
            "on_behalf": not own,
        },
    )
    if not own:
        c.tell(
            [volunteer],
            kind="volunteer.signup.made",
            text=lambda: (
                (
                    _("You were signed up for %(title)s, %(when)s.")
                    if signup.status == Status.CONFIRMED
                    else _(
                        "You were put on the waiting list of %(title)s, %(when)s "
                        "(number %(place)d)."
                    )
                )
                % {"title": activity.title, "when": c.when(shift), "place": signup.place or 0}
            ),
            target=activity,
        )
    return signup


def signup_cancel(*, actor, signup_id, reason="") -> Signup:
    """Cancel a confirmed or waitlisted sign-up before its shift begins: the volunteer
    themselves, or an organiser (the volunteer is told). A confirmed spot goes to the first on
    the waiting list."""
    pk = row_id(signup_id)
    found = (
        Signup.objects.select_related("shift__activity", "volunteer").filter(pk=pk).first()
        if pk
        else None
    )
    if found is None:
        raise NotFound(_("There is no such sign-up, or it is not yours to see."))
    activity = found.shift.activity
    own = found.volunteer.user_id is not None and found.volunteer.user_id == getattr(
        actor, "pk", None
    )
    if not own:
        if not (rules.reads(actor, activity.area_code) or rules.leads(actor, activity)):
            raise NotFound(_("There is no such sign-up, or it is not yours to see."))
        c.require_organiser(actor, activity)
    errors = Errors()
    text = line(errors, "reason", reason, max_length=REASON_MAX, required=False)
    errors.raise_if_any(_("The sign-up was not cancelled."))
    with transaction.atomic():
        shift = c.lock_shift(found.shift_id)
        signup = (
            Signup.objects.select_for_update(of=("self",))
            .select_related("volunteer__user")
            .get(pk=found.pk)
        )
        if signup.status not in (Status.CONFIRMED, Status.WAITLISTED):
            raise Conflict(
                _("This sign-up is %(status)s: it cannot be cancelled.")
                % {"status": signup.get_status_display()},
                code="status",
            )
        if shift.starts_at <= c.current_time():
            raise Conflict(_("This shift has begun: the sign-up can no longer be cancelled."))
        was = signup.status
        signup.status = Status.CANCELLED
        signup.cancelled_at = c.current_time()
        signup.save(update_fields=["status", "cancelled_at"])
        audit.record(
            actor,
            "signup.cancel",
            signup,
            extra={"shift": shift.pk, "was": was, "by_volunteer": own},
        )
        if not own:
            c.tell(
                [signup.volunteer],
                kind="volunteer.signup.cancelled",
                text=lambda: (
                    _("Your sign-up for %(title)s, %(when)s, was cancelled by the organiser.")
                    % {"title": activity.title, "when": c.when(shift)}
                    + (f" {text}" if text else "")
                ),
                target=activity,
            )
        if was == Status.CONFIRMED:
            fill_spots(shift, shift.activity)
    return signup


__all__ = ["fill_spots", "signup_cancel", "signup_create"]
