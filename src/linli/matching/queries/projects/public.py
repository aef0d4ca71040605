"""Reading livelihood projects as residents and visitors: only published projects, only their
published updates, and nothing personal — no resident, no staff name, no text of a need.

An area's projects are those that concern the people living there: the projects of the area
and of every place inside it, and those of the town and county it belongs to. A resident starts
at their own community; a visitor (not signed in) at the deployment's county (the first county
of the area table), and chooses a town or community from there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Role

from ...models import LivelihoodProject, Need, ProjectMilestone, ProjectUpdate
from .staff import PROJECT_LEVELS, area_name

Status = LivelihoodProject.Status
RECENT_UPDATES = 3
HOME_PROJECTS = 3
_HOMES_ATTR = "_linli_project_homes"


def _published() -> QuerySet[LivelihoodProject]:
    return LivelihoodProject.objects.filter(published=True)


def _shown_updates() -> QuerySet[ProjectUpdate]:
    return ProjectUpdate.objects.filter(published=True).order_by("-at", "-id")


def _milestones() -> QuerySet[ProjectMilestone]:
    return ProjectMilestone.objects.order_by("position", "due_on", "id")


# --- where -----------------------------------------------------------------------------------------


def home_communities(actor) -> list[str]:
    """The communities where a signed-in actor lives: those of their resident roles (on a
    community or one of its grids) and their account's home community. No query beyond the
    actor's role assignments (read once a request)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    cached = getattr(actor, _HOMES_ATTR, None)
    if cached is not None:
        return cached
    codes = {
        prefix[:12]
        for role, prefix in scoping.grants(actor)
        if role == Role.RESIDENT and len(prefix) >= 12
    }
    home = getattr(actor, "home_area_id", None) or ""
    if len(home) >= 12 and home[9:12] != "000":
        codes.add(home[:12])
    found = sorted(codes)
    setattr(actor, _HOMES_ATTR, found)
    return found


def public_area(code) -> Area:
    """The county, town or community of ``code`` (a grid's code gives its community)."""
    try:
        normal = areacodes.normalize(str(code or "").strip())
    except areacodes.AreaCodeError:
        raise ActionError(_("Choose a place from the list."), field="area") from None
    if len(normal) == 15:
        normal = normal[:12]
    found = Area.objects.filter(code=normal).first()
    if found is None or found.level not in PROJECT_LEVELS:
        raise ActionError(_("Choose a place from the list."), field="area")
    return found


def default_area(actor) -> Area | None:
    """Where the list starts: the resident's community, else the first county."""
    homes = home_communities(actor)
    if homes:
        found = Area.objects.filter(code=homes[0]).first()
        if found is not None:
            return found
    return Area.objects.filter(level=Level.COUNTY).order_by("code").first()


@dataclass
class Place:
    area: Area
    path: list[Area]  # from the county down to the area
    children: list[Area]  # the towns of a county, the communities of a town


def public_place(area: Area) -> Place:
    """The area with the way down from its county and the places to choose below it (one
    query)."""
    above = [code for code in areacodes.ancestors(area.code) if areacodes.level_of(code) >= 3]
    rows = list(
        Area.objects.filter(
            Q(code__in=above) | Q(parent_id=area.code, level__in=PROJECT_LEVELS)
        ).order_by("code")
    )
    path = [row for row in rows if row.code in above] + [area]
    children = [row for row in rows if row.parent_id == area.code and row.code not in above]
    return Place(area=area, path=path, children=children)


def _concerning(area: Area) -> Q:
    """Projects of the area and everything inside it, and of the places it belongs to."""
    return Q(area_code__startswith=area.prefix) | Q(area_code__in=areacodes.ancestors(area.code))


# --- lists -----------------------------------------------------------------------------------------


def public_project_list(*, area: Area, status: str = "") -> QuerySet[LivelihoodProject]:
    """The published projects that concern ``area``, most recently updated first, with their
    area's name, milestones and latest published updates (three queries a page)."""
    qs = _published().filter(_concerning(area))
    if status:
        if status not in Status.values:
            raise ActionError(_("Choose one of the options."), field="status")
        qs = qs.filter(status=status)
    return (
        qs.annotate(area_name=area_name())
        .prefetch_related(
            Prefetch("milestones", queryset=_milestones()),
            Prefetch(
                "updates", queryset=_shown_updates()[:RECENT_UPDATES], to_attr="recent_updates"
            ),
        )
        .order_by("-updated_at", "-id")
    )


@dataclass
class PublicCounts:
    total: int
    planned: int
    under_way: int
    done: int
    cancelled: int
    progress: int | None  # average of those not cancelled


def public_counts(*, area: Area) -> PublicCounts:
    """How many published projects concern the area, by status, and their average progress
    (one query)."""
    row = (
        _published()
        .filter(_concerning(area))
        .order_by()
        .aggregate(
            total=Count("pk"),
            planned=Count("pk", filter=Q(status=Status.PLANNED)),
            under_way=Count("pk", filter=Q(status=Status.UNDER_WAY)),
            done=Count("pk", filter=Q(status=Status.DONE)),
            cancelled=Count("pk", filter=Q(status=Status.CANCELLED)),
            progress=Avg("progress", filter=~Q(status=Status.CANCELLED)),
        )
    )
    progress = row.pop("progress")
    return PublicCounts(**row, progress=None if progress is None else round(progress))


def public_project_get(*, project_id: int) -> LivelihoodProject:
    """One published project with its milestones, its published updates (newest first) and
    what residents asked that it answers — needs counted by category and status, never their
    text (three queries)."""
    found = (
        _published()
        .annotate(area_name=area_name())
        .prefetch_related(
            Prefetch("milestones", queryset=_milestones()),
            Prefetch("updates", queryset=_shown_updates(), to_attr="shown_updates"),
        )
        .filter(pk=project_id)
        .first()
    )
    if found is None:
        raise NotFound(_("There is no such project."))
    found.asked = list(
        Need.objects.filter(projects=found)
        .order_by()
        .values("category", "status")
        .annotate(n=Count("pk"))
        .order_by("category", "status")
    )
    return found


def home_projects(*, actor) -> list[LivelihoodProject]:
    """The three most recently updated published projects of the resident's communities and
    their towns (with the actor's roles read: at most two queries)."""
    homes = home_communities(actor)
    if not homes:
        return []
    codes = sorted({code for home in homes for code in (home, home[:9] + "000")})
    return list(
        _published()
        .filter(area_code__in=codes)
        .annotate(area_name=area_name())
        .order_by("-updated_at", "-id")[:HOME_PROJECTS]
    )


__all__ = [
    "HOME_PROJECTS",
    "Place",
    "PublicCounts",
    "default_area",
    "home_communities",
    "home_projects",
    "public_area",
    "public_counts",
    "public_place",
    "public_project_get",
    "public_project_list",
]
