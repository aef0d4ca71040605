"""workforce actions: training of community workers — training rules, courses, sessions and
attendance.

``training.manage`` is needed for every write: over the area (a county or above) for a rule,
over the course's area (a prefecture, county or town) for a course and its sessions, and over
each worker's community for their attendance. Everything is checked before anything is written;
each action is one transaction with its audit event (ids, codes and counts only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core import cleaning as c
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Attendance, Course, Session, TrainingRule, Worker
from ..queries import training as queries

TITLE_MAX = Course._meta.get_field("title").max_length
ORGANISER_MAX = Course._meta.get_field("organiser").max_length
DESCRIPTION_MAX = Course._meta.get_field("description").max_length
PLACE_MAX = Session._meta.get_field("place").max_length
HOURS_MAX = Decimal(1000)
CYCLE_MAX = 120
SESSION_DAYS_MAX = 366
FIRST_DAY = dt.date(2000, 1, 1)
FUTURE_YEARS = 2
WORKERS_MAX = 500
COURSE_LEVELS = (Level.PREFECTURE, Level.COUNTY, Level.TOWN)
RULE_LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _hours(errors: c.Errors, field: str, value, *, maximum: Decimal, zero: bool = False):
    """Hours with at most one decimal, above zero (or zero with ``zero``) and ≤ ``maximum``."""
    if value in (None, ""):
        errors.add(field, _("Please fill this in."))
        return None
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a number of hours, e.g. 4 or 2.5."))
        return None
    if not hours.is_finite() or hours != hours.quantize(Decimal("0.1")):
        errors.add(field, _("Enter hours with at most one decimal."))
        return None
    if hours < 0 or (hours == 0 and not zero):
        errors.add(field, _("Enter more than zero hours."))
    elif hours > maximum:
        errors.add(field, _("At most %(max)s hours.") % {"max": maximum.normalize()})
    return hours.quantize(Decimal("0.1"))


def _area(value, levels, *, field: str, message) -> Area:
    code = c.normal_code(value)
    area = Area.objects.filter(code=code, level__in=levels).first() if code else None
    if area is None:
        raise ActionError(message, field=field)
    return area


# --- training rules -----------------------------------------------------------------------------


def training_rule_save(*, actor, area_code, applies_to, cycle_months, min_hours=0) -> TrainingRule:
    """Set how often a kind of worker (``heads`` or ``others``) must be trained in an area (a
    county or above), and the hours needed in each cycle. Replaces the area's rule for that
    kind; the nearest rule up the tree applies to each community."""
    area = _area(
        area_code, RULE_LEVELS, field="area_code", message=_("Choose a county or a higher area.")
    )
    scoping.require(actor, Cap.TRAINING_MANAGE, area.code)
    errors = c.Errors()
    if applies_to not in TrainingRule.AppliesTo.values:
        errors.add("applies_to", _("Choose heads or other workers."))
    months = c.row_id(cycle_months)
    if months is None or months > CYCLE_MAX:
        errors.add(
            "cycle_months", _("Enter a number of months from 1 to %(max)d.") % {"max": CYCLE_MAX}
        )
    hours = _hours(
        errors,
        "min_hours",
        min_hours if min_hours not in (None, "") else 0,
        maximum=HOURS_MAX,
        zero=True,
    )
    errors.raise_if_any(_("The rule was not saved."))
    try:
        with transaction.atomic():
            rule, created = TrainingRule.objects.select_for_update().get_or_create(
                area=area,
                applies_to=applies_to,
                defaults={"area_code": area.code, "cycle_months": months, "min_hours": hours},
            )
            rule.cycle_months = months
            rule.min_hours = hours
            rule.updated_by = _user(actor)
            rule.updated_at = timezone.now()
            rule.save()
            audit.record(
                actor,
                "training.rule_create" if created else "training.rule_update",
                rule,
                extra={"applies_to": applies_to, "months": months, "min_hours": float(hours)},
            )
    except IntegrityError:
        raise Conflict(_("Someone else changed this rule just now: reload the page.")) from None
    return rule


def training_rule_remove(*, actor, rule_id) -> None:
    """Remove an area's rule: the next rule up the tree (or the built-in cycle) applies."""
    rule = queries.training_rule_get(actor=actor, rule_id=c.row_id(rule_id) or 0)
    scoping.require(actor, Cap.TRAINING_MANAGE, rule.area_code)
    with transaction.atomic():
        audit.record(
            actor,
            "training.rule_remove",
            rule,
            extra={"applies_to": rule.applies_to, "months": rule.cycle_months},
        )
        rule.delete()


# --- courses ------------------------------------------------------------------------------------


def _course(actor, course_id, *, lock: bool = False) -> Course:
    pk = c.row_id(course_id)
    qs = Course.objects.select_for_update() if lock else Course.objects
    course = qs.filter(queries.course_visible_q(actor), pk=pk).first() if pk else None
    if course is None:
        raise NotFound(_("There is no such course among yours."))
    scoping.require(actor, Cap.TRAINING_MANAGE, course.area_code)
    return course


def course_save(
    *, actor, title, organiser, mode, hours, area_code, description="", course_id=None
) -> Course:
    """Add a training course (``course_id`` None) or change one. The course is organised for a
    prefecture, county or town; once it has sessions it stays in its area."""
    area = _area(
        area_code,
        COURSE_LEVELS,
        field="area_code",
        message=_("Choose the prefecture, county or town the course is for."),
    )
    scoping.require(actor, Cap.TRAINING_MANAGE, area.code)
    existing = _course(actor, course_id) if course_id is not None else None
    errors = c.Errors()
    values = {
        "title": c.line(errors, "title", title, max_length=TITLE_MAX, required=True),
        "organiser": c.line(
            errors, "organiser", organiser, max_length=ORGANISER_MAX, required=True
        ),
        "mode": mode,
        "hours": _hours(errors, "hours", hours, maximum=HOURS_MAX),
        "description": c.text(errors, "description", description, max_length=DESCRIPTION_MAX),
    }
    if mode not in Course.Mode.values:
        errors.add("mode", _("Choose how the course is given."))
    errors.raise_if_any(_("The course was not saved."))
    moved = existing is not None and existing.area_code != area.code
    if moved and existing.sessions.exists():
        raise Conflict(_("A course with sessions stays in its area."), field="area_code")
    with transaction.atomic():
        if existing is None:
            course = Course(created_by=_user(actor))
        else:
            course = Course.objects.select_for_update().get(pk=existing.pk)
        course.area = area
        course.area_code = area.code
        for name, value in values.items():
            setattr(course, name, value)
        course.save()
        audit.record(
            actor,
            "training.course_create" if existing is None else "training.course_update",
            course,
            extra={"mode": course.mode, "hours": float(course.hours)},
        )
    return course


def course_remove(*, actor, course_id) -> None:
    """Remove a course that has no sessions (a course entered by mistake)."""
    course = _course(actor, course_id)
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        if course.sessions.exists():
            raise Conflict(_("Remove the course's sessions first."))
        audit.record(actor, "training.course_remove", course)
        course.delete()


# --- sessions -----------------------------------------------------------------------------------


def _session(actor, session_id) -> Session:
    pk = c.row_id(session_id)
    session = (
        Session.objects.filter(queries.course_visible_q(actor, "course__area_code"), pk=pk)
        .select_related("course")
        .first()
        if pk
        else None
    )
    if session is None:
        raise NotFound(_("There is no such training session among yours."))
    return session


def session_save(
    *, actor, course_id=None, starts_on, ends_on=None, place="", hours=None, session_id=None
) -> Session:
    """Add a session to a course (``session_id`` None) or change one. ``ends_on`` defaults to
    ``starts_on`` and ``hours`` to the course's. Changing the dates of a session moves the
    training date of its attendance with it."""
    existing = _session(actor, session_id) if session_id is not None else None
    course = existing.course if existing is not None else _course(actor, course_id)
    scoping.require(actor, Cap.TRAINING_MANAGE, course.area_code)
    errors = c.Errors()
    first = c.date(errors, "starts_on", starts_on)
    last = c.date(errors, "ends_on", ends_on) or first
    if first is None and not errors.has("starts_on"):
        errors.add("starts_on", _("Please fill this in."))
    today = timezone.localdate()
    latest = today + dt.timedelta(days=366 * FUTURE_YEARS)
    if first is not None and last is not None:
        if first < FIRST_DAY:
            errors.add("starts_on", _("This date is too far in the past."))
        if last < first:
            errors.add("ends_on", _("A session cannot end before it starts."))
        elif (last - first).days >= SESSION_DAYS_MAX:
            errors.add("ends_on", _("A session lasts at most a year: add another session."))
        if last > latest:
            errors.add("ends_on", _("This date is too far in the future."))
        if existing is not None and first > today and existing.attendances.exists():
            errors.add("starts_on", _("A session with attendance cannot move into the future."))
    given = hours if hours not in (None, "") else course.hours
    session_hours = _hours(errors, "hours", given, maximum=HOURS_MAX)
    clean_place = c.line(errors, "place", place, max_length=PLACE_MAX, required=False)
    errors.raise_if_any(_("The session was not saved."))
    with transaction.atomic():
        if existing is None:
            session = Session(course=course, area_code=course.area_code)
        else:
            session = Session.objects.select_for_update().get(pk=existing.pk)
        moved = session.pk is not None and session.ends_on != last
        session.starts_on, session.ends_on = first, last
        session.place, session.hours = clean_place, session_hours
        session.save()
        if moved:
            session.attendances.update(trained_on=last)
        audit.record(
            actor,
            "training.session_create" if existing is None else "training.session_update",
            session,
            extra={"course": course.pk, "days": (last - first).days + 1},
        )
    return session


def session_remove(*, actor, session_id) -> None:
    """Remove a session nobody is marked at (one entered by mistake)."""
    session = _session(actor, session_id)
    scoping.require(actor, Cap.TRAINING_MANAGE, session.area_code)
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        if session.attendances.exists():
            raise Conflict(_("Remove the attendance of this session first."))
        audit.record(actor, "training.session_remove", session, extra={"course": session.course_id})
        session.delete()


# --- attendance ---------------------------------------------------------------------------------


def _worker_ids(errors: c.Errors, values) -> list[int]:
    if isinstance(values, str | int):
        values = [values]
    found: list[int] = []
    for value in values or ():
        pk = c.row_id(value)
        if pk is None:
            errors.add("worker_ids", _("A worker is given by their number."))
            return []
        if pk not in found:
            found.append(pk)
    if len(found) > WORKERS_MAX:
        errors.add("worker_ids", _("At most %(max)d workers at a time.") % {"max": WORKERS_MAX})
    return found


def _check_workers(actor, session: Session, ids: list[int], errors: c.Errors) -> list[Worker]:
    """The workers of ``ids``, each one the actor's, of the course's area and on the books
    during the session; every other one is named in ``errors``."""
    prefix = areacodes.prefix_of(session.area_code)
    visible = scoping.scope(Worker.objects.filter(pk__in=ids), actor, Cap.WORKFORCE_VIEW)
    workers = {w.pk: w for w in visible}
    for pk in ids:
        worker = workers.get(pk)
        if worker is None:
            errors.add("worker_ids", _("Worker %(id)d is not among yours.") % {"id": pk})
        elif not scoping.has_cap(actor, Cap.TRAINING_MANAGE, worker.area_code):
            errors.add(
                "worker_ids",
                _("You do not keep the training records of %(name)s.") % {"name": worker.name},
            )
        elif not worker.area_code.startswith(prefix):
            errors.add(
                "worker_ids",
                _("%(name)s works outside the area this course is for.") % {"name": worker.name},
            )
        elif worker.hired_on > session.ends_on or (
            worker.left_on is not None and worker.left_on < session.starts_on
        ):
            errors.add(
                "worker_ids",
                _("%(name)s was not a community worker during this session.")
                % {"name": worker.name},
            )
    return [workers[pk] for pk in ids if pk in workers]


def _mark(actor, session: Session, workers: list[Worker], *, attended: bool, hours) -> tuple:
    """Write the marks (inside the caller's transaction): new rows, and changed existing ones.
    Absent rows credit no hours; a present row keeps its hours unless ``hours`` is given."""
    now = timezone.now()
    user = _user(actor)
    have = {
        row.worker_id: row
        for row in Attendance.objects.select_for_update().filter(
            session_id=session.pk, worker_id__in=[w.pk for w in workers]
        )
    }
    new, changed = [], []
    for worker in workers:
        row = have.get(worker.pk)
        if not attended:
            credit = Decimal(0)
        elif hours is not None:
            credit = hours
        elif row is not None and row.attended and row.hours > 0:
            credit = row.hours
        else:
            credit = session.hours
        if row is None:
            new.append(
                Attendance(
                    session_id=session.pk,
                    worker_id=worker.pk,
                    area_code=worker.area_code,
                    attended=attended,
                    hours=credit,
                    trained_on=session.ends_on,
                    recorded_by=user,
                    recorded_at=now,
                )
            )
        elif (row.attended, row.hours, row.trained_on) != (attended, credit, session.ends_on):
            row.attended, row.hours, row.trained_on = attended, credit, session.ends_on
            row.recorded_by, row.recorded_at = user, now
            changed.append(row)
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(
        changed, ["attended", "hours", "trained_on", "recorded_by", "recorded_at"]
    )
    return len(new), len(changed)


def _ready(actor, session_id) -> Session:
    session = _session(actor, session_id)
    if session.starts_on > timezone.localdate():
        raise ActionError(
            _("This session has not started yet: mark attendance once it has."), field="session"
        )
    return session


def attendance_record(*, actor, session_id, worker_ids, attended=True, hours=None) -> int:
    """Mark workers present (or, with ``attended`` False, absent) at a session, all or none.
    Idempotent: marking again updates the marks. ``hours`` credited default to the session's;
    the training date is the session's last day. Returns how many marks were written or
    changed."""
    session = _ready(actor, session_id)
    errors = c.Errors()
    ids = _worker_ids(errors, worker_ids)
    if not ids and not errors.has("worker_ids"):
        errors.add("worker_ids", _("Choose at least one worker."))
    credit = None
    if hours not in (None, "") and attended:
        credit = _hours(errors, "hours", hours, maximum=session.hours)
    workers = _check_workers(actor, session, ids, errors) if ids else []
    errors.raise_if_any(_("The attendance was not recorded."))
    try:
        with transaction.atomic():
            created, updated = _mark(actor, session, workers, attended=bool(attended), hours=credit)
            audit.record(
                actor,
                "training.attendance_record",
                session,
                extra={"attended": bool(attended), "created": created, "updated": updated},
            )
    except IntegrityError:
        raise Conflict(_("Someone else marked this session just now: reload the page.")) from None
    return created + updated


def attendance_sheet_save(*, actor, session_id, worker_ids, present_ids, hours=None) -> int:
    """Save a page of the attendance sheet: of the workers shown (``worker_ids``), those in
    ``present_ids`` are marked present; the others, if they were marked, are marked absent."""
    session = _ready(actor, session_id)
    errors = c.Errors()
    shown = _worker_ids(errors, worker_ids)
    present = set(_worker_ids(errors, present_ids))
    if not present <= set(shown):
        errors.add("worker_ids", _("Mark only the workers shown on the sheet."))
    credit = (
        _hours(errors, "hours", hours, maximum=session.hours) if hours not in (None, "") else None
    )
    marked = set(
        Attendance.objects.filter(session_id=session.pk, worker_id__in=shown).values_list(
            "worker_id", flat=True
        )
    )
    touched = [pk for pk in shown if pk in present or pk in marked]
    workers = {w.pk: w for w in _check_workers(actor, session, touched, errors)}
    errors.raise_if_any(_("The attendance was not recorded."))
    try:
        with transaction.atomic():
            here = [workers[pk] for pk in touched if pk in present]
            away = [workers[pk] for pk in touched if pk not in present]
            created, updated = _mark(actor, session, here, attended=True, hours=credit)
            more, changed = _mark(actor, session, away, attended=False, hours=None)
            audit.record(
                actor,
                "training.attendance_sheet",
                session,
                extra={
                    "present": len(here),
                    "absent": len(away),
                    "created": created + more,
                    "updated": updated + changed,
                },
            )
    except IntegrityError:
        raise Conflict(_("Someone else marked this session just now: reload the page.")) from None
    return created + updated + more + changed


def attendance_remove(*, actor, session_id, worker_id) -> None:
    """Take a worker's mark off a session (a mark made by mistake)."""
    session = _session(actor, session_id)
    pk = c.row_id(worker_id)
    row = (
        scoping.scope(Attendance.objects.all(), actor, Cap.WORKFORCE_VIEW)
        .filter(session_id=session.pk, worker_id=pk)
        .first()
        if pk
        else None
    )
    if row is None:
        raise NotFound(_("This worker is not marked at this session."), field="worker_id")
    scoping.require(actor, Cap.TRAINING_MANAGE, row.area_code)
    with transaction.atomic():
        audit.record(
            actor,
            "training.attendance_remove",
            row,
            extra={"session": session.pk, "worker": row.worker_id, "attended": row.attended},
        )
        row.delete()


__all__ = [
    "attendance_record",
    "attendance_remove",
    "attendance_sheet_save",
    "course_remove",
    "course_save",
    "session_remove",
    "session_save",
    "training_rule_remove",
    "training_rule_save",
]
