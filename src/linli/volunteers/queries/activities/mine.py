"""Reading what is one's own: a volunteer's sign-ups (to come, with their place on a waiting
list; and past), what a check-in code shows to the one who opened it; and for an organiser a
shift with its QR code and its attendance sheet."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.cleaning import row_id
from linli.core.errors import Forbidden, NotFound
from linli.core.pii import blind_index, mask_phone

from ...models import Activity, Membership, ServiceRecord, Shift, Signup, Volunteer
from .._common import own_volunteer, volunteers_seen
from . import _common as rules
from .activities import _with_place

SStatus = Signup.Status

__all__ = [
    "CheckinView",
    "attendance_sheet",
    "checkin_view",
    "my_signups",
    "organiser_shift",
    "volunteer_for",
]


def my_signups(*, actor, when: str = "upcoming") -> QuerySet[Signup]:
    """The actor's own sign-ups. ``upcoming``: live ones whose shift has not ended, soonest
    first, with ``place`` on a waiting list; ``past``: the others (over, cancelled, not come),
    latest first."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        return Signup.objects.none()
    moment = timezone.now()
    qs = Signup.objects.filter(volunteer_id=volunteer.pk).select_related(
        "shift", "shift__activity", "shift__activity__area"
    )
    coming = Q(status__in=rules.LIVE, shift__ends_at__gt=moment)
    if when == "past":
        return qs.exclude(coming).order_by("-shift__starts_at", "-pk")
    return _with_place(qs.filter(coming)).order_by("shift__starts_at", "pk")


# --- the check-in code --------------------------------------------------------------------------


@dataclass
class CheckinView:
    """What the check-in page shows: the shift, and what the reader can do now."""

    shift: Shift
    activity: Activity
    volunteer: Volunteer | None
    signup: Signup | None
    step: str  # "in", "out", "done" or "" (nothing to do: ``reason`` says why)
    reason: str
    spots_left: int


def checkin_view(*, actor, token) -> CheckinView:
    """The shift of a check-in code, for a signed-in reader who may see its activity (or is
    signed up for it), with the step they may take."""
    word = str(token or "").strip()[:64]
    shift = (
        Shift.objects.select_related("activity", "activity__area").filter(token=word).first()
        if word
        else None
    )
    if shift is None:
        raise NotFound(_("This check-in code is not valid."))
    activity = shift.activity
    volunteer = own_volunteer(actor)
    signup = None
    if volunteer is not None:
        signup = Signup.objects.filter(
            shift_id=shift.pk, volunteer_id=volunteer.pk, status__in=rules.HELD
        ).first()
    if (
        signup is None
        and not Activity.objects.filter(rules.visible_q(actor, volunteer), pk=activity.pk).exists()
    ):
        raise NotFound(_("This check-in code is not valid."))
    taken = Signup.objects.filter(shift_id=shift.pk, status__in=rules.TAKEN).count()
    spots_left = max(shift.spots - taken, 0)
    moment = timezone.now()
    step, reason = "", ""
    if volunteer is None:
        reason = _("Register as a volunteer first; then open this code again.")
    elif volunteer.status != Volunteer.Status.ACTIVE:
        reason = _("Your volunteer record is not active.")
    elif signup is not None and signup.status == SStatus.ATTENDED:
        if signup.checked_out_at is not None:
            step, reason = "done", _("You have checked in and out. Thank you!")
        elif moment <= shift.ends_at + rules.CHECKIN_EARLY:
            step = "out"
        else:
            reason = _("This shift is over.")
    elif activity.status != Activity.Status.PUBLISHED:
        reason = _("This activity is not running.")
    elif moment < shift.starts_at - rules.CHECKIN_EARLY:
        reason = _("Check-in opens %(minutes)d minutes before the start.") % {
            "minutes": int(rules.CHECKIN_EARLY.total_seconds() // 60)
        }
    elif moment > shift.ends_at:
        reason = _("This shift is over: check-in is closed.")
    elif (signup is None or signup.status == SStatus.WAITLISTED) and spots_left <= 0:
        reason = _("This shift is full. Ask the organiser, who may add you on the spot.")
    else:
        step = "in"
    return CheckinView(shift, activity, volunteer, signup, step, reason, spots_left)


def volunteer_for(*, actor, activity: Activity, number: str = "", phone: str = ""):
    """The volunteer an organiser of ``activity`` means by volunteer ``number`` or mobile
    ``phone`` (found by the phone's blind index): a member of the activity's team, or, for
    its managers, a volunteer they read. None when there is none."""
    if number:
        wanted = {"number": number}
    elif phone:
        wanted = {"phone_bidx": blind_index(phone, "phone")}
    else:
        return None
    found = None
    if activity.team_id:
        members = Membership.objects.filter(team_id=activity.team_id, left_on__isnull=True)
        found = Volunteer.objects.filter(pk__in=members.values("volunteer_id"), **wanted).first()
    if found is None and rules.manages(actor, activity.area_code):
        found = volunteers_seen(actor).filter(**wanted).first()
    return found


# --- the organiser's shift ----------------------------------------------------------------------


def organiser_shift(*, actor, shift_id) -> Shift:
    """A shift whose activity the actor organises (a manager, or the team's leader): for the
    QR page and the attendance sheet. Staff who only read it are refused."""
    pk = row_id(shift_id)
    shift = (
        Shift.objects.select_related("activity", "activity__area", "activity__team")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if shift is None:
        raise NotFound(_("There is no such shift, or it is not yours to see."))
    activity = shift.activity
    if not rules.organises(actor, activity):
        if rules.reads(actor, activity.area_code):
            raise Forbidden(_("Only the organisers of this activity can do this."))
        raise NotFound(_("There is no such shift, or it is not yours to see."))
    return shift


def attendance_sheet(*, actor, shift: Shift) -> list[Signup]:
    """The sign-ups of a shift an organiser keeps the attendance of (not the cancelled): the
    confirmed and attended first, then the waiting list, then those not come; each with
    ``recorded`` (hours were recorded for it) and ``phone_masked``. One query."""
    if not rules.organises(actor, shift.activity):
        raise NotFound(_("There is no such shift, or it is not yours to see."))
    rows = list(
        Signup.objects.filter(shift_id=shift.pk, status__in=rules.HELD)
        .select_related("volunteer")
        .annotate(recorded=Exists(ServiceRecord.objects.filter(signup=OuterRef("pk"))))
        .order_by("created_at", "pk")
    )
    order = {SStatus.ATTENDED: 0, SStatus.CONFIRMED: 0, SStatus.WAITLISTED: 1, SStatus.NO_SHOW: 2}
    rows.sort(key=lambda s: order[s.status])
    place = 0
    for signup in rows:
        signup.phone_masked = mask_phone(signup.volunteer.phone)
        if signup.status == SStatus.WAITLISTED:
            place += 1
            signup.place = place
        else:
            signup.place = None
    return rows
