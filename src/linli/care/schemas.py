"""API shapes of the care roster, visit plans, plan runs, visit rates and the visit policy.

Inputs refuse unknown members (a misspelt field is a 422) and NUL characters; the rules of the
domain are the actions', which answer 400 with per-field ``errors`` (403 refused, 404 not
visible, 409 not now). People on the roster are shown by name, as staff see them in the
registry; ID numbers and phones only masked. The health and living notes are never here.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import AreaCode, Id, In, Text

from .models import Frequency, Plan, Policy, Risk, Run, Subject

KindName = Literal["elderly", "disability", "child"]
FrequencyName = Literal["weekly", "fortnightly", "monthly"]
RiskName = Literal["normal", "high"]
PlanStatusName = Literal["open", "done", "dropped"]
EndReasonName = Literal["moved", "died", "tag_ended", "policy"]
RunStatusName = Literal["queued", "running", "done", "failed"]
Month = str  # YYYY-MM, checked by the queries and actions (400 with the field named)

assert set(KindName.__args__) == set(Policy.Kind.values)  # type: ignore[attr-defined]
assert set(FrequencyName.__args__) == set(Frequency.values)  # type: ignore[attr-defined]
assert set(RiskName.__args__) == set(Risk.values)  # type: ignore[attr-defined]
assert set(PlanStatusName.__args__) == set(Plan.Status.values)  # type: ignore[attr-defined]
assert set(EndReasonName.__args__) == set(Subject.EndReason.values)  # type: ignore[attr-defined]
assert set(RunStatusName.__args__) == set(Run.Status.values)  # type: ignore[attr-defined]


class CareWorkerOut(Schema):
    id: int
    name: str


class CareMonthPlanOut(Schema):
    """This month's plan of a person on the roster."""

    id: int
    status: PlanStatusName
    done: int
    required: int
    worker: CareWorkerOut | None


class CareSubjectOut(Schema):
    """A person on the care roster as lists show them."""

    id: int
    resident_id: int
    name: str
    sex: str
    age: int | None
    id_number_masked: str
    phone_masked: str
    area_code: str
    kind: KindName
    kind_label: str
    tags: list[str] = Field(..., description="codes of the groups that put them on the roster")
    frequency: FrequencyName
    frequency_label: str
    risk: RiskName
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: EndReasonName | Literal[""]
    this_month: CareMonthPlanOut | None = Field(
        ..., description="this month's visit plan; null when none was made"
    )


class CarePlanOut(Schema):
    """One person's visits due in one month."""

    id: int
    subject_id: int
    resident_id: int
    name: str
    area_code: str
    month: dt.date = Field(..., description="the first day of the month")
    due_on: dt.date
    days_left: int = Field(..., description="days until due_on (negative when overdue)")
    frequency: FrequencyName
    required: int
    done: int
    met: bool
    status: PlanStatusName
    status_label: str
    worker: CareWorkerOut | None
    last_visit_at: dt.datetime | None
    dropped_on: dt.date | None
    drop_reason: EndReasonName | Literal[""]


class CareSubjectDetailOut(CareSubjectOut):
    address: str = Field(..., description="the household's address; empty when none")
    plans: list[CarePlanOut] = Field(..., description="the last twelve months' plans")


class CareRiskIn(In):
    risk: RiskName


class CareReassignIn(In):
    worker_id: Id


class CareGenerateIn(In):
    area_code: AreaCode
    month: str = Field(..., description="YYYY-MM", max_length=7, pattern=r"^\d{4}-\d{2}$")


class CareRunOut(Schema):
    id: int
    area_code: str
    month: dt.date
    status: RunStatusName
    status_label: str
    counts: dict[str, int] = Field(
        ...,
        description="roster added, updated, ended; plans_created, plans_reassigned, "
        "plans_updated, plans_dropped (all zero: nothing had changed)",
    )
    message: str
    requested_by: str = Field(..., description="empty when the platform queued it")
    created_at: dt.datetime
    finished_at: dt.datetime | None


class CareRateRowOut(Schema):
    code: str
    name: str
    level: int | None = Field(..., description="null for a community's people in no grid")
    numerator: int = Field(..., description="plans met (visits made ≥ visits required)")
    denominator: int = Field(..., description="plans of the month, less dropped unmet ones")
    rate: float | None = Field(..., description="numerator ÷ denominator; null when 0 ÷ 0")
    not_visited: int
    overdue: int
    unassigned: int


class CareAreaOut(Schema):
    code: str
    name: str
    level: int


class CareRateOut(Schema):
    area: CareAreaOut
    month: dt.date
    rule: str
    total: CareRateRowOut
    rows: list[CareRateRowOut] = Field(..., description="the child areas of `area`")


class CareRatePointOut(Schema):
    month: dt.date
    numerator: int
    denominator: int
    rate: float | None


class CarePolicyOut(Schema):
    id: int
    county: str
    tag_code: str
    tag_name: str
    kind: KindName
    frequency: FrequencyName
    high_risk_frequency: FrequencyName
    grades: list[str]
    active: bool
    updated_at: dt.datetime


class CarePolicyIn(In):
    tag_code: Text = Field(..., max_length=40)
    kind: KindName
    frequency: FrequencyName = "monthly"
    high_risk_frequency: FrequencyName = "weekly"
    grades: list[Text] = Field(
        default_factory=list,
        max_length=20,
        description="only memberships of these grades count (empty: every grade)",
    )
    active: bool = True


class CarePolicyDefaultsOut(Schema):
    added: int
    rows: list[CarePolicyOut]
