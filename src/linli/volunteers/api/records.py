"""Service records, corrections, transfers and the time bank at /api/v1/volunteers/.

- Organisers: ``activities/{id}/hours`` (GET the sheet of attended sign-ups without a record,
  POST it once: one record per sign-up; sent again, nothing new is written).
- Staff: ``records`` (the list with filters; POST a record without an activity),
  ``records/{id}`` (with its corrections), ``records/{id}/corrections`` (POST), ``transfers``
  (POST, also the volunteer's own), ``records.xlsx`` (the national field order; audited),
  ``offers`` (list, POST, GET, PATCH), ``volunteers/{id}/points`` (the ledger) and its
  ``adjust``, ``totals/recompute`` (county officers).
- The volunteer: ``me/hours``, ``me/hours/records``, ``me/points``, ``me/points/ledger`` and
  ``offers/{id}/spend`` (also a worker at the desk, naming the volunteer).

Each operation parses, calls one action or query of :mod:`linli.volunteers`, and shapes the
answer; errors are problem+json (400 with per-field ``errors``, 403, 404, 409).
"""

from typing import Annotated

from django.http import StreamingHttpResponse
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.cleaning import UNSET
from linli.core.pagination import Page
from linli.core.schemas import MAX_ID

from ..actions import records as actions
from ..models import Offer, PointsEntry, ServiceRecord, Transfer
from ..queries import records as q
from ..queries._common import next_star
from ..schemas.records import (
    AdjustIn,
    CorrectionIn,
    HoursIn,
    HoursResultOut,
    HoursSheetOut,
    MyHoursOut,
    MyPointsOut,
    MyRecordOut,
    OfferChangeIn,
    OfferFilters,
    OfferIn,
    OfferOut,
    PointsEntryOut,
    RecomputeOut,
    RecordDetailOut,
    RecordFilters,
    RecordIn,
    RecordOut,
    SpendIn,
    TransferIn,
    TransferOut,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- shaping ------------------------------------------------------------------------------------


def _record(record: ServiceRecord) -> dict:
    volunteer = record.volunteer
    return {
        "id": record.pk,
        "kind": record.kind,
        "volunteer_id": record.volunteer_id,
        "volunteer_name": volunteer.name,
        "volunteer_number": volunteer.number,
        "area_code": record.area_code,
        "organisation_id": record.organisation_id,
        "organisation_name": record.organisation.name if record.organisation_id else "",
        "activity_id": record.activity_id,
        "signup_id": record.signup_id,
        "corrects_id": record.corrects_id,
        "activity_name": record.activity_name,
        "served_on": record.served_on,
        "place": record.place,
        "beneficiaries": record.beneficiaries,
        "content": record.content,
        "hours": float(record.hours),
        "quality": record.quality,
        "leader_name": record.leader_name,
        "recorder_name": record.recorder_name,
        "reason": record.reason,
        "recorded_at": record.recorded_at,
    }


def _with_corrections(record: ServiceRecord) -> dict:
    """A record with its corrections (``corrections_list`` loaded); the corrections share the
    record's volunteer and organisation."""
    shaped = _record(record)
    corrections = []
    for correction in getattr(record, "corrections_list", []):
        correction.volunteer = record.volunteer
        if correction.organisation_id == record.organisation_id:
            correction.organisation = record.organisation
        corrections.append(_record(correction))
    shaped["corrections"] = corrections
    shaped["net_hours"] = float(getattr(record, "net_hours", record.hours))
    return shaped


class _Shaped:
    """A queryset whose sliced page is shaped (one query a page, plus any prefetch)."""

    def __init__(self, qs, shape, prepare=None):
        self.qs, self.shape, self.prepare = qs, shape, prepare

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        rows = list(self.qs[index])
        if self.prepare is not None:
            rows = self.prepare(rows)
        return [self.shape(row) for row in rows]


def _entry(entry: PointsEntry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "delta": entry.delta,
        "balance": entry.balance,
        "at": entry.at,
        "offer_id": entry.offer_id,
        "offer_name": entry.offer.name if entry.offer_id else "",
        "record_id": entry.record_id,
        "note": entry.note,
    }


def _offer(offer: Offer) -> dict:
    return {
        "id": offer.pk,
        "area_code": offer.area_code,
        "area_name": offer.area.name,
        "name": offer.name,
        "description": offer.description,
        "points": offer.points,
        "stock": offer.stock,
        "active": offer.active,
    }


def _transfer(transfer: Transfer) -> dict:
    return {
        "id": transfer.pk,
        "volunteer_id": transfer.volunteer_id,
        "from_organisation_id": transfer.from_organisation_id,
        "from_organisation_name": transfer.from_organisation.name,
        "to_organisation_id": transfer.to_organisation_id,
        "to_organisation_name": transfer.to_organisation.name,
        "hours": float(transfer.hours),
        "records": transfer.records,
        "consent_at": transfer.consent_at,
        "at": transfer.at,
    }


def _filters(filters: RecordFilters) -> q.RecordFilters:
    return q.RecordFilters(
        **{key: "" if value is None else str(value) for key, value in filters.dict().items()}
    )


def _one(actor, record_id: int) -> dict:
    """One record with the corrections of its service record (``record_get``'s extras)."""
    return _with_corrections(q.record_for_correction(actor=actor, record_id=record_id))


# --- records ------------------------------------------------------------------------------------


@router.get("records", response=list[RecordOut], summary="Service records of your areas")
@paginate(Page)
def record_list(request, filters: Query[RecordFilters]):
    """Records done in your areas, written by their organisations, or carried (with consent) to
    an organisation of your areas; latest service first. Corrections are rows of their own
    (``kind`` correction, ``corrects_id``)."""
    return _Shaped(q.record_list(actor=request.user, filters=_filters(filters)), _record)


@router.get("records.xlsx", summary="Export the filtered records (.xlsx; audited)")
def record_export(request, filters: Query[RecordFilters]):
    """The national field order (志愿者姓名, 身份证号 … 更正原因); ID numbers are masked unless
    you may reveal personal data over every volunteer in it. Every export is audited."""
    export = actions.records_export(actor=request.user, filters=_filters(filters))
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Rows"] = str(export.rows)
    response["X-Masked"] = "1" if export.masked else "0"
    return response


@router.post("records", response={201: RecordOut}, summary="Record service without an activity")
def record_create(request, payload: RecordIn):
    """For a volunteer of a community you manage: the fields of the national rules; hours more
    than 0 and at most 24. The same record sent again within two minutes is a 409."""
    record = actions.record_create(actor=request.user, **payload.dict())
    return Status(201, _one(request.user, record.pk))


@router.get("records/{record_id}", response=RecordDetailOut, summary="One service record")
def record_detail(request, record_id: RowId):
    """With the corrections of its service record and the hours they count together."""
    return _one(request.user, record_id)


@router.post(
    "records/{record_id}/corrections",
    response={201: RecordOut},
    summary="Correct a record with a new entry",
)
def record_correct(request, payload: CorrectionIn, record_id: RowId):
    """A correction never changes the record: it is a new entry with signed hours and a reason;
    the record with all its corrections stays from 0 to 24 hours. Points follow (a removal
    takes points back, never below a zero balance)."""
    correction = actions.record_correct(actor=request.user, record_id=record_id, **payload.dict())
    return Status(201, _one(request.user, correction.pk))


# --- an activity's hours ------------------------------------------------------------------------


@router.get(
    "activities/{activity_id}/hours",
    response=HoursSheetOut,
    summary="The hours to record for an activity",
)
def hours_sheet(request, activity_id: RowId):
    """For its organiser (a worker who manages its community, or its team's leader): every
    attended sign-up without a record, with the hours offered."""
    sheet = q.activity_hours(actor=request.user, activity_id=activity_id)
    activity = sheet.activity
    return {
        "activity_id": activity.pk,
        "activity_title": activity.title,
        "organisation_id": sheet.organisation.pk if sheet.organisation else None,
        "organisation_name": sheet.organisation.name if sheet.organisation else "",
        "defaults": {
            "activity_name": activity.title,
            "place": activity.place,
            "beneficiaries": sheet.beneficiaries,
            "content": activity.description,
            "leader_name": activity.leader_name,
        },
        "rows": [
            {
                "signup_id": row.signup.pk,
                "volunteer_id": row.signup.volunteer_id,
                "volunteer_name": row.volunteer.name,
                "shift_id": row.shift.pk,
                "shift_starts_at": row.shift.starts_at,
                "shift_ends_at": row.shift.ends_at,
                "served_on": row.served_on,
                "checked_in_at": row.signup.checked_in_at,
                "checked_out_at": row.signup.checked_out_at,
                "shift_hours": float(row.shift_hours),
                "hours": float(row.hours),
            }
            for row in sheet.rows
        ],
        "recorded": len(sheet.recorded),
    }


@router.post(
    "activities/{activity_id}/hours",
    response={200: HoursResultOut, 201: HoursResultOut},
    summary="Record an activity's hours (once per sign-up)",
)
def hours_record(request, payload: HoursIn, activity_id: RowId):
    """One record per row, all or none: every row is checked first (errors name
    ``hours-<sign-up id>``). 201 when something was written; 200 when every sign-up had its
    record already (``already``)."""
    data = payload.dict()
    rows = data.pop("rows")
    result = actions.activity_hours_record(
        actor=request.user, activity_id=activity_id, rows=rows, **data
    )
    written = (
        ServiceRecord.objects.filter(pk__in=[record.pk for record in result.written])
        .select_related("volunteer", "organisation")
        .order_by("pk")
    )
    body = {"written": [_record(r) for r in written], "already": result.already}
    return Status(201 if result.written else 200, body)


# --- transfers ----------------------------------------------------------------------------------


@router.post("transfers", response={201: TransferOut}, summary="Carry records to an organisation")
def transfer_create(request, payload: TransferIn):
    """Yourself (no ``volunteer_id``) with ``consent`` ticked, or a worker of the volunteer's
    community holding their signed consent. The new organisation then reads every record."""
    transfer = actions.transfer_create(actor=request.user, **payload.dict())
    transfer = Transfer.objects.select_related("from_organisation", "to_organisation").get(
        pk=transfer.pk
    )
    return Status(201, _transfer(transfer))


# --- the volunteer's own ------------------------------------------------------------------------


@router.get("me/hours", response=MyHoursOut, summary="Your hours and star level")
def my_hours(request):
    """404 when you have not registered as a volunteer."""
    volunteer = q.my_volunteer(request.user)
    level, missing = next_star(volunteer.hours_total)
    return {
        "volunteer_id": volunteer.pk,
        "number": volunteer.number,
        "hours_total": float(volunteer.hours_total),
        "star": volunteer.star,
        "stars": actions.stars_text(volunteer.star),
        "next_level": level,
        "hours_to_next": None if missing is None else float(missing),
        "progress": q.star_progress(volunteer.hours_total, volunteer.star),
        "points_balance": volunteer.points_balance,
    }


@router.get("me/hours/records", response=list[MyRecordOut], summary="Your service records")
@paginate(Page)
def my_records(request):
    """Latest first, each with its corrections and the hours they count together."""
    volunteer = q.my_volunteer(request.user)
    records = q.own_records(volunteer)

    def prepare(rows):
        for row in rows:
            row.volunteer = volunteer
        return q.with_net_hours(rows)

    return _Shaped(records, _with_corrections, prepare)


@router.get("me/points", response=MyPointsOut, summary="Your points and what to spend them on")
def my_points(request):
    volunteer = q.my_volunteer(request.user)
    return {
        "balance": volunteer.points_balance,
        "points_per_hour": actions.POINTS_PER_HOUR,
        "offers": [_offer(o) for o in q.offers_for(volunteer)],
        "latest": [_entry(e) for e in q.ledger(volunteer.pk)[: q.LEDGER_RECENT]],
    }


@router.get("me/points/ledger", response=list[PointsEntryOut], summary="Your points ledger")
@paginate(Page)
def my_ledger(request):
    volunteer = q.my_volunteer(request.user)
    return _Shaped(q.ledger(volunteer.pk), _entry)


# --- the time bank ------------------------------------------------------------------------------


@router.get("offers", response=list[OfferOut], summary="Services offered for points")
@paginate(Page)
def offer_list(request, filters: Query[OfferFilters]):
    """The offers of your areas (staff)."""
    return _Shaped(q.offer_list(actor=request.user, active=filters.active), _offer)


@router.post("offers", response={201: OfferOut}, summary="Offer a service for points")
def offer_create(request, payload: OfferIn):
    offer = actions.offer_create(actor=request.user, **payload.dict())
    return Status(201, _offer(q.offer_get(actor=request.user, offer_id=offer.pk)))


@router.get("offers/{offer_id}", response=OfferOut, summary="One offer")
def offer_detail(request, offer_id: RowId):
    return _offer(q.offer_get(actor=request.user, offer_id=offer_id))


@router.patch("offers/{offer_id}", response=OfferOut, summary="Change or withdraw an offer")
def offer_update(request, payload: OfferChangeIn, offer_id: RowId):
    """Only the members sent change; ``active`` false takes it off the list; ``stock`` null is
    no limit."""
    sent = payload.dict(exclude_unset=True)
    changes = {key: sent.get(key, UNSET) for key in OfferChangeIn.model_fields}
    for key in ("name", "description", "points", "active"):
        if changes[key] is None:
            changes[key] = UNSET
    actions.offer_update(actor=request.user, offer_id=offer_id, **changes)
    return _offer(q.offer_get(actor=request.user, offer_id=offer_id))


@router.post(
    "offers/{offer_id}/spend",
    response={200: PointsEntryOut, 201: PointsEntryOut},
    summary="Spend points on an offer (idempotent on client_key)",
)
def offer_spend(request, payload: SpendIn, offer_id: RowId):
    """By the volunteer, or by a worker at the desk naming ``volunteer_id``. 201 when spent,
    200 with the same line when the same ``client_key`` is sent again; 409 ``balance`` (not
    enough points), ``stock`` (none left) or ``inactive``."""
    spent = actions.points_spend(actor=request.user, offer_id=offer_id, **payload.dict())
    entry = PointsEntry.objects.select_related("offer").get(pk=spent.entry.pk)
    return Status(201 if spent.written_now else 200, _entry(entry))


@router.get(
    "volunteers/{volunteer_id}/points",
    response=list[PointsEntryOut],
    summary="A volunteer's points ledger",
)
@paginate(Page)
def volunteer_points(request, volunteer_id: RowId):
    """Latest first; each line's ``balance`` is the balance after it."""
    found = q.volunteer_ledger(actor=request.user, volunteer_id=volunteer_id)
    return _Shaped(found.entries, _entry)


@router.post(
    "volunteers/{volunteer_id}/points/adjust",
    response={201: PointsEntryOut},
    summary="Adjust a volunteer's points",
)
def volunteer_points_adjust(request, payload: AdjustIn, volunteer_id: RowId):
    """By a worker of the volunteer's community, with a reason; never below zero."""
    entry = actions.points_adjust(actor=request.user, volunteer_id=volunteer_id, **payload.dict())
    return Status(201, _entry(entry))


@router.post(
    "totals/recompute",
    response={202: RecomputeOut},
    summary="Recompute every volunteer's hours and stars",
)
def totals_recompute(request):
    """County civil-affairs officers: a background task over the volunteers of their county."""
    return Status(202, {"volunteers": actions.totals_recompute(actor=request.user)})
