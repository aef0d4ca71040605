"""What the catalogue's writes share: the signed-in user of a write, setting the fields that
changed, the plan one may change, the jurisdiction one manages, and the cleaning of years and
numbers."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from linli.core import cleaning as c
from linli.core import scoping
from linli.core.errors import ActionError, Conflict, Forbidden
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Plan, Unit
from ...queries import access
from ...queries import catalogue as queries

__all__ = ["VALUE_MAX", "YEAR_MAX", "YEAR_MIN"]

YEAR_MIN, YEAR_MAX = 2000, 2100
VALUE_MAX = Decimal("9999999999")  # Target.value: 14 digits, 4 of them decimals


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _changed(row, wanted: dict) -> list[str]:
    """Set ``wanted`` on ``row``; the names of the fields that changed."""
    names = []
    for name, value in wanted.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            names.append(name)
    return names


def _managed_plan(actor, plan_id, *, lock: bool = False) -> Plan:
    """A plan the actor may change: seen (else not found), not a template, ``plan.manage`` over
    its jurisdiction, not closed."""
    plan = access.plan_for(actor, plan_id, Cap.PLAN_VIEW, field="plan_id")
    if plan.is_template:
        raise Forbidden(
            _("The built-in templates cannot be changed: adopt one to make a plan of your own.")
        )
    scoping.require(actor, Cap.PLAN_MANAGE, plan.area_code)
    if lock:
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == Plan.Status.CLOSED:
        raise Conflict(_("This plan is closed: it is kept as it was."))
    return plan


def _jurisdiction(actor, area_code, *, levels, field: str = "area_code") -> Area:
    code = c.normal_code(area_code)
    area = Area.objects.filter(code=code, level__in=levels).first() if code else None
    if area is None:
        if levels == queries.PLAN_LEVELS:
            message = _("Choose a prefecture or a county.")
        else:
            message = _("Choose a province, a prefecture or a county.")
        raise ActionError(message, field=field)
    scoping.require(actor, Cap.PLAN_MANAGE, area.code)
    return area


def _year(errors: c.Errors, field: str, value, *, low=YEAR_MIN, high=YEAR_MAX) -> int | None:
    if value in (None, ""):
        errors.add(field, _("Please fill this in."))
        return None
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(field, _("Enter a year, e.g. 2025."))
        return None
    if not low <= year <= high:
        errors.add(field, _("Enter a year from %(low)d to %(high)d.") % {"low": low, "high": high})
        return None
    return year


def _decimal(
    errors: c.Errors, field: str, value, *, unit: str, required: bool, maximum=VALUE_MAX, places=4
) -> Decimal | None:
    """A finite number from 0 (at most 100 for a percentage) with at most ``places``
    decimals."""
    if value in (None, ""):
        if required:
            errors.add(field, _("Please fill this in."))
        return None
    if isinstance(value, bool):
        errors.add(field, _("Enter a number, e.g. 90 or 2.5."))
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a number, e.g. 90 or 2.5."))
        return None
    if not number.is_finite():
        errors.add(field, _("Enter a number, e.g. 90 or 2.5."))
        return None
    if number != number.quantize(Decimal(1).scaleb(-places)):
        errors.add(field, _("Enter a number with at most %(n)d decimals.") % {"n": places})
        return None
    if number < 0:
        errors.add(field, _("Enter a number from 0."))
        return None
    if unit == Unit.PERCENT and number > 100:
        errors.add(field, _("A percentage is at most 100."))
        return None
    if number > maximum:
        errors.add(field, _("This number is too large."))
        return None
    return number
