"""Deadline maths: working days with the holiday calendar (调休 included), the tiers' clocks and
the warning point."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from linli.appeals.models import (
    Holiday,
    Tier,
    add_workdays,
    warn_from,
    workday_overrides,
)

SH = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SH)


# --- add_workdays ------------------------------------------------------------------------------


def test_a_friday_afternoon_plus_one_working_day_ends_on_monday():
    assert add_workdays(local(2026, 11, 20, 15, 0), 1, {}) == end_of(dt.date(2026, 11, 23))


def test_seven_working_days_from_a_friday_end_on_the_tuesday_week():
    assert add_workdays(local(2026, 11, 20, 15, 0), 7, {}) == end_of(dt.date(2026, 12, 1))


def test_a_weekend_submission_counts_from_the_next_working_day():
    saturday = local(2026, 11, 21, 9, 0)
    sunday = local(2026, 11, 22, 21, 0)
    assert add_workdays(saturday, 1, {}) == end_of(dt.date(2026, 11, 23))
    assert add_workdays(sunday, 1, {}) == end_of(dt.date(2026, 11, 23))


def test_the_day_is_the_local_day_not_the_utc_one():
    # 07:00 on Monday in Shanghai is still Sunday 23:00 in UTC.
    monday_morning = local(2026, 11, 23, 7, 0).astimezone(dt.UTC)
    assert monday_morning.date() == dt.date(2026, 11, 22)
    assert add_workdays(monday_morning, 1, {}) == end_of(dt.date(2026, 11, 24))


def test_holidays_are_skipped():
    # National Day week 2026: 1 to 7 October off (Thursday to Wednesday).
    holidays = {dt.date(2026, 10, d): False for d in range(1, 8)}
    assert add_workdays(local(2026, 9, 30, 10, 0), 1, holidays) == end_of(dt.date(2026, 10, 8))
    assert add_workdays(local(2026, 9, 30, 10, 0), 1, {}) == end_of(dt.date(2026, 10, 1))


def test_a_make_up_saturday_counts_as_a_working_day():
    # 调休: Saturday 10 October 2026 is worked.
    overrides = {dt.date(2026, 10, 10): True}
    friday = local(2026, 10, 9, 16, 0)
    assert add_workdays(friday, 1, overrides) == end_of(dt.date(2026, 10, 10))
    assert add_workdays(friday, 1, {}) == end_of(dt.date(2026, 10, 12))


def test_a_calendar_without_working_days_is_refused_rather_than_looping():
    start = local(2026, 1, 1, 9, 0)
    never = {start.date() + dt.timedelta(days=n): False for n in range(1, 3700)}
    with pytest.raises(ValueError):
        add_workdays(start, 1, never)


# --- the calendar in the database ------------------------------------------------------------


@pytest.fixture
def national_day(db):
    for day in range(1, 8):
        Holiday.objects.create(date=dt.date(2026, 10, day), name="国庆节")
    Holiday.objects.create(date=dt.date(2026, 9, 27), is_workday=True, name="国庆节调休")
    Holiday.objects.create(date=dt.date(2026, 10, 10), is_workday=True, name="国庆节调休")


def test_workday_overrides_reads_the_calendar_between_two_dates(national_day):
    overrides = workday_overrides(dt.date(2026, 9, 28), dt.date(2026, 10, 9))
    assert overrides == {dt.date(2026, 10, d): False for d in range(1, 8)}
    assert workday_overrides(dt.date(2026, 9, 1), dt.date(2026, 9, 30)) == {
        dt.date(2026, 9, 27): True
    }


def tier(amount: int, unit: str, minutes: int = 60) -> Tier:
    return Tier(
        code=f"t{amount}{unit}",
        name="t",
        respond_minutes=minutes,
        resolve_amount=amount,
        resolve_unit=unit,
    )


def test_tier_in_working_days_uses_the_holiday_calendar(national_day):
    # Friday 25 September + 3 working days: Sunday 27 (调休), Monday 28, Tuesday 29.
    start = local(2026, 9, 25, 11, 0)
    assert tier(3, Tier.Unit.WORKDAYS).resolve_due(start) == end_of(dt.date(2026, 9, 29))
    # Across the holiday week: 30 September, then 8, 9 and 10 (Saturday, worked) October.
    assert tier(4, Tier.Unit.WORKDAYS).resolve_due(start) == end_of(dt.date(2026, 9, 30))
    assert tier(5, Tier.Unit.WORKDAYS).resolve_due(start) == end_of(dt.date(2026, 10, 8))
    assert tier(7, Tier.Unit.WORKDAYS).resolve_due(start) == end_of(dt.date(2026, 10, 10))
    assert tier(8, Tier.Unit.WORKDAYS).resolve_due(start) == end_of(dt.date(2026, 10, 12))


def test_tier_in_working_days_takes_given_overrides_instead_of_the_database(national_day):
    start = local(2026, 9, 30, 11, 0)
    assert tier(1, Tier.Unit.WORKDAYS).resolve_due(start, {}) == end_of(dt.date(2026, 10, 1))
    assert tier(1, Tier.Unit.WORKDAYS).resolve_due(start) == end_of(dt.date(2026, 10, 8))


def test_tier_in_hours_and_calendar_days_ignores_the_calendar(national_day):
    start = local(2026, 9, 30, 11, 0)
    assert tier(24, Tier.Unit.HOURS).resolve_due(start) == local(2026, 10, 1, 11, 0)
    assert tier(2, Tier.Unit.HOURS).resolve_due(start) == local(2026, 9, 30, 13, 0)
    assert tier(3, Tier.Unit.DAYS).resolve_due(start) == local(2026, 10, 3, 11, 0)


def test_tier_response_clock_is_in_minutes():
    start = local(2026, 11, 18, 10, 0)
    assert tier(1, Tier.Unit.DAYS, minutes=30).respond_due(start) == local(2026, 11, 18, 10, 30)
    assert tier(1, Tier.Unit.DAYS, minutes=1440).respond_due(start) == local(2026, 11, 19, 10, 0)


def test_tier_estimate_orders_the_units():
    assert tier(2, Tier.Unit.HOURS).resolve_minutes_estimate() == 120
    assert tier(2, Tier.Unit.DAYS).resolve_minutes_estimate() == 2880
    assert tier(5, Tier.Unit.WORKDAYS).resolve_minutes_estimate() == 7 * 1440


def test_the_built_in_tiers(db):
    from linli.appeals.actions import tiers_ensure

    tiers = tiers_ensure()
    start = local(2026, 11, 18, 10, 0)  # Wednesday
    assert tiers["emergency"].respond_due(start) == local(2026, 11, 18, 10, 30)
    assert tiers["emergency"].resolve_due(start) == local(2026, 11, 18, 12, 0)
    assert tiers["utilities"].resolve_due(start) == local(2026, 11, 19, 10, 0)
    assert tiers["general"].resolve_due(start) == end_of(dt.date(2026, 11, 27))
    assert tiers["complex"].resolve_due(start) == end_of(dt.date(2026, 12, 9))


# --- warn_from ---------------------------------------------------------------------------------


def test_warning_is_the_last_quarter_of_a_short_clock():
    start = local(2026, 11, 18, 10, 0)
    assert warn_from(start, start + dt.timedelta(hours=2)) == local(2026, 11, 18, 11, 30)


def test_warning_is_at_most_a_day_before_a_long_clock():
    start = local(2026, 11, 18, 10, 0)
    due = start + dt.timedelta(days=10)
    assert warn_from(start, due) == due - dt.timedelta(days=1)
    four_days = start + dt.timedelta(days=4)
    assert warn_from(start, four_days) == four_days - dt.timedelta(days=1)
    two_days = start + dt.timedelta(days=2)
    assert warn_from(start, two_days) == two_days - dt.timedelta(hours=12)
