"""Shared checks of the alerts' actions (areas, text, shelters, times, ids) and who checks on
the residents of a grid or community."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.areacodes import Level
from linli.core.errors import ActionError
from linli.core.models import Area, RoleAssignment
from linli.core.roles import MATRIX, Cap
from linli.registry.models import GridStaff

ISSUE_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)
SHELTERS_MAX = 50
SHELTER_NAME_MAX = 100
SHELTER_ADDRESS_MAX = 200
CHECK_AFTER_MIN, CHECK_AFTER_MAX = 5, 24 * 60
IN_FORCE_MAX = dt.timedelta(days=31)
RESPONDING_DUTIES = (GridStaff.Duty.GRID_WORKER, GridStaff.Duty.PART_TIME)
CHECK_ROLES = tuple(role for role, caps in MATRIX.items() if Cap.ALERT_CHECK in caps)
_SHELTER_SEPARATOR = re.compile(r"\s*(?:—|–|\||\t|：| - )\s*")


def _text(value, *, field: str, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        raise ActionError(_("Text cannot contain NUL characters."), field=field)
    if required and not text:
        raise ActionError(_("Please write something here."), field=field)
    if len(text) > max_length:
        raise ActionError(
            _("At most %(max)d characters, please.") % {"max": max_length}, field=field
        )
    return text


def _area(code, *, field: str = "area_code", levels=ISSUE_LEVELS) -> Area:
    try:
        canonical = areacodes.normalize(str(code or ""))
    except areacodes.AreaCodeError:
        canonical = ""
    area = Area.objects.filter(code=canonical).first() if canonical else None
    if area is None or area.level not in levels:
        if levels == (Level.COMMUNITY,):
            raise ActionError(_("Choose a community or village."), field=field)
        raise ActionError(
            _("Choose a county, a town or street, or a community or village."), field=field
        )
    return area


def parse_shelter_lines(text: str) -> list[dict]:
    """Shelters written one a line, ``name — address`` (also ``|``, a tab or ``：``)."""
    shelters = []
    for line in str(text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        parts = _SHELTER_SEPARATOR.split(line, maxsplit=1)
        address = parts[1] if len(parts) > 1 else ""
        shelters.append({"name": parts[0].strip(), "address": address.strip()})
    return shelters


def _shelters(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        raise ActionError(_("List the shelters, each with a name and address."), field="shelters")
    clean = []
    for item in value:
        if isinstance(item, dict):
            name, address = item.get("name"), item.get("address")
        else:
            name, address = getattr(item, "name", None), getattr(item, "address", None)
        name = _text(name, field="shelters", max_length=SHELTER_NAME_MAX, required=False)
        address = _text(address, field="shelters", max_length=SHELTER_ADDRESS_MAX, required=False)
        if not name and not address:
            continue
        if not name:
            raise ActionError(_("Every shelter needs its name."), field="shelters")
        clean.append({"name": name, "address": address})
    if len(clean) > SHELTERS_MAX:
        raise ActionError(
            _("At most %(max)d shelters, please.") % {"max": SHELTERS_MAX}, field="shelters"
        )
    return clean


def _check_after(value) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = 0
    if not CHECK_AFTER_MIN <= minutes <= CHECK_AFTER_MAX:
        raise ActionError(
            _("Check after %(min)d to %(max)d minutes.")
            % {"min": CHECK_AFTER_MIN, "max": CHECK_AFTER_MAX},
            field="check_after",
        )
    return minutes


def _ends_at(value, now: dt.datetime) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        value = parsed
    if not isinstance(value, dt.datetime):
        raise ActionError(_("Enter a date and time like 2026-11-22 18:00."), field="ends_at")
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        too_late = value > now + IN_FORCE_MAX
        past = value <= now
    except (OverflowError, ValueError):
        raise ActionError(
            _("Enter a date and time like 2026-11-22 18:00."), field="ends_at"
        ) from None
    if past:
        raise ActionError(_("The end of the alert must lie in the future."), field="ends_at")
    if too_late:
        raise ActionError(
            _("An alert is in force for at most %(days)d days; issue it again after that.")
            % {"days": IN_FORCE_MAX.days},
            field="ends_at",
        )
    return value


def _choice(value, choices, *, field: str, message: str) -> str:
    text = str(value or "")
    if text not in choices:
        raise ActionError(message, field=field)
    return text


def _int_id(value, *, field: str, message: str) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value)
    except (TypeError, ValueError):
        raise ActionError(message, field=field) from None
    if not 1 <= number <= 2**63 - 1:
        raise ActionError(message, field=field)
    return number


# --- who checks on the residents ---------------------------------------------------------------


def _responders(codes) -> dict[str, set[int]]:
    """For each grid or community code, who checks on its residents: the grid's workers
    (GridStaff, and accounts whose checking role sits on the grid); where a grid has none, or
    the code is a community's (homes outside any grid), the community's checking staff."""
    codes = set(codes)
    found: dict[str, set[int]] = defaultdict(set)
    grids = {code for code in codes if len(code) == 15}
    if grids:
        for grid_id, user_id in GridStaff.objects.filter(
            grid_id__in=grids,
            ended_on__isnull=True,
            duty__in=RESPONDING_DUTIES,
            user__isnull=False,
            user__is_active=True,
        ).values_list("grid_id", "user_id"):
            found[grid_id].add(user_id)
    for code, user_id in RoleAssignment.objects.filter(
        area_id__in=codes, role__in=CHECK_ROLES, user__is_active=True
    ).values_list("area_id", "user_id"):
        found[code].add(user_id)
    fallback = {code for code in codes if not found.get(code)}
    communities = {code[:12] for code in fallback}
    if communities:
        by_community: dict[str, set[int]] = defaultdict(set)
        for code, user_id in RoleAssignment.objects.filter(
            area_id__in=communities, role__in=CHECK_ROLES, user__is_active=True
        ).values_list("area_id", "user_id"):
            by_community[code].add(user_id)
        for code in fallback:
            found[code] |= by_community.get(code[:12], set())
    return found


def _checks_url(alert_id: int) -> str:
    return f"{reverse('notices:alert_checks')}?alert={alert_id}"
