"""Care actions: recording a visit at the door, the needs it found, a need turned into an appeal
in one tap, and the health and living notes of a care archive.

What counts towards the monthly plan: a visit counts when the worker reached the person or
someone with them (``saw`` is not ``nobody``), whatever the mode. A visit where nobody was home
(or nobody answered the phone or the video call) is recorded as an attempt: it stays in the
archive, but it is not a visit of the plan (``Visit.plan`` stays empty and ``Plan.done`` is not
raised).

A form sent twice records one visit: ``client_key`` is the form's own id, unique per worker, and
a second sending (a retry on a bad connection, a double tap, a race of two requests) answers
with the visit already recorded.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError, Conflict, Forbidden
from linli.core.roles import Cap

from ..models import Need, Plan, Subject, Visit, VisitPhoto, month_start
from ..photos import PHOTO_MAX_COUNT, clean_photos, save_visit_photos
from ..queries import visits as queries

__all__ = [
    "need_add",
    "need_met",
    "need_to_appeal",
    "subject_notes_reveal",
    "subject_notes_update",
    "visit_counts",
    "visit_photo_add",
    "visit_record",
]

NOTES_MAX = 2000
NEEDS_MAX = 10
NEED_TEXT_MAX = Need._meta.get_field("description").max_length
FUTURE_SLACK = dt.timedelta(minutes=10)
PAST_LIMIT = dt.timedelta(days=60)

# The county's built-in appeal categories (appeals/defaults.py) a need goes to by default; the
# first of each list that the county offers wins, "other" last of all.
NEED_CATEGORIES = {
    Need.Kind.HEALTH: ("health",),
    Need.Kind.DAILY_CARE: ("elderly", "assistance"),
    Need.Kind.MEALS: ("elderly", "assistance"),
    Need.Kind.HOUSING: ("property", "property.leak"),
    Need.Kind.FINANCE: ("assistance",),
    Need.Kind.COMPANY: ("elderly", "assistance"),
    Need.Kind.LEGAL: ("policy",),
    Need.Kind.OTHER: (),
}
# For children and people with disabilities the elderly-care category is not the right desk.
NOT_ELDERLY = {"elderly": "assistance"}


# --- checking input ----------------------------------------------------------------------------


def _user(actor) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Please log in to record care visits."))


def _subject(actor, subject_id, cap: str) -> Subject:
    """The person, if the actor sees them (else NotFound) and holds ``cap`` there (else
    Forbidden)."""
    subject = queries.subject_visible(actor=actor, subject_id=subject_id)
    scoping.require(actor, cap, subject.area_code)
    return subject


def _text(value, *, field: str, max_length: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ActionError(_("Text cannot contain NUL characters."), field=field)
    if required and not text:
        raise ActionError(_("Please write something here."), field=field)
    if len(text) > max_length:
        raise ActionError(
            _("At most %(max)d characters, please.") % {"max": max_length}, field=field
        )
    return text


def _client_key(value) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        raise ActionError(
            _("This form has lost its key: open the visit form again."), field="client_key"
        ) from None


def _visited_at(value, now: dt.datetime) -> dt.datetime:
    when = value
    if isinstance(when, str):
        try:
            when = dt.datetime.fromisoformat(when.strip())
        except ValueError:
            when = None
    if not isinstance(when, dt.datetime):
        raise ActionError(_("Enter the date and time of the visit."), field="visited_at")
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + FUTURE_SLACK:
        raise ActionError(_("The visit cannot be in the future."), field="visited_at")
    if when < now - PAST_LIMIT:
        raise ActionError(
            _("Visits older than %(days)d days can no longer be recorded.")
            % {"days": PAST_LIMIT.days},
            field="visited_at",
        )
    return when


def _checks(value) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise ActionError(_("Give the checklist as item: answer pairs."), field="checks")
    found: dict[str, str] = {}
    for key, answer in value.items():
        if key not in Visit.CHECKS:
            raise ActionError(
                _("There is no checklist item %(item)s.") % {"item": str(key)[:40]},
                field="checks",
            )
        if answer not in Visit.Check.values:
            raise ActionError(
                _("Answer each item with fine, a concern or not checked."), field=f"checks.{key}"
            )
        found[key] = answer
    return {key: found[key] for key in Visit.CHECKS if key in found}


def _need(item, prefix: str = "") -> dict:
    """One need: ``prefix`` names its fields in errors (``needs.0.`` for a visit's first)."""
    if not isinstance(item, dict):
        raise ActionError(
            _("Give each need as its kind, description and urgency."),
            field=prefix.rstrip(".") or "needs",
        )
    kind = item.get("kind")
    if kind not in Need.Kind.values:
        raise ActionError(_("Choose what kind of need it is."), field=f"{prefix}kind")
    description = _text(
        item.get("description"),
        field=f"{prefix}description",
        max_length=NEED_TEXT_MAX,
        required=True,
    )
    urgency = item.get("urgency") or Need.Urgency.NORMAL
    if urgency not in Need.Urgency.values:
        raise ActionError(_("Urgency is normal or urgent."), field=f"{prefix}urgency")
    return {"kind": kind, "description": description, "urgency": urgency}


def _needs(value) -> list[dict]:
    items = list(value or ())
    if len(items) > NEEDS_MAX:
        raise ActionError(
            _("At most %(count)d needs a visit, please.") % {"count": NEEDS_MAX}, field="needs"
        )
    return [_need(item, f"needs.{index}.") for index, item in enumerate(items)]


def _date(value, *, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ActionError(_("Enter a date like 2026-11-22."), field=field) from None


def visit_counts(mode: str, saw: str) -> bool:
    """Does a visit made this way count towards the plan? Only when someone was reached."""
    return saw != Visit.Saw.NOBODY


# --- recording a visit -------------------------------------------------------------------------


def _replayed(visit: Visit, subject: Subject) -> Visit:
    if visit.subject_id != subject.pk:
        raise Conflict(
            _("This form was already used for a visit to someone else: open a new form."),
            field="client_key",
            code="client-key-used",
        )
    visit.replayed = True
    return visit


def visit_record(
    *,
    actor,
    subject_id,
    visited_at,
    mode,
    saw,
    checks,
    notes="",
    needs=(),
    photos=(),
    client_key,
    now: dt.datetime | None = None,
) -> Visit:
    """Record a care visit (探访) made by ``actor`` (``care.visit`` over the person's area).

    Everything is checked first; the visit, its plan's count, the needs found, the photos and
    the audit row are one transaction. The visit counts towards the plan of its month when
    someone was reached (:func:`visit_counts`); a person without a plan that month still gets
    the visit in their archive. A ``client_key`` the actor already used answers with that visit,
    unchanged (``visit.replayed`` is then true)."""
    _user(actor)
    now = now or timezone.now()
    key = _client_key(client_key)
    subject = _subject(actor, subject_id, Cap.CARE_VISIT)
    when = _visited_at(visited_at, now)
    if mode not in Visit.Mode.values:
        raise ActionError(_("Choose how the visit was made."), field="mode")
    if saw not in Visit.Saw.values:
        raise ActionError(_("Choose whom you saw."), field="saw")
    found_checks = _checks(checks)
    notes = _text(notes, field="notes", max_length=NOTES_MAX)
    found_needs = _needs(needs)
    day = timezone.localdate(when)
    if subject.ended_on is not None and day > subject.ended_on:
        raise ActionError(
            _("This person left the care roster on %(date)s: a later visit cannot be recorded.")
            % {"date": subject.ended_on.isoformat()},
            field="visited_at",
        )
    earlier = Visit.objects.filter(worker_id=actor.pk, client_key=key).first()
    if earlier is not None:
        return _replayed(earlier, subject)
    cleaned_photos = clean_photos(photos)

    counted = visit_counts(mode, saw)
    plan_id = None
    if counted:
        plan_id = (
            Plan.objects.filter(subject_id=subject.pk, month=month_start(day))
            .values_list("pk", flat=True)
            .first()
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                visit = Visit.objects.create(
                    subject=subject,
                    plan_id=plan_id,
                    resident_id=subject.resident_id,
                    area_code=subject.area_code,
                    worker=actor,
                    visited_at=when,
                    mode=mode,
                    saw=saw,
                    checks=found_checks,
                    concerns=sum(1 for v in found_checks.values() if v == Visit.Check.CONCERN),
                    notes=notes or None,
                    client_key=key,
                    created_at=now,
                )
        except IntegrityError:
            # The same form arrived twice at once: the other request recorded it.
            earlier = Visit.objects.filter(worker_id=actor.pk, client_key=key).first()
            if earlier is None:
                raise
            return _replayed(earlier, subject)
        if plan_id is not None:
            Plan.objects.filter(pk=plan_id).update(
                done=F("done") + 1,
                last_visit_at=Case(
                    When(
                        Q(last_visit_at__isnull=True) | Q(last_visit_at__lt=when), then=Value(when)
                    ),
                    default=F("last_visit_at"),
                ),
                status=Case(
                    When(status=Plan.Status.DROPPED, then=Value(Plan.Status.DROPPED)),
                    When(done__gte=F("required") - 1, then=Value(Plan.Status.DONE)),
                    default=F("status"),
                ),
            )
        rows = Need.objects.bulk_create(
            Need(
                visit=visit,
                subject=subject,
                resident_id=subject.resident_id,
                area_code=subject.area_code,
                created_by=actor,
                created_at=now,
                **item,
            )
            for item in found_needs
        )
        save_visit_photos(visit, cleaned_photos)
        audit.record(
            actor,
            "care.visit.record",
            visit,
            extra={
                "subject": subject.pk,
                "plan": plan_id,
                "counted": counted,
                "mode": mode,
                "concerns": visit.concerns,
                "needs": [row.pk for row in rows if row.pk is not None],
                "photos": len(cleaned_photos),
            },
        )
    visit.replayed = False
    return visit


def visit_photo_add(*, actor, visit_id, photos) -> list[VisitPhoto]:
    """Add photos to one's own visit (up to six a visit in all): photos need a connection, so
    a visit saved on a bad one gets them afterwards."""
    _user(actor)
    visit = queries.visit_get(actor=actor, visit_id=visit_id)
    scoping.require(actor, Cap.CARE_VISIT, visit.area_code)
    if visit.worker_id != actor.pk:
        raise Forbidden(_("Only the worker who made the visit adds its photos."))
    cleaned = clean_photos(photos)
    if not cleaned:
        raise ActionError(_("Choose at least one photo."), field="photos")
    with transaction.atomic():
        Visit.objects.select_for_update().filter(pk=visit.pk).first()
        held = VisitPhoto.objects.filter(visit_id=visit.pk).count()
        if held + len(cleaned) > PHOTO_MAX_COUNT:
            raise ActionError(
                _("A visit keeps at most %(count)d photos; it has %(held)d.")
                % {"count": PHOTO_MAX_COUNT, "held": held},
                field="photos",
            )
        rows = save_visit_photos(visit, cleaned)
        audit.record(
            actor,
            "care.visit.photos",
            visit,
            extra={"subject": visit.subject_id, "photos": [row.pk for row in rows]},
        )
    return rows


# --- needs -------------------------------------------------------------------------------------


def need_add(*, actor, subject_id, kind, description, urgency="normal", visit_id=None) -> Need:
    """Record a need found for a person (on a visit of theirs, when ``visit_id`` is given)."""
    _user(actor)
    subject = _subject(actor, subject_id, Cap.CARE_VISIT)
    item = _need({"kind": kind, "description": description, "urgency": urgency})
    visit = None
    if visit_id not in (None, ""):
        try:
            pk = int(visit_id)
        except (TypeError, ValueError):
            pk = 0
        visit = Visit.objects.filter(pk=pk, subject_id=subject.pk).only("pk").first()
        if visit is None:
            raise ActionError(_("Choose a visit to this person."), field="visit_id")
    if subject.ended_on is not None:
        raise Conflict(
            _("This person has left the care roster: new needs are not recorded."),
            code="subject-ended",
        )
    with transaction.atomic():
        need = Need.objects.create(
            visit=visit,
            subject=subject,
            resident_id=subject.resident_id,
            area_code=subject.area_code,
            created_by=actor,
            **item,
        )
        audit.record(
            actor,
            "care.need.add",
            need,
            extra={"subject": subject.pk, "visit": visit.pk if visit else None, "kind": need.kind},
        )
    return need


def need_met(*, actor, need_id, met_on=None) -> Need:
    """Say that a need has been met (on ``met_on``, today if not given)."""
    _user(actor)
    need = queries.need_get(actor=actor, need_id=need_id)
    scoping.require(actor, Cap.CARE_VISIT, need.area_code)
    day = _date(met_on, field="met_on") or timezone.localdate()
    if day > timezone.localdate():
        raise ActionError(_("The date cannot be in the future."), field="met_on")
    if day < timezone.localdate(need.created_at):
        raise ActionError(_("The need cannot be met before it was found."), field="met_on")
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.met_on is not None:
            raise Conflict(_("This need is already met."), code="need-met")
        Need.objects.filter(pk=need.pk).update(met_on=day)
        need.met_on = day
        audit.record(actor, "care.need.met", need, extra={"subject": need.subject_id})
    return need


def _default_category(need: Need, county: str):
    from linli.appeals.models import Category

    keys = list(NEED_CATEGORIES.get(need.kind, ()))
    if need.subject.kind != "elderly":
        keys = [NOT_ELDERLY.get(key, key) for key in keys]
    keys.append("other")
    found = {
        row.key: row.pk
        for row in Category.objects.filter(area_code=county, key__in=keys, active=True).only(
            "pk", "key"
        )
    }
    for key in keys:
        if key in found:
            return found[key]
    raise ActionError(
        _("The county offers no appeal category for this yet: choose one."), field="category"
    )


def need_to_appeal(*, actor, need_id, category_id=None):
    """Turn a need into an appeal (接诉即办) in one step: taken in through the care-visit
    channel for the person, in their area, described from the need, and linked to it. The
    category is the one given, or the county's usual one for the kind of need."""
    from linli.appeals import queries as appeal_queries
    from linli.appeals.actions import appeal_submit
    from linli.appeals.actions.intake import clean_phone
    from linli.appeals.models import Channel

    _user(actor)
    need = queries.need_get(actor=actor, need_id=need_id)
    scoping.require(actor, Cap.CARE_VISIT, need.area_code)
    scoping.require(actor, Cap.APPEAL_INTAKE, need.area_code)
    if need.appeal_id is not None:
        raise Conflict(
            _("This need is already an appeal (%(number)s).") % {"number": need.appeal.number},
            code="need-has-appeal",
        )
    if need.met_on is not None:
        raise Conflict(_("This need is already met."), code="need-met")
    if category_id in (None, ""):
        category_id = _default_category(need, appeal_queries.county_code(need.area_code))
    kind = str(Need.Kind(need.kind).label)
    description = _("Found on a care visit (%(kind)s): %(text)s") % {
        "kind": kind,
        "text": need.description,
    }
    resident = need.resident
    household = getattr(resident, "household", None)
    try:  # the unit calls the person back on the number the registry holds, if it is usable
        phone = clean_phone(resident.phone or "")
    except ActionError:
        phone = ""
    with transaction.atomic():
        locked = Need.objects.select_for_update().get(pk=need.pk)
        if locked.appeal_id is not None:
            raise Conflict(_("This need is already an appeal."), code="need-has-appeal")
        appeal = appeal_submit(
            actor=actor,
            channel=Channel.CARE_VISIT,
            category_id=category_id,
            area_code=need.area_code,
            title=(_("Care visit: %(kind)s") % {"kind": kind})[:60],
            description=description[:2000],
            address=household.address if household is not None else "",
            resident_id=need.resident_id,
            contact_phone=phone,
        )
        Need.objects.filter(pk=need.pk).update(appeal=appeal)
        need.appeal = appeal
        audit.record(
            actor,
            "care.need.appeal",
            need,
            extra={
                "subject": need.subject_id,
                "appeal": appeal.pk,
                "category": appeal.category_id,
            },
        )
    return appeal


# --- the notes of an archive -------------------------------------------------------------------


def subject_notes_reveal(*, actor, subject_id) -> dict:
    """The health and living notes of a person's care archive, for ``care.notes`` over their
    area; every reading is written to the audit trail."""
    _user(actor)
    subject = _subject(actor, subject_id, Cap.CARE_NOTES)
    by = subject.notes_updated_by
    with transaction.atomic():
        audit.record(actor, "care.notes.reveal", subject, extra={"resident": subject.resident_id})
    return {
        "health_notes": subject.health_notes or "",
        "living_notes": subject.living_notes or "",
        "updated_at": subject.notes_updated_at,
        "updated_by": (by.full_name or by.username) if by is not None else "",
    }


def subject_notes_update(*, actor, subject_id, health_notes, living_notes) -> Subject:
    """Write the health and living notes of a person's care archive (``care.notes``); empty
    text clears a note."""
    _user(actor)
    subject = _subject(actor, subject_id, Cap.CARE_NOTES)
    health = _text(health_notes, field="health_notes", max_length=NOTES_MAX)
    living = _text(living_notes, field="living_notes", max_length=NOTES_MAX)
    changed = {
        "health": health != (subject.health_notes or ""),
        "living": living != (subject.living_notes or ""),
    }
    with transaction.atomic():
        subject.health_notes = health or None
        subject.living_notes = living or None
        subject.notes_updated_at = timezone.now()
        subject.notes_updated_by = actor
        subject.save(
            update_fields=["health_notes", "living_notes", "notes_updated_at", "notes_updated_by"]
        )
        audit.record(
            actor,
            "care.notes.update",
            subject,
            extra={"resident": subject.resident_id, **changed},
        )
    return subject
