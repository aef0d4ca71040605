"""What the ledger's reads share: the report statuses and their words, the reading of a
period, row ids, and whether the nearest holder of a capability over an area is the actor."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import NotFound
from linli.core.models import RoleAssignment
from linli.core.roles import MATRIX

from ...models import ProgressReport

__all__ = [
    "DONE",
    "EDITABLE",
    "MISSING",
    "REPORT_LEVELS",
    "STATUS_FILTERS",
    "roles_with",
    "status_label",
]

MISSING = "missing"  # no report written yet
EDITABLE = (ProgressReport.Status.DRAFT, ProgressReport.Status.RETURNED)
DONE = (ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED)
REPORT_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)
STATUS_FILTERS = (MISSING, *ProgressReport.Status.values)
_PERIOD = re.compile(r"^(\d{4})(?:([HQ])([1-4]))?$")


def status_label(status: str) -> str:
    if status == MISSING:
        return _("not written")
    return str(ProgressReport.Status(status).label)


def _parts(period: str) -> tuple[int, str, int] | None:
    match = _PERIOD.match(str(period or ""))
    if match is None:
        return None
    year, kind, index = int(match.group(1)), match.group(2) or "", int(match.group(3) or 0)
    if (kind == "H" and index > 2) or not 1900 < year < 2200:
        return None
    return year, kind, index


def _pk(value, message) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise NotFound(message) from None
    if not 1 <= pk <= 2**63 - 1:
        raise NotFound(message)
    return pk


def roles_with(cap: str) -> list[str]:
    return sorted(role for role, caps in MATRIX.items() if cap in caps)


def _own_prefixes(actor, cap: str) -> set[str]:
    return {prefix for role, prefix in scoping.grants(actor) if cap in MATRIX.get(role, ())}


def _held_prefixes(cap: str, prefixes: list[str]) -> set[str]:
    """Prefixes of the areas under ``prefixes`` where an active user holds ``cap`` (one
    query)."""
    if not prefixes:
        return set()
    codes = RoleAssignment.objects.filter(
        scoping.prefix_q(prefixes), role__in=roles_with(cap), user__is_active=True
    ).values_list("area_code", flat=True)
    return {areacodes.prefix_of(code) for code in set(codes)}


def _nearest_is_own(code: str, own: set[str], held: set[str]) -> bool:
    """Is the deepest area over ``code`` where someone holds the capability (``held``, with the
    actor's ``own`` prefixes) one of the actor's own?"""
    over = [p for p in held | own if code.startswith(p)]
    if not over:
        return False
    deepest = max(len(p) for p in over)
    return any(len(p) == deepest for p in own if code.startswith(p))
