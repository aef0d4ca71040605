"""Reading service records: the staff list with its filters, one record with its corrections
and points, and the sheet of an activity's hours still to record.

Lists never decrypt a volunteer's ID or phone number (the columns are deferred); one record's
page shows the ID number masked. Every list is one query a page (the page's count aside).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.cleaning import row_id
from linli.core.errors import ActionError, NotFound

from ...models import Activity, Organisation, PointsEntry, ServiceRecord, Shift, Signup
from .seen import VOLUNTEER_SECRETS, leads_team, organised_activity, records_seen

MAX_HOURS = Decimal("24")
HALF = Decimal("0.5")
KINDS = tuple(ServiceRecord.Kind.values)
_ID_MAX = 20


def _clean(value, limit: int) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())[:limit]


# --- the list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFilters:
    """What the staff list of records is narrowed by (all optional, text as a form sends it)."""

    date_from: str = ""  # YYYY-MM-DD, served on or after
    date_to: str = ""  # YYYY-MM-DD, served on or before
    organisation: str = ""  # an organisation id: the records it wrote
    activity: str = ""  # an activity id
    volunteer: str = ""  # a volunteer id
    kind: str = ""  # service | correction

    def cleaned(self) -> RecordFilters:
        """The filters checked: every problem named at once (``ActionError`` by field)."""
        errors: dict[str, list[str]] = {}
        dates = {}
        for name in ("date_from", "date_to"):
            text = _clean(getattr(self, name), 10)
            dates[name] = text
            if text:
                try:
                    dt.date.fromisoformat(text)
                except ValueError:
                    errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        if (
            dates["date_from"]
            and dates["date_to"]
            and not errors
            and dates["date_from"] > dates["date_to"]
        ):
            errors["date_to"] = [_("The end of the period comes before its start.")]
        ids = {}
        for name in ("organisation", "activity", "volunteer"):
            text = _clean(getattr(self, name), _ID_MAX)
            ids[name] = text
            if text and row_id(text) is None:
                errors[name] = [_("Choose one from the list.")]
        kind = _clean(self.kind, 12)
        if kind and kind not in KINDS:
            errors["kind"] = [_("Choose service or correction.")]
        if errors:
            raise ActionError(_("Some filters are not valid."), errors=errors)
        return RecordFilters(kind=kind, **dates, **ids)

    @property
    def any(self) -> bool:
        return any(
            (self.date_from, self.date_to, self.organisation, self.activity, self.volunteer)
        ) or bool(self.kind)


def _filtered(qs: QuerySet, f: RecordFilters) -> QuerySet:
    if f.date_from:
        qs = qs.filter(served_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(served_on__lte=f.date_to)
    if f.organisation:
        qs = qs.filter(organisation_id=int(f.organisation))
    if f.activity:
        qs = qs.filter(activity_id=int(f.activity))
    if f.volunteer:
        qs = qs.filter(volunteer_id=int(f.volunteer))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs


def record_rows(qs: QuerySet) -> QuerySet:
    """Records with what a list row shows: the volunteer (numbers not decrypted), the
    organisation, the activity and the record a correction corrects."""
    return (
        qs.select_related("volunteer", "organisation", "activity", "corrects")
        .defer(*VOLUNTEER_SECRETS)
        .order_by("-served_on", "-id")
    )


def record_list(*, actor, filters: RecordFilters | None = None) -> QuerySet[ServiceRecord]:
    """The service records the actor reads, filtered, latest service first (one query a page;
    the caller paginates)."""
    filters = (filters or RecordFilters()).cleaned()
    return record_rows(_filtered(records_seen(actor), filters))


def record_export_list(*, actor, filters: RecordFilters | None = None) -> QuerySet:
    """The filtered list as an export writes it: each record with its volunteer's name and
    (decrypted, for masking or revealing) ID number, latest service first."""
    filters = (filters or RecordFilters()).cleaned()
    return (
        _filtered(records_seen(actor), filters)
        .select_related("volunteer")
        .defer("volunteer__phone")
        .order_by("-served_on", "-id")
    )


def record_organisations(*, actor) -> list[tuple[int, str]]:
    """The organisations that wrote records the actor reads (for the list's chooser)."""
    ids = records_seen(actor).order_by().values("organisation_id").distinct()
    return list(
        Organisation.objects.filter(pk__in=ids)
        .order_by("area_code", "name")
        .values_list("pk", "name")
    )


# --- one record -------------------------------------------------------------------------------


def record_get(*, actor, record_id) -> ServiceRecord:
    """One record the actor reads, with its volunteer, organisation, activity, recorder and the
    record it corrects; ``corrections`` (oldest first), ``net_hours`` (a service record's hours
    with its corrections) and ``points_entries`` (the time-bank lines it caused) are set."""
    pk = row_id(record_id)
    record = (
        records_seen(actor)
        .select_related("volunteer", "organisation", "activity", "recorder", "corrects")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if record is None:
        raise NotFound(_("There is no such service record among yours."))
    _with_corrections(record)
    return record


def _with_corrections(record: ServiceRecord) -> None:
    head = record.corrects if record.kind == ServiceRecord.Kind.CORRECTION else record
    corrections = list(
        ServiceRecord.objects.filter(corrects_id=head.pk)
        .select_related("recorder")
        .order_by("recorded_at", "id")
    )
    record.corrections_list = corrections
    record.net_hours = head.hours + sum((c.hours for c in corrections), Decimal("0"))
    record.points_entries = list(
        PointsEntry.objects.filter(record_id__in=[head.pk, *(c.pk for c in corrections)]).order_by(
            "at", "id"
        )
    )


def record_for_correction(*, actor, record_id) -> ServiceRecord:
    """A service record the actor reads, or one of an activity whose team they lead (the team
    leader records and corrects its hours), with ``record_get``'s extras."""
    try:
        return record_get(actor=actor, record_id=record_id)
    except NotFound:
        pk = row_id(record_id)
        record = (
            ServiceRecord.objects.select_related(
                "volunteer", "organisation", "activity", "recorder", "corrects"
            )
            .filter(pk=pk)
            .first()
            if pk
            else None
        )
        if record is None or record.activity is None:
            raise
        if not leads_team(actor, record.activity.team_id):
            raise
    _with_corrections(record)
    return record


def net_hours(record: ServiceRecord) -> Decimal:
    """A service record's hours with its corrections (a database sum)."""
    total = ServiceRecord.objects.filter(corrects_id=record.pk).aggregate(total=Sum("hours"))
    return record.hours + (total["total"] or Decimal("0"))


# --- the hours of an activity -----------------------------------------------------------------


def shift_hours(shift: Shift) -> Decimal:
    """The length of a shift in hours (exact)."""
    return Decimal(int((shift.ends_at - shift.starts_at).total_seconds())) / Decimal(3600)


def default_hours(shift: Shift, signup: Signup) -> Decimal:
    """The hours a sign-up is offered: the shift's length, or the time from check-in to
    check-out when both were taken, whichever is smaller, to the nearest half hour (down when
    the nearest would pass the shift's length), at least half an hour (or the shift, when
    shorter) and at most 24."""
    length = shift_hours(shift)
    served = length
    if signup.checked_in_at and signup.checked_out_at:
        stayed = signup.checked_out_at - signup.checked_in_at
        served = min(served, Decimal(int(stayed.total_seconds())) / Decimal(3600))
    hours = (served * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP) / 2
    if hours > length:
        hours = (served * 2).to_integral_value(rounding=ROUND_FLOOR) / 2
    if hours <= 0:
        hours = min(HALF, length.quantize(Decimal("0.01"), rounding=ROUND_FLOOR))
    return min(hours, MAX_HOURS).quantize(Decimal("0.01"))


@dataclass
class HoursRow:
    """One attended sign-up whose hours are not recorded yet."""

    signup: Signup
    shift_hours: Decimal
    hours: Decimal  # offered
    served_on: dt.date

    @property
    def volunteer(self):
        return self.signup.volunteer

    @property
    def shift(self):
        return self.signup.shift


@dataclass
class HoursSheet:
    activity: Activity
    organisation: Organisation | None  # the organisation the records will name
    rows: list[HoursRow] = field(default_factory=list)
    recorded: list[ServiceRecord] = field(default_factory=list)  # with corrections_list
    beneficiaries: str = ""  # the default


def recording_organisation(activity: Activity) -> Organisation | None:
    """The organisation that records an activity's hours: its own, or else the (active)
    volunteer station of its community."""
    if activity.organisation_id:
        return activity.organisation
    return (
        Organisation.objects.filter(
            area_code=activity.area_code, kind=Organisation.Kind.STATION, active=True
        )
        .order_by("pk")
        .first()
    )


def _recorded(signup_pk) -> Exists:
    return Exists(
        ServiceRecord.objects.filter(signup_id=signup_pk, kind=ServiceRecord.Kind.SERVICE)
    )


def attended_unrecorded(activity: Activity) -> QuerySet[Signup]:
    """The activity's attended sign-ups without a service record, by shift then name."""
    return (
        Signup.objects.filter(shift__activity_id=activity.pk, status=Signup.Status.ATTENDED)
        .exclude(_recorded(OuterRef("pk")))
        .select_related("shift", "volunteer")
        .defer(*VOLUNTEER_SECRETS)
        .order_by("shift__starts_at", "shift_id", "volunteer__name", "pk")
    )


def default_beneficiaries(activity: Activity) -> str:
    return activity.beneficiaries or str(activity.get_target_group_display())


def activity_hours(*, actor, activity_id) -> HoursSheet:
    """What the organiser of an activity records: every attended sign-up still without a
    service record, each with the hours offered (:func:`default_hours`); the number recorded
    already with their corrections. Five queries whatever the number of sign-ups."""
    activity = organised_activity(actor, activity_id)
    rows = [
        HoursRow(
            signup=signup,
            shift_hours=shift_hours(signup.shift),
            hours=default_hours(signup.shift, signup),
            served_on=timezone.localtime(signup.shift.starts_at).date(),
        )
        for signup in attended_unrecorded(activity)
    ]
    recorded = list(
        record_rows(
            ServiceRecord.objects.filter(
                activity_id=activity.pk, kind=ServiceRecord.Kind.SERVICE, signup__isnull=False
            )
        )
        .prefetch_related(corrections_prefetch())
        .order_by("served_on", "volunteer__name", "pk")
    )
    return HoursSheet(
        activity=activity,
        organisation=recording_organisation(activity),
        rows=rows,
        recorded=recorded,
        beneficiaries=default_beneficiaries(activity),
    )


def corrections_prefetch() -> Prefetch:
    """A service record's corrections, oldest first, with who wrote them."""
    return Prefetch(
        "corrections",
        queryset=ServiceRecord.objects.order_by("recorded_at", "id"),
        to_attr="corrections_list",
    )


__all__ = [
    "KINDS",
    "MAX_HOURS",
    "HoursRow",
    "HoursSheet",
    "RecordFilters",
    "activity_hours",
    "attended_unrecorded",
    "corrections_prefetch",
    "default_beneficiaries",
    "default_hours",
    "net_hours",
    "record_get",
    "record_export_list",
    "record_for_correction",
    "record_list",
    "record_organisations",
    "record_rows",
    "recording_organisation",
    "shift_hours",
]
