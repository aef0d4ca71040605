"""API shapes of service records, corrections, transfers and the time bank
(/api/v1/volunteers/…).

Inputs refuse unknown members and NUL characters; the rules (hours within the shift and 0 to
24 with corrections, consent, balances, stock) are the actions', which answer 400 with
per-field ``errors`` (a sheet's rows as ``hours-<sign-up id>`` and ``quality-<sign-up id>``),
403 when the step is not the caller's, 404 when the row is not visible, 409 when it cannot be
done now (not enough points, none left, recorded already). Hours are JSON numbers with at most
two decimals; ID numbers never appear.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import Id, In, Text

from ..models import PointsEntry, ServiceRecord

Kind = Literal["service", "correction"]
Quality = Literal["", "excellent", "good", "fair", "poor"]
PointsKind = Literal["earned", "spent", "adjusted"]
assert set(Kind.__args__) == set(ServiceRecord.Kind.values)  # type: ignore[attr-defined]
assert set(PointsKind.__args__) == set(PointsEntry.Kind.values)  # type: ignore[attr-defined]
Hours = float


# --- records ------------------------------------------------------------------------------------


class RecordOut(Schema):
    id: int
    kind: Kind
    volunteer_id: int
    volunteer_name: str
    volunteer_number: str
    area_code: str = Field(..., description="where the service was done")
    organisation_id: int | None
    organisation_name: str
    activity_id: int | None
    signup_id: int | None
    corrects_id: int | None = Field(..., description="for a correction: the record it corrects")
    activity_name: str
    served_on: dt.date
    place: str
    beneficiaries: str
    content: str
    hours: Hours = Field(..., description="signed for a correction")
    quality: Quality
    leader_name: str
    recorder_name: str
    reason: str = Field(..., description="why a correction was made")
    recorded_at: dt.datetime


class RecordDetailOut(RecordOut):
    corrections: list[RecordOut] = Field(..., description="of the service record, oldest first")
    net_hours: Hours = Field(..., description="the service record's hours with its corrections")


class RecordFilters(Schema):
    date_from: dt.date | None = Field(None, description="served on or after")
    date_to: dt.date | None = Field(None, description="served on or before")
    organisation: Id | None = Field(None, description="the recording organisation")
    activity: Id | None = None
    volunteer: Id | None = None
    kind: Literal["", "service", "correction"] = ""


class RecordIn(In):
    """Service that did not go through an activity."""

    volunteer_id: Id
    activity_name: Text = Field(..., max_length=100)
    served_on: dt.date
    place: Text = Field(..., max_length=200)
    beneficiaries: Text = Field(..., max_length=200)
    content: Text = Field(..., max_length=1000)
    hours: Hours = Field(..., description="more than 0, at most 24")
    quality: Quality = ""
    leader_name: Text = Field(..., max_length=50)
    organisation_id: Id | None = Field(
        None, description="default: the volunteer station of the volunteer's community"
    )


class CorrectionIn(In):
    hours: Hours = Field(..., description="signed, not 0; the record stays from 0 to 24 hours")
    reason: Text = Field(..., max_length=200)


# --- an activity's hours ------------------------------------------------------------------------


class HoursRowOut(Schema):
    signup_id: int
    volunteer_id: int
    volunteer_name: str
    shift_id: int
    shift_starts_at: dt.datetime
    shift_ends_at: dt.datetime
    served_on: dt.date
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    shift_hours: Hours
    hours: Hours = Field(..., description="offered: the smaller of the shift and in→out, ½ h")


class SheetDefaultsOut(Schema):
    activity_name: str
    place: str
    beneficiaries: str
    content: str
    leader_name: str


class HoursSheetOut(Schema):
    activity_id: int
    activity_title: str
    organisation_id: int | None = Field(..., description="the organisation that will record")
    organisation_name: str
    defaults: SheetDefaultsOut
    rows: list[HoursRowOut] = Field(..., description="attended sign-ups without a record")
    recorded: int = Field(..., description="sign-ups recorded already")


class HoursRowIn(In):
    signup_id: Id
    hours: Hours
    quality: Quality = ""


class HoursIn(In):
    rows: list[HoursRowIn] = Field(..., max_length=2000)
    activity_name: Text | None = Field(None, max_length=100, description="default: the title")
    place: Text | None = Field(None, max_length=200)
    beneficiaries: Text | None = Field(None, max_length=200)
    content: Text | None = Field(None, max_length=1000)
    leader_name: Text | None = Field(None, max_length=50)


class HoursResultOut(Schema):
    written: list[RecordOut]
    already: list[int] = Field(..., description="sign-ups that had their record already")


# --- transfers ----------------------------------------------------------------------------------


class TransferIn(In):
    to_organisation_id: Id
    consent: bool = Field(
        ...,
        description="the volunteer's agreement; for a worker: they hold the signed consent",
    )
    volunteer_id: Id | None = Field(None, description="a worker's: the volunteer; else yourself")
    consent_on: dt.date | None = Field(None, description="a worker's: when it was signed")


class TransferOut(Schema):
    id: int
    volunteer_id: int
    from_organisation_id: int
    from_organisation_name: str
    to_organisation_id: int
    to_organisation_name: str
    hours: Hours
    records: int
    consent_at: dt.datetime
    at: dt.datetime


# --- the volunteer's own ------------------------------------------------------------------------


class MyHoursOut(Schema):
    volunteer_id: int
    number: str
    hours_total: Hours
    star: int
    stars: str = Field(..., description="★ for each level reached")
    next_level: int
    hours_to_next: Hours | None = Field(..., description="None at five stars")
    progress: int = Field(..., description="per cent of the way to the next level")
    points_balance: int


class MyRecordOut(RecordOut):
    corrections: list[RecordOut]
    net_hours: Hours


class PointsEntryOut(Schema):
    id: int
    kind: PointsKind
    delta: int
    balance: int = Field(..., description="after this line")
    at: dt.datetime
    offer_id: int | None
    offer_name: str
    record_id: int | None
    note: str


class OfferOut(Schema):
    id: int
    area_code: str
    area_name: str
    name: str
    description: str
    points: int
    stock: int | None = Field(..., description="how many are left; None: no limit")
    active: bool


class MyPointsOut(Schema):
    balance: int
    points_per_hour: int
    offers: list[OfferOut] = Field(..., description="services you may spend points on")
    latest: list[PointsEntryOut] = Field(..., description="the latest lines of your ledger")


# --- the time bank ------------------------------------------------------------------------------


class OfferIn(In):
    area_code: Text = Field(..., max_length=15, description="a county, town or community")
    name: Text = Field(..., max_length=100)
    description: Text = Field("", max_length=1000)
    points: int = Field(..., ge=1, le=100_000)
    stock: int | None = Field(None, ge=0, le=1_000_000, description="None: no limit")


class OfferChangeIn(In):
    """Only what is sent changes."""

    name: Text | None = Field(None, max_length=100)
    description: Text | None = Field(None, max_length=1000)
    points: int | None = Field(None, ge=1, le=100_000)
    stock: int | None = Field(None, ge=0, le=1_000_000, description="null: no limit")
    active: bool | None = None


class OfferFilters(Schema):
    active: Literal["active", "inactive", "all"] = "active"


class SpendIn(In):
    client_key: uuid.UUID = Field(
        ..., description="made by the client when the form opens: sending it again spends once"
    )
    volunteer_id: Id | None = Field(None, description="a worker at the desk: the volunteer")


class AdjustIn(In):
    delta: int = Field(..., ge=-100_000, le=100_000, description="not 0")
    reason: Text = Field(..., max_length=200)


class RecomputeOut(Schema):
    volunteers: int = Field(..., description="volunteers whose totals will be recomputed")
