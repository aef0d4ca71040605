"""Weekly opening hours: ``{"mon": [["08:30", "12:00"], ["14:00", "18:00"]], …}``.

One shape for a facility's opening hours and a venue's bookable hours. A day that is missing
or empty is closed; ``"24:00"`` may end a day. :func:`clean` checks what a form or the API
sent and returns the normal form with the figures the plans measure (days open a week and the
shortest opening day, against the plans' "≥ 8 hours a day").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import WEEKDAYS

DAY_NAMES = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
MAX_RANGES = 4
_TIME = re.compile(r"^([01]?\d|2[0-4])[:：]([0-5]\d)$")
_RANGE_SPLIT = re.compile(r"\s*[-–—~～至到]\s*")


class HoursError(ValueError):
    """What is wrong, as a translated message naming the day."""


@dataclass(frozen=True)
class Hours:
    days: dict[str, list[list[str]]]
    open_days: int
    min_daily_hours: Decimal  # over the days open; 0 when never open
    weekly_hours: Decimal


def _minutes(text: str, day: str) -> int:
    match = _TIME.match(str(text).strip())
    if not match:
        raise HoursError(
            _("%(day)s: “%(time)s” is not a time; write it as 08:30.")
            % {"day": DAY_NAMES[day], "time": str(text)[:10]}
        )
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours == 24 and minutes:
        raise HoursError(_("%(day)s: a day ends at 24:00 at the latest.") % {"day": DAY_NAMES[day]})
    return hours * 60 + minutes


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_ranges(value, day: str) -> list[tuple[int, int]]:
    """One day's ranges in minutes from midnight, sorted, checked for order and overlap.
    ``value`` is a list of ``[start, end]`` pairs or text such as ``08:30-12:00, 14:00-18:00``."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        parts = [p for p in re.split(r"[,，;；、\s]+(?=\d)", value.strip()) if p.strip()]
        pairs = []
        for part in parts:
            ends = _RANGE_SPLIT.split(part.strip())
            if len(ends) != 2:
                raise HoursError(
                    _("%(day)s: write each opening as 08:30-12:00.") % {"day": DAY_NAMES[day]}
                )
            pairs.append(ends)
    elif isinstance(value, list | tuple):
        pairs = list(value)
    else:
        raise HoursError(_("%(day)s: write each opening as 08:30-12:00.") % {"day": DAY_NAMES[day]})
    if len(pairs) > MAX_RANGES:
        raise HoursError(
            _("%(day)s: at most %(max)d openings a day.")
            % {"day": DAY_NAMES[day], "max": MAX_RANGES}
        )
    ranges = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise HoursError(
                _("%(day)s: write each opening as 08:30-12:00.") % {"day": DAY_NAMES[day]}
            )
        start, end = _minutes(pair[0], day), _minutes(pair[1], day)
        if end <= start:
            raise HoursError(
                _("%(day)s: %(start)s-%(end)s ends before it starts.")
                % {"day": DAY_NAMES[day], "start": _text(start), "end": _text(end)}
            )
        ranges.append((start, end))
    ranges.sort()
    for (_s1, e1), (s2, _e2) in zip(ranges, ranges[1:], strict=False):
        if s2 < e1:
            raise HoursError(_("%(day)s: two openings overlap.") % {"day": DAY_NAMES[day]})
    return ranges


def clean(value) -> Hours:
    """The normal form of a week's hours. ``value`` maps weekday keys (mon … sun) to a day's
    ranges; unknown keys are refused so a typo never closes a day silently."""
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        raise HoursError(_("Opening hours must list the days of the week."))
    unknown = [key for key in value if key not in WEEKDAYS]
    if unknown:
        raise HoursError(
            _("“%(key)s” is not a day of the week (use mon … sun).") % {"key": str(unknown[0])[:10]}
        )
    days: dict[str, list[list[str]]] = {}
    lengths = []
    for day in WEEKDAYS:
        ranges = day_ranges(value.get(day), day)
        if ranges:
            days[day] = [[_text(s), _text(e)] for s, e in ranges]
            lengths.append(sum(e - s for s, e in ranges))
    weekly = sum(lengths)
    return Hours(
        days=days,
        open_days=len(lengths),
        min_daily_hours=(Decimal(min(lengths)) / 60).quantize(Decimal("0.01"))
        if lengths
        else Decimal(0),
        weekly_hours=(Decimal(weekly) / 60).quantize(Decimal("0.01")),
    )


def on_date(hours: dict, day: dt.date) -> list[tuple[dt.time, dt.time | None]]:
    """The ranges open on ``day`` as times (an end of 24:00 is ``None``: the end of the day)."""
    ranges = hours.get(WEEKDAYS[day.weekday()]) or []
    out = []
    for start, end in ranges:
        start_time = dt.time.fromisoformat(start)
        end_time = None if end == "24:00" else dt.time.fromisoformat(end)
        out.append((start_time, end_time))
    return out


def as_text(hours: dict, day: str) -> str:
    """``08:30-12:00, 14:00-18:00`` for one day (empty when closed), as forms show it."""
    return ", ".join(f"{start}-{end}" for start, end in hours.get(day) or [])
