"""API shapes of appeals: what /api/v1/appeals/ accepts and answers.

Inputs refuse unknown members (a misspelt field is a 422) and NUL characters; the rules of the
domain — lengths, vocabularies, who may do what, which move is legal — are the actions', which
answer 400 with per-field ``errors`` (403 refused, 404 not visible, 409 not now). Lists carry no
personal data; the detail shows contact details masked, and to staff only. Times are ISO 8601
with their offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, In, Text

from .models import Callback, Channel, Event, RatingLevel, State, Supervision, Unit

Id = Annotated[int, Field(ge=1, le=MAX_ID)]

_STATES = " | ".join(State.values)
_CHANNELS = " | ".join(Channel.values)
_LEVELS = ", ".join(
    f"{level.value} {level.name.lower().replace('_', ' ')}" for level in RatingLevel
)

# Vocabularies, enumerated in the schema. The literals are checked against the models below.
StateName = Literal[
    "submitted",
    "dispatched",
    "accepted",
    "in_progress",
    "resolved",
    "confirmed",
    "closed",
    "rejected",
    "merged",
]
ChannelName = Literal["online", "window", "phone", "patrol", "care_visit", "api", "open311"]
UnitKind = Literal["grid", "community", "town", "county", "department", "provider"]
Level = Literal[1, 2, 3, 4, 5]
EventKind = Literal[
    "submitted",
    "dispatched",
    "accepted",
    "started",
    "progress",
    "note",
    "resolved",
    "confirmed",
    "auto_confirmed",
    "closed",
    "returned",
    "transferred",
    "merged",
    "rejected",
    "reopened",
    "rated",
    "callback",
    "escalated",
    "photo",
]
SupervisionReason = Literal["response", "resolution", "manual"]

for _literal, _choices in (
    (StateName, State),
    (ChannelName, Channel),
    (UnitKind, Unit.Kind),
    (Level, RatingLevel),
    (EventKind, Event.Kind),
    (SupervisionReason, Supervision.Reason),
):
    assert set(_literal.__args__) == set(_choices.values), _choices  # type: ignore[attr-defined]


def _level_field(description: str, *, required: bool = False):
    """A rating level: enumerated in the schema, checked by the action (a 400 names the field)."""
    if required:
        return Field(
            ..., description=description, json_schema_extra={"enum": list(RatingLevel.values)}
        )
    return Field(
        None, description=description, json_schema_extra={"enum": [*RatingLevel.values, None]}
    )


# A state filter: a state, or a group of them. Unknown values are a 400 on ``state``.
StateFilter = Annotated[
    Text, Field(json_schema_extra={"enum": [*State.values, "open", "done", "ended"]})
]


# --- shared pieces --------------------------------------------------------------------------


class UnitRef(Schema):
    """A handling unit: an area's own unit, a department office or a provider."""

    id: int
    name: str
    kind: UnitKind


class CategoryRef(Schema):
    id: int
    name: str = Field(..., description="in the reader's language for built-in categories")


# --- lists ------------------------------------------------------------------------------------


class AppealFilters(Schema):
    """Filters of the appeal list; all of them narrow what you may see anyway."""

    state: list[StateFilter] = Field(
        default_factory=list,
        description=(
            f"repeat to combine: {_STATES}, or open (submitted to in_progress), "
            "done (resolved, confirmed) or ended (closed, rejected, merged)"
        ),
    )
    category: Id | None = Field(None, description="a category id; a parent includes its kinds")
    unit: Id | None = Field(None, description="the unit the appeal is with now")
    area: Text = Field("", description="an area code: that area and everything within it")
    channel: Text = Field(
        "", description=_CHANNELS, json_schema_extra={"enum": ["", *Channel.values]}
    )
    q: Text = Field("", description="an appeal number (20261122-1234 or 1234) or title words")
    overdue: bool = Field(False, description="only those whose running clock has run out")
    due_soon: bool = Field(False, description="only those in the last stretch of their clock")
    escalated: bool = Field(False, description="only open ones under supervision (督办)")
    mine: bool = Field(False, description="only those now with a unit you act for")
    callback: bool = Field(False, description="only those waiting for a callback (回访)")
    since: dt.date | None = Field(None, description="submitted on or after this day")
    until: dt.date | None = Field(None, description="submitted on or before this day")
    order: Literal["default", "newest"] = Field(
        "default",
        description=(
            "default: with a state filter, the soonest running deadline first, else the newest; "
            "newest: newest first"
        ),
    )


class AppealOut(Schema):
    """An appeal as lists show it: no contact details, no description."""

    id: int
    number: str = Field(..., description="the reference residents quote, e.g. 20261122-1234")
    title: str
    category: CategoryRef
    area_code: str = Field(..., description="the community or grid where it is")
    state: StateName
    state_label: str
    channel: ChannelName
    unit: UnitRef | None = Field(..., description="the unit it is with now; null while it waits")
    accountable_unit: UnitRef | None = Field(
        ..., description="the unit answerable for it (首问负责) until another accepts it"
    )
    submitted_at: dt.datetime
    respond_due: dt.datetime = Field(..., description="accept (签收) by")
    resolve_due: dt.datetime = Field(..., description="resolve by")
    due_at: dt.datetime | None = Field(
        ..., description="the deadline of the clock that runs now; null when none runs"
    )
    overdue: bool
    due_soon: bool = Field(..., description="in the last quarter of its clock (at most a day)")
    escalation_level: int = Field(..., description="0 unsupervised; 1, 2… levels of 督办")
    rating: Level | None = Field(..., description=f"the latest overall rating: {_LEVELS}")
    callback_due: bool = Field(..., description="a callback (回访) is due after a bad rating")


class CountsOut(Schema):
    """The workbench's buckets over the appeals you may see."""

    to_dispatch: int = Field(..., description="submitted, waiting for a dispatcher")
    to_accept: int = Field(..., description="dispatched, waiting for the unit to accept")
    in_hand: int = Field(..., description="accepted or in progress")
    overdue: int = Field(..., description="a running clock has run out")
    due_soon: int
    escalated: int = Field(..., description="open and under supervision")
    callbacks: int = Field(..., description="callbacks due after a bad rating")
    awaiting_resident: int = Field(..., description="resolved, waiting for the resident")


# --- one appeal -----------------------------------------------------------------------------


class PhotoOut(Schema):
    id: int
    url: str = Field(..., description="served to those who may see the appeal")
    width: int
    height: int
    by_staff: bool = Field(..., description="taken by the unit (e.g. after the work)")
    uploaded_at: dt.datetime


class RatingOut(Schema):
    """好差评 of one round of handling (a reopened appeal is rated again)."""

    round: int
    level: Level = Field(..., description=_LEVELS)
    level_label: str
    efficiency: Level
    attitude: Level
    result: Level
    comment: str
    at: dt.datetime


class SupervisionOut(Schema):
    """督办: the appeal raised to a supervising level."""

    level: int
    reason: SupervisionReason
    reason_label: str
    at: dt.datetime
    due_at: dt.datetime | None = Field(..., description="the deadline that was missed")
    note: str | None = Field(None, description="what the supervisor expects: staff only")


class RectificationOut(Schema):
    """整改 after a bad rating."""

    opened_at: dt.datetime
    due_at: dt.datetime
    done_at: dt.datetime | None
    done: bool


class AppealDetailOut(AppealOut):
    """One appeal. ``contact_name`` and ``contact_phone`` are masked and present for staff only."""

    description: str
    address: str
    lat: float | None
    lng: float | None
    attributes: dict[str, Any] = Field(..., description="answers to the category's questions")
    resolution: str = Field(..., description="what was done, once resolved")
    anonymous: bool = Field(..., description="the resident's name is hidden from the public")
    public: bool = Field(..., description="may be listed publicly")
    contact_name: str | None = Field(None, description="masked (王**); staff only")
    contact_phone: str | None = Field(
        None, description="masked, first three and last four digits; staff only"
    )
    photos: list[PhotoOut]
    ratings: list[RatingOut]
    supervisions: list[SupervisionOut]
    rectifications: list[RectificationOut]
    merged_into: str | None = Field(
        ..., description="the number of the appeal it repeats, once merged"
    )


class EventOut(Schema):
    """One step of the history. ``note`` and ``by`` are internal: staff only."""

    id: int
    at: dt.datetime
    kind: EventKind
    kind_label: str
    public: bool = Field(..., description="shown to the resident")
    message: str = Field(..., description="what the resident is told")
    unit: UnitRef | None
    from_state: StateName | Literal[""]
    to_state: StateName | Literal[""]
    note: str | None = Field(None, description="internal note: staff only")
    by: str | None = Field(None, description="who did it: staff only")


class DuplicateOut(Schema):
    """A likely duplicate: same category, open or just resolved, recent and nearby."""

    number: str
    title: str
    state: StateName
    state_label: str
    submitted_at: dt.datetime


class StaffDuplicateOut(DuplicateOut):
    id: int
    area_code: str


class BulkDispatchOut(Schema):
    dispatched: int
    appeals: list[AppealOut] = Field(..., description="the dispatched appeals you may see")


# --- inputs -----------------------------------------------------------------------------------


Coordinate = Annotated[float, Field(allow_inf_nan=False)]


class AppealIn(In):
    """A new appeal. A resident's own is ``online`` (the default); staff holding
    ``appeal.intake`` over the place take one for a resident at the window, by telephone, on
    patrol or on a care visit, and may link the registry's resident. Photos are added on the
    pages."""

    category_id: Id = Field(..., description="a category offered in the appeal's county")
    area_code: Text = Field(..., description="the community (12 digits) or grid (15) where it is")
    description: Text = Field(..., description="what happened: at least 5 characters")
    title: Text = Field("", description="default: the start of the description")
    address: Text = ""
    lat: Coordinate | None = Field(None, description="WGS-84 latitude, with lng")
    lng: Coordinate | None = Field(None, description="WGS-84 longitude, with lat")
    channel: Text = Field(
        "online",
        description=f"{_CHANNELS}; window, phone, patrol and care_visit need appeal.intake",
        json_schema_extra={"enum": [c for c in Channel.values if c != Channel.OPEN311]},
    )
    contact_name: Text = Field("", description="default for your own appeal: your name")
    contact_phone: Text = Field(
        "", description="a mobile or landline number; default for your own appeal: yours"
    )
    anonymous: bool = Field(False, description="hide the resident's name from the public")
    public: bool = Field(False, description="may be listed publicly (never for private matters)")
    attributes: dict[Text, Text | int | Coordinate | bool | None] = Field(
        default_factory=dict, description="answers to the category's questions, by code"
    )
    resident_id: Id | None = Field(
        None, description="staff channels: the registry's resident it is for"
    )


class DuplicatesCheckIn(In):
    category_id: Id
    area_code: Text = Field(..., description="the community (12 digits) or grid (15)")
    lat: Coordinate | None = None
    lng: Coordinate | None = None


class DispatchIn(In):
    unit_id: Id = Field(..., description="a unit of the appeal's county that is in use")
    note: Text = Field("", description="internal, for the unit")


class BulkDispatchIn(DispatchIn):
    appeal_ids: list[Id] = Field(..., description="at most 200; all are dispatched or none")


class MessageIn(In):
    message: Text = Field("", description="for the resident; default: a standard message")


class ProgressIn(In):
    message: Text = Field("", description="news for the resident (the handling unit)")
    note: Text = Field("", description="an internal note, never shown to the resident")


class ResolveIn(In):
    resolution: Text = Field(..., description="what was done; the resident is asked to confirm")


class ReasonIn(In):
    reason: Text = Field(..., description="why")


class TransferIn(In):
    unit_id: Id = Field(..., description="a unit of the appeal's county that is in use")
    reason: Text = Field(..., description="why; internal")


class MergeIn(In):
    into_id: Id = Field(..., description="the appeal this one repeats")
    reason: Text = Field("", description="internal")


class ConfirmIn(In):
    solved: bool = Field(True, description="false sends it back to the unit (reopened)")
    comment: Text = Field("", description="required when not solved")


class RateIn(In):
    level: int = _level_field(f"overall: {_LEVELS}", required=True)
    efficiency: int | None = _level_field("default: the overall level")
    attitude: int | None = _level_field("default: the overall level")
    result: int | None = _level_field("default: the overall level")
    comment: Text = Field("", description="required below 3 (a bad rating reopens it)")
    on_behalf: bool = Field(False, description="a supervisor records a rating given by telephone")


class CallbackIn(In):
    outcome: Text = Field(
        ...,
        description=" | ".join(Callback.Outcome.values),
        json_schema_extra={"enum": list(Callback.Outcome.values)},
    )
    note: Text = Field(..., description="what was said")


class NoteIn(In):
    note: Text = Field("", description="internal")


class SuperviseIn(In):
    note: Text = Field(..., description="what the supervisor expects")
