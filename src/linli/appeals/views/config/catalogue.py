"""``settings/catalogue/`` (``appeal.configure``): a county's catalogue page, its starting
defaults, its categories, response templates and policy.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors

from ... import actions, queries
from ...defaults import CATEGORIES as DEFAULT_CATEGORIES
from ...defaults import TEMPLATES as DEFAULT_TEMPLATES
from ...forms.config import CategoryForm, PolicyForm, TemplateForm, format_questions
from ...models import Unit
from ._shared import _indent, _require, _with_query


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


urlpatterns = [
    path("settings/catalogue/", catalogue, name="catalogue"),
    path("settings/catalogue/defaults/", defaults_load, name="defaults_load"),
    path("settings/catalogue/categories/new/", category_add, name="category_add"),
    path("settings/catalogue/categories/<int:category_id>/", category_edit, name="category_edit"),
    path("settings/catalogue/templates/new/", template_add, name="template_add"),
    path("settings/catalogue/templates/<int:template_id>/", template_edit, name="template_edit"),
    path(
        "settings/catalogue/templates/<int:template_id>/delete/",
        template_delete,
        name="template_delete",
    ),
    path("settings/catalogue/policy/", policy, name="policy"),
]
