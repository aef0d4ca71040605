"""API shapes of notices (通知公告): what /api/v1/notices/ accepts and answers.

Inputs refuse unknown members (a misspelt field is a 422) and NUL characters; the rules of the
domain — lengths, groups in use and who may address them, staff roles, a schedule that makes
sense, who may publish where — are the actions', which answer 400 with per-field ``errors``
(403 refused, 404 not visible, 409 not possible now). Times are ISO 8601 with their offset.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from linli.core.roles import STAFF_ROLES
from linli.core.schemas import AreaCode, Id, In, Text

from .models import Notice
from .queries.notices import STATUSES

AudienceName = Literal["residents", "staff", "everyone"]
StaffRoleName = Literal[
    "grid_worker",
    "building_head",
    "community_worker",
    "community_head",
    "town_officer",
    "department_officer",
    "county_officer",
    "provider",
]
StatusName = Literal["scheduled", "live", "expired", "withdrawn"]

for _literal, _values in (
    (AudienceName, set(Notice.Audience.values)),
    (StaffRoleName, {str(role) for role in STAFF_ROLES}),
    (StatusName, set(STATUSES)),
):
    assert set(_literal.__args__) == _values, _values  # type: ignore[attr-defined]

_AUDIENCE = "residents | staff | everyone (residents and staff)"
_TAGS = (
    "only residents holding one of these groups (特殊人群标签 codes, a group includes its kinds); "
    "for notices to residents only; sensitive groups only by the roles they name"
)
_ROLES = "only staff holding one of these roles; for notices to staff only"


class NoticeIn(In):
    area_code: AreaCode = Field(..., description="the root of the subtree it goes to")
    title: Text = Field(..., description="at most 100 characters")
    body: Text = Field(..., description="at most 5000 characters")
    audience: AudienceName = Field("residents", description=_AUDIENCE)
    tags: list[Text] = Field(default_factory=list, max_length=50, description=_TAGS)
    roles: list[StaffRoleName] = Field(default_factory=list, description=_ROLES)
    publish_at: dt.datetime | None = Field(
        None, description="when it appears (empty: now; at most a year ahead)"
    )
    expires_at: dt.datetime | None = Field(None, description="shown until (empty: until withdrawn)")
    pinned: bool = False


class NoticeUpdateIn(In):
    """Members left out stay as they are; ``expires_at: null`` shows it until withdrawn."""

    area_code: AreaCode | None = None
    title: Text | None = None
    body: Text | None = None
    audience: AudienceName | None = None
    tags: list[Text] | None = Field(None, max_length=50, description=_TAGS)
    roles: list[StaffRoleName] | None = Field(None, description=_ROLES)
    publish_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    pinned: bool | None = None
    remove_attachments: list[Id] = Field(
        default_factory=list, max_length=10, description="ids of attachments to remove"
    )


class NoticeFiltersIn(Schema):
    status: StatusName | Literal[""] = Field(
        "", description="scheduled | live | expired | withdrawn"
    )
    area: Text = Field("", max_length=15, description="an area code or its first digits")
    q: Text = Field("", max_length=50, description="words of the title")


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str = Field(..., description="download it (for those who may read the notice)")
    uploaded_at: dt.datetime


class NoticeOut(Schema):
    """A notice in the reader's list."""

    id: int
    area_code: str
    area_name: str
    title: str
    excerpt: str
    audience: AudienceName
    pinned: bool
    publish_at: dt.datetime
    expires_at: dt.datetime | None
    read: bool
    has_attachments: bool


class NoticeDetailOut(Schema):
    id: int
    area_code: str
    area_name: str
    title: str
    body: str
    audience: AudienceName
    tags: list[str]
    roles: list[str]
    pinned: bool
    publish_at: dt.datetime
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    status: StatusName
    attachments: list[AttachmentOut]
    for_reader: bool = Field(..., description="you read it (and have a receipt)")
    manageable: bool = Field(..., description="you may change or withdraw it")
    read_at: dt.datetime | None = Field(None, description="when you first read it")


class PublishedOut(Schema):
    """A notice in the publisher's list."""

    id: int
    area_code: str
    area_name: str
    title: str
    audience: AudienceName
    tags: list[str]
    roles: list[str]
    pinned: bool
    status: StatusName
    publish_at: dt.datetime
    expires_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    read_count: int
    published_by: str


class ReceiptOut(Schema):
    notice_id: int
    read_at: dt.datetime


class CommunityReceiptOut(Schema):
    code: str
    name: str
    online: int = Field(..., description="residents reached who have an account")
    offline: int = Field(..., description="residents reached without an account")
    read: int
    percent: int | None = Field(..., description="read ÷ online, rounded")


class ResidentReceiptsOut(Schema):
    online: int
    offline: int
    read: int
    percent: int | None
    communities: list[CommunityReceiptOut]


class UnreadStaffOut(Schema):
    user_id: int
    name: str
    role: str
    role_label: str
    area_code: str
    area_name: str


class StaffReceiptsOut(Schema):
    reached: int = Field(..., description="staff of the subtree holding a role it names")
    read: int
    unread: int
    percent: int | None
    not_read_yet: list[UnreadStaffOut] = Field(..., description="at most 200, by area")
    capped: bool


class ReceiptsOut(Schema):
    notice_id: int
    audience: AudienceName
    residents: ResidentReceiptsOut | None
    staff: StaffReceiptsOut | None
    other_reads: int = Field(..., description="readers outside both counts")
    total_reads: int
