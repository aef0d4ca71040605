"""The care roster API at /api/v1/care/: the roster, risk levels, monthly visit plans and their
reassignment, plan generation runs, the visit rate and its trend, the not-yet-visited list and
the county's visit policy.

Each operation parses, calls one action or query of :mod:`linli.care`, and shapes the answer.
What you see is what the pages show you: the people and plans of your areas, anything else is a
404. Names are shown as staff see them in the registry; ID numbers and phones only masked; the
health and living notes never. Errors are problem+json: 400 with per-field ``errors`` named as
the JSON members, 403 when the step is not yours, 404 when the row is not visible, 409 when the
step is not possible now. Lists are paginated (``?limit=&offset=``).
"""

from typing import Annotated

from django.utils.translation import gettext_lazy
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.errors import ActionError
from linli.core.pagination import Page
from linli.core.schemas import MAX_ID
from linli.registry.queries import masked_id, masked_phone

from .. import actions, queries
from ..models import Frequency, Plan, Policy, Run, Subject
from ..schemas import (
    CareGenerateIn,
    CarePlanOut,
    CarePolicyDefaultsOut,
    CarePolicyIn,
    CarePolicyOut,
    CareRateOut,
    CareRatePointOut,
    CareReassignIn,
    CareRiskIn,
    CareRunOut,
    CareSubjectDetailOut,
    CareSubjectOut,
    KindName,
    PlanStatusName,
    RiskName,
)

router = Router(tags=["care"])

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
MonthQuery = Annotated[str, Query(..., description="YYYY-MM", max_length=7)]
AreaQuery = Annotated[
    str, Query("", description="an area code (default: your widest area)", max_length=15)
]

RATE_RULE = gettext_lazy(
    "Plans met (visits made ≥ visits required) ÷ plans of the month. A dropped plan (the "
    "person died, moved away or left the roster) counts in neither, unless it was already met."
)

# The actions and queries name fields as the pages' forms do; some JSON members differ.
_JSON_NAMES = {"area_code": "area", "county_code": "county"}


def _act(call, *, rename: dict[str, str] | None = None, **kwargs):
    """Call one action or query; its field errors are renamed after the JSON members."""
    names = _JSON_NAMES if rename is None else rename
    try:
        return call(**kwargs)
    except ActionError as exc:
        exc.errors = {names.get(name, name): msgs for name, msgs in exc.errors.items()}
        raise


# --- shaping -------------------------------------------------------------------------------------


def _worker(user_id, name) -> dict | None:
    if user_id is None:
        return None
    return {"id": user_id, "name": name or ""}


def _subject(subject: Subject) -> dict:
    resident = subject.resident
    plan_id = getattr(subject, "plan_id", None)
    return {
        "id": subject.pk,
        "resident_id": subject.resident_id,
        "name": resident.name,
        "sex": resident.sex,
        "age": resident.age,
        "id_number_masked": masked_id(resident),
        "phone_masked": masked_phone(resident),
        "area_code": subject.area_code,
        "kind": subject.kind,
        "kind_label": str(Policy.Kind(subject.kind).label),
        "tags": list(subject.tags or []),
        "frequency": subject.frequency,
        "frequency_label": str(Frequency(subject.frequency).label),
        "risk": subject.risk,
        "started_on": subject.started_on,
        "ended_on": subject.ended_on,
        "end_reason": subject.end_reason,
        "this_month": None
        if plan_id is None
        else {
            "id": plan_id,
            "status": subject.plan_status,
            "done": subject.plan_done,
            "required": subject.plan_required,
            "worker": _worker(subject.plan_worker_id, subject.plan_worker_name),
        },
    }


def _plan(plan: Plan) -> dict:
    worker = plan.worker
    return {
        "id": plan.pk,
        "subject_id": plan.subject_id,
        "resident_id": plan.resident_id,
        "name": plan.resident.name,
        "area_code": plan.area_code,
        "month": plan.month,
        "due_on": plan.due_on,
        "days_left": plan.days_left(),
        "frequency": plan.frequency,
        "required": plan.required,
        "done": plan.done,
        "met": plan.met,
        "status": plan.status,
        "status_label": str(Plan.Status(plan.status).label),
        "worker": None
        if worker is None
        else _worker(worker.pk, worker.full_name or worker.username),
        "last_visit_at": plan.last_visit_at,
        "dropped_on": plan.dropped_on,
        "drop_reason": plan.drop_reason,
    }


def _run(run: Run) -> dict:
    by = run.created_by
    return {
        "id": run.pk,
        "area_code": run.area_code,
        "month": run.month,
        "status": run.status,
        "status_label": str(Run.Status(run.status).label),
        "counts": {k: int(v) for k, v in (run.counts or {}).items()},
        "message": run.message,
        "requested_by": (by.full_name or by.username) if by is not None else "",
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def _rate_row(row: queries.RateRow) -> dict:
    return {
        "code": row.code,
        "name": row.name,
        "level": row.area.level if row.area is not None else None,
        "numerator": row.numerator,
        "denominator": row.denominator,
        "rate": row.rate,
        "not_visited": row.not_visited,
        "overdue": row.overdue,
        "unassigned": row.unassigned,
    }


def _policy(policy: Policy) -> dict:
    return {
        "id": policy.pk,
        "county": policy.area_code,
        "tag_code": policy.tag_id,
        "tag_name": policy.tag.name,
        "kind": policy.kind,
        "frequency": policy.frequency,
        "high_risk_frequency": policy.high_risk_frequency,
        "grades": list(policy.grades or []),
        "active": policy.active,
        "updated_at": policy.updated_at,
    }


class _Shaped:
    """A queryset whose sliced page is shaped by ``shape`` (the page is one query)."""

    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(row) for row in self.qs[index]]


# --- the roster ----------------------------------------------------------------------------------


@router.get("roster", response=list[CareSubjectOut], summary="People on the care roster")
@paginate(Page)
def roster(
    request,
    area: AreaQuery,
    kind: KindName | None = None,
    risk: RiskName | None = None,
    q: Annotated[str, Query("", max_length=50, description="a name, pinyin or ID tail")] = "",
    worker_id: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None,
    include_ended: bool = False,
):
    """People of your areas on the care roster, by place and name, each with this month's plan
    (visits made and required, the responsible worker). ``worker_id`` keeps those whose plan
    this month is that worker's; ``include_ended`` adds people who left the roster."""
    qs = _act(
        queries.subjects,
        actor=request.user,
        area_code=area or None,
        kind=kind,
        risk=risk,
        q=q.replace("\x00", ""),
        worker_id=worker_id,
        include_ended=include_ended,
    )
    return _Shaped(qs, _subject)


def _subject_detail(actor, subject_id: int) -> dict:
    subject = queries.subject_get(actor=actor, subject_id=subject_id)
    listed = queries.subjects(actor=actor, include_ended=True).filter(pk=subject.pk).first()
    body = _subject(listed or subject)
    household = subject.resident.household
    body["address"] = household.address if household is not None else ""
    body["plans"] = [
        _plan(plan)
        for plan in Plan.objects.filter(subject=subject)
        .select_related("resident", "worker")
        .order_by("-month")[:12]
    ]
    return body


@router.get(
    "roster/{subject_id}", response=CareSubjectDetailOut, summary="One person on the care roster"
)
def subject_detail(request, subject_id: RowId):
    """The person, their groups and frequency, and their plans of the last twelve months."""
    return _subject_detail(request.user, subject_id)


@router.post(
    "roster/{subject_id}/risk",
    response=CareSubjectDetailOut,
    summary="Set a person's risk level (their visit frequency follows)",
)
def subject_risk(request, payload: CareRiskIn, subject_id: RowId):
    """``high`` puts the person on their county's high-risk frequency (weekly by default) and
    this month's open plan asks for that many visits; ``normal`` puts them back. Needs
    ``care.plan`` over the person's area."""
    actions.care_subject_set_risk(actor=request.user, subject_id=subject_id, risk=payload.risk)
    return _subject_detail(request.user, subject_id)


# --- plans ---------------------------------------------------------------------------------------


@router.get("plans", response=list[CarePlanOut], summary="Visit plans of a month")
@paginate(Page)
def plan_list(
    request,
    month: MonthQuery,
    area: AreaQuery,
    status: PlanStatusName | None = None,
    worker_id: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None,
    unassigned: bool = False,
):
    """One plan per person on the roster that month: visits required and made, the worker
    responsible, when it is due; dropped plans keep why."""
    qs = _act(
        queries.plans,
        actor=request.user,
        month=month,
        area_code=area or None,
        status=status,
        worker_id=worker_id,
        unassigned=unassigned,
    )
    return _Shaped(qs, _plan)


@router.post(
    "plans/{plan_id}/reassign", response=CarePlanOut, summary="Give an open plan to another worker"
)
def plan_reassign(request, payload: CareReassignIn, plan_id: RowId):
    """The worker must serve the person's place: a grid worker on duty in their grid, or a
    community worker or head of their community. Needs ``care.plan``; a met or dropped plan is
    409."""
    actions.care_plan_reassign(actor=request.user, plan_id=plan_id, worker_id=payload.worker_id)
    return _plan(queries.plan_get(actor=request.user, plan_id=plan_id))


@router.post(
    "plans/generate",
    response={202: CareRunOut},
    summary="Make a month's plans again for an area (runs in the background)",
)
def plan_generate(request, payload: CareGenerateIn):
    """Refreshes the roster from the registry and makes the month's plans: missing plans are
    made, open plans of people who moved or whose worker left are reassigned, plans of people
    who left the roster are dropped; met plans are never touched. Follow the run at
    ``GET runs``. 409 while a run of the same area and month is waiting or running."""
    run = _act(
        actions.care_plan_request,
        rename={},
        actor=request.user,
        area_code=payload.area_code,
        month=payload.month,
    )
    return Status(202, _run(queries.run_get(actor=request.user, run_id=run.pk)))


@router.get("runs", response=list[CareRunOut], summary="Plan generations of your areas")
@paginate(Page)
def run_list(request):
    """Newest first, with what each changed (``counts``) or why it failed (``message``)."""
    return _Shaped(queries.runs(actor=request.user), _run)


@router.get(
    "not-visited", response=list[CarePlanOut], summary="People not yet visited enough this month"
)
@paginate(Page)
def not_visited(request, month: MonthQuery, area: AreaQuery):
    """Open plans short of their visits, fewest days left first (``days_left`` below zero:
    overdue)."""
    qs = _act(queries.not_visited_plans, actor=request.user, month=month, area_code=area or None)
    return _Shaped(qs, _plan)


# --- the visit rate ------------------------------------------------------------------------------


@router.get(
    "rate", response=CareRateOut, summary="The monthly visit rate of an area and its child areas"
)
def rate(request, month: MonthQuery, area: AreaQuery):
    """月探访率: ``total`` for the area, ``rows`` for its child areas (towns of a county,
    communities of a town, grids of a community and its people in no grid), each with the
    numerator, denominator, rate, and how many are not visited yet, overdue and unassigned.
    ``rule`` says how plans are counted."""
    table = _act(queries.visit_rate, actor=request.user, month=month, area_code=area or None)
    return {
        "area": {"code": table.area.code, "name": table.area.name, "level": table.area.level},
        "month": table.month,
        "rule": str(RATE_RULE),
        "total": _rate_row(table.total),
        "rows": [_rate_row(row) for row in table.rows],
    }


@router.get(
    "rate/trend", response=list[CareRatePointOut], summary="The visit rate of an area by month"
)
def rate_trend(
    request,
    area: AreaQuery,
    months: Annotated[int, Query(12, ge=1, le=60, description="how many months, up to 60")] = 12,
    until: Annotated[str, Query("", description="the last month, YYYY-MM (default: now)")] = "",
):
    """Oldest month first; a month with no plans has a null rate."""
    points = _act(
        queries.visit_rate_trend,
        actor=request.user,
        area_code=area or None,
        months=months,
        until=until or None,
    )
    return [
        {"month": p.month, "numerator": p.numerator, "denominator": p.denominator, "rate": p.rate}
        for p in points
    ]


# --- the policy ----------------------------------------------------------------------------------

CountyQuery = Annotated[str, Query(..., description="the county's code", max_length=15)]


@router.get("policy", response=list[CarePolicyOut], summary="A county's visit policy")
def policy(request, county: CountyQuery):
    """Who is on the care roster and how often they are visited: one row per group (a row for
    a group covers its kinds; a kind's own row wins), with the frequency at normal and at high
    risk, and the grades that count when listed. Anyone doing care work in the county may
    read it."""
    return [_policy(p) for p in _act(queries.policy_list, actor=request.user, county_code=county)]


@router.put("policy", response=list[CarePolicyOut], summary="Set one row of a county's policy")
def policy_set(request, payload: CarePolicyIn, county: CountyQuery):
    """Adds or changes the row of one group. Needs ``care.policy`` over the county; the roster
    follows at the next plan generation. Answers the county's whole table."""
    _act(actions.care_policy_set, actor=request.user, county_code=county, **payload.dict())
    return [_policy(p) for p in queries.policy_list(actor=request.user, county_code=county)]


@router.post(
    "policy/defaults",
    response=CarePolicyDefaultsOut,
    summary="Give a county the built-in policy rows it lacks",
)
def policy_defaults(request, county: CountyQuery):
    """特殊困难老年人 monthly (weekly at high risk), 残疾人 of grades 一级 and 二级, 农村留守儿童
    and 困境儿童; rows the county already has are kept as they are."""
    added = _act(actions.care_policy_defaults, actor=request.user, county_code=county)
    rows = queries.policy_list(actor=request.user, county_code=county)
    return {"added": added, "rows": [_policy(p) for p in rows]}
