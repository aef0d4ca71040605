"""Writing a plan's targets: set one (one per indicator) and remove one."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core import cleaning as c
from linli.core.errors import ActionError, Conflict, NotFound

from ...models import Plan, Target
from ...queries import catalogue as queries
from ._common import _changed, _decimal, _managed_plan, _year

__all__ = ["NOTE_MAX", "target_remove", "target_set"]

NOTE_MAX = Target._meta.get_field("note").max_length


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes"}
    return value is True


def target_set(
    *,
    actor,
    plan_id,
    indicator_id,
    op,
    value,
    binding=False,
    due_year=None,
    baseline=None,
    baseline_year=None,
    per_community=False,
    at_risk_margin=None,
    note="",
) -> Target:
    """Set the plan's target for an indicator (one per indicator: a second call changes it).
    The indicator is built in, or the plan's jurisdiction's own or an ancestor's. The due year
    (the horizon when not given) lies within the plan's years; a baseline without a year is of
    the year before the plan starts."""
    plan = _managed_plan(actor, plan_id)
    indicator = queries.indicators_for_plan(plan).filter(pk=c.row_id(indicator_id) or 0).first()
    if indicator is None:
        raise ActionError(
            _("Choose an indicator of this plan's jurisdiction."), field="indicator_id"
        )
    errors = c.Errors()
    if op not in Target.Op.values:
        errors.add("op", _("Choose how the value is compared with the target."))
    number = _decimal(errors, "value", value, unit=indicator.unit, required=True)
    due = plan.end_year
    if due_year not in (None, ""):
        due = _year(errors, "due_year", due_year, low=plan.start_year, high=plan.end_year)
    base = _decimal(errors, "baseline", baseline, unit=indicator.unit, required=False)
    base_year = None
    if base is not None:
        base_year = plan.start_year - 1
        if baseline_year not in (None, ""):
            base_year = _year(errors, "baseline_year", baseline_year, high=plan.end_year)
    margin = _decimal(errors, "at_risk_margin", at_risk_margin, unit=indicator.unit, required=False)
    text = c.line(errors, "note", note, max_length=NOTE_MAX, required=False)
    errors.raise_if_any(_("The target was not saved."))
    wanted = {
        "op": op,
        "value": number,
        "binding": _flag(binding),
        "due_year": due,
        "baseline": base,
        "baseline_year": base_year,
        "per_community": _flag(per_community),
        "at_risk_margin": margin,
        "note": text,
    }
    try:
        with transaction.atomic():
            plan = _managed_plan(actor, plan.pk, lock=True)
            target = Target.objects.filter(plan=plan, indicator=indicator).first()
            created = target is None
            if created:
                last = plan.targets.aggregate(last=Max("position"))["last"]
                target = Target(
                    plan=plan,
                    indicator=indicator,
                    position=0 if last is None else last + 1,
                    **wanted,
                )
                target.save()
                names = list(wanted)
            else:
                names = _changed(target, wanted)
                if names:
                    target.save(update_fields=names)
            if names:
                plan.updated_at = timezone.now()
                plan.save(update_fields=["updated_at"])
                audit.record(
                    actor,
                    "plans.target.create" if created else "plans.target.update",
                    target,
                    area_code=plan.area_code,
                    extra={
                        "plan_id": plan.pk,
                        "indicator_id": indicator.pk,
                        "op": target.op,
                        "value": float(target.value),
                        "binding": target.binding,
                        "due_year": target.due_year,
                    },
                )
    except IntegrityError:
        raise Conflict(_("Someone else set this target just now: reload the page.")) from None
    return target


def target_remove(*, actor, plan_id, target_id) -> None:
    """Remove a target from a plan. A plan in force keeps at least one."""
    with transaction.atomic():
        plan = _managed_plan(actor, plan_id, lock=True)
        target = plan.targets.filter(pk=c.row_id(target_id) or 0).first()
        if target is None:
            raise NotFound(_("This plan has no such target."), field="target_id")
        if plan.status == Plan.Status.ACTIVE and plan.targets.count() == 1:
            raise Conflict(_("A plan in force keeps at least one target."))
        audit.record(
            actor,
            "plans.target.remove",
            target,
            area_code=plan.area_code,
            extra={"plan_id": plan.pk, "indicator_id": target.indicator_id},
        )
        target.delete()
        plan.updated_at = timezone.now()
        plan.save(update_fields=["updated_at"])
