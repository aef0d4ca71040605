"""Periods the figures are counted over: a month, a quarter, a year or a range of days, in the
county's local time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ActionError

from ...models import local_tz as _local_tz

TREND_MONTHS = 12
RANGE_DAYS_MAX = 3 * 366


_MONTH = re.compile(r"^(\d{4})-(\d{2})$", re.ASCII)
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$", re.ASCII)
_YEAR = re.compile(r"^(\d{4})$", re.ASCII)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\.\.|/)(\d{4}-\d{2}-\d{2})$", re.ASCII)


def _month_start(day: dt.date, add: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + add
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` (both included), counted in the county's local time."""

    kind: str  # month, quarter, year, range
    code: str  # 2026-05, 2026-Q2, 2026, 2026-05-01..2026-05-20
    first: dt.date
    last: dt.date

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(), tzinfo=_local_tz())

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), tzinfo=_local_tz())

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(year)d-%(month)02d") % {"year": self.first.year, "month": self.first.month}
        if self.kind == "quarter":
            return _("%(year)d, quarter %(quarter)d") % {
                "year": self.first.year,
                "quarter": (self.first.month - 1) // 3 + 1,
            }
        if self.kind == "year":
            return _("the year %(year)d") % {"year": self.first.year}
        return _("%(first)s to %(last)s") % {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
        }

    def trend_months(self) -> list[dt.date]:
        """The first days of the 12 months that end with the period's last month."""
        last = _month_start(self.last)
        return [_month_start(last, -i) for i in range(TREND_MONTHS - 1, -1, -1)]


def _year(text: str) -> int:
    year = int(text)
    if not 2000 <= year <= 2100:
        raise ActionError(_("Choose a year between 2000 and 2100."), field="period")
    return year


def parse_period(text: str | None, today: dt.date | None = None) -> Period:
    """``2026-05`` (a month), ``2026-Q2`` (a quarter), ``2026`` (a year) or
    ``2026-05-01..2026-05-20`` (days, both included); empty: the current month."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        text = f"{today:%Y-%m}"
    if m := _MONTH.match(text):
        year, month = _year(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ActionError(_("There is no month %(month)s.") % {"month": text}, field="period")
        first = dt.date(year, month, 1)
        return Period("month", f"{first:%Y-%m}", first, _month_start(first, 1) - dt.timedelta(1))
    if m := _QUARTER.match(text):
        year, quarter = _year(m.group(1)), int(m.group(2))
        first = dt.date(year, quarter * 3 - 2, 1)
        last = _month_start(first, 3) - dt.timedelta(days=1)
        return Period("quarter", f"{year}-Q{quarter}", first, last)
    if m := _YEAR.match(text):
        year = _year(m.group(1))
        return Period("year", str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))
    if m := _RANGE.match(text):
        try:
            first, last = (dt.date.fromisoformat(m.group(i)) for i in (1, 2))
        except ValueError:
            raise ActionError(_("One of these dates does not exist."), field="period") from None
        _year(str(first.year))
        _year(str(last.year))
        if last < first:
            raise ActionError(_("The first day comes after the last."), field="period")
        if (last - first).days >= RANGE_DAYS_MAX:
            raise ActionError(_("Choose at most three years of days."), field="period")
        return Period("range", f"{first.isoformat()}..{last.isoformat()}", first, last)
    raise ActionError(
        _("A period is a month (2026-05), a quarter (2026-Q2), a year (2026) or two dates "
          "(2026-05-01..2026-05-20)."),
        field="period",
    )  # fmt: skip


def period_choices(today: dt.date | None = None) -> list[tuple[str, list[Period]]]:
    """What the period picker offers: the last 24 months, 8 quarters and 3 years."""
    today = today or timezone.localdate()
    months = [parse_period(f"{_month_start(today, -i):%Y-%m}") for i in range(24)]
    quarter = (today.month - 1) // 3
    quarters = []
    for i in range(8):
        index = today.year * 4 + quarter - i
        quarters.append(parse_period(f"{index // 4}-Q{index % 4 + 1}"))
    years = [parse_period(str(today.year - i)) for i in range(3)]
    return [(_("Months"), months), (_("Quarters"), quarters), (_("Years"), years)]
