"""What the staff workbench reads besides the appeals themselves: the categories and intake areas
it offers, the county's response templates for one appeal, likely duplicates the actor may see
and the photos of appeals they see."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.errors import NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Appeal, Category, Photo, ResponseTemplate, Unit
from .appeals import appeal_duplicates, appeal_get, appeal_list
from .units import county_code, member_unit_ids

CHOICES_MAX = 400  # areas or categories offered in one <select>

# An intake <select>: (community name, [(code, label), …]) per community.
AreaGroups = list[tuple[str, list[tuple[str, str]]]]


def _county_categories(prefixes: Iterable[str]) -> list[Category]:
    """The active categories of the counties under (or over) ``prefixes``."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        q |= Q(area_code__startswith=prefix[:6])
    return list(
        Category.objects.filter(q, active=True).order_by("area_code", "sort", "id")[:CHOICES_MAX]
    )


def inbox_categories(*, actor) -> list[Category]:
    """The categories the inbox filters by: those of the counties where the actor sees appeals
    and of the areas of their own units."""
    units = Unit.objects.filter(pk__in=member_unit_ids(actor)).values_list("area_code", flat=True)
    return _county_categories([*scoping.prefixes(actor, Cap.APPEAL_VIEW), *units])


def intake_areas(*, actor) -> AreaGroups:
    """Communities and grids where the actor takes appeals in, grouped by community for a
    <select> (each community first, as "whole community"); empty for those who take none in."""
    rows = (
        Area.objects.filter(level__in=(areacodes.Level.COMMUNITY, areacodes.Level.GRID))
        .filter(scoping.prefix_q(scoping.prefixes(actor, Cap.APPEAL_INTAKE), "code"))
        .order_by("code")
        .values_list("code", "name", "level")[:CHOICES_MAX]
    )
    groups: dict[str, list] = {}
    labels: dict[str, str] = {}
    for code, name, level in rows:
        community = code[:12]
        if level == areacodes.Level.COMMUNITY:
            labels[community] = name
            groups.setdefault(community, []).insert(
                0, (code, _("%(name)s (whole community)") % {"name": name})
            )
        else:
            groups.setdefault(community, []).append((code, name))
    return [(labels.get(code, code), options) for code, options in groups.items()]


def intake_categories(*, actor, areas: AreaGroups | None = None) -> list[Category]:
    """The categories of the counties of the actor's intake areas (``areas``: what
    :func:`intake_areas` answered for them, when already read)."""
    if areas is None:
        areas = intake_areas(actor=actor)
    codes = {code[:6] for _label, options in areas for code, _name in options}
    return _county_categories(sorted(codes))


def appeal_response_templates(*, appeal: Appeal) -> dict[str, list[ResponseTemplate]]:
    """The county's answers in use for the appeal's category (or its parent, or any category),
    by step."""
    categories = [appeal.category_id, appeal.category.parent_id]
    rows = ResponseTemplate.objects.filter(
        Q(category__isnull=True) | Q(category_id__in=[c for c in categories if c]),
        area_code=county_code(appeal.area_code),
        active=True,
    ).order_by("step", "title")
    found: dict[str, list[ResponseTemplate]] = {}
    for row in rows:
        found.setdefault(row.step, []).append(row)
    return found


def visible_duplicates(
    *,
    actor,
    area_code: str,
    category_id: int,
    lat=None,
    lng=None,
    exclude_id: int | None = None,
) -> list[Appeal]:
    """Likely duplicates (:func:`~linli.appeals.queries.appeals.appeal_duplicates`, found across
    areas) that the actor may see."""
    found = appeal_duplicates(
        area_code=area_code, category_id=category_id, lat=lat, lng=lng, exclude_id=exclude_id
    )
    if not found:
        return []
    pks = [appeal.pk for appeal in found]
    seen = set(appeal_list(actor=actor).filter(pk__in=pks).values_list("pk", flat=True))
    return [appeal for appeal in found if appeal.pk in seen]


def photo_get(*, actor, photo_id: int) -> Photo:
    """A photo of an appeal the actor may see (residents see their own appeals' photos), with
    its appeal; NotFound for any other."""
    appeal_id = Photo.objects.filter(pk=photo_id).values_list("appeal_id", flat=True).first()
    if appeal_id is None:
        raise NotFound(_("There is no such photo, or it is not yours to see."))
    appeal = appeal_get(actor=actor, appeal_id=appeal_id)
    return appeal.photos.get(pk=photo_id)


__all__ = [
    "appeal_response_templates",
    "inbox_categories",
    "intake_areas",
    "intake_categories",
    "photo_get",
    "visible_duplicates",
]
