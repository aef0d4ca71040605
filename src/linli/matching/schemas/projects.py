"""API shapes of the livelihood projects (/api/v1/matching/projects and
/api/v1/matching/public/projects).

Inputs refuse unknown members and NUL characters and bound every string; the rules (amounts,
dates, shares of the work, progress, places within your reach, no phone or ID numbers in what
residents read) are the actions', which answer 400 with per-field ``errors`` (403 refused, 404
not visible, 409 not now). The public shapes carry nothing personal: no names of residents or
staff, no text of residents' needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, Id, In, Text  # noqa: F401

from ..models import Category, LivelihoodProject

Str10 = Annotated[Text, Field(max_length=10)]
Str20 = Annotated[Text, Field(max_length=20)]
Str40 = Annotated[Text, Field(max_length=40)]
Str120 = Annotated[Text, Field(max_length=120)]
Str220 = Annotated[Text, Field(max_length=220)]
Str2000 = Annotated[Text, Field(max_length=2000)]
Amount = Annotated[str, Field(max_length=20, description="yuan, at most two decimals: 120000.50")]
Percent = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Count = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]

_CATEGORIES = ", ".join(Category.values)
_FUNDING = ", ".join(LivelihoodProject.Funding.values)
_STATUSES = ", ".join(LivelihoodProject.Status.values)


# --- inputs ----------------------------------------------------------------------------------------


class ProjectFilters(Schema):
    area: Str20 = Field("", description="an area code: projects of its subtree")
    status: Str20 = Field("", description=_STATUSES)
    category: Str20 = Field("", description=_CATEGORIES)
    funding: Str20 = Field("", description=_FUNDING)
    published: Str10 = Field("", description="true: shown to residents; false: not; both if empty")
    q: Str40 = Field("", description="words of the name or lead unit")


class ProjectIn(In):
    name: Str120
    category: Str20 = Field(..., description=_CATEGORIES)
    summary: Str2000 = Field(..., description="what it does, in plain words residents read")
    budget: Amount | float = Field(..., description="yuan, 0 or more, at most two decimals")
    funding: Str20 = Field(..., description=_FUNDING)
    lead_unit: Str120
    beneficiaries: Str220 = Field(..., description="who benefits, e.g. 辖区60岁以上老人")
    beneficiary_count: Count = Field(0, description="how many people benefit")
    starts_on: dt.date | None = None
    ends_on: dt.date | None = Field(None, description="not before starts_on")


class ProjectCreateIn(ProjectIn):
    area_code: Str20 = Field(..., description="the county, town or community it belongs to")


class PublishIn(In):
    published: bool = Field(True, description="true: show to residents; false: take it back")


class CancelIn(In):
    reason: Str2000 = Field(..., description="why; residents read it when it is published")


class NeedLinkIn(In):
    need_id: Id


class MilestoneIn(In):
    title: Str220 = Field(..., description="residents read it when the project is published")
    due_on: dt.date | None = None
    weight: Percent = Field(0, description="share of the work (%); a project's add up to ≤ 100")
    note: Str220 = ""


class MilestoneDoneIn(In):
    done: bool = Field(True, description="false: not done after all")
    done_on: dt.date | None = Field(None, description="today when left out; not a later day")


class UpdateIn(In):
    text: Str2000 = Field(..., description="what happened; residents read it when published")
    status: Str20 = Field(..., description="planned, under_way or done (cancel: /cancel)")
    progress: Percent | None = Field(
        None,
        description="0–100; left out: 100 when done, else the shares of the milestones done",
    )
    published: bool = Field(True, description="shown to residents (with the project)")
    lowering: bool = Field(False, description="true to lower the progress (say why in text)")


class SummaryFilters(Schema):
    area: Str20 = Field("", description="a county, town or community; your first area if empty")


class PublicFilters(Schema):
    area: Str20 = Field("", description="a county, town or community; the first county if empty")
    status: Str20 = Field("", description=_STATUSES)


# --- answers ----------------------------------------------------------------------------------------


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date | None
    done_on: dt.date | None
    done: bool
    overdue: bool
    weight: int
    note: str
    position: int


class UpdateOut(Schema):
    id: int
    at: dt.datetime
    progress: int
    status: str
    status_label: str
    text: str
    published: bool
    by: str = Field(..., description="the account that reported it")


class NeedBriefOut(Schema):
    id: int
    title: str
    category: str
    category_label: str
    status: str
    status_label: str
    area_code: str
    area_name: str


class ProjectOut(Schema):
    id: int
    area_code: str
    area_name: str
    name: str
    category: str
    category_label: str
    summary: str
    budget: str = Field(..., description="yuan, two decimals")
    funding: str
    funding_label: str
    lead_unit: str
    beneficiaries: str
    beneficiary_count: int
    status: str
    status_label: str
    progress: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    published: bool
    milestones_total: int
    milestones_done: int
    milestones_overdue: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ProjectDetailOut(ProjectOut):
    suggested_progress: int | None = Field(
        ..., description="the shares of the milestones done; null when none carries a share"
    )
    shares: int = Field(..., description="the milestones' shares of the work, in all (%)")
    milestones: list[MilestoneOut]
    updates: list[UpdateOut]
    needs: list[NeedBriefOut]
    can_manage: bool


class TotalOut(Schema):
    key: str
    label: str
    count: int
    budget: str


class TotalsOut(Schema):
    count: int
    budget: str
    by_status: list[TotalOut]
    by_funding: list[TotalOut]


class SummaryRowOut(Schema):
    area_code: str
    area_name: str
    own: bool = Field(..., description="the projects that sit on the area itself")
    count: int = Field(..., description="projects not cancelled")
    done: int
    cancelled: int
    budget: str
    progress: int | None = Field(..., description="average progress of those not cancelled")
    overdue_milestones: int


class SummaryOut(Schema):
    area_code: str
    area_name: str
    up: str | None
    rows: list[SummaryRowOut]
    total: SummaryRowOut


class DeletedOut(Schema):
    id: int
    deleted: bool


class PublicMilestoneOut(Schema):
    title: str
    due_on: dt.date | None
    done_on: dt.date | None
    done: bool


class PublicUpdateOut(Schema):
    at: dt.datetime
    progress: int
    status: str
    status_label: str
    text: str


class AskedOut(Schema):
    category: str
    category_label: str
    status: str
    status_label: str
    count: int


class PublicProjectOut(Schema):
    id: int
    area_code: str
    area_name: str
    name: str
    category: str
    category_label: str
    summary: str
    budget: str
    funding: str
    funding_label: str
    lead_unit: str
    beneficiaries: str
    beneficiary_count: int
    status: str
    status_label: str
    progress: int
    starts_on: dt.date | None
    ends_on: dt.date | None
    updated_at: dt.datetime
    milestones: list[PublicMilestoneOut]
    updates: list[PublicUpdateOut] = Field(..., description="the latest published updates")


class PublicProjectDetailOut(PublicProjectOut):
    asked: list[AskedOut] = Field(
        ..., description="the residents' needs it answers, counted by category and status"
    )
