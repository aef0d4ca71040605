"""The years of a plan: those it can be measured for, the one shown by default, the day and
the visit month a year is measured on, and how old values may be before they are out of date."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ActionError

from ...models import Plan

__all__ = [
    "as_of_for",
    "current_year",
    "plan_years",
    "stale_minutes",
    "visit_month",
    "year_of",
]


def plan_years(plan: Plan, today: dt.date | None = None) -> list[int]:
    """The years a plan can be measured for: its first year up to its horizon or this year,
    whichever comes first, newest first (empty for a plan that starts in a later year)."""
    this_year = (today or timezone.localdate()).year
    return list(range(min(plan.end_year, this_year), plan.start_year - 1, -1))


def current_year(plan: Plan, today: dt.date | None = None) -> int | None:
    """The year shown when none is chosen: the newest of :func:`plan_years`."""
    years = plan_years(plan, today)
    return years[0] if years else None


def as_of_for(year: int, today: dt.date | None = None) -> dt.date:
    """The day a year is measured on: its last day, or today for the current year."""
    return min(today or timezone.localdate(), dt.date(year, 12, 31))


def visit_month(year: int, today: dt.date | None = None) -> dt.date:
    """The month whose visit rate stands for a year: its last complete month — December for a
    past year, last month for the current one (January itself in January)."""
    today = today or timezone.localdate()
    if year < today.year:
        return dt.date(year, 12, 1)
    if today.month == 1:
        return dt.date(today.year, 1, 1)
    return dt.date(today.year, today.month - 1, 1)


def stale_minutes() -> int:
    return int(getattr(settings, "LINLI_PLAN_STALE_MINUTES", 60))


def year_of(plan: Plan, year, *, field: str = "year") -> int:
    """The year asked for when it is one of the plan's years; the newest when none is."""
    years = plan_years(plan)
    if year in (None, ""):
        if not years:
            raise ActionError(
                _("This plan starts in %(year)s: there is nothing to measure yet.")
                % {"year": plan.start_year},
                field=field,
            )
        return years[0]
    try:
        chosen = int(str(year).strip())
    except (TypeError, ValueError):
        raise ActionError(_("Choose a year of the plan."), field=field) from None
    if chosen not in years:
        raise ActionError(_("Choose a year of the plan."), field=field)
    return chosen
