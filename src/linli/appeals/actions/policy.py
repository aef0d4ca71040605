"""A county's policy: how its appeals are confirmed, rated, rectified and escalated.

Changing it needs ``appeal.configure`` over the county.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit

from ..models import Policy
from ._config import UNSET, _configure, _county, _Errors, _flag, _number

# (field, lowest, highest) of a county's policy.
POLICY_BOUNDS = {
    "auto_confirm_days": (1, 60),
    "rating_days": (1, 90),
    "satisfied_from": (3, 5),
    "rectify_workdays": (1, 60),
    "escalate_again_hours": (1, 720),
}


def policy_update(
    *,
    actor,
    county_code,
    auto_confirm_days=UNSET,
    rating_days=UNSET,
    satisfied_from=UNSET,
    auto_confirmed_resolved=UNSET,
    rectify_workdays=UNSET,
    escalate_again_hours=UNSET,
) -> Policy:
    """Change how a county's appeals are confirmed, rated, rectified and escalated."""
    county = _county(county_code)
    _configure(actor, county.code)
    given = {
        "auto_confirm_days": auto_confirm_days,
        "rating_days": rating_days,
        "satisfied_from": satisfied_from,
        "rectify_workdays": rectify_workdays,
        "escalate_again_hours": escalate_again_hours,
    }
    errors = _Errors()
    clean: dict = {}
    for field, value in given.items():
        if value is not UNSET:
            lowest, highest = POLICY_BOUNDS[field]
            clean[field] = _number(errors, field, value, lowest, highest)
    if auto_confirmed_resolved is not UNSET:
        clean["auto_confirmed_resolved"] = _flag(
            errors, "auto_confirmed_resolved", auto_confirmed_resolved
        )
    errors.raise_if_any(_("The policy was not changed."))
    with transaction.atomic():
        policy, _created = Policy.objects.select_for_update().get_or_create(area_code=county.code)
        changed = sorted(k for k, v in clean.items() if getattr(policy, k) != v)
        for key, value in clean.items():
            setattr(policy, key, value)
        policy.updated_at = timezone.now()
        policy.save()
        audit.record(
            actor,
            "appeal.policy_update",
            policy,
            extra={"changed": changed, **{k: getattr(policy, k) for k in changed}},
        )
    return policy


__all__ = [
    "policy_update",
]
