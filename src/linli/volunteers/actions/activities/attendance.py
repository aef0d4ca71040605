"""Attendance on the day: the check-in QR code, the organiser's attendance sheet, walk-ins.

**QR code.** The organiser shows a big QR code of the shift (``/volunteers/checkin/<token>/``).
A signed-in volunteer who opens it sees what it is and checks in with one button, from 60
minutes before the start until the end: a confirmed sign-up (or a no-show mark) becomes
attended; a waitlisted one too when a spot is free; someone not signed up is taken as a walk-in
when a spot is free and the activity is open to them. After checking in, the same page checks
them out. The QR code only fills free spots; it does not check the volunteer's other sign-ups
(being here is what counts).

**Attendance sheet.** The organiser (a manager, or the team leader) marks each sign-up, or all
at once, attended or not come — from the check-in window until 7 days after the end, also
after the activity is finished. Marks are not changed once hours were recorded for the sign-up
(correct the service record instead). The organiser may take more people than spots on the
spot.

**Walk-ins.** The organiser adds a volunteer by volunteer number or mobile phone (found through
the phone's blind index, among the volunteers they read, or the team's members): their
sign-up (or a new walk-in one) is marked attended.

Attended means ``Signup.Status.ATTENDED`` with ``checked_in_at``.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.auth import PHONE_RE, normalize_phone
from linli.core.cleaning import Errors, row_id
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound

from ...models import Activity, ServiceRecord, Shift, Signup, Volunteer
from ...queries._common import own_volunteer
from ...queries.activities import _common as rules
from ...queries.activities import mine as q
from . import _common as c

Status = Signup.Status
MARKS = (Status.ATTENDED, Status.NO_SHOW)
MARKS_MAX = 1000
NUMBER_MAX = Volunteer._meta.get_field("number").max_length


def _shift_by_token(token) -> Shift:
    word = str(token or "").strip()[:64]
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("activity")
        .filter(token=word)
        .first()
        if word
        else None
    )
    if shift is None:
        raise NotFound(_("This check-in code is not valid."))
    return shift


def _window(shift: Shift, moment) -> None:
    if moment < shift.starts_at - rules.CHECKIN_EARLY:
        raise Conflict(
            _("Check-in opens %(minutes)d minutes before the start.")
            % {"minutes": int(rules.CHECKIN_EARLY.total_seconds() // 60)},
            code="too_early",
        )
    if moment > shift.ends_at:
        raise Conflict(_("This shift is over: check-in is closed."), code="over")


def _free(shift: Shift) -> int:
    return shift.spots - Signup.objects.filter(shift_id=shift.pk, status__in=rules.TAKEN).count()


def checkin_by_token(*, actor, token) -> Signup:
    """Check the actor's own volunteer record in for the shift of ``token`` (see the module
    text); checking in twice answers the same sign-up."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        raise Forbidden(_("Register as a volunteer first."), code="not_volunteer")
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise Conflict(_("Your volunteer record is not active."), code="inactive")
    try:
        with transaction.atomic():
            return _check_in(actor, token, volunteer)
    except IntegrityError:
        # Two taps at once from a walk-in: the constraint let one sign-up through.
        raise Conflict(_("You are checked in already."), code="already") from None


def _check_in(actor, token, volunteer: Volunteer) -> Signup:
    shift = _shift_by_token(token)
    activity = shift.activity
    if activity.status != Activity.Status.PUBLISHED:
        raise Conflict(_("This activity is not running."), code="not_open")
    moment = c.current_time()
    _window(shift, moment)
    signup = (
        Signup.objects.select_for_update()
        .filter(shift_id=shift.pk, volunteer_id=volunteer.pk, status__in=rules.HELD)
        .first()
    )
    if signup is not None and signup.status == Status.ATTENDED:
        return signup
    walk_in = signup is None
    if walk_in:
        visible = Activity.objects.filter(rules.volunteer_q(actor, volunteer), pk=activity.pk)
        if not visible.exists():
            raise Forbidden(
                _("This activity is for the volunteers of its own community and team."),
                code="not_public",
            )
    if (walk_in or signup.status == Status.WAITLISTED) and _free(shift) <= 0:
        raise Conflict(
            _("This shift is full. Ask the organiser, who may add you on the spot."), code="full"
        )
    if walk_in:
        signup = Signup.objects.create(
            shift=shift,
            volunteer=volunteer,
            area_code=activity.area_code,
            status=Status.ATTENDED,
            walk_in=True,
            checked_in_at=moment,
            created_at=moment,
        )
    else:
        signup.status = Status.ATTENDED
        signup.checked_in_at = moment
        signup.checked_out_at = None
        signup.save(update_fields=["status", "checked_in_at", "checked_out_at"])
    audit.record(
        actor,
        "signup.check_in",
        signup,
        extra={"shift": shift.pk, "walk_in": walk_in, "by": "qr"},
    )
    return signup


def checkout_by_token(*, actor, token) -> Signup:
    """Check the actor out of the shift of ``token`` after checking in (until the end of the
    shift; checking out twice answers the same sign-up)."""
    volunteer = own_volunteer(actor)
    if volunteer is None:
        raise Forbidden(_("Register as a volunteer first."), code="not_volunteer")
    with transaction.atomic():
        shift = _shift_by_token(token)
        signup = (
            Signup.objects.select_for_update()
            .filter(shift_id=shift.pk, volunteer_id=volunteer.pk, status=Status.ATTENDED)
            .first()
        )
        if signup is None or signup.checked_in_at is None:
            raise Conflict(_("Check in first."), code="not_checked_in")
        if signup.checked_out_at is not None:
            return signup
        moment = c.current_time()
        if moment > shift.ends_at + rules.CHECKIN_EARLY:
            raise Conflict(_("This shift is over: ask the organiser to record your time."))
        signup.checked_out_at = max(moment, signup.checked_in_at)
        signup.save(update_fields=["checked_out_at"])
        audit.record(actor, "signup.check_out", signup, extra={"shift": shift.pk, "by": "qr"})
    return signup


# --- the organiser's sheet ----------------------------------------------------------------------


def _organiser_shift(actor, shift_id) -> Shift:
    """The shift, locked, for an organiser of its activity, inside the sheet's time."""
    shift = c.lock_shift(shift_id)
    if shift is None or not (
        rules.reads(actor, shift.area_code) or rules.leads(actor, shift.activity)
    ):
        raise NotFound(_("There is no such shift, or it is not yours to see."))
    c.require_organiser(actor, shift.activity)
    if shift.activity.status not in (Activity.Status.PUBLISHED, Activity.Status.FINISHED):
        raise Conflict(_("Attendance is kept for published or finished activities only."))
    moment = c.current_time()
    if moment < shift.starts_at - rules.CHECKIN_EARLY:
        raise Conflict(
            _("Attendance opens %(minutes)d minutes before the start.")
            % {"minutes": int(rules.CHECKIN_EARLY.total_seconds() // 60)},
            code="too_early",
        )
    if moment > shift.ends_at + rules.ATTENDANCE_LATE:
        raise Conflict(
            _("This shift ended more than %(days)d days ago: attendance is closed.")
            % {"days": rules.ATTENDANCE_LATE.days},
            code="closed",
        )
    return shift


def _present_from(shift: Shift, moment):
    """When someone marked present is taken to have come: the start, or now if earlier."""
    return moment if moment < shift.starts_at else shift.starts_at


def _clean_marks(errors: Errors, marks) -> dict[int, tuple[str, int]]:
    """``[{"signup_id": 1, "status": "attended"}, …]`` (or ``{1: "attended"}``) → {id: (status,
    index of the mark)}."""
    if isinstance(marks, dict):
        marks = [{"signup_id": k, "status": v} for k, v in marks.items()]
    if not isinstance(marks, list | tuple) or not marks:
        errors.add("marks", _("Mark at least one volunteer."))
        return {}
    if len(marks) > MARKS_MAX:
        errors.add("marks", _("At most %(count)d marks at once.") % {"count": MARKS_MAX})
        return {}
    found: dict[int, tuple[str, int]] = {}
    for index, mark in enumerate(marks):
        item = mark if isinstance(mark, dict) else {}
        pk = row_id(item.get("signup_id"))
        status = str(item.get("status") or "")
        if pk is None:
            errors.add(f"marks.{index}.signup_id", _("Choose a sign-up."))
        if status not in MARKS:
            errors.add(f"marks.{index}.status", _("Mark attended or did not come."))
        if pk is not None and status in MARKS:
            found[pk] = (status, index)
    return found


def attendance_mark(*, actor, shift_id, marks) -> list[Signup]:
    """Mark sign-ups of a shift attended or not come (``marks``: a list of ``{signup_id,
    status}``); answers the sign-ups changed. Nothing is written when one mark is wrong."""
    errors = Errors()
    wanted = _clean_marks(errors, marks)
    errors.raise_if_any(_("The attendance was not saved."))
    with transaction.atomic():
        shift = _organiser_shift(actor, shift_id)
        moment = c.current_time()
        rows = {
            s.pk: s
            for s in Signup.objects.select_for_update().filter(
                shift_id=shift.pk, pk__in=list(wanted), status__in=rules.HELD
            )
        }
        recorded = set(
            ServiceRecord.objects.filter(signup_id__in=list(rows)).values_list(
                "signup_id", flat=True
            )
        )
        for pk, (status, index) in wanted.items():
            if pk not in rows:
                errors.add(
                    f"marks.{index}.signup_id",
                    _("This sign-up is not on this shift's list (or was cancelled)."),
                )
            elif pk in recorded and rows[pk].status != status:
                errors.add(
                    f"marks.{index}.signup_id",
                    _("Hours were recorded for this sign-up: correct the service record instead."),
                )
            elif status == Status.NO_SHOW and moment < shift.starts_at:
                errors.add(
                    f"marks.{index}.status", _("Someone is marked not come once the shift began.")
                )
        errors.raise_if_any(_("The attendance was not saved."))
        changed = []
        for pk, (status, _index) in wanted.items():
            signup = rows[pk]
            if signup.status == status:
                continue
            signup.status = status
            if status == Status.ATTENDED:
                signup.checked_in_at = signup.checked_in_at or _present_from(shift, moment)
            else:
                signup.checked_in_at = None
                signup.checked_out_at = None
            signup.save(update_fields=["status", "checked_in_at", "checked_out_at"])
            changed.append(signup)
        audit.record(
            actor,
            "attendance.mark",
            shift,
            extra={
                "activity": shift.activity_id,
                "attended": sum(1 for s in changed if s.status == Status.ATTENDED),
                "no_show": sum(1 for s in changed if s.status == Status.NO_SHOW),
            },
        )
    return changed


def walkin_add(*, actor, shift_id, number="", phone="") -> Signup:
    """Add a volunteer who came to the shift, found by volunteer ``number`` or mobile ``phone``,
    as attended (their sign-up, or a new walk-in one)."""
    errors = Errors()
    number = " ".join(str(number or "").split()).upper()[:NUMBER_MAX]
    phone = normalize_phone(str(phone or "").replace("\x00", ""))[:20]
    if not number and not phone:
        errors.add("number", _("Give the volunteer number or the mobile phone number."))
    elif not number and not PHONE_RE.match(phone):
        errors.add("phone", _("Enter an 11-digit mobile phone number."))
    errors.raise_if_any(_("Nobody was added."))
    try:
        with transaction.atomic():
            return _walk_in(actor, shift_id, number, phone)
    except IntegrityError:
        raise Conflict(_("This volunteer is on the list already."), code="already") from None


def _walk_in(actor, shift_id, number: str, phone: str) -> Signup:
    shift = _organiser_shift(actor, shift_id)
    activity = shift.activity
    volunteer = q.volunteer_for(actor=actor, activity=activity, number=number, phone=phone)
    if volunteer is None:
        raise ActionError(
            _("No volunteer with this number among those you may add."),
            field="number" if number else "phone",
            code="not_found",
        )
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise Conflict(_("This volunteer record is not active."), code="inactive")
    moment = c.current_time()
    signup = (
        Signup.objects.select_for_update()
        .filter(shift_id=shift.pk, volunteer_id=volunteer.pk, status__in=rules.HELD)
        .first()
    )
    if signup is not None and signup.status == Status.ATTENDED:
        raise Conflict(
            _("%(name)s is checked in already.") % {"name": volunteer.name}, code="already"
        )
    walk_in = signup is None
    if walk_in:
        signup = Signup.objects.create(
            shift=shift,
            volunteer=volunteer,
            area_code=activity.area_code,
            status=Status.ATTENDED,
            walk_in=True,
            checked_in_at=_present_from(shift, moment),
            created_at=moment,
        )
    else:
        signup.status = Status.ATTENDED
        signup.checked_in_at = _present_from(shift, moment)
        signup.save(update_fields=["status", "checked_in_at"])
    audit.record(
        actor,
        "signup.walk_in",
        signup,
        extra={"shift": shift.pk, "volunteer": volunteer.pk, "new": walk_in},
    )
    return signup


__all__ = ["attendance_mark", "checkin_by_token", "checkout_by_token", "walkin_add"]
