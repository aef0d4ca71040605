"""The clocks every county shares: the urgency tiers (how fast an appeal is accepted and
resolved) and the holiday calendar that working days are counted by.

Both belong to the whole platform, so holding ``appeal.configure`` anywhere lets one edit them.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from linli.core import audit
from linli.core.errors import ActionError, Conflict, NotFound

from ..models import Appeal, Category, Holiday, Tier
from ._config import SORT_MAX, UNSET, _check_line, _configure_anywhere, _Errors, _flag, _number

TIER_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
TIER_NAME_MAX = Tier._meta.get_field("name").max_length
HOLIDAY_NAME_MAX = Holiday._meta.get_field("name").max_length

RESPOND_MINUTES_MAX = 30 * 24 * 60
RESOLVE_MAX = {Tier.Unit.HOURS: 720, Tier.Unit.DAYS: 365, Tier.Unit.WORKDAYS: 250}
HOLIDAY_YEARS = (2000, 2100)
HOLIDAY_LINES_MAX = 500
OFF_WORDS = {"off", "休", "假"}
ON_WORDS = {"on", "班"}


# --- urgency tiers ------------------------------------------------------------------------------


def _tier(actor, tier_code) -> Tier:
    _configure_anywhere(actor)
    tier = Tier.objects.filter(code=str(tier_code or "").strip()).first()
    if tier is None:
        raise NotFound(_("There is no such urgency tier."))
    return tier


def _tier_fields(given: dict, errors: _Errors, current: Tier | None) -> dict:
    clean: dict = {}
    if "name" in given:
        clean["name"] = _check_line(
            errors, "name", given["name"], max_length=TIER_NAME_MAX, required=True
        )
    if "respond_minutes" in given:
        clean["respond_minutes"] = _number(
            errors, "respond_minutes", given["respond_minutes"], 1, RESPOND_MINUTES_MAX
        )
    unit = given.get("resolve_unit", current.resolve_unit if current else None)
    if "resolve_unit" in given and unit not in Tier.Unit.values:
        errors.add("resolve_unit", _("Choose hours, calendar days or working days."))
        unit = None
    if "resolve_unit" in given:
        clean["resolve_unit"] = unit
    if "resolve_amount" in given or ("resolve_unit" in clean and current is not None):
        amount = given.get("resolve_amount", current.resolve_amount if current else None)
        highest = RESOLVE_MAX.get(unit, max(RESOLVE_MAX.values()))
        clean["resolve_amount"] = _number(errors, "resolve_amount", amount, 1, highest)
    if "sort" in given and given["sort"] is not None:
        clean["sort"] = _number(errors, "sort", given["sort"], 0, SORT_MAX)
    if not errors.found:
        probe = Tier(
            respond_minutes=clean.get("respond_minutes", getattr(current, "respond_minutes", 1)),
            resolve_amount=clean.get("resolve_amount", getattr(current, "resolve_amount", 1)),
            resolve_unit=clean.get("resolve_unit", getattr(current, "resolve_unit", "hours")),
        )
        if probe.respond_minutes > probe.resolve_minutes_estimate():
            errors.add(
                "respond_minutes", _("Accepting an appeal cannot take longer than resolving it.")
            )
    return clean


def tier_create(
    *, actor, code, name, respond_minutes, resolve_amount, resolve_unit, sort=None
) -> Tier:
    """Add an urgency tier (shared by every county)."""
    _configure_anywhere(actor)
    errors = _Errors()
    code = str(code or "").strip()
    if not TIER_CODE_RE.match(code):
        errors.add("code", _("The code is 1 to 30 small Latin letters, digits, '_' or '-'."))
    elif Tier.objects.filter(code=code).exists():
        errors.add("code", _("There is already a tier with this code."))
    clean = _tier_fields(
        {
            "name": name,
            "respond_minutes": respond_minutes,
            "resolve_amount": resolve_amount,
            "resolve_unit": resolve_unit,
            "sort": sort,
        },
        errors,
        None,
    )
    errors.raise_if_any(_("The tier was not added."))
    if "sort" not in clean:
        last = Tier.objects.order_by("-sort").values_list("sort", flat=True).first()
        clean["sort"] = min((last or 0) + 10, SORT_MAX)
    try:
        with transaction.atomic():
            tier = Tier.objects.create(code=code, builtin=False, **clean)
            audit.record(
                actor,
                "appeal.tier_create",
                tier,
                extra={
                    "code": tier.code,
                    "respond_minutes": tier.respond_minutes,
                    "resolve_amount": tier.resolve_amount,
                    "resolve_unit": tier.resolve_unit,
                },
            )
    except IntegrityError:
        raise Conflict(_("There is already a tier with this code."), field="code") from None
    return tier


def tier_update(
    *,
    actor,
    tier_code,
    name=UNSET,
    respond_minutes=UNSET,
    resolve_amount=UNSET,
    resolve_unit=UNSET,
    sort=UNSET,
) -> Tier:
    """Change a tier's name and clocks (built-in tiers too). Appeals already taken in keep the
    deadlines they were given; new ones follow the new clocks."""
    tier = _tier(actor, tier_code)
    given = {
        key: value
        for key, value in {
            "name": name,
            "respond_minutes": respond_minutes,
            "resolve_amount": resolve_amount,
            "resolve_unit": resolve_unit,
            "sort": sort,
        }.items()
        if value is not UNSET
    }
    errors = _Errors()
    clean = _tier_fields(given, errors, tier)
    errors.raise_if_any(_("The tier was not changed."))
    with transaction.atomic():
        locked = Tier.objects.select_for_update().get(pk=tier.pk)
        changed = sorted(k for k, v in clean.items() if getattr(locked, k) != v)
        for key, value in clean.items():
            setattr(locked, key, value)
        locked.save()
        audit.record(
            actor,
            "appeal.tier_update",
            locked,
            extra={
                "code": locked.code,
                "changed": changed,
                "respond_minutes": locked.respond_minutes,
                "resolve_amount": locked.resolve_amount,
                "resolve_unit": locked.resolve_unit,
            },
        )
    return locked


def tier_delete(*, actor, tier_code) -> None:
    """Remove a tier the platform added itself and nothing uses; built-in tiers stay."""
    tier = _tier(actor, tier_code)
    if tier.builtin:
        raise Conflict(_("A built-in tier can be changed but not removed."), field="code")
    if Category.objects.filter(tier=tier).exists() or Appeal.objects.filter(tier=tier).exists():
        raise Conflict(
            _("Categories or appeals use this tier: move them to another tier first."),
            field="code",
        )
    try:
        with transaction.atomic():
            audit.record(actor, "appeal.tier_delete", tier, extra={"code": tier.code})
            tier.delete()
    except ProtectedError:
        raise Conflict(
            _("Categories or appeals use this tier: move them to another tier first."),
            field="code",
        ) from None


# --- the holiday calendar -----------------------------------------------------------------------


def _parse_day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value or "").strip().replace("/", "-")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None
    if not HOLIDAY_YEARS[0] <= day.year <= HOLIDAY_YEARS[1]:
        return None
    return day


def _bad_day_message():
    return _("Enter a date like 2026-10-01 (years %(first)d to %(last)d).") % {
        "first": HOLIDAY_YEARS[0],
        "last": HOLIDAY_YEARS[1],
    }


def holiday_set(*, actor, date, name, is_workday=False) -> tuple[Holiday, bool]:
    """Mark one day: a holiday (``is_workday`` false) or a make-up working day (调休, true).
    Setting a day again replaces what it said. Returns the day and whether it is new."""
    _configure_anywhere(actor)
    errors = _Errors()
    day = _parse_day(date)
    if day is None:
        errors.add("date", _bad_day_message())
    name = _check_line(errors, "name", name, max_length=HOLIDAY_NAME_MAX, required=True)
    workday = _flag(errors, "is_workday", is_workday)
    errors.raise_if_any(_("The day was not saved."))
    with transaction.atomic():
        holiday, created = Holiday.objects.select_for_update().get_or_create(
            date=day, defaults={"name": name, "is_workday": workday}
        )
        if not created:
            holiday.name, holiday.is_workday = name, workday
            holiday.save()
        audit.record(
            actor,
            "appeal.holiday_set",
            holiday,
            extra={"date": day.isoformat(), "workday": workday, "created": created},
        )
    return holiday, created


def holiday_delete(*, actor, date) -> None:
    """Make a day an ordinary one again (a weekday works, a weekend rests)."""
    _configure_anywhere(actor)
    day = _parse_day(date)
    holiday = Holiday.objects.filter(date=day).first() if day else None
    if holiday is None:
        raise NotFound(_("That day is not in the holiday calendar."))
    with transaction.atomic():
        audit.record(
            actor,
            "appeal.holiday_delete",
            holiday,
            extra={"date": day.isoformat(), "workday": holiday.is_workday},
        )
        holiday.delete()


def parse_holiday_lines(text) -> list[tuple[dt.date, str, bool]]:
    """``2026-10-01 国庆节 off`` / ``2026-10-10 调休 on`` lines (``休``/``班`` work too; blank
    lines and lines starting with ``#`` are skipped). Every bad line is reported at once."""
    lines = str(text or "").replace("\x00", "").splitlines()
    if len(lines) > HOLIDAY_LINES_MAX:
        raise ActionError(
            _("At most %(max)d lines at a time, please.") % {"max": HOLIDAY_LINES_MAX},
            field="text",
        )
    problems: list[str] = []
    found: list[tuple[dt.date, str, bool]] = []
    seen: dict[dt.date, int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def bad(message, number=number) -> None:
            problems.append(
                _("Line %(number)d: %(problem)s") % {"number": number, "problem": message}
            )

        parts = line.split()
        if len(parts) < 3:
            bad(_("write the date, the name and “off” or “on”, e.g. 2026-10-01 国庆节 off."))
            continue
        day = _parse_day(parts[0])
        flag = parts[-1].lower()
        name = " ".join(parts[1:-1])
        if day is None:
            bad(_bad_day_message())
            continue
        if flag not in OFF_WORDS | ON_WORDS:
            bad(_("end the line with “off” (a holiday) or “on” (a make-up working day)."))
            continue
        if len(name) > HOLIDAY_NAME_MAX:
            bad(_("the name has at most %(max)d characters.") % {"max": HOLIDAY_NAME_MAX})
            continue
        if day in seen:
            bad(_("%(date)s is already on line %(line)d.") % {"date": day, "line": seen[day]})
            continue
        seen[day] = number
        found.append((day, name, flag in ON_WORDS))
    if problems:
        raise ActionError(
            _("Nothing was imported: correct the lines named below."), errors={"text": problems}
        )
    if not found:
        raise ActionError(_("Paste at least one line with a date."), field="text")
    return found


def holidays_import(*, actor, text) -> dict[str, int]:
    """Set many days at once from pasted lines. All or nothing: one bad line and nothing is
    written. Importing the same lines again changes nothing."""
    _configure_anywhere(actor)
    days = parse_holiday_lines(text)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        return _holidays_write(actor, days, counts)
    except IntegrityError:
        raise Conflict(
            _("The calendar changed at the same moment: import the lines again."), field="text"
        ) from None


def _holidays_write(actor, days, counts: dict[str, int]) -> dict[str, int]:
    with transaction.atomic():
        existing = {
            h.date: h
            for h in Holiday.objects.select_for_update().filter(date__in=[d for d, *_r in days])
        }
        new: list[Holiday] = []
        for day, name, workday in days:
            holiday = existing.get(day)
            if holiday is None:
                new.append(Holiday(date=day, name=name, is_workday=workday))
                counts["created"] += 1
            elif holiday.name == name and holiday.is_workday == workday:
                counts["unchanged"] += 1
            else:
                holiday.name, holiday.is_workday = name, workday
                holiday.save(update_fields=["name", "is_workday"])
                counts["updated"] += 1
        Holiday.objects.bulk_create(new)
        audit.record(
            actor,
            "appeal.holidays_import",
            target_type="appeals.holiday",
            extra={
                **counts,
                "first": min(d for d, *_r in days).isoformat(),
                "last": max(d for d, *_r in days).isoformat(),
            },
        )
    return counts


__all__ = [
    "holiday_delete",
    "holiday_set",
    "holidays_import",
    "parse_holiday_lines",
    "tier_create",
    "tier_delete",
    "tier_update",
]
