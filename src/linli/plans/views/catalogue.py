"""plans pages: the catalogue — plans, the built-in templates, targets and indicators.

- ``plans:plans`` (?status=&q=&page=): the plans the actor sees, and the five templates with an
  "adopt" button for those who hold ``plan.manage`` over a prefecture or county.
- ``plans:plan`` (plan_id): a plan's header (jurisdiction, years, status, source) and its
  targets in the layout of the plans' own indicator tables (指标, 单位, 基期值, 目标值, 属性),
  with links to its dashboard, task ledger, snapshots, reported values and annual report; a
  template's page also lists its task table.
- ``plans:plan_new``, ``plan_adopt`` (template_id), ``plan_edit`` (plan_id),
  ``plan_status`` (plan_id, POST: put in force or close).
- ``plans:target_new`` (plan_id), ``target_edit`` (plan_id, target_id), ``target_remove``
  (plan_id, target_id, POST).
- ``plans:indicators`` (?area=), ``indicator_new``, ``indicator_edit`` (indicator_id).

Pages read with ``plan.view`` (403 without it, 404 for what the actor cannot see); the forms are
for holders of ``plan.manage``, and every write goes through
:mod:`linli.plans.actions.catalogue`.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import filter_errors, page_size, paginate, read, submit

from ..actions import catalogue as actions
from ..forms_catalogue import (
    AdoptForm,
    IndicatorEditForm,
    IndicatorForm,
    PlanEditForm,
    PlanForm,
    TargetForm,
)
from ..models import Indicator, Plan
from ..queries import catalogue as queries

FILTERS = ("status", "q")


def _require(request) -> None:
    if not scoping.has_cap(request.user, Cap.PLAN_VIEW):
        raise PermissionDenied


def number(value) -> str:
    """A decimal as written: 100, 2.5 (no trailing zeros)."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text


def _target_rows(targets) -> list:
    for target in targets:
        target.value_text = number(target.value)
        target.baseline_text = number(target.baseline)
        target.margin_text = number(target.at_risk_margin)
    return targets


# --- the list -----------------------------------------------------------------------------------


@login_required
@require_GET
def plans(request):
    _require(request)
    actor = request.user
    values = {key: str(request.GET.get(key, "")).strip()[:40] for key in FILTERS}
    errors: dict = {}
    try:
        found = queries.plan_list(actor=actor, status=values["status"], q=values["q"])
        page_obj = paginate(request, found, per_page=page_size(request))
    except ActionError as exc:
        errors, page_obj = filter_errors(exc), None
    adopt_areas = queries.plan_areas(actor=actor)
    context = {
        "values": values,
        "errors": errors,
        "page_obj": page_obj,
        "statuses": Plan.Status.choices,
        "templates": queries.template_list(actor=actor),
        "can_write": bool(adopt_areas),
    }
    return render(request, "plans/catalogue/plans.html", context, status=400 if errors else 200)


# --- one plan -----------------------------------------------------------------------------------


@login_required
@require_GET
def plan(request, plan_id: int):
    _require(request)
    detail = read(queries.plan_get, actor=request.user, plan_id=plan_id)
    found = detail.plan
    context = {
        "detail": detail,
        "plan": found,
        "targets": _target_rows(detail.targets),
        "baseline_year": found.start_year - 1,
        "can_adopt": found.is_template and bool(queries.plan_areas(actor=request.user)),
    }
    return render(request, "plans/catalogue/plan.html", context)


def _managed(request, plan_id: int) -> Plan:
    _require(request)
    found = read(queries.plan_get, actor=request.user, plan_id=plan_id).plan
    if not queries.plan_manageable(request.user, found):
        raise PermissionDenied
    return found


def _form_page(request, template: str, context: dict, *, status=200):
    return render(request, f"plans/catalogue/{template}", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request):
    _require(request)
    actor = request.user
    areas = queries.plan_areas(actor=actor)
    if not areas:
        raise PermissionDenied
    form = PlanForm(
        request.POST or None,
        areas=areas,
        initial={"start_year": 2021, "end_year": 2025},
        auto_id="plan-%s",
    )
    if request.method == "GET":
        return _form_page(request, "plan_form.html", {"form": form})
    done, status = submit(
        request,
        form,
        lambda data: actions.plan_create(actor=actor, **data),
        message=_("The plan is saved as a draft: set its targets."),
        to=lambda made: reverse("plans:plan", args=[made.pk]),
        missing_page=True,
    )
    return done or _form_page(request, "plan_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_adopt(request, template_id: int):
    _require(request)
    actor = request.user
    found = read(queries.plan_get, actor=actor, plan_id=template_id)
    if not found.plan.is_template:
        raise Http404
    areas = queries.plan_areas(actor=actor)
    if not areas:
        raise PermissionDenied
    form = AdoptForm(request.POST or None, areas=areas, auto_id="adopt-%s")
    context = {"form": form, "template": found.plan, "detail": found}
    if request.method == "GET":
        return _form_page(request, "plan_adopt.html", context)
    done, status = submit(
        request,
        form,
        lambda data: actions.plan_adopt(actor=actor, template_id=found.plan.pk, **data),
        message=_("The plan is adopted as a draft: check its targets and put it in force."),
        to=lambda made: reverse("plans:plan", args=[made.pk]),
        missing_page=True,
    )
    return done or _form_page(request, "plan_adopt.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, plan_id: int):
    actor = request.user
    found = _managed(request, plan_id)
    initial = {
        "title": found.title,
        "start_year": found.start_year,
        "end_year": found.end_year,
        "other_targets": "\n".join(found.other_targets or []),
    }
    form = PlanEditForm(request.POST or None, initial=initial, auto_id="plan-%s")
    context = {"form": form, "plan": found}
    if request.method == "GET":
        return _form_page(request, "plan_form.html", context)
    done, status = submit(
        request,
        form,
        lambda data: actions.plan_update(actor=actor, plan_id=found.pk, **data),
        message=_("The plan is saved."),
        to=reverse("plans:plan", args=[found.pk]),
        missing_page=True,
    )
    return done or _form_page(request, "plan_form.html", context, status=status)


@login_required
@require_POST
def plan_status(request, plan_id: int):
    found = _managed(request, plan_id)
    wanted = request.POST.get("action")
    calls = {
        "activate": (actions.plan_activate, _("The plan is in force.")),
        "close": (actions.plan_close, _("The plan is closed.")),
    }
    if wanted not in calls:
        messages.error(request, _("Choose what to do with the plan."))
        return redirect("plans:plan", found.pk)
    act, message = calls[wanted]
    try:
        act(actor=request.user, plan_id=found.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("plans:plan", found.pk)


# --- targets ------------------------------------------------------------------------------------


def _indicator_choices(found: Plan, exclude=()) -> list[tuple[int, str]]:
    rows = queries.indicators_for_plan(found).exclude(pk__in=exclude).order_by("area_code", "key")
    return [(row.pk, f"{queries.indicator_label(row)} ({row.get_unit_display()})") for row in rows]


@login_required
@require_http_methods(["GET", "POST"])
def target_new(request, plan_id: int):
    actor = request.user
    found = _managed(request, plan_id)
    taken = list(found.targets.values_list("indicator_id", flat=True))
    form = TargetForm(
        request.POST or None,
        indicators=_indicator_choices(found, exclude=taken),
        initial={"op": ">="},
        auto_id="target-%s",
    )
    context = {"form": form, "plan": found}
    if request.method == "GET":
        return _form_page(request, "target_form.html", context)
    done, status = submit(
        request,
        form,
        lambda data: actions.target_set(actor=actor, plan_id=found.pk, **data),
        message=_("The target is saved."),
        to=reverse("plans:plan", args=[found.pk]),
        missing_page=True,
    )
    return done or _form_page(request, "target_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request, plan_id: int, target_id: int):
    actor = request.user
    found = _managed(request, plan_id)
    target = read(queries.target_get, actor=actor, plan_id=found.pk, target_id=target_id)
    initial = {
        "op": target.op,
        "value": number(target.value),
        "binding": target.binding,
        "due_year": target.due_year,
        "baseline": number(target.baseline),
        "baseline_year": target.baseline_year,
        "per_community": target.per_community,
        "at_risk_margin": number(target.at_risk_margin),
        "note": target.note,
    }
    form = TargetForm(request.POST or None, initial=initial, auto_id="target-%s")
    context = {"form": form, "plan": found, "target": target}
    if request.method == "GET":
        return _form_page(request, "target_form.html", context)
    done, status = submit(
        request,
        form,
        lambda data: actions.target_set(
            actor=actor, plan_id=found.pk, indicator_id=target.indicator_id, **data
        ),
        message=_("The target is saved."),
        to=reverse("plans:plan", args=[found.pk]),
        missing_page=True,
    )
    return done or _form_page(request, "target_form.html", context, status=status)


@login_required
@require_POST
def target_remove(request, plan_id: int, target_id: int):
    found = _managed(request, plan_id)
    try:
        actions.target_remove(actor=request.user, plan_id=found.pk, target_id=target_id)
    except Forbidden:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The target is removed."))
    return redirect("plans:plan", found.pk)


# --- indicators ---------------------------------------------------------------------------------


def _functions() -> list[tuple[str, str]]:
    from ..queries.sources import function_choices  # the engine's registry

    return function_choices()


@login_required
@require_GET
def indicators(request):
    _require(request)
    actor = request.user
    area = str(request.GET.get("area", "")).strip()[:15]
    rows = list(read(queries.indicator_list, actor=actor, area_code=area or None))
    labels = dict(_functions())
    for row in rows:
        row.label = queries.indicator_label(row)
        row.function_label = labels.get(row.function, row.function)
        row.can_manage = row.area_code != "" and scoping.has_cap(
            actor, Cap.PLAN_MANAGE, row.area_code
        )
    names = queries.area_names(row.area_code for row in rows if row.area_code)
    for row in rows:
        row.area_name = names.get(row.area_code, row.area_code)
    context = {
        "builtin": [row for row in rows if row.area_code == ""],
        "own": [row for row in rows if row.area_code != ""],
        "can_add": bool(queries.indicator_areas(actor=actor)),
    }
    return render(request, "plans/catalogue/indicators.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request):
    _require(request)
    actor = request.user
    areas = queries.indicator_areas(actor=actor)
    if not areas:
        raise PermissionDenied
    form = IndicatorForm(
        request.POST or None,
        areas=areas,
        functions=_functions(),
        initial={"source": Indicator.Source.REPORTED, "decimals": 1},
        auto_id="indicator-%s",
    )
    if request.method == "GET":
        return _form_page(request, "indicator_form.html", {"form": form})
    done, status = submit(
        request,
        form,
        lambda data: actions.indicator_create(actor=actor, **data),
        message=_("The indicator is saved: plans of its jurisdiction can now set targets for it."),
        to=reverse("plans:indicators"),
        missing_page=True,
    )
    return done or _form_page(request, "indicator_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, indicator_id: int):
    _require(request)
    actor = request.user
    found = read(queries.indicator_get, actor=actor, indicator_id=indicator_id)
    if found.area_code == "" or not scoping.has_cap(actor, Cap.PLAN_MANAGE, found.area_code):
        raise PermissionDenied
    initial = {
        "name": found.name,
        "definition": found.definition,
        "unit": found.unit,
        "scope": found.scope,
        "source": found.source,
        "function": found.function,
        "aggregation": found.aggregation,
        "factor": number(found.factor),
        "decimals": found.decimals,
    }
    form = IndicatorEditForm(
        request.POST or None, initial=initial, functions=_functions(), auto_id="indicator-%s"
    )
    context = {"form": form, "indicator": found}
    if request.method == "GET":
        return _form_page(request, "indicator_form.html", context)
    done, status = submit(
        request,
        form,
        lambda data: actions.indicator_update(actor=actor, indicator_id=found.pk, **data),
        message=_("The indicator is saved."),
        to=reverse("plans:indicators"),
        missing_page=True,
    )
    return done or _form_page(request, "indicator_form.html", context, status=status)


urlpatterns = [
    path("", plans, name="plans"),
    path("new/", plan_new, name="plan_new"),
    path("templates/<int:template_id>/adopt/", plan_adopt, name="plan_adopt"),
    path("<int:plan_id>/", plan, name="plan"),
    path("<int:plan_id>/edit/", plan_edit, name="plan_edit"),
    path("<int:plan_id>/status/", plan_status, name="plan_status"),
    path("<int:plan_id>/targets/new/", target_new, name="target_new"),
    path("<int:plan_id>/targets/<int:target_id>/edit/", target_edit, name="target_edit"),
    path("<int:plan_id>/targets/<int:target_id>/remove/", target_remove, name="target_remove"),
    path("indicators/", indicators, name="indicators"),
    path("indicators/new/", indicator_new, name="indicator_new"),
    path("indicators/<int:indicator_id>/edit/", indicator_edit, name="indicator_edit"),
]
