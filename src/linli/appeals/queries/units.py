"""Handling units: who acts for them, which unit an appeal goes to (routing), who is told."""

from __future__ import annotations

import functools

from django.db.models import Q
from django.utils.translation import gettext

from linli.core import areacodes, scoping
from linli.core.models import Area, RoleAssignment, User
from linli.core.roles import Cap, Role, capabilities

from ..defaults import CATEGORIES
from ..models import Category, RoutingRule, Unit, UnitMember

_UNITS_ATTR = "_linli_appeal_units"
_DEFAULT_NAMES = {key: name for key, name, *_rest in CATEGORIES}


def county_code(area_code: str) -> str:
    """The county an area belongs to (12 digits): appeals catalogues are per county."""
    return areacodes.normalize(area_code[:6])


def member_unit_ids(actor) -> list[int]:
    """Units the actor belongs to by membership (department offices, providers), cached."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, _UNITS_ATTR, None)
    if cached is None:
        cached = list(
            UnitMember.objects.filter(user_id=actor.pk, unit__active=True).values_list(
                "unit_id", flat=True
            )
        )
        setattr(actor, _UNITS_ATTR, cached)
    return cached


def acting_unit_ids(actor) -> list[int]:
    """Units the actor acts for directly: their memberships, and the own units of the areas
    they are assigned to with ``appeal.handle`` (a grid worker's grid, a worker's community)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    roles = [role for role in _all_roles() if Cap.APPEAL_HANDLE in capabilities(role)]
    areas = RoleAssignment.objects.filter(user_id=actor.pk, role__in=roles).values("area_id")
    area_units = Unit.objects.filter(
        area_id__in=areas, kind__in=Unit.AREA_KINDS, active=True
    ).values_list("pk", flat=True)
    return sorted({*member_unit_ids(actor), *area_units})


def supervised_unit_ids(actor) -> list[int]:
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(
        UnitMember.objects.filter(user_id=actor.pk, is_supervisor=True).values_list(
            "unit_id", flat=True
        )
    )


def can_act_for(actor, unit: Unit | None) -> bool:
    """May ``actor`` accept, resolve or return for ``unit``?"""
    if unit is None or not unit.active:
        return False
    if actor is scoping.SYSTEM:
        return True
    if unit.is_area_unit:
        return scoping.has_cap(actor, Cap.APPEAL_HANDLE, unit.area_code)
    return unit.pk in member_unit_ids(actor)


def supervising_code(unit: Unit, level: int = 1) -> str:
    """The area whose supervisors oversee ``unit`` at escalation ``level`` (1 = next up)."""
    code = unit.area_code
    if unit.is_area_unit:
        for _ in range(level):
            parent = areacodes.parent_code(code)
            if parent is None:
                break
            code = parent
        return code
    # Offices and providers are supervised where they sit, then one level up.
    for _ in range(level - 1):
        parent = areacodes.parent_code(code)
        if parent is None:
            break
        code = parent
    return code


def _holders(cap: str, area_code: str, *, exact: bool) -> Q:
    roles = [role for role in _all_roles() if cap in capabilities(role)]
    if exact:
        return Q(assignments__role__in=roles, assignments__area_id=area_code)
    ancestors = [area_code, *areacodes.ancestors(area_code)]
    return Q(assignments__role__in=roles, assignments__area_id__in=ancestors)


def _all_roles() -> list[str]:
    return list(Role)


def unit_recipients(unit: Unit) -> list[User]:
    """Who is told when an appeal reaches ``unit``: its members, or the staff of its area."""
    if unit.is_area_unit:
        qs = User.objects.filter(_holders(Cap.APPEAL_HANDLE, unit.area_code, exact=True))
    else:
        qs = User.objects.filter(unit_memberships__unit=unit)
    return list(qs.filter(is_active=True).distinct()[:50])


def supervisor_recipients(unit: Unit | None, area_code: str) -> list[User]:
    """Who supervises: unit supervisors, and holders of ``appeal.supervise`` at exactly the
    supervising area (not every officer of the province above it)."""
    users = User.objects.filter(_holders(Cap.APPEAL_SUPERVISE, area_code, exact=True))
    if unit is not None and not unit.is_area_unit:
        users = User.objects.filter(
            _holders(Cap.APPEAL_SUPERVISE, area_code, exact=True)
            | Q(unit_memberships__unit=unit, unit_memberships__is_supervisor=True)
        )
    return list(users.filter(is_active=True).distinct()[:50])


def dispatcher_recipients(area_code: str) -> list[User]:
    """Who dispatches appeals of ``area_code``: the nearest level with dispatchers."""
    for code in [area_code, *reversed(areacodes.ancestors(area_code))]:
        users = list(
            User.objects.filter(
                _holders(Cap.APPEAL_DISPATCH, code, exact=True), is_active=True
            ).distinct()[:50]
        )
        if users:
            return users
    return []


# --- routing ----------------------------------------------------------------------------------


def area_unit_code(area_code: str, kind: str) -> str | None:
    """The area a unit of ``kind`` has for an appeal at ``area_code``."""
    code = areacodes.normalize(area_code)
    if kind == Unit.Kind.GRID:
        return code if len(code) == 15 else None
    if kind == Unit.Kind.COMMUNITY:
        return code[:12]
    if kind == Unit.Kind.TOWN:
        return code[:9] + "000"
    if kind == Unit.Kind.COUNTY:
        return code[:6] + "000000"
    return None


def unit_for_area(area_code: str, kind: str) -> Unit | None:
    """The area's own unit of ``kind`` (created on first use, named after the area)."""
    code = area_unit_code(area_code, kind)
    if code is None:
        return None
    unit = Unit.objects.filter(area_id=code, kind=kind).first()
    if unit is not None:
        return unit if unit.active else None
    area = Area.objects.filter(code=code).only("code", "name").first()
    if area is None:
        return None
    unit, _created = Unit.objects.get_or_create(
        area=area, kind=kind, defaults={"name": area.name, "area_code": area.code}
    )
    return unit if unit.active else None


def category_chain(category: Category) -> list[Category]:
    """The category and its ancestors, nearest first."""
    chain = [category]
    seen = {category.pk}
    parent_id = category.parent_id
    while parent_id is not None and parent_id not in seen:
        # Catalogues are two or three levels deep: one query brings three generations.
        parent = (
            Category.objects.select_related("parent__parent")
            .only("id", "parent_id", "parent__id", "parent__parent_id", "parent__parent__id")
            .get(pk=parent_id)
        )
        for row in (parent, parent.parent, parent.parent.parent if parent.parent else None):
            if row is None or row.pk in seen:
                break
            chain.append(row)
            seen.add(row.pk)
            parent_id = row.parent_id
    return chain


def matching_rule(area_code: str, category: Category) -> RoutingRule | None:
    """The most specific rule: category beats parent category beats any; then longest prefix."""
    code = areacodes.normalize(area_code)
    areas = [code, *areacodes.ancestors(code)]
    chain = category_chain(category)
    depth = {cat.pk: len(chain) - index for index, cat in enumerate(chain)}
    rules = list(
        RoutingRule.objects.select_related("unit")
        .filter(area_id__in=areas, unit__active=True)
        .filter(Q(category_id__in=list(depth)) | Q(category__isnull=True))
    )
    if not rules:
        return None
    return max(rules, key=lambda r: (depth.get(r.category_id, 0), len(r.prefix), -r.pk))


def route(area_code: str, category: Category) -> tuple[Unit | None, RoutingRule | None]:
    """Where an appeal of ``category`` at ``area_code`` goes: the matching rule's unit, else the
    area's own unit of the category's default kind; ``(None, None)`` leaves it to a dispatcher."""
    rule = matching_rule(area_code, category)
    if rule is not None:
        return rule.unit, rule
    return unit_for_area(area_code, category.unit_kind), None


@functools.cache
def stored_default_name(key: str) -> str | None:
    """The Chinese name a built-in category is stored with."""
    default = _DEFAULT_NAMES.get(key)
    if default is None:
        return None
    from django.utils import translation

    with translation.override("zh-hans"):
        return gettext(default)


def category_label(category: Category) -> str:
    """A built-in category keeps its name in the reader's language until the county renames it."""
    if category.key:
        stored = stored_default_name(category.key)
        if stored is not None and category.name in (stored, _DEFAULT_NAMES[category.key]):
            return gettext(_DEFAULT_NAMES[category.key])
    return category.name


OFFICE_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.PROVIDER)
CHOICES_MAX = 400


def _offices_for(prefix: str) -> Q:
    """Offices and providers that serve ``prefix``: those inside it and those sitting at one of
    the areas above it (a county's bureaus serve every community of the county)."""
    code = areacodes.normalize(prefix.ljust(12, "0")[:15]) if prefix else ""
    above = [code, *areacodes.ancestors(code)] if code else []
    return Q(kind__in=OFFICE_KINDS) & (Q(area_code__startswith=prefix) | Q(area_id__in=above))


def unit_choices(*, actor, cap: str, members: bool = False) -> list[Unit]:
    """Units in use where the actor holds ``cap`` (for filters and pickers): the area units under
    their areas, the offices and providers serving them, and with ``members`` their own units."""
    q = Q(pk__in=member_unit_ids(actor)) if members else Q(pk__in=[])
    for prefix in scoping.prefixes(actor, cap):
        q |= Q(kind__in=Unit.AREA_KINDS, area_code__startswith=prefix)
        q |= _offices_for(prefix)
    return list(Unit.objects.filter(q, active=True).order_by("area_code", "name")[:CHOICES_MAX])


def handoff_units(area_code: str) -> list[Unit]:
    """Where an appeal at ``area_code`` may go: its grid's, community's and town's own units and
    the offices and providers serving the place."""
    units = [unit_for_area(area_code, kind) for kind in ("grid", "community", "town")]
    offices = Unit.objects.filter(_offices_for(areacodes.normalize(area_code)), active=True)
    return [u for u in units if u is not None] + list(
        offices.order_by("kind", "name")[:CHOICES_MAX]
    )
