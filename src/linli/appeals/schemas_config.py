"""API shapes of the appeals settings (/api/v1/appeals/settings/).

Inputs forbid unknown members (a misspelt field is a 422, never silently ignored) and refuse NUL
characters; whether values are acceptable (lengths, codes, ranges, scope) is for the actions,
which answer 400 with per-field ``errors``. Open311 keys appear once, in the answer that issues
them; afterwards only their first characters (``prefix``) are shown.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from linli.core.schemas import MAX_ID, AreaCode, Id, In, Text  # noqa: F401

from .actions.categories import DATATYPES
from .models import ResponseTemplate, Tier, Unit

_DATATYPES = " | ".join(DATATYPES)
_UNIT_KINDS = " | ".join(Unit.Kind.values)
_STEPS = " | ".join(ResponseTemplate.Step.values)
_RESOLVE_UNITS = " | ".join(Tier.Unit.values)


# --- categories ---------------------------------------------------------------------------------


class AnswerOut(Schema):
    key: str
    name: str


class QuestionOut(Schema):
    """A question residents answer when they submit (an Open311 attribute)."""

    code: str
    datatype: str = Field(..., description=_DATATYPES)
    required: bool
    description: str = Field(..., description="the question as residents read it")
    values: list[AnswerOut] = Field(..., description="the answers offered (list kinds only)")


class AnswerIn(In):
    key: Text = Field(..., description="1 to 40 Latin letters, digits, '_' or '-'")
    name: Text


class QuestionIn(In):
    code: Text = Field(..., description="1 to 40 small Latin letters, digits, '_' or '-'")
    datatype: Text = Field(..., description=_DATATYPES)
    required: bool = False
    description: Text = Field(..., description="the question as residents read it")
    values: list[AnswerIn] = Field(
        default_factory=list,
        description="needed for singlevaluelist and multivaluelist, empty for the others",
    )


class CategoryOut(Schema):
    id: int
    county: str = Field(..., alias="area_code")
    parent_id: int | None
    key: str = Field(..., description="the built-in default it came from; empty if added")
    name: str = Field(..., description="the stored name")
    label: str = Field(..., description="the name in the reader's language")
    description: str
    tier: str = Field(..., description="the urgency tier's code")
    tier_name: str
    unit_kind: str = Field(..., description=f"handled by default by: {_UNIT_KINDS}")
    public: bool
    active: bool
    sort: int
    depth: int = Field(..., description="0 at the top of the tree")
    attributes: list[QuestionOut]

    @staticmethod
    def resolve_tier(obj) -> str:
        return obj.tier.code

    @staticmethod
    def resolve_tier_name(obj) -> str:
        return obj.tier.name


class CategoryIn(In):
    county: AreaCode
    name: Text
    tier: Text = Field(..., description="an urgency tier's code, e.g. `general`")
    unit_kind: Text = Field(..., description=_UNIT_KINDS)
    description: Text = ""
    parent_id: Id | None = None
    public: bool = True
    active: bool = True
    sort: int | None = Field(None, description="default: after its siblings")
    attributes: list[QuestionIn] = Field(default_factory=list)


class CategoryUpdateIn(In):
    """An omitted field keeps its value (``null`` too, except ``parent_id``: null moves the
    category to the top level). ``attributes`` replaces all the questions."""

    name: Text | None = None
    description: Text | None = None
    parent_id: Id | None = None
    tier: Text | None = None
    unit_kind: Text | None = None
    public: bool | None = None
    active: bool | None = None
    sort: int | None = None
    attributes: list[QuestionIn] | None = None


# --- tiers and holidays -------------------------------------------------------------------------


class TierOut(Schema):
    code: str
    name: str
    respond_minutes: int = Field(..., description="accept within this many minutes")
    resolve_amount: int
    resolve_unit: str = Field(..., description=_RESOLVE_UNITS)
    sort: int
    builtin: bool = Field(..., description="built-in tiers can be changed, not removed")


class TierIn(In):
    code: Text = Field(..., description="1 to 30 small Latin letters, digits, '_' or '-'")
    name: Text
    respond_minutes: int
    resolve_amount: int
    resolve_unit: Text = Field(..., description=_RESOLVE_UNITS)
    sort: int | None = None


class TierUpdateIn(In):
    """An omitted (or null) field keeps its value."""

    name: Text | None = None
    respond_minutes: int | None = None
    resolve_amount: int | None = None
    resolve_unit: Text | None = Field(None, description=_RESOLVE_UNITS)
    sort: int | None = None


class HolidayOut(Schema):
    date: dt.date
    name: str
    is_workday: bool = Field(..., description="true: a make-up working day; false: a day off")


class HolidayIn(In):
    name: Text
    is_workday: bool = False


class HolidaysImportIn(In):
    text: Text = Field(
        ...,
        description="lines `2026-10-01 国庆节 off` (a day off) or `2026-10-10 调休 on` (a "
        "make-up working day); all or nothing",
    )


class HolidaysImportOut(Schema):
    created: int
    updated: int
    unchanged: int


# --- units and rules ----------------------------------------------------------------------------


class UnitOut(Schema):
    id: int
    kind: str = Field(..., description=_UNIT_KINDS)
    name: str
    area_code: str
    area_name: str
    active: bool

    @staticmethod
    def resolve_area_name(obj) -> str:
        return obj.area.name


class MemberOut(Schema):
    user_id: int
    username: str
    name: str
    is_supervisor: bool
    added_at: dt.datetime

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.user.get_full_name()


class UnitListOut(UnitOut):
    member_count: int


class UnitDetailOut(UnitOut):
    members: list[MemberOut] = Field(
        ..., alias="member_list", description="empty for an area's own unit"
    )


class UnitIn(In):
    area_code: AreaCode
    kind: Text = Field(..., description="department | provider")
    name: Text


class UnitUpdateIn(In):
    """An omitted (or null) field keeps its value."""

    name: Text | None = None
    active: bool | None = None


class MemberIn(In):
    login: Text = Field(..., description="the account's username or mobile number")
    is_supervisor: bool = False


class MemberUpdateIn(In):
    is_supervisor: bool


class RuleOut(Schema):
    id: int
    area_code: str
    area_name: str
    category_id: int | None = Field(..., description="null: any category")
    category_label: str | None
    unit: UnitOut
    created_at: dt.datetime

    @staticmethod
    def resolve_area_name(obj) -> str:
        return obj.area.name

    @staticmethod
    def resolve_category_label(obj) -> str | None:
        from .queries import category_label

        return category_label(obj.category) if obj.category_id else None


class RuleIn(In):
    area_code: AreaCode
    category_id: Id | None = Field(None, description="omit or null for any category")
    unit_id: Id


class CandidateOut(Schema):
    rule: RuleOut
    reach: str = Field(..., description="category | parent | any")
    wins: bool
    skipped: bool = Field(..., description="passed over: its unit is out of use")


class RouteOut(Schema):
    category_id: int
    category_label: str
    outcome: str = Field(
        ...,
        description="rule | default (the place's own unit) | default_new (that unit is set up "
        "with the first appeal) | dispatcher (no unit: a dispatcher decides)",
    )
    unit: UnitOut | None
    rule_id: int | None
    default_kind: str
    default_area_code: str | None

    @staticmethod
    def resolve_category_id(obj) -> int:
        return obj.category.pk

    @staticmethod
    def resolve_category_label(obj) -> str:
        from .queries import category_label

        return category_label(obj.category)

    @staticmethod
    def resolve_rule_id(obj) -> int | None:
        return obj.rule.pk if obj.rule else None

    @staticmethod
    def resolve_default_area_code(obj) -> str | None:
        return obj.default_area.code if obj.default_area else None


class PreviewOut(Schema):
    area_code: str
    area_name: str
    route: RouteOut
    candidates: list[CandidateOut] = Field(..., description="most specific first")


class TableOut(Schema):
    area_code: str
    area_name: str
    routes: list[RouteOut]


# --- templates, policy, defaults ----------------------------------------------------------------


class TemplateOut(Schema):
    id: int
    county: str = Field(..., alias="area_code")
    step: str = Field(..., description=_STEPS)
    category_id: int | None = Field(..., description="null: every category")
    title: str
    text: str
    active: bool


class TemplateIn(In):
    county: AreaCode
    step: Text = Field(..., description=_STEPS)
    title: Text
    text: Text
    category_id: Id | None = None
    active: bool = True


class TemplateUpdateIn(In):
    """An omitted field keeps its value (``null`` too, except ``category_id``: null makes the
    template one for every category)."""

    step: Text | None = None
    title: Text | None = None
    text: Text | None = None
    category_id: Id | None = None
    active: bool | None = None


class PolicyOut(Schema):
    county: str = Field(..., alias="area_code")
    auto_confirm_days: int
    rating_days: int
    satisfied_from: int
    auto_confirmed_resolved: bool
    rectify_workdays: int
    escalate_again_hours: int
    updated_at: dt.datetime | None = Field(None, description="null: the defaults, never changed")

    @staticmethod
    def resolve_updated_at(obj):
        return obj.updated_at if obj.pk else None


class PolicyUpdateIn(In):
    """An omitted (or null) field keeps its value."""

    auto_confirm_days: int | None = Field(None, description="1 to 60")
    rating_days: int | None = Field(None, description="1 to 90")
    satisfied_from: int | None = Field(None, description="3 to 5")
    auto_confirmed_resolved: bool | None = None
    rectify_workdays: int | None = Field(None, description="1 to 60")
    escalate_again_hours: int | None = Field(None, description="1 to 720")


class DefaultsIn(In):
    county: AreaCode


class DefaultsOut(Schema):
    categories: int = Field(..., description="categories added (those already there are kept)")
    templates: int


# --- Open311 clients ----------------------------------------------------------------------------


class ClientOut(Schema):
    id: int
    name: str
    county: str = Field(..., alias="area_code")
    prefix: str = Field(..., description="the key's first characters, to recognise it")
    active: bool
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class ClientCreatedOut(ClientOut):
    key: str = Field(..., description="shown in this answer only; only a digest is kept")


class ClientIn(In):
    name: Text
    area_code: AreaCode
