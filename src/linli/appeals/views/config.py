"""Appeal settings pages under /appeals/settings/.

* ``settings/`` (``appeal.route``): where appeals go — a live preview (htmx, or a plain GET
  form), the routing rules of one's areas, the department and provider units and their members.
* ``settings/catalogue/`` (``appeal.configure``): a county's categories, response templates and
  policy; the platform's urgency tiers and holiday calendar.
* ``settings/open311/`` (``open311.keys``): Open311 clients and their keys, each shown once.

Each view parses, calls one action or query, and renders; every form works without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.registry.forms import apply_errors
from linli.registry.views.people import is_htmx, paginate

from .. import actions, queries
from ..defaults import CATEGORIES as DEFAULT_CATEGORIES
from ..defaults import TEMPLATES as DEFAULT_TEMPLATES
from ..forms.config import (
    CategoryForm,
    HolidayForm,
    HolidayImportForm,
    MemberForm,
    Open311ClientForm,
    PolicyForm,
    RuleForm,
    TemplateForm,
    TierForm,
    UnitEditForm,
    UnitForm,
    format_questions,
)
from ..models import Unit

PREVIEW_TARGET = "route-preview"


def _require(request, cap: str) -> None:
    if not scoping.has_cap(request.user, cap):
        raise PermissionDenied


def _with_query(name: str, **params) -> str:
    url = reverse(name)
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(kept)}" if kept else url


# --- where appeals go: the preview, rules and units --------------------------------------------


def _indent(categories) -> list:
    """Categories of a tree with ``indent``: a dash for each level below the top."""
    categories = list(categories)
    for category in categories:
        category.indent = "— " * getattr(category, "depth", 0)
    return categories


def _indent_areas(areas) -> list:
    """Areas of a chooser with ``indent``: a wide space for each level below the first."""
    areas = list(areas)
    top = min((a.level for a in areas), default=0)
    for area in areas:
        area.indent = "\u3000" * (area.level - top)
    return areas


def _label_rules(rules) -> list:
    rules = list(rules)
    for rule in rules:
        rule.category_label = queries.category_label(rule.category) if rule.category else ""
    return rules


def _preview(request, actor) -> dict:
    """The preview asked for by ``?area=&category=``: a table of every category for the area,
    and for one category the winning unit and the rules weighed."""
    area_code = request.GET.get("area", "").strip()
    category_id = request.GET.get("category", "").strip()
    found: dict = {"values": {"area": area_code, "category": category_id}}
    if not area_code:
        return found
    try:
        area, routes = queries.routing_table(actor=actor, area_code=area_code)
        found["table_area"] = area
        _indent(r.category for r in routes)
        found["table"] = routes
        if category_id:
            preview = queries.routing_preview(
                actor=actor, area_code=area_code, category_id=category_id
            )
            _label_rules(c.rule for c in preview.route.candidates)
            if preview.route.rule is not None:
                _label_rules([preview.route.rule])
            found["preview"] = preview
    except NotFound:
        found["preview_error"] = _("Choose one of your areas.")
    except ActionError as exc:
        found["preview_error"] = exc.message
    return found


def _routing_context(request, *, rule_form=None, unit_form=None) -> dict:
    actor = request.user
    areas = _indent_areas(queries.route_areas(actor=actor))
    categories = _indent(queries.route_categories(actor=actor))
    units = queries.routable_units(actor=actor)
    names = queries.area_names(u.area_code for u in units)
    rule_form = rule_form or RuleForm(
        areas=areas, categories=categories, units=units, area_names=names
    )
    unit_form = unit_form or UnitForm(areas=areas)
    rules = paginate(request, queries.routing_rule_list(actor=actor), param="rules")
    rules.object_list = _label_rules(rules.object_list)
    unit_page = paginate(request, queries.unit_list(actor=actor), param="units")
    return {
        "areas": areas,
        "categories": categories,
        "rules": rules,
        "units": unit_page,
        "rule_form": rule_form,
        "unit_form": unit_form,
        **_preview(request, actor),
    }


def _render_routing(request, status: int = 200, **forms):
    context = _routing_context(request, **forms)
    if is_htmx(request) and request.headers.get("HX-Target") == PREVIEW_TARGET:
        response = render(request, "appeals/config/routing.html#preview", context)
        values = context["values"]
        response["HX-Push-Url"] = _with_query(
            "appeals:config", area=values["area"], category=values["category"]
        )
        return response
    return render(request, "appeals/config/routing.html", context, status=status)


@login_required
@require_GET
def routing(request):
    _require(request, Cap.APPEAL_ROUTE)
    return _render_routing(request)


@login_required
@require_POST
def rule_add(request):
    _require(request, Cap.APPEAL_ROUTE)
    actor = request.user
    units = queries.routable_units(actor=actor)
    form = RuleForm(
        request.POST,
        areas=queries.route_areas(actor=actor),
        categories=queries.route_categories(actor=actor),
        units=units,
        area_names=queries.area_names(u.area_code for u in units),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.routing_rule_create(
                actor=actor,
                area_code=data["area"],
                category_id=data["category"] or None,
                unit_id=data["unit"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The rule is added."))
            return redirect(_with_query("appeals:config", area=data["area"]))
    return _render_routing(request, status=400, rule_form=form)


@login_required
@require_POST
def rule_delete(request, rule_id: int):
    _require(request, Cap.APPEAL_ROUTE)
    try:
        actions.routing_rule_delete(actor=request.user, rule_id=rule_id)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    messages.success(request, _("The rule is removed."))
    return redirect("appeals:config")


@login_required
@require_POST
def unit_add(request):
    _require(request, Cap.APPEAL_ROUTE)
    form = UnitForm(request.POST, areas=queries.route_areas(actor=request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            unit = actions.unit_create(
                actor=request.user, area_code=data["area"], kind=data["kind"], name=data["name"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The unit “%(name)s” is added: now add its members.") % {"name": unit.name},
            )
            return redirect("appeals:config_unit", unit_id=unit.pk)
    return _render_routing(request, status=400, unit_form=form)


def _unit(request, unit_id: int) -> Unit:
    _require(request, Cap.APPEAL_ROUTE)
    try:
        return queries.unit_get(actor=request.user, unit_id=unit_id)
    except NotFound:
        raise Http404 from None


def _render_unit(request, unit, *, edit_form=None, member_form=None, status=200):
    if edit_form is None:
        edit_form = UnitEditForm(initial={"name": unit.name, "active": unit.active})
    if member_form is None and not unit.is_area_unit:
        member_form = MemberForm()
    context = {
        "unit": unit,
        "edit_form": edit_form,
        "member_form": member_form,
        "members": list(queries.unit_members(actor=request.user, unit=unit)),
        "rules": _label_rules(queries.routing_rule_list(actor=request.user).filter(unit=unit)),
    }
    return render(request, "appeals/config/unit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def unit_detail(request, unit_id: int):
    unit = _unit(request, unit_id)
    if request.method == "GET":
        return _render_unit(request, unit)
    form = UnitEditForm(request.POST)
    if form.is_valid():
        try:
            unit = actions.unit_update(
                actor=request.user,
                unit_id=unit.pk,
                name=form.cleaned_data["name"],
                active=form.cleaned_data["active"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The unit is saved."))
            return redirect("appeals:config_unit", unit_id=unit.pk)
    return _render_unit(request, unit, edit_form=form, status=400)


@login_required
@require_POST
def member_add(request, unit_id: int):
    unit = _unit(request, unit_id)
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            member = actions.unit_member_add(
                actor=request.user,
                unit_id=unit.pk,
                login=form.cleaned_data["login"],
                is_supervisor=form.cleaned_data["is_supervisor"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now a member of the unit.") % {"name": member.user.get_full_name()},
            )
            return redirect("appeals:config_unit", unit_id=unit.pk)
    return _render_unit(request, unit, member_form=form, status=400)


@login_required
@require_POST
def member_change(request, unit_id: int, user_id: int):
    """Remove a member (``do=remove``) or make them supervisor or not (``do=supervisor``)."""
    unit = _unit(request, unit_id)
    what = request.POST.get("do", "")
    try:
        if what == "remove":
            actions.unit_member_remove(actor=request.user, unit_id=unit.pk, user_id=user_id)
            messages.success(request, _("The member is removed."))
        elif what == "supervisor":
            member = actions.unit_member_set_supervisor(
                actor=request.user,
                unit_id=unit.pk,
                user_id=user_id,
                is_supervisor=request.POST.get("is_supervisor") == "1",
            )
            text = (
                _("%(name)s is now a supervisor of the unit.")
                if member.is_supervisor
                else _("%(name)s is no longer a supervisor of the unit.")
            )
            messages.success(request, text % {"name": member.user.get_full_name()})
        else:
            raise Http404
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    return redirect("appeals:config_unit", unit_id=unit.pk)


# --- the catalogue ------------------------------------------------------------------------------


def _county(request, source=None):
    """The county chosen (``?county=``), or the first one the actor configures."""
    _require(request, Cap.APPEAL_CONFIGURE)
    counties = queries.configure_counties(actor=request.user)
    wanted = (source if source is not None else request.GET).get("county", "")
    for county in counties:
        if wanted in (county.code, county.code[:6]):
            return county, counties
    if wanted:
        raise Http404
    if not counties:
        raise PermissionDenied
    return counties[0], counties


def _catalogue_url(county) -> str:
    return _with_query("appeals:catalogue", county=county.code)


@login_required
@require_GET
def catalogue(request):
    county, counties = _county(request)
    actor = request.user
    today = timezone.localdate()
    context = {
        "county": county,
        "counties": counties,
        "categories": _indent(
            queries.category_tree(actor=actor, county_code=county.code, include_inactive=True)
        ),
        "defaults": {"categories": len(DEFAULT_CATEGORIES), "templates": len(DEFAULT_TEMPLATES)},
        "tiers": list(queries.tier_list(actor=actor)),
        "holidays": list(queries.holiday_list(actor=actor).filter(date__gte=today)[:8]),
        "templates": list(queries.template_list(actor=actor, county_code=county.code)),
        "policy": queries.policy_get(actor=actor, county_code=county.code),
    }
    for template in context["templates"]:
        template.category_label = (
            queries.category_label(template.category) if template.category else ""
        )
    return render(request, "appeals/config/catalogue.html", context)


@login_required
@require_POST
def defaults_load(request):
    county, _counties = _county(request, request.POST)
    try:
        created = actions.appeal_defaults_load(actor=request.user, county_code=county.code)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "The starting catalogue is loaded: %(categories)d categories, %(templates)d templates."
            )
            % created,
        )
    return redirect(_catalogue_url(county))


def _category_form(request, county, data=None, initial=None, exclude=None):
    parents = queries.category_tree(
        actor=request.user, county_code=county.code, include_inactive=True
    )
    if exclude is not None:
        # Not the category itself nor its kinds: they follow it in tree order, deeper.
        kept, inside = [], None
        for category in parents:
            if inside is not None and category.depth > inside:
                continue
            inside = category.depth if category.pk == exclude else None
            if inside is None:
                kept.append(category)
        parents = kept
    return CategoryForm(
        data, initial=initial, parents=parents, tiers=queries.tier_list(actor=request.user)
    )


def _category_args(data: dict) -> dict:
    return {
        "name": data["name"],
        "description": data["description"],
        "parent_id": data["parent"] or None,
        "tier": data["tier"],
        "unit_kind": data["unit_kind"],
        "public": data["public"],
        "active": data["active"],
        "sort": data["sort"],
        "attributes": data["questions"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def category_add(request):
    county, _counties = _county(request, request.POST if request.method == "POST" else None)
    form = _category_form(
        request,
        county,
        request.POST if request.method == "POST" else None,
        initial={
            "public": True,
            "active": True,
            "unit_kind": Unit.Kind.COMMUNITY,
            "tier": "general",
            "parent": request.GET.get("parent", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            category = actions.category_create(
                actor=request.user, county_code=county.code, **_category_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"attributes": "questions"})
        else:
            messages.success(
                request, _("The category “%(name)s” is added.") % {"name": category.name}
            )
            return redirect(_catalogue_url(county))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "county": county, "category": None}
    return render(request, "appeals/config/category_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, category_id: int):
    _require(request, Cap.APPEAL_CONFIGURE)
    try:
        category = queries.category_get(actor=request.user, category_id=category_id)
    except NotFound:
        raise Http404 from None
    county, _counties = _county(request, {"county": category.area_code})
    initial = {
        "name": category.name,
        "description": category.description,
        "parent": str(category.parent_id or ""),
        "tier": category.tier.code,
        "unit_kind": category.unit_kind,
        "public": category.public,
        "active": category.active,
        "sort": category.sort,
        "questions": format_questions(category.attributes),
    }
    data = request.POST if request.method == "POST" else None
    form = _category_form(request, county, data, initial=initial, exclude=category.pk)
    if request.method == "POST" and form.is_valid():
        try:
            actions.category_update(
                actor=request.user, category_id=category.pk, **_category_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except NotFound:
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc, aliases={"attributes": "questions"})
        else:
            messages.success(request, _("The category is saved."))
            return redirect(_catalogue_url(county))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "county": county, "category": category}
    return render(request, "appeals/config/category_form.html", context, status=status)


# --- tiers --------------------------------------------------------------------------------------


def _tier_args(data: dict) -> dict:
    return {
        "name": data["name"],
        "respond_minutes": data["respond_minutes"],
        "resolve_amount": data["resolve_amount"],
        "resolve_unit": data["resolve_unit"],
        "sort": data["sort"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def tier_add(request):
    _require(request, Cap.APPEAL_CONFIGURE)
    form = TierForm(
        request.POST if request.method == "POST" else None,
        initial={"resolve_unit": "workdays"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            tier = actions.tier_create(
                actor=request.user, code=form.cleaned_data["code"], **_tier_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The tier “%(name)s” is added.") % {"name": tier.name})
            return redirect("appeals:catalogue")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "appeals/config/tier_form.html", {"form": form, "tier": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def tier_edit(request, tier_code: str):
    _require(request, Cap.APPEAL_CONFIGURE)
    try:
        tier = queries.tier_get(actor=request.user, tier_code=tier_code)
    except NotFound:
        raise Http404 from None
    initial = {
        "name": tier.name,
        "respond_minutes": tier.respond_minutes,
        "resolve_amount": tier.resolve_amount,
        "resolve_unit": tier.resolve_unit,
        "sort": tier.sort,
    }
    form = TierForm(
        request.POST if request.method == "POST" else None, initial=initial, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.tier_update(
                actor=request.user, tier_code=tier.code, **_tier_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The tier is saved."))
            return redirect("appeals:catalogue")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "appeals/config/tier_form.html", {"form": form, "tier": tier}, status=status
    )


@login_required
@require_POST
def tier_delete(request, tier_code: str):
    _require(request, Cap.APPEAL_CONFIGURE)
    try:
        actions.tier_delete(actor=request.user, tier_code=tier_code)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("appeals:tier_edit", tier_code=tier_code)
    messages.success(request, _("The tier is removed."))
    return redirect("appeals:catalogue")


# --- holidays -----------------------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_http_methods(["GET", "POST"])
def holidays(request):
    _require(request, Cap.APPEAL_CONFIGURE)
    year = _year(request)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    day_form = HolidayForm(request.POST if which == "day" else None)
    import_form = HolidayImportForm(request.POST if which == "import" else None)
    if which == "day" and day_form.is_valid():
        data = day_form.cleaned_data
        try:
            holiday, created = actions.holiday_set(
                actor=request.user,
                date=data["date"],
                name=data["name"],
                is_workday=data["is_workday"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(day_form, exc)
        else:
            messages.success(
                request,
                (_("%(date)s is added.") if created else _("%(date)s is changed."))
                % {"date": holiday.date.isoformat()},
            )
            return redirect(_with_query("appeals:holidays", year=holiday.date.year))
    elif which == "import" and import_form.is_valid():
        try:
            counts = actions.holidays_import(
                actor=request.user, text=import_form.cleaned_data["text"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(import_form, exc)
        else:
            messages.success(
                request,
                _("Imported: %(created)d new days, %(updated)d changed, %(unchanged)d already so.")
                % counts,
            )
            return redirect(_with_query("appeals:holidays", year=year))
    elif request.method == "POST" and which not in ("day", "import"):
        raise Http404
    years = sorted({*queries.holiday_years(), timezone.localdate().year, year})
    days = list(queries.holiday_list(actor=request.user, year=year))
    context = {
        "year": year,
        "years": years,
        "days": days,
        "day_form": day_form,
        "import_form": import_form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "appeals/config/holidays.html", context, status=status)


@login_required
@require_POST
def holiday_delete(request):
    _require(request, Cap.APPEAL_CONFIGURE)
    raw = request.POST.get("date", "")
    try:
        actions.holiday_delete(actor=request.user, date=raw)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    day = dt.date.fromisoformat(raw.strip().replace("/", "-"))
    messages.success(request, _("%(date)s is an ordinary day again.") % {"date": day.isoformat()})
    return redirect(_with_query("appeals:holidays", year=day.year))


# --- response templates -------------------------------------------------------------------------


def _template_form(request, county, data=None, initial=None):
    categories = queries.category_tree(actor=request.user, county_code=county.code)
    return TemplateForm(data, initial=initial, categories=categories)


def _template_args(data: dict) -> dict:
    return {
        "step": data["step"],
        "category_id": data["category"] or None,
        "title": data["title"],
        "text": data["text"],
        "active": data["active"],
    }


@login_required
@require_http_methods(["GET", "POST"])
def template_add(request):
    county, _counties = _county(request, request.POST if request.method == "POST" else None)
    data = request.POST if request.method == "POST" else None
    form = _template_form(request, county, data, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            actions.template_create(
                actor=request.user, county_code=county.code, **_template_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The template is added."))
            return redirect(_catalogue_url(county))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "county": county, "template": None}
    return render(request, "appeals/config/template_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_id: int):
    _require(request, Cap.APPEAL_CONFIGURE)
    try:
        template = queries.template_get(actor=request.user, template_id=template_id)
    except NotFound:
        raise Http404 from None
    county, _counties = _county(request, {"county": template.area_code})
    initial = {
        "step": template.step,
        "category": str(template.category_id or ""),
        "title": template.title,
        "text": template.text,
        "active": template.active,
    }
    data = request.POST if request.method == "POST" else None
    form = _template_form(request, county, data, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.template_update(
                actor=request.user, template_id=template.pk, **_template_args(form.cleaned_data)
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The template is saved."))
            return redirect(_catalogue_url(county))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "county": county, "template": template}
    return render(request, "appeals/config/template_form.html", context, status=status)


@login_required
@require_POST
def template_delete(request, template_id: int):
    _require(request, Cap.APPEAL_CONFIGURE)
    try:
        template = queries.template_get(actor=request.user, template_id=template_id)
        actions.template_delete(actor=request.user, template_id=template.pk)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    messages.success(request, _("The template is removed."))
    return redirect(_with_query("appeals:catalogue", county=template.area_code))


# --- the county policy --------------------------------------------------------------------------

POLICY_FIELDS = (
    "auto_confirm_days",
    "rating_days",
    "satisfied_from",
    "auto_confirmed_resolved",
    "rectify_workdays",
    "escalate_again_hours",
)


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    county, _counties = _county(request, request.POST if request.method == "POST" else None)
    current = queries.policy_get(actor=request.user, county_code=county.code)
    form = PolicyForm(
        request.POST if request.method == "POST" else None,
        initial={name: getattr(current, name) for name in POLICY_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.policy_update(
                actor=request.user,
                county_code=county.code,
                **{name: form.cleaned_data[name] for name in POLICY_FIELDS},
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The policy is saved."))
            return redirect(_catalogue_url(county))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "county": county, "policy": current}
    return render(request, "appeals/config/policy.html", context, status=status)


# --- Open311 clients ----------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def open311_clients(request):
    """Clients and their keys. A new key is shown in this answer only (``no-store``)."""
    _require(request, Cap.OPEN311_KEYS)
    actor = request.user
    counties = queries.open311_counties(actor=actor)
    form = Open311ClientForm(
        request.POST if request.method == "POST" else None,
        counties=counties,
        initial={"area_code": counties[0].code if len(counties) == 1 else ""},
    )
    new_key = new_client = None
    if request.method == "POST" and form.is_valid():
        try:
            new_client, new_key = actions.open311_client_create(
                actor=actor,
                name=form.cleaned_data["name"],
                area_code=form.cleaned_data["area_code"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            form = Open311ClientForm(counties=counties)
    clients = paginate(request, queries.open311_client_list(actor=actor))
    names = queries.area_names(c.area_code for c in clients.object_list)
    for client in clients.object_list:
        client.county_name = names.get(client.area_code, client.area_code)
    context = {
        "form": form,
        "clients": clients,
        "new_key": new_key,
        "new_client": new_client,
    }
    status = 400 if request.method == "POST" and new_key is None else 200
    response = render(request, "appeals/config/open311.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def open311_client_revoke(request, client_id: int):
    _require(request, Cap.OPEN311_KEYS)
    try:
        client = actions.open311_client_revoke(actor=request.user, client_id=client_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The key of “%(name)s” no longer works.") % {"name": client.name})
    return redirect("appeals:open311_clients")


urlpatterns = [
    path("settings/", routing, name="config"),
    path("settings/rules/", rule_add, name="config_rule_add"),
    path("settings/rules/<int:rule_id>/delete/", rule_delete, name="config_rule_delete"),
    path("settings/units/", unit_add, name="config_unit_add"),
    path("settings/units/<int:unit_id>/", unit_detail, name="config_unit"),
    path("settings/units/<int:unit_id>/members/", member_add, name="config_member_add"),
    path(
        "settings/units/<int:unit_id>/members/<int:user_id>/",
        member_change,
        name="config_member_change",
    ),
    path("settings/catalogue/", catalogue, name="catalogue"),
    path("settings/catalogue/defaults/", defaults_load, name="defaults_load"),
    path("settings/catalogue/categories/new/", category_add, name="category_add"),
    path("settings/catalogue/categories/<int:category_id>/", category_edit, name="category_edit"),
    path("settings/catalogue/tiers/new/", tier_add, name="tier_add"),
    path("settings/catalogue/tiers/<slug:tier_code>/", tier_edit, name="tier_edit"),
    path("settings/catalogue/tiers/<slug:tier_code>/delete/", tier_delete, name="tier_delete"),
    path("settings/catalogue/holidays/", holidays, name="holidays"),
    path("settings/catalogue/holidays/delete/", holiday_delete, name="holiday_delete"),
    path("settings/catalogue/templates/new/", template_add, name="template_add"),
    path("settings/catalogue/templates/<int:template_id>/", template_edit, name="template_edit"),
    path(
        "settings/catalogue/templates/<int:template_id>/delete/",
        template_delete,
        name="template_delete",
    ),
    path("settings/catalogue/policy/", policy, name="policy"),
    path("settings/open311/", open311_clients, name="open311_clients"),
    path(
        "settings/open311/<int:client_id>/revoke/",
        open311_client_revoke,
        name="open311_client_revoke",
    ),
]
