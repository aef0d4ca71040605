"""Reading post ladders (岗位等级, e.g. 三岗十八级): the steps a province or prefecture set, and
the ladder that applies to a community (the nearest one up the tree).

A ladder is configuration, not personal data: anyone who reads the roster somewhere inside a
ladder's area (or above it) may read that ladder.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import PostLevel, Worker

LADDER_LEVELS = (Level.PROVINCE, Level.PREFECTURE)


def ladder_codes(area_code: str) -> list[str]:
    """The province and prefecture codes whose ladder may apply in ``area_code``, nearest
    first (the area itself when it is one of them)."""
    try:
        code = areacodes.normalize(str(area_code or ""))
    except areacodes.AreaCodeError:
        return []
    chain = [*areacodes.ancestors(code), code]
    found = []
    for item in chain:
        try:
            if areacodes.level_of(item) in LADDER_LEVELS:
                found.append(item)
        except areacodes.AreaCodeError:
            continue
    return list(reversed(found))


def ladder_for(area_code: str) -> list[PostLevel]:
    """The ladder that applies in ``area_code``: the steps set on its prefecture, or failing
    that on its province, in ladder order; [] when neither has one. One query."""
    codes = ladder_codes(area_code)
    if not codes:
        return []
    rows = list(PostLevel.objects.filter(area_code__in=codes).order_by("sort", "code"))
    for code in codes:
        steps = [row for row in rows if row.area_code == code]
        if steps:
            return steps
    return []


def ladder_source(area_code: str) -> str:
    """The code of the province or prefecture whose ladder applies ("" when none does)."""
    steps = ladder_for(area_code)
    return steps[0].area_code if steps else ""


def can_read_ladder(actor, ladder_area_code: str) -> bool:
    """Does the actor read the roster inside (or above) the ladder's area?"""
    try:
        prefix = areacodes.prefix_of(ladder_area_code)
    except areacodes.AreaCodeError:
        return False
    return any(
        granted.startswith(prefix) or prefix.startswith(granted)
        for granted in scoping.prefixes(actor, Cap.WORKFORCE_VIEW)
    )


def can_manage_ladder(actor, ladder_area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.WORKFORCE_MANAGE, ladder_area_code)


def ladder_areas(*, actor) -> list[Area]:
    """The provinces and prefectures whose ladders the actor may read: those above their
    areas and, for officers of a province or prefecture, those within it. Province first."""
    granted = scoping.prefixes(actor, Cap.WORKFORCE_VIEW)
    if not granted:
        return []
    wanted: set[str] = set()
    q = Q(pk__in=[])
    for prefix in granted:
        for code in ladder_codes(prefix.ljust(12, "0")) if prefix else []:
            wanted.add(code)
        q |= Q(code__startswith=prefix)
    qs = Area.objects.filter(level__in=LADDER_LEVELS).filter(Q(code__in=wanted) | q)
    return list(qs.order_by("code")[:400])


def level_list(*, actor, area_code: str) -> QuerySet[PostLevel]:
    """The steps set on one province or prefecture (not inherited), in ladder order.
    NotFound when the actor may not read that ladder."""
    area = ladder_area(actor=actor, area_code=area_code)
    return PostLevel.objects.filter(area=area).order_by("sort", "code")


def level_usage(level_ids) -> dict[int, int]:
    """How many worker records (live or not) name each step: one query."""
    ids = [pk for pk in level_ids if pk]
    if not ids:
        return {}
    rows = (
        Worker.objects.filter(level_id__in=ids)
        .order_by()
        .values("level_id")
        .annotate(n=Count("pk"))
        .values_list("level_id", "n")
    )
    return dict(rows)


def ladder_area(*, actor, area_code: str) -> Area:
    """A province or prefecture whose ladder the actor may read, or NotFound."""
    try:
        code = areacodes.normalize(str(area_code or "").replace("\x00", "")[:15])
    except areacodes.AreaCodeError:
        raise NotFound(_("Choose a province or prefecture."), field="area") from None
    area = Area.objects.filter(code=code, level__in=LADDER_LEVELS).first()
    if area is None or not can_read_ladder(actor, area.code):
        raise NotFound(_("Choose a province or prefecture."), field="area")
    return area


def level_get(*, actor, level_id: int) -> PostLevel:
    level = PostLevel.objects.select_related("area").filter(pk=level_id).first()
    if level is None or not can_read_ladder(actor, level.area_code):
        raise NotFound(_("There is no such post level among yours."))
    return level


__all__ = [
    "LADDER_LEVELS",
    "can_manage_ladder",
    "can_read_ladder",
    "ladder_area",
    "ladder_areas",
    "ladder_codes",
    "ladder_for",
    "ladder_source",
    "level_get",
    "level_list",
    "level_usage",
]
