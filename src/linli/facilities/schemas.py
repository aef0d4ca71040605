"""API shapes of the facility register and venues (/api/v1/facilities/).

Inputs refuse unknown members and NUL characters and bound every string; the rules — figures,
hours, map points, places within your reach — are the actions', which answer 400 with
per-field ``errors`` (403 refused, 404 not visible, 409 not now). A day's hours error is named
``hours.<day>``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from .models import Facility, Venue

Str10 = Annotated[Text, Field(max_length=10)]
Str15 = Annotated[Text, Field(max_length=15)]
Str20 = Annotated[Text, Field(max_length=20)]
Str40 = Annotated[Text, Field(max_length=40)]
Str60 = Annotated[Text, Field(max_length=60)]
Str200 = Annotated[Text, Field(max_length=200)]
Str400 = Annotated[Text, Field(max_length=400)]
Str4000 = Annotated[Text, Field(max_length=4000)]


Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]
Count = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Ranges = list[Annotated[list[Str10], Field(max_length=4)]]
Hours = dict[Str10, Str200 | Annotated[Ranges, Field(max_length=8)]]

_KINDS = ", ".join(Facility.Kind.values)
_VENUE_KINDS = ", ".join(Venue.Kind.values)
_HOURS = (
    "per weekday (mon … sun): text such as `08:30-12:00, 14:00-18:00` or pairs "
    '[["08:30", "12:00"], …]; a day left out or empty is closed'
)


# --- facilities ---------------------------------------------------------------------------------


class FacilityFilters(Schema):
    area: Str15 = Field("", description="an area code: facilities of its subtree")
    kind: Str20 = Field("", description=_KINDS)
    status: Str10 = Field("", description="open, building or closed; all when empty")
    q: Str40 = Field("", description="words of the name or address")
    short_hours: bool = Field(False, description="open under 8 hours on some day of the week")
    no_terminal: bool = Field(False, description="without a government self-service terminal")
    accessible: bool = Field(False, description="with at least one accessibility feature")
    new_build: bool = Field(False, description="built in the plan period")


class FacilityIn(In):
    area_code: Str15 = Field(..., description="the community's code, or the town's")
    name: Str200
    kind: Str20 = Field(..., description=_KINDS)
    status: Str10 = Field("open", description="open, building or closed")
    floor_area: Number = Field(..., description="m², more than 0")
    activity_area: Number | None = Field(None, description="m² for residents; ≤ floor_area")
    year_built: Count | None = None
    ownership: Str10 = Field("owned", description="owned, leased, shared, lent or other")
    address: Str400 = ""
    latitude: Number | None = Field(None, description="WGS-84, 3 to 54, with longitude")
    longitude: Number | None = Field(None, description="WGS-84, 73 to 136, with latitude")
    accessibility: list[Str20] = Field(
        default_factory=list,
        max_length=20,
        description=", ".join(Facility.Accessibility.values),
    )
    terminals: Count = Field(0, description="government self-service terminals")
    hours: Hours = Field(default_factory=dict, description=_HOURS)
    phone: Str60 = ""
    new_build: bool = Field(False, description="built in the plan period")
    residential_area: Number | None = Field(
        None, description="m² of housing it serves; required when new_build"
    )
    commercial_area: Number | None = Field(None, description="m² of commercial space built with it")
    note: Str4000 = ""


class PhotoOut(Schema):
    id: int
    caption: str
    width: int
    height: int
    size: int
    uploaded_at: dt.datetime
    url: str = Field(..., description="the photo (JPEG), for a signed-in browser or a token")


class VenueBriefOut(Schema):
    id: int
    name: str
    kind: str
    capacity: int
    active: bool


class FacilityOut(Schema):
    id: int
    area_code: str
    area_name: str
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    floor_area: float
    activity_area: float
    year_built: int | None
    ownership: str
    address: str
    latitude: float | None
    longitude: float | None
    accessibility: list[str]
    terminals: int
    hours: dict[str, list[list[str]]]
    open_days: int = Field(..., description="days open a week")
    min_daily_hours: float = Field(..., description="the shortest opening day, in hours")
    short_hours: bool = Field(..., description="open under 8 hours on some day")
    phone: str
    new_build: bool
    residential_area: float | None
    commercial_area: float
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime


class FacilityDetailOut(FacilityOut):
    photos: list[PhotoOut]
    venues: list[VenueBriefOut]
    can_manage: bool


class FacilityCloseOut(Schema):
    facility: FacilityOut
    venues_closed: int = Field(..., description="its venues that stopped taking bookings")
    bookings_affected: int = Field(
        ..., description="live bookings of those venues still to come, for the bookings desk"
    )


class MapPointOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    status: str
    lat: float
    lng: float
    open_days: int
    min_daily_hours: float
    short_hours: bool


class MapOut(Schema):
    points: list[MapPointOut]
    truncated: bool = Field(..., description="more facilities have a map point than listed")
    without_point: int = Field(..., description="facilities of the list without a map point")
    tiles: str = Field(..., description="the tile URL template; empty: no background")
    attribution: str


class RowErrorOut(Schema):
    row: int = Field(..., description="the spreadsheet's row number")
    column: str = Field(..., description="the column's header, as in the template")
    message: str


class ImportOut(Schema):
    ok: bool
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]


class ImportProblemOut(Schema):
    type: str
    title: str
    status: int
    instance: str
    errors: dict[str, list[str]] | None = None
    rows: list[RowErrorOut] = Field(..., description="each problem by row, column and message")


# --- venues -------------------------------------------------------------------------------------


class VenueFilters(Schema):
    area: Str15 = Field("", description="an area code: venues of its subtree")
    kind: Str20 = Field("", description=_VENUE_KINDS)
    active: bool | None = Field(None, description="true: taking bookings; false: closed")
    facility: Id | None = Field(None, description="the venues of one facility")
    units: bool = Field(False, description="only resources units open to the public")
    q: Str40 = Field("", description="words of the name, unit or address")


class VenueIn(In):
    facility_id: Id | None = Field(None, description="the facility it is in")
    area_code: Str15 | None = Field(None, description="a unit's resource: its community's code")
    unit_name: Str200 = Field("", description="a unit's resource: the unit that opens it")
    name: Str200
    kind: Str20 = Field(..., description=_VENUE_KINDS)
    capacity: Count = Field(..., description="people or places")
    rules: Str4000 = ""
    address: Str400 = ""
    latitude: Number | None = None
    longitude: Number | None = None
    for_residents: bool = True
    for_organisations: bool = True
    for_staff: bool = True
    approval: Str10 = Field("instant", description="instant or approval")
    hours: Hours = Field(default_factory=dict, description="bookable hours " + _HOURS)
    slot_minutes: Count = Field(60, description="15 to 480, a multiple of 5")
    max_slots: Count = Field(4, description="most slots in one booking, 1 to 48")
    days_ahead: Count = Field(14, description="bookable days ahead, 1 to 365")


class VenueOut(Schema):
    id: int
    area_code: str
    area_name: str
    facility_id: int | None
    facility_name: str
    unit_name: str
    name: str
    kind: str
    kind_label: str
    capacity: int
    rules: str
    address: str
    latitude: float | None
    longitude: float | None
    for_residents: bool
    for_organisations: bool
    for_staff: bool
    approval: str
    approval_label: str
    hours: dict[str, list[list[str]]]
    slot_minutes: int
    max_slots: int
    days_ahead: int
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class VenueCloseOut(Schema):
    venue: VenueOut
    bookings_affected: int = Field(
        ..., description="live bookings still to come, kept for the bookings desk"
    )
