"""Recording service hours (志愿服务记录), as the national rules ask: 谁组织谁记录 — the organiser
who ran an activity records the hours of each volunteer who came, counting actual service time
only (no travel), in the fields of the rules: activity name, date, place, beneficiaries,
content, hours, quality rating, leader and recorder.

- :func:`activity_hours_record`: the organiser submits the sheet of an activity once, one
  service record per attended sign-up, all in one transaction after every row was checked. The
  activity's row is locked, and the database keeps one service record per sign-up, so sending
  the sheet again writes nothing new: those sign-ups are answered as "already recorded".
- :func:`record_create`: a worker records service that did not go through an activity, for a
  volunteer of the areas they manage.

Each record earns time-bank points (:data:`._rules.POINTS_PER_HOUR` an hour); the volunteers'
totals and star levels follow at once, and a volunteer whose star level rises is told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.cleaning import Errors, line, row_id, text
from linli.core.errors import Conflict, Forbidden, NotFound
from linli.core.roles import Cap

from ...models import Activity, Organisation, ServiceRecord, Signup
from ...queries import records as q
from ...queries._common import volunteers_seen
from .._common import current_time
from ._rules import MAX_HOURS, Purses, hours_value, quality_value, recorder_name, settle

NAME_MAX = ServiceRecord._meta.get_field("activity_name").max_length
PLACE_MAX = ServiceRecord._meta.get_field("place").max_length
BENEFICIARIES_MAX = ServiceRecord._meta.get_field("beneficiaries").max_length
CONTENT_MAX = ServiceRecord._meta.get_field("content").max_length
LEADER_MAX = ServiceRecord._meta.get_field("leader_name").max_length
ROWS_MAX = 2000
RESENT_WITHIN = dt.timedelta(minutes=2)
OPEN = (Activity.Status.PUBLISHED, Activity.Status.FINISHED)


def hours_text(value: Decimal) -> str:
    """``2.50`` → ``2.5``, ``3.00`` → ``3``."""
    shown = f"{Decimal(value).quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return shown or "0"


@dataclass
class HoursResult:
    """What a submitted sheet did: the records written now, and the sign-ups that had their
    record already (a sheet sent again)."""

    activity: Activity
    written: list[ServiceRecord] = field(default_factory=list)
    already: list[int] = field(default_factory=list)  # sign-up ids


@dataclass
class _Shared:
    activity_name: str
    place: str
    beneficiaries: str
    content: str
    leader_name: str


def _shared(errors: Errors, activity: Activity, given: dict) -> _Shared:
    """The fields every record of the sheet shares, the activity's unless given."""

    def value(name, default):
        sent = given.get(name)
        return default if sent is None else sent

    return _Shared(
        activity_name=line(
            errors,
            "activity_name",
            value("activity_name", activity.title),
            max_length=NAME_MAX,
            required=True,
        ),
        place=line(
            errors, "place", value("place", activity.place), max_length=PLACE_MAX, required=True
        ),
        beneficiaries=line(
            errors,
            "beneficiaries",
            value("beneficiaries", q.default_beneficiaries(activity)),
            max_length=BENEFICIARIES_MAX,
            required=True,
        ),
        content=text(
            errors,
            "content",
            value("content", activity.description),
            max_length=CONTENT_MAX,
            required=True,
        ),
        leader_name=line(
            errors,
            "leader_name",
            value("leader_name", activity.leader_name),
            max_length=LEADER_MAX,
            required=True,
        ),
    )


def _row_hours(errors: Errors, key: str, value, limit: Decimal) -> Decimal | None:
    hours = hours_value(errors, key, value)
    if hours is None:
        return None
    if hours <= 0:
        errors.add(key, _("Give more than 0 hours."))
        return None
    if hours > limit:
        errors.add(
            key,
            _("At most %(hours)s hours: the length of the shift, without travel.")
            % {"hours": hours_text(limit.quantize(Decimal("0.01"), rounding=ROUND_FLOOR))},
        )
        return None
    return hours


def _sheet_rows(errors: Errors, activity: Activity, rows) -> tuple[list, list[int]]:
    """The rows checked: (sign-up, hours, quality) to write, and the sign-ups already recorded."""
    if not isinstance(rows, list | tuple) or not rows:
        errors.add("rows", _("Choose at least one volunteer whose hours to record."))
        return [], []
    if len(rows) > ROWS_MAX:
        errors.add("rows", _("At most %(count)d rows at once.") % {"count": ROWS_MAX})
        return [], []
    wanted: list[tuple[int, dict]] = []
    seen: set[int] = set()
    for row in rows:
        data = row if isinstance(row, dict) else {}
        pk = row_id(data.get("signup_id"))
        if pk is None or pk in seen:
            errors.add("rows", _("Each row names one sign-up of this activity, once."))
            continue
        seen.add(pk)
        wanted.append((pk, data))
    signups = {
        s.pk: s
        for s in Signup.objects.filter(pk__in=seen, shift__activity_id=activity.pk).select_related(
            "shift"
        )
    }
    recorded = set(
        ServiceRecord.objects.filter(
            signup_id__in=seen, kind=ServiceRecord.Kind.SERVICE
        ).values_list("signup_id", flat=True)
    )
    checked, already = [], []
    for pk, data in wanted:
        signup = signups.get(pk)
        if signup is None:
            errors.add("rows", _("Each row names one sign-up of this activity, once."))
            continue
        if pk in recorded:
            already.append(pk)
            continue
        if signup.status != Signup.Status.ATTENDED:
            errors.add(
                f"hours-{pk}", _("Only volunteers who came (checked in) have hours to record.")
            )
            continue
        limit = min(q.shift_hours(signup.shift), MAX_HOURS)
        hours = _row_hours(errors, f"hours-{pk}", data.get("hours"), limit)
        quality = quality_value(errors, f"quality-{pk}", data.get("quality"))
        checked.append((signup, hours, quality))
    return checked, already


def activity_hours_record(
    *,
    actor,
    activity_id,
    rows,
    activity_name=None,
    place=None,
    beneficiaries=None,
    content=None,
    leader_name=None,
) -> HoursResult:
    """Record the hours of an activity's attended sign-ups: ``rows`` is a list of
    ``{"signup_id", "hours", "quality"}``; the shared fields default to the activity's (a
    shift with its own place keeps it). Hours are more than 0 and at most the shift's length
    (and 24). Every row is checked before anything is written; errors name ``hours-<sign-up
    id>``, ``quality-<sign-up id>``, ``rows`` or a shared field. Sign-ups recorded already are
    skipped and answered in ``already``."""
    given = {
        "activity_name": activity_name,
        "place": place,
        "beneficiaries": beneficiaries,
        "content": content,
        "leader_name": leader_name,
    }
    with transaction.atomic():
        activity = q.organised_activity(actor, activity_id, lock=True)
        if activity.status not in OPEN:
            raise Conflict(
                _("Hours are recorded for an activity that took place, not one %(status)s.")
                % {"status": activity.get_status_display()},
                code="status",
            )
        errors = Errors()
        shared = _shared(errors, activity, given)
        checked, already = _sheet_rows(errors, activity, rows)
        errors.raise_if_any(_("No hours were recorded: correct the rows marked."))
        result = HoursResult(activity=activity, already=already)
        if not checked:
            return result
        moment = current_time()
        organisation = q.recording_organisation(activity)
        records = [
            ServiceRecord(
                volunteer_id=signup.volunteer_id,
                area_code=activity.area_code,
                organisation=organisation,
                activity=activity,
                signup=signup,
                kind=ServiceRecord.Kind.SERVICE,
                activity_name=shared.activity_name,
                served_on=timezone.localtime(signup.shift.starts_at).date(),
                place=signup.shift.place or shared.place,
                beneficiaries=shared.beneficiaries,
                content=shared.content,
                hours=hours,
                quality=quality,
                leader_name=shared.leader_name,
                recorder=actor,
                recorder_name=recorder_name(actor),
                recorded_at=moment,
            )
            for signup, hours, quality in checked
        ]
        try:
            with transaction.atomic():
                ServiceRecord.objects.bulk_create(records)
        except IntegrityError:
            raise Conflict(
                _("These hours were recorded already: open the sheet again."), code="recorded"
            ) from None
        purses = Purses(r.volunteer_id for r in records)
        purses.earn(actor, records)
        purses.save()
        audit.record(
            actor,
            "service_record.record_hours",
            activity,
            extra={
                "activity": activity.pk,
                "organisation": organisation.pk if organisation else None,
                "records": len(records),
                "already": len(already),
                "hours": str(sum((r.hours for r in records), Decimal("0"))),
            },
        )
        settle(r.volunteer_id for r in records)
        result.written = records
    return result


# --- a record without an activity -------------------------------------------------------------


def _organisation(errors: Errors, actor, value, volunteer) -> Organisation | None:
    """The recording organisation: one chosen among the active organisations of the areas the
    actor manages or of the volunteer's community and above; by default the volunteer
    station of the volunteer's community."""
    if value in (None, ""):
        return (
            Organisation.objects.filter(
                area_code=volunteer.area_code[:12], kind=Organisation.Kind.STATION, active=True
            )
            .order_by("pk")
            .first()
        )
    pk = row_id(value)
    allowed = q.transfer_targets(volunteer, actor)
    if volunteer.organisation_id:
        allowed = allowed | Organisation.objects.filter(pk=volunteer.organisation_id)
    found = allowed.filter(pk=pk).first() if pk else None
    if found is None:
        errors.add("organisation_id", _("Choose an organisation from the list."))
    return found


def record_create(
    *,
    actor,
    volunteer_id,
    activity_name,
    served_on,
    place,
    beneficiaries,
    content,
    hours,
    leader_name,
    quality="",
    organisation_id=None,
) -> ServiceRecord:
    """A worker records service that did not go through an activity, for a volunteer of the
    areas they manage: the fields of the national rules, hours more than 0 and at most 24, a
    date that has come. The same record sent twice within two minutes is refused."""
    pk = row_id(volunteer_id)
    found = (
        volunteers_seen(actor, Cap.VOLUNTEER_MANAGE)
        .defer("id_number", "phone")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if found is None:
        if pk and volunteers_seen(actor).filter(pk=pk).exists():
            raise Forbidden(_("Only workers who manage this volunteer's community record hours."))
        raise NotFound(_("There is no such volunteer among yours."), field="volunteer_id")
    errors = Errors()
    values = {
        "activity_name": line(
            errors, "activity_name", activity_name, max_length=NAME_MAX, required=True
        ),
        "place": line(errors, "place", place, max_length=PLACE_MAX, required=True),
        "beneficiaries": line(
            errors, "beneficiaries", beneficiaries, max_length=BENEFICIARIES_MAX, required=True
        ),
        "content": text(errors, "content", content, max_length=CONTENT_MAX, required=True),
        "leader_name": line(
            errors, "leader_name", leader_name, max_length=LEADER_MAX, required=True
        ),
        "quality": quality_value(errors, "quality", quality),
    }
    day = _served_on(errors, served_on)
    amount = hours_value(errors, "hours", hours)
    if amount is not None and not Decimal("0") < amount <= MAX_HOURS:
        errors.add("hours", _("Give more than 0 and at most 24 hours."))
    organisation = _organisation(errors, actor, organisation_id, found)
    errors.raise_if_any(_("The record was not written: correct the fields marked."))
    with transaction.atomic():
        purses = Purses([found.pk])
        moment = current_time()
        resent = ServiceRecord.objects.filter(
            volunteer_id=found.pk,
            kind=ServiceRecord.Kind.SERVICE,
            signup__isnull=True,
            served_on=day,
            activity_name=values["activity_name"],
            hours=amount,
            recorder_id=actor.pk,
            recorded_at__gte=moment - RESENT_WITHIN,
        ).exists()
        if resent:
            raise Conflict(
                _("This record was written a moment ago; it is not written twice."),
                code="recorded",
            )
        record = ServiceRecord.objects.create(
            volunteer_id=found.pk,
            area_code=found.area_code,
            organisation=organisation,
            kind=ServiceRecord.Kind.SERVICE,
            served_on=day,
            hours=amount,
            recorder=actor,
            recorder_name=recorder_name(actor),
            recorded_at=moment,
            **values,
        )
        purses.earn(actor, [record])
        purses.save()
        audit.record(
            actor,
            "service_record.create",
            record,
            extra={
                "volunteer": found.pk,
                "organisation": organisation.pk if organisation else None,
                "hours": str(amount),
            },
        )
        settle([found.pk])
    return record


def _served_on(errors: Errors, value) -> dt.date | None:
    if value in (None, ""):
        errors.add("served_on", _("Give the date of the service."))
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            errors.add("served_on", _("Enter a date as YYYY-MM-DD."))
            return None
    if value > timezone.localdate(current_time()):
        errors.add("served_on", _("The service date cannot be in the future."))
        return None
    return value


__all__ = ["HoursResult", "activity_hours_record", "hours_text", "record_create"]
