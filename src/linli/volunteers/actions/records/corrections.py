"""Correcting a service record: never an edit. A correction is a new record (``kind
correction``) that points at the record it corrects, carries a signed number of hours and the
reason; the hours of the record with all its corrections stay between 0 and 24.

Who corrects: whoever may record it — a worker who manages volunteers where the service was
done or where the recording organisation sits, or the leader of the activity's team. The
corrected record's row is locked, so two corrections at once both count against the limits.

Points follow the hours: a correction adding hours earns their points; one removing hours takes
their points back, but never below a zero balance (what is left is taken, and the ledger line
says so).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.cleaning import Errors, line, row_id
from linli.core.errors import Conflict, Forbidden, NotFound
from linli.core.roles import Cap

from ...models import ServiceRecord
from ...queries import records as q
from .._common import current_time
from ._rules import MAX_HOURS, Purses, hours_value, recorder_name, settle
from .hours import hours_text

REASON_MAX = ServiceRecord._meta.get_field("reason").max_length


def may_correct(actor, record: ServiceRecord) -> bool:
    """The organiser rule for a record already written."""
    if scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, record.area_code):
        return True
    organisation = record.organisation
    if organisation is not None and scoping.has_cap(
        actor, Cap.VOLUNTEER_MANAGE, organisation.area_code
    ):
        return True
    return record.activity is not None and q.leads_team(actor, record.activity.team_id)


def _locked(actor, record_id) -> ServiceRecord:
    pk = row_id(record_id)
    record = (
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("organisation", "activity")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if record is None:
        raise NotFound(_("There is no such service record among yours."))
    if not may_correct(actor, record):
        if q.records_seen(actor).filter(pk=record.pk).exists():
            raise Forbidden(_("Only the organiser who records these hours can correct them."))
        raise NotFound(_("There is no such service record among yours."))
    return record


def record_correct(*, actor, record_id, hours, reason) -> ServiceRecord:
    """Correct a service record with a new entry of ``hours`` (signed, not 0) and a reason;
    the record's hours with all its corrections stay from 0 to 24. Answers the correction."""
    with transaction.atomic():
        record = _locked(actor, record_id)
        if record.kind != ServiceRecord.Kind.SERVICE:
            raise Conflict(
                _("A correction is itself corrected through the record it corrects."),
                code="kind",
            )
        errors = Errors()
        amount = hours_value(errors, "hours", hours)
        why = line(errors, "reason", reason, max_length=REASON_MAX, required=True)
        if amount is not None:
            earlier = ServiceRecord.objects.filter(corrects_id=record.pk).aggregate(
                total=Sum("hours")
            )["total"] or Decimal("0")
            now_counted = record.hours + earlier
            after = now_counted + amount
            if amount == 0:
                errors.add("hours", _("A correction adds or removes some hours: not 0."))
            elif after < 0:
                errors.add(
                    "hours",
                    _("At most %(hours)s hours can be removed: the record counts that many now.")
                    % {"hours": hours_text(now_counted)},
                )
            elif after > MAX_HOURS:
                errors.add(
                    "hours",
                    _("At most %(hours)s hours can be added: a record counts 24 hours at most.")
                    % {"hours": hours_text(MAX_HOURS - now_counted)},
                )
        errors.raise_if_any(_("The correction was not written: correct the fields marked."))
        purses = Purses([record.volunteer_id])
        correction = ServiceRecord.objects.create(
            volunteer_id=record.volunteer_id,
            area_code=record.area_code,
            organisation_id=record.organisation_id,
            activity_id=record.activity_id,
            signup_id=record.signup_id,
            kind=ServiceRecord.Kind.CORRECTION,
            corrects=record,
            activity_name=record.activity_name,
            served_on=record.served_on,
            place=record.place,
            beneficiaries=record.beneficiaries,
            content=record.content,
            hours=amount,
            quality=record.quality,
            leader_name=record.leader_name,
            recorder=actor,
            recorder_name=recorder_name(actor),
            reason=why,
            recorded_at=current_time(),
        )
        if amount > 0:
            due = points = sum(entry.delta for entry in purses.earn(actor, [correction]))
        else:
            owed, taken = purses.take_back(actor, correction)
            due, points = -owed, -taken
        purses.save()
        audit.record(
            actor,
            "service_record.correct",
            correction,
            extra={
                "corrects": record.pk,
                "volunteer": record.volunteer_id,
                "hours": str(amount),
                "points": points,
                "points_due": due,
            },
        )
        settle([record.volunteer_id])
    return correction


__all__ = ["may_correct", "record_correct"]
