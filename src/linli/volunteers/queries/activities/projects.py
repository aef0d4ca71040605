"""Reading projects and the project library, and the choices the organiser's forms offer.

- Staff read the projects of their areas (``volunteer.view``), drafts included.
- The library: open library projects of the county or town above the reader's areas, with
  the library projects of their own areas (drafts too, for their makers).
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.cleaning import Errors, normal_code, row_id
from linli.core.errors import NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Activity, Organisation, Project, TargetGroup, Team
from . import _common as rules

CHOICES_MAX = 300

__all__ = [
    "area_choices",
    "library_list",
    "organisation_choices",
    "project_choices",
    "project_get",
    "project_list",
    "project_visible",
    "team_choices",
    "venue_choices",
]


def _ancestor_codes(actor) -> list[str] | None:
    """The codes of the areas at and above each area where the actor reads volunteers (None:
    every area)."""
    codes: set[str] = set()
    for prefix in scoping.prefixes(actor, Cap.VOLUNTEER_VIEW):
        if prefix == "":
            return None
        full = prefix if len(prefix) == 15 else prefix.ljust(12, "0")
        codes.add(full)
        codes.update(areacodes.ancestors(full))
    return sorted(codes)


def _library_q(actor) -> Q:
    above = _ancestor_codes(actor)
    offered = Q(status=Project.Status.OPEN)
    if above is not None:
        offered &= Q(area_code__in=above)
    return Q(in_library=True) & (offered | rules.staff_q(actor))


def project_visible(actor, project: Project) -> bool:
    if rules.reads(actor, project.area_code):
        return True
    if not project.in_library or project.status != Project.Status.OPEN:
        return False
    return any(
        prefix.startswith(areacodes.prefix_of(project.area_code))
        for prefix in scoping.prefixes(actor, Cap.VOLUNTEER_VIEW)
    )


def _annotated(qs: QuerySet) -> QuerySet:
    activities = (
        Activity.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("pk"))
        .values("n")
    )
    copies = (
        Project.objects.filter(copied_from=OuterRef("pk"))
        .order_by()
        .values("copied_from")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.select_related("area", "team", "organisation", "copied_from").annotate(
        activity_count=Coalesce(Subquery(activities), Value(0)),
        copy_count=Coalesce(Subquery(copies), Value(0)),
    )


def _group_q(value: str) -> Q:
    # A JSON list holds each code in double quotes: '"elderly"' never matches "elderly_alone".
    return Q(target_groups__icontains=f'"{value}"')


def _filters(errors: Errors, qs: QuerySet, filters: dict) -> QuerySet:
    status = str(filters.get("status") or "")
    if status:
        if status not in Project.Status.values:
            errors.add("status", _("Choose one of the options."))
        else:
            qs = qs.filter(status=status)
    group = str(filters.get("target_group") or "")
    if group:
        if group not in TargetGroup.values:
            errors.add("target_group", _("Choose one of the options."))
        else:
            qs = qs.filter(_group_q(group))
    library = str(filters.get("library") or "")
    if library in ("1", "0"):
        qs = qs.filter(in_library=library == "1")
    area = str(filters.get("area") or "")
    if area:
        code = normal_code(area)
        if code is None:
            errors.add("area", _("An area code has 12 digits (15 for a grid)."))
        else:
            qs = qs.filter(area_code__startswith=areacodes.prefix_of(code))
    words = " ".join(str(filters.get("q") or "").split())[:50]
    if words:
        qs = qs.filter(name__icontains=words)
    errors.raise_if_any(_("Check the filters."))
    return qs


def project_list(*, actor, filters: dict | None = None) -> QuerySet[Project]:
    """The projects of the actor's areas (``volunteer.view``), by area and name."""
    qs = Project.objects.filter(rules.staff_q(actor))
    qs = _filters(Errors(), qs, filters or {})
    return _annotated(qs).order_by("area_code", "name", "id")


def library_list(*, actor, filters: dict | None = None) -> QuerySet[Project]:
    """The library projects the actor may copy (and those of their own areas), filtered by
    ``target_group``; each row says whether the actor's community copied it already
    (``copied_here``: the id of a live copy within the actor's areas, or None)."""
    qs = Project.objects.filter(_library_q(actor))
    qs = _filters(Errors(), qs, {k: v for k, v in (filters or {}).items() if k != "library"})
    mine = (
        Project.objects.filter(rules.staff_q(actor), copied_from=OuterRef("pk"))
        .exclude(status=Project.Status.CLOSED)
        .order_by("pk")
        .values("pk")[:1]
    )
    return (
        _annotated(qs)
        .annotate(copied_here=Subquery(mine))
        .order_by("-status", "area_code", "name", "id")
    )


def project_get(*, actor, project_id) -> Project:
    pk = row_id(project_id)
    project = _annotated(Project.objects.filter(pk=pk)).first() if pk else None
    if project is None or not project_visible(actor, project):
        raise NotFound(_("There is no such project, or it is not yours to see."))
    return project


def project_activities(*, actor, project: Project) -> QuerySet[Activity]:
    """The activities of a project that the actor reads, latest first."""
    return (
        Activity.objects.filter(rules.staff_q(actor), project_id=project.pk)
        .select_related("area")
        .order_by("-starts_at", "-id")[:50]
    )


# --- choices of the forms -----------------------------------------------------------------------


def _managed(actor) -> Q:
    return scoping.prefix_q(scoping.prefixes(actor, Cap.VOLUNTEER_MANAGE))


def area_choices(actor, *, levels=(Level.COMMUNITY,)) -> list[tuple[str, str]]:
    """Areas of ``levels`` where the actor manages volunteers: (code, name)."""
    qs = Area.objects.filter(
        scoping.prefix_q(scoping.prefixes(actor, Cap.VOLUNTEER_MANAGE), "code"),
        level__in=levels,
    ).order_by("code")
    return [(a.code, a.name) for a in qs[:CHOICES_MAX]]


def team_choices(actor) -> list[tuple[int, str]]:
    qs = Team.objects.filter(_managed(actor), active=True).order_by("area_code", "name")
    return list(qs.values_list("pk", "name")[:CHOICES_MAX])


def organisation_choices(actor) -> list[tuple[int, str]]:
    qs = Organisation.objects.filter(_managed(actor), active=True).order_by("area_code", "name")
    return list(qs.values_list("pk", "name")[:CHOICES_MAX])


def project_choices(actor) -> list[tuple[int, str]]:
    qs = (
        Project.objects.filter(_managed(actor), in_library=False)
        .exclude(status=Project.Status.CLOSED)
        .order_by("area_code", "name")
    )
    return list(qs.values_list("pk", "name")[:CHOICES_MAX])


def venue_choices(actor) -> list[tuple[int, str]]:
    """Open venues of the communities where the actor manages volunteers."""
    from linli.facilities.models import Venue

    qs = Venue.objects.filter(_managed(actor), active=True, area__level=Level.COMMUNITY).order_by(
        "area_code", "name"
    )
    return list(qs.values_list("pk", "name")[:CHOICES_MAX])
