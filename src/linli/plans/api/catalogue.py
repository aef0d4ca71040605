"""The catalogue at /api/v1/plans/: plans, the built-in templates, targets and indicators.

Each operation parses, calls one action or query of :mod:`linli.plans`, and shapes the answer.
You see what the pages show you: the templates, and the plans whose jurisdiction contains one of
your areas or lies inside one; anything else is a 404. Writing needs ``plan.manage`` over the
plan's jurisdiction. Errors are problem+json.
"""

from typing import Annotated

from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core import scoping
from linli.core.cleaning import UNSET
from linli.core.pagination import Page
from linli.core.roles import Cap

from ..actions import catalogue as actions
from ..queries import catalogue as queries
from ..schemas_catalogue import (
    MAX_ID,
    AdoptIn,
    IndicatorFilters,
    IndicatorIn,
    IndicatorOut,
    IndicatorPatch,
    PlanDetailOut,
    PlanFilters,
    PlanIn,
    PlanOut,
    PlanPatch,
    TargetIn,
    TargetOut,
)

router = Router()

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


# --- shaping ------------------------------------------------------------------------------------


def _num(value) -> float | None:
    return None if value is None else float(value)


def _target(target) -> dict:
    return {
        "id": target.pk,
        "indicator_id": target.indicator_id,
        "indicator_key": target.indicator.key,
        "label": queries.indicator_label(target.indicator),
        "unit": target.indicator.unit,
        "op": target.op,
        "value": float(target.value),
        "binding": target.binding,
        "due_year": target.due_year,
        "baseline": _num(target.baseline),
        "baseline_year": target.baseline_year,
        "per_community": target.per_community,
        "at_risk_margin": _num(target.at_risk_margin),
        "note": target.note,
        "position": target.position,
    }


def _plan(actor, plan, *, area_name=None, target_count=None, task_count=None) -> dict:
    return {
        "id": plan.pk,
        "title": plan.title,
        "area_code": plan.area_code,
        "area_name": area_name if area_name is not None else (plan.area_name or plan.area_code),
        "start_year": plan.start_year,
        "end_year": plan.end_year,
        "status": plan.status,
        "status_label": str(plan.get_status_display()),
        "is_template": plan.is_template,
        "template_key": plan.template_key,
        "template_id": plan.template_id,
        "source_document": plan.source_document,
        "section": plan.section,
        "other_targets": list(plan.other_targets or []),
        "target_count": target_count if target_count is not None else plan.target_count,
        "task_count": task_count if task_count is not None else plan.task_count,
        "can_manage": queries.plan_manageable(actor, plan),
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


def _detail(actor, plan_id) -> dict:
    found = queries.plan_get(actor=actor, plan_id=plan_id)
    body = _plan(
        actor,
        found.plan,
        area_name=found.area_name,
        target_count=len(found.targets),
        task_count=found.task_count,
    )
    body["targets"] = [_target(t) for t in found.targets]
    return body


def _indicator(actor, row) -> dict:
    return {
        "id": row.pk,
        "key": row.key,
        "area_code": row.area_code,
        "builtin": row.area_code == "",
        "name": row.name,
        "label": queries.indicator_label(row),
        "definition": queries.indicator_definition(row),
        "unit": row.unit,
        "scope": row.scope,
        "source": row.source,
        "function": row.function,
        "aggregation": row.aggregation,
        "factor": float(row.factor),
        "decimals": row.decimals,
        "can_manage": row.area_code != ""
        and scoping.has_cap(actor, Cap.PLAN_MANAGE, row.area_code),
    }


class _Shaped:
    """A queryset whose page is shaped row by row (the count is one query, the page another)."""

    def __init__(self, qs, shape):
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [self.shape(row) for row in self.qs[index]]


def _given(payload) -> dict:
    """The members a PATCH sent; the others are left as they are."""
    sent = payload.dict(exclude_unset=True)
    return {name: sent.get(name, UNSET) for name in type(payload).model_fields}


# --- plans and templates ------------------------------------------------------------------------


@router.get("", response=list[PlanOut], summary="Plans of your areas")
@paginate(Page)
def plan_list(request, filters: Query[PlanFilters]):
    """The plans (not the templates) whose jurisdiction contains one of your areas or lies
    inside one, by jurisdiction and newest horizon first."""
    qs = queries.plan_list(actor=request.user, status=filters.status, q=filters.q)
    return _Shaped(qs, lambda plan: _plan(request.user, plan))


@router.get("templates", response=list[PlanOut], summary="The built-in plan templates")
def template_list(request):
    """The five built-in templates (昌吉州, 喀什地区, 定州市, 迪庆州, 西安区) with their
    numbers of targets and tasks. A template is never measured: adopt it for your area."""
    return [_plan(request.user, plan) for plan in queries.template_list(actor=request.user)]


@router.post("", response={201: PlanDetailOut}, summary="Write a plan of your own")
def plan_create(request, payload: PlanIn):
    """A draft plan for a prefecture or county, without targets yet."""
    plan = actions.plan_create(actor=request.user, **payload.dict())
    return Status(201, _detail(request.user, plan.pk))


@router.post("adopt", response={201: PlanDetailOut}, summary="Adopt a built-in template")
def plan_adopt(request, payload: AdoptIn):
    """A draft copy of the template, with its targets and tasks, for a prefecture or county you
    manage plans for. Refused (409) while that area has a copy of the same template that is not
    closed."""
    plan = actions.plan_adopt(actor=request.user, **payload.dict())
    return Status(201, _detail(request.user, plan.pk))


@router.get("{int:plan_id}", response=PlanDetailOut, summary="One plan with its targets")
def plan_detail(request, plan_id: RowId):
    """A plan or template you see, with its targets in their order."""
    return _detail(request.user, plan_id)


@router.patch("{int:plan_id}", response=PlanDetailOut, summary="Change a plan")
def plan_update(request, payload: PlanPatch, plan_id: RowId):
    """Title, years or other targets; members not sent stay as they are. The years must still
    hold every target's due year and every task's years (409 otherwise)."""
    actions.plan_update(actor=request.user, plan_id=plan_id, **_given(payload))
    return _detail(request.user, plan_id)


@router.post("{int:plan_id}/activate", response=PlanDetailOut, summary="Put a plan in force")
def plan_activate(request, plan_id: RowId):
    """A draft with at least one target comes into force: it is measured and reported on."""
    actions.plan_activate(actor=request.user, plan_id=plan_id)
    return _detail(request.user, plan_id)


@router.post("{int:plan_id}/close", response=PlanDetailOut, summary="Close a plan")
def plan_close(request, plan_id: RowId):
    """A plan in force is closed: it is kept as it was and no longer measured."""
    actions.plan_close(actor=request.user, plan_id=plan_id)
    return _detail(request.user, plan_id)


# --- targets ------------------------------------------------------------------------------------


@router.put(
    "{int:plan_id}/targets/{int:indicator_id}",
    response=TargetOut,
    summary="Set a plan's target for an indicator",
)
def target_set(request, payload: TargetIn, plan_id: RowId, indicator_id: RowId):
    """Creates or replaces the plan's one target for the indicator (a built-in one, or one of
    the plan's jurisdiction or the areas above it). The due year lies within the plan's
    years."""
    target = actions.target_set(
        actor=request.user, plan_id=plan_id, indicator_id=indicator_id, **payload.dict()
    )
    found = queries.target_get(actor=request.user, plan_id=plan_id, target_id=target.pk)
    return _target(found)


@router.delete(
    "{int:plan_id}/targets/{int:indicator_id}",
    response={204: None},
    summary="Remove a plan's target for an indicator",
)
def target_remove(request, plan_id: RowId, indicator_id: RowId):
    """A plan has one target per indicator, so the target is named by its indicator, as when it
    is set. A plan in force keeps at least one target (409)."""
    target = queries.target_of(actor=request.user, plan_id=plan_id, indicator_id=indicator_id)
    actions.target_remove(actor=request.user, plan_id=plan_id, target_id=target.pk)
    return Status(204, None)


# --- indicators ---------------------------------------------------------------------------------


@router.get("indicators", response=list[IndicatorOut], summary="Indicators")
@paginate(Page)
def indicator_list(request, filters: Query[IndicatorFilters]):
    """The built-in indicators and those of the jurisdictions at, above or under your areas;
    with ``area``, those a plan of that area may set targets for."""
    qs = queries.indicator_list(actor=request.user, area_code=filters.area or None)
    return _Shaped(qs, lambda row: _indicator(request.user, row))


@router.post("indicators", response={201: IndicatorOut}, summary="Add an indicator of your own")
def indicator_create(request, payload: IndicatorIn):
    """A jurisdiction's own indicator: computed by an engine function, or reported by the areas
    (a ratio of the sums times the factor, or a total). Its key is unique in the jurisdiction
    and is not a built-in key."""
    row = actions.indicator_create(actor=request.user, **payload.dict())
    return Status(201, _indicator(request.user, row))


@router.patch("indicators/{int:indicator_id}", response=IndicatorOut, summary="Change an indicator")
def indicator_update(request, payload: IndicatorPatch, indicator_id: RowId):
    """Members not sent stay as they are; the key cannot change. Built-in indicators cannot be
    changed (403)."""
    row = actions.indicator_update(actor=request.user, indicator_id=indicator_id, **_given(payload))
    return _indicator(request.user, row)
