"""The appeals settings API at /api/v1/appeals/settings/: categories, tiers, holidays, routing
rules and their preview, units and members, response templates, county policies, Open311 clients.

Each operation parses, calls one action or query of :mod:`linli.appeals`, and shapes the answer.
A county's category tree is readable by everyone of the county (residents need it to submit);
the rest needs the capability that edits it. Rows outside the caller's areas are 404; rows the
caller may read but not change (a rule or unit set above their areas) are 403. Lists are
paginated (``?limit=&offset=``) except the category tree and the tiers, which are short and
returned whole.
"""

import datetime as dt
from typing import Annotated

from django.http import HttpResponse
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.pagination import Page

from .. import actions, queries
from ..schemas_config import (
    MAX_ID,
    AreaCode,
    CategoryIn,
    CategoryOut,
    CategoryUpdateIn,
    ClientCreatedOut,
    ClientIn,
    ClientOut,
    DefaultsIn,
    DefaultsOut,
    HolidayIn,
    HolidayOut,
    HolidaysImportIn,
    HolidaysImportOut,
    MemberIn,
    MemberOut,
    MemberUpdateIn,
    PolicyOut,
    PolicyUpdateIn,
    PreviewOut,
    RuleIn,
    RuleOut,
    TableOut,
    TemplateIn,
    TemplateOut,
    TemplateUpdateIn,
    Text,
    TierIn,
    TierOut,
    TierUpdateIn,
    UnitDetailOut,
    UnitIn,
    UnitListOut,
    UnitUpdateIn,
)

router = Router(tags=["appeal settings"])

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
TierCode = Annotated[str, Path(max_length=30, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


def _given(payload, *, nullable: tuple[str, ...] = ()) -> dict:
    """The fields the caller sent; ``null`` means "keep" except for ``nullable`` fields."""
    data = payload.dict(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k in nullable}


def _category(category):
    """A category as the API shows it: with its label and depth in the tree."""
    category.label = queries.category_label(category)
    if not hasattr(category, "depth"):
        depth, parent = 0, category.parent
        while parent is not None and depth < 50:
            depth, parent = depth + 1, parent.parent
        category.depth = depth
    return category


# --- categories ---------------------------------------------------------------------------------


@router.get(
    "categories", response=list[CategoryOut], summary="A county's categories, as a tree in order"
)
def category_tree(request, county: AreaCode, include_inactive: bool = False):
    """Parents come before their kinds (``depth`` 0 at the top). Everyone of the county may read
    the categories in use; ``include_inactive=true`` (categories out of use as well) needs
    ``appeal.configure`` over the county."""
    return queries.category_tree(
        actor=request.user, county_code=county, include_inactive=include_inactive
    )


@router.post("categories", response={201: CategoryOut}, summary="Add a category")
def category_create(request, payload: CategoryIn):
    data = payload.dict()
    data["county_code"] = data.pop("county")
    category = actions.category_create(actor=request.user, **data)
    return Status(201, _category(queries.category_get(actor=request.user, category_id=category.pk)))


@router.get("categories/{category_id}", response=CategoryOut, summary="One category")
def category_detail(request, category_id: RowId):
    return _category(queries.category_get(actor=request.user, category_id=category_id))


@router.put(
    "categories/{category_id}",
    response=CategoryOut,
    summary="Change a category (name, parent, tier, default unit, questions…)",
)
def category_update(request, payload: CategoryUpdateIn, category_id: RowId):
    actions.category_update(
        actor=request.user, category_id=category_id, **_given(payload, nullable=("parent_id",))
    )
    return _category(queries.category_get(actor=request.user, category_id=category_id))


# --- tiers --------------------------------------------------------------------------------------


@router.get("tiers", response=list[TierOut], summary="The urgency tiers")
def tier_list(request):
    return list(queries.tier_list(actor=request.user))


@router.post("tiers", response={201: TierOut}, summary="Add an urgency tier")
def tier_create(request, payload: TierIn):
    return Status(201, actions.tier_create(actor=request.user, **payload.dict()))


@router.put("tiers/{tier_code}", response=TierOut, summary="Change a tier's name and clocks")
def tier_update(request, payload: TierUpdateIn, tier_code: TierCode):
    return actions.tier_update(actor=request.user, tier_code=tier_code, **_given(payload))


@router.delete(
    "tiers/{tier_code}", response={204: None}, summary="Remove a tier nothing uses (not built-in)"
)
def tier_delete(request, tier_code: TierCode):
    actions.tier_delete(actor=request.user, tier_code=tier_code)
    return Status(204, None)


# --- holidays -----------------------------------------------------------------------------------


@router.get("holidays", response=list[HolidayOut], summary="The holiday calendar")
@paginate(Page)
def holiday_list(request, year: Annotated[int | None, Query(ge=2000, le=2100)] = None):
    """Days that differ from the Monday-to-Friday week: holidays and make-up working days."""
    return queries.holiday_list(actor=request.user, year=year)


@router.post(
    "holidays/import",
    response=HolidaysImportOut,
    summary="Set many days from pasted lines (all or nothing, idempotent)",
)
def holidays_import(request, payload: HolidaysImportIn):
    """A bad line is a 400 whose ``errors.text`` names every bad line; nothing is written."""
    return actions.holidays_import(actor=request.user, text=payload.text)


@router.put(
    "holidays/{day}",
    response={200: HolidayOut, 201: HolidayOut},
    summary="Mark a day as a holiday or a make-up working day",
)
def holiday_set(request, payload: HolidayIn, day: dt.date):
    """201 when the day is new to the calendar, 200 when it replaces what the day said."""
    holiday, created = actions.holiday_set(actor=request.user, date=day, **payload.dict())
    return Status(201 if created else 200, holiday)


@router.delete("holidays/{day}", response={204: None}, summary="Make a day ordinary again")
def holiday_delete(request, day: dt.date):
    actions.holiday_delete(actor=request.user, date=day)
    return Status(204, None)


# --- routing rules and the preview --------------------------------------------------------------


@router.get("rules", response=list[RuleOut], summary="Routing rules within your areas")
@paginate(Page)
def rule_list(request, area: Text = ""):
    """``area``: only rules set for that area or inside it."""
    return queries.routing_rule_list(actor=request.user, area_code=area).select_related(
        "unit__area"
    )


@router.post("rules", response={201: RuleOut}, summary="Add a routing rule")
def rule_create(request, payload: RuleIn):
    rule = actions.routing_rule_create(actor=request.user, **payload.dict())
    return Status(201, queries.routing_rule_get(actor=request.user, rule_id=rule.pk))


@router.delete("rules/{rule_id}", response={204: None}, summary="Remove a routing rule")
def rule_delete(request, rule_id: RowId):
    actions.routing_rule_delete(actor=request.user, rule_id=rule_id)
    return Status(204, None)


@router.get(
    "routing-preview",
    response=PreviewOut,
    summary="Where an appeal of a category at a place would go, and why",
)
def routing_preview(request, area: AreaCode, category: Annotated[int, Query(ge=1, le=MAX_ID)]):
    """The winning unit and rule (or the category's default unit, or a dispatcher) and every
    rule weighed, most specific first: the category itself beats a broader kind beats any
    category; among equals the nearer place wins."""
    preview = queries.routing_preview(actor=request.user, area_code=area, category_id=category)
    return {
        "area_code": preview.area.code,
        "area_name": preview.area.name,
        "route": preview.route,
        "candidates": preview.route.candidates,
    }


@router.get(
    "routing-table",
    response=TableOut,
    summary="For one place, where each category in use would go",
)
def routing_table(request, area: AreaCode):
    place, routes = queries.routing_table(actor=request.user, area_code=area)
    return {"area_code": place.code, "area_name": place.name, "routes": routes}


# --- units and members --------------------------------------------------------------------------


def _unit(request, unit_id: int):
    unit = queries.unit_get(actor=request.user, unit_id=unit_id)
    unit.member_list = list(queries.unit_members(actor=request.user, unit=unit))
    return unit


@router.get("units", response=list[UnitListOut], summary="Handling units within your areas")
@paginate(Page)
def unit_list(request, area: Text = "", kind: Text = ""):
    return queries.unit_list(actor=request.user, area_code=area, kind=kind)


@router.post(
    "units", response={201: UnitDetailOut}, summary="Add a department office or service provider"
)
def unit_create(request, payload: UnitIn):
    unit = actions.unit_create(actor=request.user, **payload.dict())
    return Status(201, _unit(request, unit.pk))


@router.get("units/{unit_id}", response=UnitDetailOut, summary="One unit and its members")
def unit_detail(request, unit_id: RowId):
    return _unit(request, unit_id)


@router.put(
    "units/{unit_id}", response=UnitDetailOut, summary="Rename a unit or take it out of use"
)
def unit_update(request, payload: UnitUpdateIn, unit_id: RowId):
    actions.unit_update(actor=request.user, unit_id=unit_id, **_given(payload))
    return _unit(request, unit_id)


@router.post(
    "units/{unit_id}/members",
    response={201: MemberOut},
    summary="Add a member to a department office or provider",
)
def member_add(request, payload: MemberIn, unit_id: RowId):
    """By username or mobile number; the account must be an active staff account."""
    member = actions.unit_member_add(actor=request.user, unit_id=unit_id, **payload.dict())
    return Status(201, member)


@router.put(
    "units/{unit_id}/members/{user_id}",
    response=MemberOut,
    summary="Make a member a supervisor of the unit, or not",
)
def member_update(request, payload: MemberUpdateIn, unit_id: RowId, user_id: RowId):
    return actions.unit_member_set_supervisor(
        actor=request.user, unit_id=unit_id, user_id=user_id, is_supervisor=payload.is_supervisor
    )


@router.delete("units/{unit_id}/members/{user_id}", response={204: None}, summary="Remove a member")
def member_remove(request, unit_id: RowId, user_id: RowId):
    actions.unit_member_remove(actor=request.user, unit_id=unit_id, user_id=user_id)
    return Status(204, None)


# --- templates, policy, defaults ----------------------------------------------------------------


@router.get("templates", response=list[TemplateOut], summary="Response templates")
@paginate(Page)
def template_list(request, county: Text = ""):
    return queries.template_list(actor=request.user, county_code=county)


@router.post("templates", response={201: TemplateOut}, summary="Add a response template")
def template_create(request, payload: TemplateIn):
    data = payload.dict()
    data["county_code"] = data.pop("county")
    return Status(201, actions.template_create(actor=request.user, **data))


@router.put("templates/{template_id}", response=TemplateOut, summary="Change a response template")
def template_update(request, payload: TemplateUpdateIn, template_id: RowId):
    return actions.template_update(
        actor=request.user, template_id=template_id, **_given(payload, nullable=("category_id",))
    )


@router.delete(
    "templates/{template_id}", response={204: None}, summary="Remove a response template"
)
def template_delete(request, template_id: RowId):
    actions.template_delete(actor=request.user, template_id=template_id)
    return Status(204, None)


@router.get("policy", response=PolicyOut, summary="A county's appeal policy")
def policy_get(request, county: AreaCode):
    return queries.policy_get(actor=request.user, county_code=county)


@router.put("policy", response=PolicyOut, summary="Change a county's appeal policy")
def policy_update(request, payload: PolicyUpdateIn, county: AreaCode):
    return actions.policy_update(actor=request.user, county_code=county, **_given(payload))


@router.post(
    "defaults",
    response=DefaultsOut,
    summary="Give a county the starting catalogue (idempotent)",
)
def defaults_load(request, payload: DefaultsIn):
    """Adds the built-in categories, response templates and policy the county lacks; what it
    already has stays as it was edited."""
    return actions.appeal_defaults_load(actor=request.user, county_code=payload.county)


# --- Open311 clients ----------------------------------------------------------------------------


@router.get("open311-clients", response=list[ClientOut], summary="Open311 clients")
@paginate(Page)
def client_list(request):
    return queries.open311_client_list(actor=request.user)


@router.post(
    "open311-clients",
    response={201: ClientCreatedOut},
    summary="Issue an Open311 client key (shown in this answer only)",
)
def client_create(request, payload: ClientIn, response: HttpResponse):
    """The ``key`` is in this answer and nowhere else: only its digest is stored."""
    client, key = actions.open311_client_create(actor=request.user, **payload.dict())
    client.key = key
    response["Cache-Control"] = "no-store"
    return Status(201, client)


@router.post(
    "open311-clients/{client_id}/revoke",
    response=ClientOut,
    summary="Revoke an Open311 client's key",
)
def client_revoke(request, client_id: RowId):
    return actions.open311_client_revoke(actor=request.user, client_id=client_id)
