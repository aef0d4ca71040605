"""Where appeals go: routing rules, the department and provider units they send appeals to,
and the members of those units.

Each needs ``appeal.route`` over the area the rule or unit sits at; rules and units above the
actor's areas can be read but not changed.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.areacodes import Level
from linli.core.auth import find_user
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import RoleAssignment
from linli.core.roles import ADMIN_ROLES, Cap, Role

from .. import queries
from ..models import OPEN_STATES, Appeal, Category, RoutingRule, Unit, UnitMember
from ._config import UNSET, _actor_user, _area, _check_line, _Errors, _flag, _line, _row_id

UNIT_NAME_MAX = Unit._meta.get_field("name").max_length


# --- routing rules ------------------------------------------------------------------------------


def _route_scope_refusal(actor, area_code: str):
    """NotFound for what the actor cannot see at all, Forbidden for what they only read (rules
    and units above their areas)."""
    granted = scoping.prefixes(actor, Cap.APPEAL_ROUTE)
    if any(prefix.startswith(areacodes.prefix_of(area_code)) for prefix in granted if prefix):
        return Forbidden(_("This is set above your areas; ask the level that set it."))
    return None


def routing_rule_create(*, actor, area_code, unit_id, category_id=None) -> RoutingRule:
    """Send appeals of a category (or of any category) at an area to a unit. The unit must sit
    at the area, inside it or above it (a county department), or within the actor's own areas."""
    area = _area(area_code, field="area", message=_("Choose a county or a place within it."))
    if area.level < Level.COUNTY:
        raise ActionError(_("Choose a county or a place within it."), field="area")
    scoping.require(actor, Cap.APPEAL_ROUTE, area.code)
    errors = _Errors()
    category = None
    if category_id not in (None, "", 0):
        pk = _row_id(category_id)
        category = Category.objects.filter(pk=pk).first() if pk else None
        if category is None or category.area_code != queries.county_code(area.code):
            errors.add("category", _("Choose a category of this county."))
        elif not category.active:
            errors.add("category", _("This category is out of use."))
    pk = _row_id(unit_id)
    unit = Unit.objects.filter(pk=pk).first() if pk else None
    if unit is None:
        errors.add("unit", _("Choose a unit."))
    elif not unit.active:
        errors.add("unit", _("This unit is out of use."))
    else:
        on_path = area.code.startswith(
            areacodes.prefix_of(unit.area_code)
        ) or unit.area_code.startswith(area.prefix)
        if not on_path and not scoping.has_cap(actor, Cap.APPEAL_ROUTE, unit.area_code):
            errors.add(
                "unit",
                _("Choose a unit of this place, one inside it or above it, or one of your areas."),
            )
    errors.raise_if_any(_("The rule was not added."))
    if RoutingRule.objects.filter(area=area, category=category).exists():
        raise Conflict(
            _("There is already a rule for this category here: remove it first."), field="category"
        )
    try:
        with transaction.atomic():
            rule = RoutingRule.objects.create(
                area=area,
                prefix=area.prefix,
                area_code=area.code,
                category=category,
                unit=unit,
                created_by=_actor_user(actor),
            )
            audit.record(
                actor,
                "appeal.rule_create",
                rule,
                extra={"category": category.pk if category else None, "unit": unit.pk},
            )
    except IntegrityError:
        raise Conflict(
            _("There is already a rule for this category here: remove it first."), field="category"
        ) from None
    return rule


def routing_rule_delete(*, actor, rule_id) -> None:
    pk = _row_id(rule_id)
    rule = RoutingRule.objects.filter(pk=pk).first() if pk else None
    if rule is None:
        raise NotFound(_("There is no such rule among yours."))
    if not scoping.has_cap(actor, Cap.APPEAL_ROUTE, rule.area_code):
        raise _route_scope_refusal(actor, rule.area_code) or NotFound(
            _("There is no such rule among yours.")
        )
    with transaction.atomic():
        audit.record(
            actor,
            "appeal.rule_delete",
            rule,
            extra={"category": rule.category_id, "unit": rule.unit_id},
        )
        rule.delete()


# --- handling units and their members -----------------------------------------------------------


def _unit(actor, unit_id, *, lock: bool = False) -> Unit:
    pk = _row_id(unit_id)
    qs = Unit.objects.select_for_update() if lock else Unit.objects
    unit = qs.filter(pk=pk).first() if pk else None
    if unit is None:
        raise NotFound(_("There is no such unit among yours."))
    if not scoping.has_cap(actor, Cap.APPEAL_ROUTE, unit.area_code):
        raise _route_scope_refusal(actor, unit.area_code) or NotFound(
            _("There is no such unit among yours.")
        )
    return unit


def unit_create(*, actor, area_code, kind, name) -> Unit:
    """Add a department office or a service provider at an area of the actor's."""
    area = _area(area_code, field="area", message=_("Choose where the unit sits."))
    if area.level < Level.COUNTY or area.level == Level.GRID:
        raise ActionError(_("A unit sits at a county, town or community."), field="area")
    scoping.require(actor, Cap.APPEAL_ROUTE, area.code)
    errors = _Errors()
    if kind not in (Unit.Kind.DEPARTMENT, Unit.Kind.PROVIDER):
        errors.add("kind", _("Choose a department office or a service provider."))
    name = _check_line(errors, "name", name, max_length=UNIT_NAME_MAX, required=True)
    if not errors.has("name") and Unit.objects.filter(area=area, name=name).exists():
        errors.add("name", _("There is already a unit of this name here."))
    errors.raise_if_any(_("The unit was not added."))
    try:
        with transaction.atomic():
            unit = Unit.objects.create(kind=kind, name=name, area=area, area_code=area.code)
            audit.record(actor, "appeal.unit_create", unit, extra={"kind": kind})
    except IntegrityError:
        raise Conflict(_("There is already a unit of this name here."), field="name") from None
    return unit


def unit_update(*, actor, unit_id, name=UNSET, active=UNSET) -> Unit:
    """Rename a unit or take it out of use (not while it holds open appeals: a unit out of use
    can act on nothing, so they would stall)."""
    unit = _unit(actor, unit_id)
    errors = _Errors()
    clean: dict = {}
    if name is not UNSET:
        clean["name"] = _check_line(errors, "name", name, max_length=UNIT_NAME_MAX, required=True)
        if (
            not errors.has("name")
            and Unit.objects.filter(area_id=unit.area_id, name=clean["name"])
            .exclude(pk=unit.pk)
            .exists()
        ):
            errors.add("name", _("There is already a unit of this name here."))
    if active is not UNSET:
        clean["active"] = _flag(errors, "active", active)
    errors.raise_if_any(_("The unit was not changed."))
    try:
        with transaction.atomic():
            locked = Unit.objects.select_for_update().get(pk=unit.pk)
            if clean.get("active") is False and locked.active:
                open_count = Appeal.objects.filter(unit=locked, state__in=OPEN_STATES).count()
                if open_count:
                    raise Conflict(
                        _(
                            "This unit still holds %(count)d open appeals: transfer them to "
                            "another unit first."
                        )
                        % {"count": open_count},
                        field="active",
                    )
            changed = sorted(k for k, v in clean.items() if getattr(locked, k) != v)
            for key, value in clean.items():
                setattr(locked, key, value)
            locked.save()
            audit.record(
                actor,
                "appeal.unit_update",
                locked,
                extra={"changed": changed, "active": locked.active},
            )
    except IntegrityError:
        raise Conflict(_("There is already a unit of this name here."), field="name") from None
    return locked


def _member_unit(actor, unit_id) -> Unit:
    unit = _unit(actor, unit_id)
    if unit.is_area_unit:
        raise ActionError(
            _(
                "An area's own unit has no members: the staff who handle appeals there act for "
                "it. Give people roles in the area instead."
            ),
            field="login",
        )
    return unit


def unit_member_add(*, actor, unit_id, login, is_supervisor=False) -> UnitMember:
    """Add an existing, active account to a department office or provider, by username or
    mobile number. Administrator accounts and residents' own accounts cannot be members."""
    unit = _member_unit(actor, unit_id)
    errors = _Errors()
    supervisor = _flag(errors, "is_supervisor", is_supervisor)
    text = _line(login, max_length=150)
    user = find_user(text) if text else None
    if user is None or not user.is_active:
        errors.add("login", _("There is no active account with this username or mobile number."))
    else:
        roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
        if roles & ADMIN_ROLES:
            errors.add(
                "login",
                _("Administrator accounts cannot handle appeals: use the person's staff account."),
            )
        elif roles == {Role.RESIDENT}:
            errors.add(
                "login",
                _(
                    "This is a resident's account: ask the security administrator for a staff account."
                ),
            )
    errors.raise_if_any(_("The member was not added."))
    if UnitMember.objects.filter(unit=unit, user=user).exists():
        raise Conflict(_("This person is already a member of the unit."), field="login")
    try:
        with transaction.atomic():
            member = UnitMember.objects.create(unit=unit, user=user, is_supervisor=supervisor)
            audit.record(
                actor,
                "appeal.unit_member_add",
                unit,
                extra={"user": user.pk, "supervisor": supervisor},
            )
    except IntegrityError:
        raise Conflict(_("This person is already a member of the unit."), field="login") from None
    return member


def _membership(unit: Unit, user_id) -> UnitMember:
    pk = _row_id(user_id)
    member = (
        UnitMember.objects.select_related("user").filter(unit=unit, user_id=pk).first()
        if pk
        else None
    )
    if member is None:
        raise NotFound(_("This person is not a member of the unit."))
    return member


def unit_member_remove(*, actor, unit_id, user_id) -> None:
    unit = _member_unit(actor, unit_id)
    member = _membership(unit, user_id)
    with transaction.atomic():
        audit.record(actor, "appeal.unit_member_remove", unit, extra={"user": member.user_id})
        member.delete()


def unit_member_set_supervisor(*, actor, unit_id, user_id, is_supervisor) -> UnitMember:
    """A unit's supervisors are told when its appeals are overdue and may supervise them."""
    unit = _member_unit(actor, unit_id)
    member = _membership(unit, user_id)
    errors = _Errors()
    supervisor = _flag(errors, "is_supervisor", is_supervisor)
    errors.raise_if_any(_("The member was not changed."))
    with transaction.atomic():
        member.is_supervisor = supervisor
        member.save(update_fields=["is_supervisor"])
        audit.record(
            actor,
            "appeal.unit_member_supervisor",
            unit,
            extra={"user": member.user_id, "supervisor": supervisor},
        )
    return member


__all__ = [
    "routing_rule_create",
    "routing_rule_delete",
    "unit_create",
    "unit_member_add",
    "unit_member_remove",
    "unit_member_set_supervisor",
    "unit_update",
]
