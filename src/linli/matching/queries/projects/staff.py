"""Reading livelihood projects as staff: the list with its filters, the budget totals of the
list's header, one project with its milestones, updates and linked needs, the needs that may
be linked to it, and the places where the actor may record projects.

Everything is scoped with ``match.view`` over the project's area code (a county's, a town's or
a community's): a community's people see their community's projects, a town officer those of
the town and its communities, a county officer the county's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    CharField,
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Category, LivelihoodProject, Need, ProjectMilestone, ProjectUpdate

Status = LivelihoodProject.Status
Funding = LivelihoodProject.Funding
SEARCH_MAX = 40
CHOICES_MAX = 400
NEED_CHOICES_MAX = 50
PROJECT_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)
_YES = {"1", "true", "on", "yes"}
_NO = {"0", "false", "off", "no"}


def area_name() -> Subquery:
    """The name of the row's area (an annotation: no join, no extra query)."""
    return Subquery(
        Area.objects.filter(code=OuterRef("area_code")).values("name")[:1],
        output_field=CharField(),
    )


def visible(actor) -> QuerySet[LivelihoodProject]:
    return scoping.scope(LivelihoodProject.objects.all(), actor, Cap.MATCH_VIEW)


def area_prefix(value, *, field: str = "area") -> str:
    """The significant prefix of an area code given as a filter."""
    try:
        return areacodes.prefix_of(str(value).strip())
    except areacodes.AreaCodeError:
        raise ActionError(_("Give an area by its code."), field=field) from None


def _choice(filters: dict, name: str, choices) -> str:
    word = str(filters.get(name) or "").strip()
    if word and word not in choices.values:
        raise ActionError(_("Choose one of the options."), field=name)
    return word


def _filtered(actor, filters: dict | None) -> QuerySet[LivelihoodProject]:
    filters = filters or {}
    qs = visible(actor)
    if filters.get("area"):
        qs = qs.filter(area_code__startswith=area_prefix(filters["area"]))
    status = _choice(filters, "status", Status)
    if status:
        qs = qs.filter(status=status)
    category = _choice(filters, "category", Category)
    if category:
        qs = qs.filter(category=category)
    funding = _choice(filters, "funding", Funding)
    if funding:
        qs = qs.filter(funding=funding)
    published = filters.get("published")
    if isinstance(published, bool) or str(published or "").lower() in _YES | _NO:
        qs = qs.filter(published=published is True or str(published).lower() in _YES)
    elif published not in (None, ""):
        raise ActionError(_("Answer yes or no."), field="published")
    words = " ".join(str(filters.get("q") or "").split())[:SEARCH_MAX]
    if words:
        qs = qs.filter(Q(name__icontains=words) | Q(lead_unit__icontains=words))
    return qs


def project_list(*, actor, filters: dict | None = None) -> QuerySet[LivelihoodProject]:
    """The projects the actor sees, most recently updated first, each with its area's name,
    its milestones (total, done) and overdue milestones counted (one query). ``filters``:
    ``area`` (a code: its subtree), ``status``, ``category``, ``funding``, ``published``
    (true/false), ``q`` (words of the name or lead unit)."""
    today = timezone.localdate()
    return (
        _filtered(actor, filters)
        .annotate(
            area_name=area_name(),
            milestones_total=Count("milestones"),
            milestones_done=Count("milestones", filter=Q(milestones__done_on__isnull=False)),
            milestones_overdue=Count(
                "milestones",
                filter=Q(milestones__done_on__isnull=True, milestones__due_on__lt=today)
                & ~Q(status__in=[Status.DONE, Status.CANCELLED]),
            ),
        )
        .order_by("-updated_at", "-id")
    )


@dataclass
class TotalRow:
    key: str
    label: str
    count: int
    budget: Decimal


@dataclass
class Totals:
    count: int = 0
    budget: Decimal = Decimal("0")
    by_status: list[TotalRow] = field(default_factory=list)
    by_funding: list[TotalRow] = field(default_factory=list)


def project_totals(*, actor, filters: dict | None = None) -> Totals:
    """How many listed projects and their budgets, in all, per status and per funding source
    (one query, summed by the database)."""
    sums = {"all_n": Count("pk"), "all_b": Sum("budget")}
    for value in Status.values:
        sums[f"s_{value}_n"] = Count("pk", filter=Q(status=value))
        sums[f"s_{value}_b"] = Sum("budget", filter=Q(status=value))
    for value in Funding.values:
        sums[f"f_{value}_n"] = Count("pk", filter=Q(funding=value))
        sums[f"f_{value}_b"] = Sum("budget", filter=Q(funding=value))
    row = _filtered(actor, filters).order_by().aggregate(**sums)
    zero = Decimal("0.00")
    return Totals(
        count=row["all_n"],
        budget=row["all_b"] or zero,
        by_status=[
            TotalRow(value, str(label), row[f"s_{value}_n"], row[f"s_{value}_b"] or zero)
            for value, label in Status.choices
        ],
        by_funding=[
            TotalRow(value, str(label), row[f"f_{value}_n"], row[f"f_{value}_b"] or zero)
            for value, label in Funding.choices
            if row[f"f_{value}_n"]
        ],
    )


def milestone_progress(project_id: int) -> int | None:
    """The share of the work done by the milestones' shares (the sum of the shares of those
    done), or None when no milestone carries a share (one query)."""
    row = ProjectMilestone.objects.filter(project_id=project_id).aggregate(
        shares=Sum("weight"), done=Sum("weight", filter=Q(done_on__isnull=False))
    )
    if not row["shares"]:
        return None
    return min(int(row["done"] or 0), 100)


def with_milestone_facts(project: LivelihoodProject, milestones) -> LivelihoodProject:
    """Set ``milestone_rows`` (each with ``overdue``), ``shares``, ``suggested_progress``
    (from the shares of milestones done; None without shares) on ``project``."""
    today = timezone.localdate()
    closed = project.status in (Status.DONE, Status.CANCELLED)
    rows = list(milestones)
    for row in rows:
        row.overdue = bool(not closed and row.done_on is None and row.due_on and row.due_on < today)
    shares = sum(row.weight for row in rows)
    project.milestone_rows = rows
    project.shares = shares
    project.milestones_done = sum(1 for row in rows if row.done_on is not None)
    project.suggested_progress = (
        min(sum(row.weight for row in rows if row.done_on is not None), 100) if shares else None
    )
    return project


def project_get(*, actor, project_id: int) -> LivelihoodProject:
    """One project with its area's name, milestones, updates (newest first, with who wrote
    them) and linked needs (four queries)."""
    found = (
        visible(actor)
        .annotate(area_name=area_name())
        .select_related("created_by")
        .prefetch_related(
            Prefetch("milestones", queryset=ProjectMilestone.objects.order_by("position", "id")),
            Prefetch(
                "updates",
                queryset=ProjectUpdate.objects.select_related("by").order_by("-at", "-id"),
            ),
            Prefetch(
                "needs",
                queryset=Need.objects.annotate(area_name=area_name()).order_by(
                    "-created_at", "-id"
                ),
            ),
        )
        .filter(pk=project_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such project among those you may see."))
    return with_milestone_facts(found, found.milestones.all())


def project_can_manage(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.PROJECT_MANAGE, area_code)


def project_need_choices(*, actor, project: LivelihoodProject, q: str = "") -> list[Need]:
    """Needs the project may answer: of its area, seen by the actor, not closed without help
    and not linked yet; newest first, at most 50 (one query)."""
    words = " ".join(str(q or "").split())[:SEARCH_MAX]
    qs = (
        scoping.scope(Need.objects.all(), actor, Cap.MATCH_VIEW)
        .filter(area_code__startswith=areacodes.prefix_of(project.area_code))
        .exclude(status=Need.Status.CLOSED)
        .exclude(projects=project)
        .annotate(area_name=area_name())
    )
    if words:
        qs = qs.filter(Q(title__icontains=words) | Q(who__icontains=words))
    return list(qs.order_by("-created_at", "-id")[:NEED_CHOICES_MAX])


def project_area_choices(*, actor) -> list[Area]:
    """Counties, towns and communities where the actor records projects, in code order."""
    granted = scoping.prefixes(actor, Cap.PROJECT_MANAGE)
    return list(
        Area.objects.filter(scoping.prefix_q(granted, "code"), level__in=PROJECT_LEVELS).order_by(
            "code"
        )[:CHOICES_MAX]
    )


def project_filter_areas(*, actor) -> list[Area]:
    """Counties, towns and communities the actor sees projects of, for the list's filter."""
    granted = scoping.prefixes(actor, Cap.MATCH_VIEW)
    return list(
        Area.objects.filter(scoping.prefix_q(granted, "code"), level__in=PROJECT_LEVELS).order_by(
            "code"
        )[:CHOICES_MAX]
    )


__all__ = [
    "Totals",
    "area_name",
    "area_prefix",
    "milestone_progress",
    "project_area_choices",
    "project_can_manage",
    "project_filter_areas",
    "project_get",
    "project_list",
    "project_need_choices",
    "project_totals",
    "visible",
    "with_milestone_facts",
]
