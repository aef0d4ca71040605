"""plans queries: the catalogue — plans, the built-in templates, targets and indicators.

Reading needs ``plan.view``. Who sees which plan is :mod:`linli.plans.queries.access`: the
templates (public texts), and the plans whose jurisdiction contains one of the actor's areas or
lies inside one. Indicators seen are the built-in ones and those of the jurisdictions at, above
or below the actor's areas; a plan's targets may use the built-in indicators and those of its
jurisdiction and the areas above it (:func:`indicators_for_plan`).

:func:`indicator_label` is the name to show: the translated label of a built-in indicator (its
Chinese is the plan texts' own name), else the name the jurisdiction gave it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from .. import builtin
from ..models import Indicator, Plan, PlanTask, Target
from . import access

__all__ = [
    "INDICATOR_LEVELS",
    "PLAN_LEVELS",
    "PlanDetail",
    "area_names",
    "indicator_areas",
    "indicator_get",
    "indicator_label",
    "indicator_list",
    "indicators_for_plan",
    "plan_areas",
    "plan_get",
    "plan_list",
    "plan_manageable",
    "target_get",
    "target_of",
    "template_list",
]

PLAN_LEVELS = (Level.PREFECTURE, Level.COUNTY)
INDICATOR_LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY)
SEARCH_MAX = 40
CHOICES_MAX = 400


def indicator_label(indicator: Indicator) -> str:
    """The display name of an indicator: a built-in one's translated label, else its name."""
    if indicator.area_code == "":
        found = builtin.label(indicator.key)
        if found is not None:
            return found
    return indicator.name


def indicator_definition(indicator: Indicator) -> str:
    """How an indicator is counted, in the reader's language for a built-in one."""
    if indicator.area_code == "":
        found = builtin.definition(indicator.key)
        if found is not None:
            return found
    return indicator.definition


def plan_manageable(actor, plan: Plan) -> bool:
    """May the actor change ``plan`` (not a template, ``plan.manage`` over its jurisdiction)?"""
    return not plan.is_template and scoping.has_cap(actor, Cap.PLAN_MANAGE, plan.area_code)


def _areas(actor, levels) -> list[Area]:
    granted = scoping.prefixes(actor, Cap.PLAN_MANAGE)
    if not granted:
        return []
    return list(
        Area.objects.filter(level__in=levels)
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")[:CHOICES_MAX]
    )


def plan_areas(*, actor) -> list[Area]:
    """The prefectures and counties the actor may adopt or write plans for."""
    return _areas(actor, PLAN_LEVELS)


def indicator_areas(*, actor) -> list[Area]:
    """The provinces, prefectures and counties the actor may add indicators for."""
    return _areas(actor, INDICATOR_LEVELS)


def area_names(codes) -> dict[str, str]:
    """The names of the areas of ``codes`` (those in the tree)."""
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _count(model, **where) -> Coalesce:
    rows = (
        model.objects.filter(plan=OuterRef("pk"), **where)
        .order_by()
        .values("plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _with_counts(qs: QuerySet[Plan]) -> QuerySet[Plan]:
    area = Area.objects.filter(code=OuterRef("area_code")).values("name")[:1]
    return qs.annotate(
        target_count=_count(Target),
        task_count=_count(PlanTask),
        area_name=Subquery(area),
    )


def _template_name(plan: Plan) -> str:
    spec = builtin.catalogue().template(plan.template_key) if plan.is_template else None
    return spec.area_name if spec is not None else plan.area_code


def plan_list(*, actor, status=None, q=None) -> QuerySet[Plan]:
    """The plans (not the templates) the actor sees, newest horizon first within each
    jurisdiction, with ``target_count``, ``task_count`` and ``area_name``. ``status`` is draft,
    active or closed; ``q`` searches the titles."""
    qs = access.plans_visible(actor).filter(is_template=False)
    if status not in (None, ""):
        if status not in Plan.Status.values:
            raise ActionError(_("Choose a status."), field="status")
        qs = qs.filter(status=status)
    text = " ".join(str(q or "").replace("\x00", "").split())
    if len(text) > SEARCH_MAX:
        raise ActionError(_("At most %(max)d characters, please.") % {"max": SEARCH_MAX}, field="q")
    if text:
        qs = qs.filter(title__icontains=text)
    return _with_counts(qs).order_by("area_code", "-end_year", "title", "pk")


def template_list(*, actor) -> list[Plan]:
    """The built-in templates, in the order of their texts, with ``target_count``,
    ``task_count`` and ``area_name`` (the jurisdiction's name even where the area is not in the
    tree). Empty for an actor without ``plan.view``."""
    rows = list(
        _with_counts(access.plans_visible(actor).filter(is_template=True)).order_by(
            "source_document", "pk"
        )
    )
    for plan in rows:
        plan.area_name = plan.area_name or _template_name(plan)
    return rows


@dataclass
class PlanDetail:
    plan: Plan
    area_name: str
    targets: list[Target]
    task_count: int
    can_manage: bool
    template: Plan | None = None
    tasks: list[PlanTask] = field(default_factory=list)  # a template's task table
    adoptions: list[Plan] = field(default_factory=list)  # a template's copies the actor sees


def plan_get(*, actor, plan_id) -> PlanDetail:
    """A plan the actor sees with its targets (and their indicators) and its number of tasks;
    a template with its task table and the copies of it the actor sees. A few queries whatever
    the size."""
    plan = access.plan_for(actor, plan_id)
    targets = list(plan.targets.select_related("indicator").order_by("position", "pk"))
    for target in targets:
        target.label = indicator_label(target.indicator)
    name = Area.objects.filter(code=plan.area_code).values_list("name", flat=True).first()
    detail = PlanDetail(
        plan=plan,
        area_name=name or _template_name(plan),
        targets=targets,
        task_count=plan.tasks.count(),
        can_manage=plan_manageable(actor, plan),
    )
    if plan.template_id:
        detail.template = Plan.objects.filter(pk=plan.template_id).first()
    if plan.is_template:
        detail.tasks = list(plan.tasks.order_by("position", "pk"))
        detail.adoptions = list(
            access.plans_visible(actor)
            .filter(template=plan, is_template=False)
            .order_by("area_code", "-created_at")
        )
    return detail


def target_get(*, actor, plan_id, target_id) -> Target:
    """A target of a plan the actor sees."""
    plan = access.plan_for(actor, plan_id)
    pk = _pk(target_id)
    target = plan.targets.select_related("indicator", "plan").filter(pk=pk).first() if pk else None
    if target is None:
        raise NotFound(_("This plan has no such target."), field="target_id")
    target.label = indicator_label(target.indicator)
    return target


def target_of(*, actor, plan_id, indicator_id) -> Target:
    """A plan's target for an indicator (a plan has one per indicator)."""
    plan = access.plan_for(actor, plan_id)
    pk = _pk(indicator_id)
    target = (
        plan.targets.select_related("indicator").filter(indicator_id=pk).first() if pk else None
    )
    if target is None:
        raise NotFound(_("This plan has no target for this indicator."), field="indicator_id")
    return target


def _pk(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


# --- indicators ---------------------------------------------------------------------------------


def _up_and_down(prefix: str) -> Q:
    """Indicators of the jurisdictions under ``prefix`` and of those above it."""
    above = areacodes.ancestors(areacodes.normalize(prefix)) if prefix else []
    own = prefix.ljust(12, "0") if prefix else ""
    return Q(area_code__startswith=prefix) | Q(area_code__in=[*above, own])


def indicators_for_plan(plan: Plan) -> QuerySet[Indicator]:
    """The indicators a plan may set targets for: the built-in ones and those of its
    jurisdiction and of the areas above it."""
    codes = [plan.area_code, *areacodes.ancestors(plan.area_code)]
    return Indicator.objects.filter(Q(area_code="") | Q(area_code__in=codes))


def indicator_list(*, actor, area_code=None) -> QuerySet[Indicator]:
    """The built-in indicators and the jurisdictions' own that the actor sees: at, above or
    under their areas; with ``area_code``, those a plan of that area may use. Forbidden
    without ``plan.view``."""
    granted = scoping.prefixes(actor, Cap.PLAN_VIEW)
    if not granted:
        raise Forbidden(_("You do not have permission to do this here."))
    if area_code not in (None, ""):
        try:
            code = areacodes.normalize(str(area_code).replace("\x00", ""))
            own = areacodes.prefix_of(code)
        except areacodes.AreaCodeError as exc:
            raise ActionError(str(exc.args[0]), field="area") from None
        visible = any(code.startswith(prefix) or prefix.startswith(own) for prefix in granted)
        if not visible:
            raise NotFound(_("No such area among yours."), field="area")
        codes = [code, *areacodes.ancestors(code)]
        qs = Indicator.objects.filter(Q(area_code="") | Q(area_code__in=codes))
    elif "" in granted:
        qs = Indicator.objects.all()
    else:
        q = Q(area_code="")
        for prefix in granted:
            q |= _up_and_down(prefix)
        qs = Indicator.objects.filter(q)
    return qs.order_by("area_code", "key")


def indicator_get(*, actor, indicator_id) -> Indicator:
    """An indicator the actor sees; else not found."""
    pk = _pk(indicator_id)
    found = indicator_list(actor=actor).filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFound(_("No such indicator."), field="indicator_id")
    return found
