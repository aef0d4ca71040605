"""Reads for the home pages: the actor's own places and the areas they oversee."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.models import Area, RoleAssignment
from linli.core.roles import Cap, Role


@dataclass(frozen=True)
class HomePlace:
    """Where a resident lives: their community (or village), its town, and the grid if known."""

    community: Area
    town: Area | None
    grid: Area | None = None


def home_place(*, actor) -> HomePlace | None:
    """The actor's home community and its town, from ``home_area`` or their resident role."""
    if not getattr(actor, "is_authenticated", False):
        return None
    area_id = actor.home_area_id
    if area_id is None:
        area_id = (
            RoleAssignment.objects.filter(user_id=actor.pk, role=Role.RESIDENT)
            .order_by("area_code")
            .values_list("area_id", flat=True)
            .first()
        )
    if area_id is None:
        return None
    area = Area.objects.select_related("parent", "parent__parent").filter(pk=area_id).first()
    if area is None:
        return None
    grid = None
    if area.level == Level.GRID and area.parent is not None:
        grid, area = area, area.parent
    if area.level != Level.COMMUNITY:
        return None
    town = area.parent if area.parent is not None and area.parent.level == Level.TOWN else None
    return HomePlace(community=area, town=town, grid=grid)


def my_assignments(*, actor) -> QuerySet[RoleAssignment]:
    """The actor's own role assignments with their areas and the areas above them."""
    if not getattr(actor, "is_authenticated", False):
        return RoleAssignment.objects.none()
    return (
        RoleAssignment.objects.filter(user_id=actor.pk)
        .select_related("area", "area__parent")
        .order_by("area__code", "role")
    )


@dataclass
class AreaSummary:
    """An area the actor oversees, with how many areas of each level lie below it."""

    area: Area
    counts: list[tuple[Level, int]] = field(default_factory=list)
    urban: int = 0
    rural: int = 0

    @property
    def total_below(self) -> int:
        return sum(n for _level, n in self.counts)


def overseen_areas(*, actor, cap: str = Cap.OFFICER_HOME) -> list[AreaSummary]:
    """The highest areas where the actor holds ``cap``, with counts of the areas below by level.

    Two queries whatever the number of areas: the areas themselves, then one grouped count.
    """
    granted = [prefix for prefix in scoping.prefixes(actor, cap) if prefix]
    if not granted:
        return []
    roots = list(Area.objects.filter(prefix__in=granted).select_related("parent").order_by("code"))
    if not roots:
        return []
    summaries = {root.prefix: AreaSummary(area=root) for root in roots}
    root_of = Case(
        *[When(code__startswith=prefix, then=Value(prefix)) for prefix in summaries],
        output_field=CharField(),
    )
    rows = (
        Area.objects.filter(scoping.prefix_q(list(summaries), "code"))
        .exclude(prefix__in=list(summaries))
        .annotate(root=root_of)
        .order_by()
        .values("root", "level")
        .annotate(
            n=Count("code"),
            urban=Count("code", filter=Q(urban_rural__startswith="1")),
            rural=Count("code", filter=Q(urban_rural__startswith="2")),
        )
    )
    found: dict[tuple[str, int], int] = {}
    for row in rows:
        found[(row["root"], row["level"])] = row["n"]
        if row["level"] == Level.COMMUNITY:
            summary = summaries[row["root"]]
            summary.urban += row["urban"]
            summary.rural += row["rural"]
    for prefix, summary in summaries.items():
        summary.counts = [
            (level, found.get((prefix, level), 0)) for level in Level if level > summary.area.level
        ]
    return list(summaries.values())
