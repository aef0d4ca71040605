"""API shapes of the needs and resources lists and matching (/api/v1/matching/).

Inputs refuse unknown members and NUL characters and bound every string; the rules are the
actions', which answer 400 with per-field ``errors`` (403 refused, 404 not visible, 409 not
now). Weekly times are codes ``<day>_<part>``: days ``mon`` … ``sun``, parts ``am`` (09–11),
``pm`` (14–16), ``eve`` (19–21).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from linli.core.schemas import Id, In, Text

from ..models import Category, Match, Need, Resource

Str15 = Annotated[Text, Field(max_length=15)]
Str20 = Annotated[Text, Field(max_length=20)]
Str40 = Annotated[Text, Field(max_length=40)]
Str60 = Annotated[Text, Field(max_length=60)]
Str200 = Annotated[Text, Field(max_length=200)]
Str4000 = Annotated[Text, Field(max_length=4000)]
Count = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Times = Annotated[list[Str20], Field(max_length=40, description="weekly times, e.g. sat_am")]

_CATEGORIES = ", ".join(Category.values)
_KINDS = ", ".join(Resource.Kind.values)


# --- needs -------------------------------------------------------------------------------------


class NeedFilters(Schema):
    status: Str20 = Field("", description=", ".join(Need.Status.values) + "; all when empty")
    category: Str20 = Field("", description=_CATEGORIES)
    urgency: Str20 = Field("", description=", ".join(Need.Urgency.values))
    source: Str20 = Field("", description=", ".join(Need.Source.values))
    area: Str15 = Field("", description="an area code: the needs of its subtree")
    q: Str40 = Field("", description="words of the need or of for whom")


class _NeedFields(In):
    category: Str20 = Field(..., description=_CATEGORIES)
    title: Str200 = Field(..., description="the need in a few words; no names or numbers")
    who: Str200 = Field(..., description="for whom, described not named: 独居老人")
    description: Str4000 = ""
    place: Str200 = ""
    wanted_from: dt.date | None = None
    wanted_until: dt.date | None = None
    times: Times = Field(default_factory=list)
    people: Count = Field(1, description="people to help, 1 to 1000")
    urgency: Str20 = Field("normal", description=", ".join(Need.Urgency.values))
    resident_id: Id | None = Field(None, description="a registry resident of the community")


class NeedIn(_NeedFields):
    area_code: Str15 = Field(..., description="the community's or grid's code")


class NeedPatch(In):
    """Members given change; those left out keep their values."""

    category: Str20 | None = None
    title: Str200 | None = None
    who: Str200 | None = None
    description: Str4000 | None = None
    place: Str200 | None = None
    wanted_from: dt.date | None = None
    wanted_until: dt.date | None = None
    times: Times | None = None
    people: Count | None = None
    urgency: Str20 | None = None
    resident_id: Id | None = None


class NeedOut(Schema):
    id: int
    area_code: str
    area_name: str
    source: str
    source_label: str
    category: str
    category_label: str
    title: str
    who: str
    description: str
    place: str
    wanted_from: dt.date | None
    wanted_until: dt.date | None
    times: list[str]
    people: int
    urgency: str
    urgency_label: str
    status: str
    status_label: str
    closed_reason: str
    appeal_id: int | None
    care_need_id: int | None
    resident_linked: bool = Field(..., description="linked to a registry resident")
    created_at: dt.datetime
    updated_at: dt.datetime
    met_at: dt.datetime | None


class NeedListedOut(NeedOut):
    created: bool = Field(..., description="false: it was listed already")


class FromAppealIn(In):
    appeal_id: Id


class FromCareNeedIn(In):
    care_need_id: Id


class AreaIn(In):
    area_code: Str15 = Field(..., description="a county's, town's or community's code")


class ImportOut(Schema):
    area_code: str
    from_appeals: int
    from_care_visits: int
    more: bool = Field(..., description="more were waiting than one run lists: run it again")


class CloseIn(In):
    reason: Str200


class WaitingRowOut(Schema):
    code: str
    name: str
    open: int
    urgent: int
    oldest: dt.datetime | None
    days: int = Field(..., description="days the oldest has waited")


class WaitingOut(Schema):
    area_code: str
    area_name: str
    total: int
    urgent: int
    rows: list[WaitingRowOut]


# --- suggestions and matches -------------------------------------------------------------------


class ReasonOut(Schema):
    code: str
    text: str
    good: bool = Field(..., description="false: a reason against")


class SuggestionOut(Schema):
    resource_id: int
    name: str
    kind: str
    kind_label: str
    area_code: str
    area_name: str
    capacity: int
    spare: int = Field(..., description="people it can still take this week")
    times: list[str]
    score: float = Field(..., description="out of 100")
    reasons: list[ReasonOut]


class MatchIn(In):
    resource_id: Id
    note: Str200 = ""


class MatchEndIn(In):
    outcome: Str20 = Field(..., description="done or cancelled")
    note: Str200 = ""


class MatchFilters(Schema):
    status: Str20 = Field("", description=", ".join(Match.Status.values))
    kind: Str20 = Field("", description="the resource's kind: " + _KINDS)
    area: Str15 = Field("", description="an area code: the matches of its needs")


class MatchReasonOut(Schema):
    code: str = ""
    text: str = ""


class MatchOut(Schema):
    id: int
    need_id: int
    need_title: str
    area_code: str
    area_name: str
    resource_id: int
    resource_name: str
    resource_kind: str
    score: float
    reasons: list[MatchReasonOut]
    status: str
    status_label: str
    activity_id: int | None = Field(..., description="the team's draft activity")
    booking_id: int | None
    book_url: str = Field(..., description="a venue's booking page, while the match is live")
    note: str
    confirmed_by: str
    confirmed_at: dt.datetime
    ended_at: dt.datetime | None


# --- resources ---------------------------------------------------------------------------------


class ResourceFilters(Schema):
    kind: Str20 = Field("", description=_KINDS)
    category: Str20 = Field("", description=_CATEGORIES)
    active: bool | None = Field(None, description="true: offered; false: stopped")
    area: Str15 = Field("", description="an area code: resources based in its subtree")
    q: Str40 = Field("", description="words of the name")


class ResourceIn(In):
    kind: Str20 = Field(..., description="provider, unit or donation")
    area_code: Str15 = Field(
        ..., description="where it is based: a county, town, community or grid"
    )
    name: Str200
    description: Str4000 = ""
    categories: Annotated[list[Str20], Field(max_length=16, description=_CATEGORIES)]
    serves: Annotated[list[Str15], Field(max_length=4)] = Field(
        default_factory=list,
        description="area codes it serves: its own (always) and its town or county",
    )
    times: Times = Field(default_factory=list)
    capacity: Count = Field(1, description="people a week")
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    contact_name: Str60 = ""
    contact_phone: Str40 = Field("", description="kept encrypted; answers show it masked")


class ResourcePatch(In):
    """Members given change; a team's or venue's resource takes only description, serves,
    available_from, available_until and the contact."""

    name: Str200 | None = None
    description: Str4000 | None = None
    categories: Annotated[list[Str20], Field(max_length=16)] | None = None
    serves: Annotated[list[Str15], Field(max_length=4)] | None = None
    times: Times | None = None
    capacity: Count | None = None
    available_from: dt.date | None = None
    available_until: dt.date | None = None
    contact_name: Str60 | None = None
    contact_phone: Str40 | None = None


class ResourceOut(Schema):
    id: int
    kind: str
    kind_label: str
    area_code: str
    area_name: str
    name: str
    description: str
    categories: list[str]
    serves: list[str]
    times: list[str]
    capacity: int
    in_use: int
    spare: int
    available_from: dt.date | None
    available_until: dt.date | None
    active: bool
    team_id: int | None
    venue_id: int | None
    contact_name: str = Field(..., description="for readers of its own area only")
    contact_phone_masked: str = Field(..., description="for readers of its own area only")
    created_at: dt.datetime
    updated_at: dt.datetime


class SyncOut(Schema):
    area_code: str
    created: int
    updated: int
    unchanged: int
    stopped: int = Field(..., description="offered before, stopped now with their team or venue")
