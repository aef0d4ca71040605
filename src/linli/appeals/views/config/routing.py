"""``settings/`` (``appeal.route``): where appeals go — a live preview (htmx, or a plain GET
form), the routing rules of one's areas, the department and provider units and their members.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, is_htmx, paginate

from ... import actions, queries
from ...forms.config import MemberForm, RuleForm, UnitEditForm, UnitForm
from ...models import Unit
from ._shared import _indent, _require, _with_query

PREVIEW_TARGET = "route-preview"


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
]
