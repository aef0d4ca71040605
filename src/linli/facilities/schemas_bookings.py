"""API shapes of venue bookings (/api/v1/facilities/…).

Inputs refuse unknown members and NUL characters; the rules (hours, slots, the booking window,
capacity, who may book as whom, a time being free) are the actions', which answer 400 with
per-field ``errors`` (403 refused, 404 not visible, 409 taken or not possible now). Bookers'
names are masked unless you manage the venue's bookings (or booked it); phone numbers always.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import Booking

BookingStatus = Literal["pending", "confirmed", "checked_in", "no_show", "cancelled", "rejected"]
assert set(BookingStatus.__args__) == set(Booking.Status.values)  # type: ignore[attr-defined]
BookerKind = Literal["resident", "organisation", "staff"]
assert set(BookerKind.__args__) == set(Booking.BookerKind.values)  # type: ignore[attr-defined]
Step = Literal["cancel", "approve", "reject", "check_in", "no_show"]


class BookableVenueOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    area_code: str
    area_name: str
    facility_id: int | None
    facility_name: str
    unit_name: str = Field(..., description="the unit that opens it, when not in a facility")
    address: str
    capacity: int
    rules: str
    approval: Literal["instant", "approval"]
    slot_minutes: int
    max_slots: int
    days_ahead: int
    booker_kinds: list[BookerKind] = Field(..., description="as whom you may book it")


class SlotOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    state: Literal["free", "taken", "mine", "past"]
    booking_id: int | None = Field(
        None, description="yours, or any when you read the venue's bookings"
    )


class DayOut(Schema):
    day: dt.date
    open: bool


class VenueDayOut(Schema):
    venue_id: int
    day: dt.date
    bookable: bool = Field(..., description="you may book this venue on this day")
    booker_kinds: list[BookerKind]
    slots: list[SlotOut]
    days: list[DayOut] = Field(..., description="the days that can be booked, today first")


class BookingIn(In):
    venue_id: Id
    starts_at: dt.datetime = Field(..., description="a slot's start; without an offset: local")
    ends_at: dt.datetime | None = Field(None, description="a slot's end; or give slots")
    slots: int | None = Field(None, ge=1, le=96, description="slots in a row (1 when neither)")
    booker_kind: BookerKind = "resident"
    organisation: Text = Field("", max_length=100, description="for an organisation's booking")
    purpose: Text = Field(..., max_length=200)
    attendees: int = Field(1, ge=1, le=100_000)
    client_key: uuid.UUID = Field(
        ..., description="made by the client when the form opens: sending it again books once"
    )


class BookingOut(Schema):
    id: int
    venue_id: int
    venue_name: str
    area_code: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: BookingStatus
    status_label: str
    booker_kind: BookerKind
    booker_name: str = Field(..., description="masked unless you manage the bookings or booked")
    booker_phone: str = Field(..., description="always masked")
    organisation: str
    purpose: str
    attendees: int
    created_at: dt.datetime
    decided_at: dt.datetime | None
    reason: str
    checked_in_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    steps: list[Step] = Field(..., description="what you may do with it now")


class ReasonIn(In):
    reason: Text = Field("", max_length=200)


class RejectIn(In):
    reason: Text = Field(..., max_length=200)


class MyFilters(Schema):
    when: Literal["upcoming", "past"] = "upcoming"


class BookingFilters(Schema):
    status: Text = Field(
        "",
        max_length=20,
        description="a status, live, or to_settle (confirmed and over, not checked in)",
        json_schema_extra={"enum": ["", *Booking.Status.values, "live", "to_settle"]},
    )
    venue: Id | None = None
    area: Text = Field("", max_length=15, description="an area code: that area and within it")
    kind: Text = Field(
        "", max_length=20, json_schema_extra={"enum": ["", *Booking.BookerKind.values]}
    )
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class CellOut(Schema):
    state: Literal["free", "taken", "mine", "past", "closed"]
    booking_id: int | None = None
    status: BookingStatus | None = None
    booker_name: str = ""
    organisation: str = ""


class CalendarRowOut(Schema):
    time: str = Field(..., description="the slots' local start, 09:00")
    cells: list[CellOut] = Field(..., description="one a day, Monday first")


class CalendarOut(Schema):
    venue_id: int
    week_start: dt.date
    days: list[dt.date]
    rows: list[CalendarRowOut]


class UsageRowOut(Schema):
    venue_id: int | None
    venue_name: str
    area_code: str
    active: bool
    bookable_hours: float
    booked_hours: float = Field(..., description="confirmed, checked in or not come")
    used_hours: float = Field(..., description="checked in")
    bookings: int
    checked_in: int
    no_shows: int
    cancelled: int
    utilisation: float | None = Field(..., description="booked ÷ bookable hours, %")
    use_rate: float | None = Field(..., description="used ÷ bookable hours, %")
    attendance: float | None = Field(..., description="checked in ÷ (checked in + no-shows), %")


class UsageOut(Schema):
    date_from: dt.date
    date_to: dt.date
    area_code: str
    rows: list[UsageRowOut]
    total: UsageRowOut
