"""What every volunteers action shares: the clock, and keeping a volunteer's totals (hours and
star level) equal to the sum of their service records."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from ..models import STAR_HOURS, ServiceRecord, Volunteer

__all__ = ["current_time", "refresh_totals", "star_expression"]


def current_time() -> dt.datetime:
    """The clock of these actions (tests move it)."""
    return timezone.now()


def star_expression(field: str = "hours_total"):
    """A SQL expression of the star level (0–5) reached by the hours in ``field``."""
    whens = [
        When(**{f"{field}__gte": threshold}, then=Value(level))
        for level, threshold in reversed(list(enumerate(STAR_HOURS, start=1)))
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def refresh_totals(
    volunteer_ids: Iterable[int] | None = None, *, prefixes: Iterable[str] | None = None
) -> int:
    """Set ``hours_total`` and ``star`` from the service records (corrections included) of the
    given volunteers, or of the volunteers under the area ``prefixes`` (``""``: every area), or
    of everyone when neither is given; both given: the volunteers of the list under the
    prefixes. One UPDATE statement, whatever the number of volunteers: it sums the records of
    the volunteers concerned in one pass and writes only the rows whose totals differ (and
    their ``updated_at``). Answers the number of volunteers written."""
    where, params = ["1 = 1"], []
    if volunteer_ids is not None:
        ids = sorted({int(pk) for pk in volunteer_ids})
        if not ids:
            return 0
        if connection.vendor == "postgresql":
            where.append("v.id = ANY(%s)")
            params.append(ids)
        else:
            where.append("v.id IN (SELECT value FROM json_each(%s))")
            params.append(json.dumps(ids))
    if prefixes is not None:
        prefixes = sorted(set(prefixes))
        if not prefixes:
            return 0
        if "" not in prefixes:
            where.append("(" + " OR ".join("v.area_code LIKE %s" for _p in prefixes) + ")")
            params.extend(f"{prefix}%" for prefix in prefixes)
    sql = _update_sql if _update_from_supported() else _correlated_update_sql
    with connection.cursor() as cursor:
        cursor.execute(sql(" AND ".join(where)), [current_time(), *params])
        return cursor.rowcount


def _star_sql(total: str) -> str:
    """The star level reached by the SQL expression ``total``."""
    whens = " ".join(
        f"WHEN {total} >= {threshold} THEN {level}"
        for level, threshold in reversed(list(enumerate(STAR_HOURS, start=1)))
    )
    return f"CASE {whens} ELSE 0 END"


def _update_from_supported() -> bool:
    """UPDATE … FROM: PostgreSQL, and SQLite from 3.33."""
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version_info >= (3, 33)
    return False


def _update_sql(where: str) -> str:
    """The volunteers selected by ``where`` (on ``v``) joined to their records and summed by
    volunteer (on PostgreSQL an index-only scan of the records' (volunteer, date) index, which
    carries the hours: migration 0003); the rows whose totals differ are written. Only table
    names and the star thresholds go into the SQL text; every value is a bound parameter."""
    volunteers = Volunteer._meta.db_table
    records = ServiceRecord._meta.db_table
    star = _star_sql("totals.total")
    return f"""
        UPDATE {volunteers} SET hours_total = totals.total, star = {star}, updated_at = %s
        FROM (
            SELECT v.id AS id, COALESCE(ROUND(SUM(r.hours), 2), 0) AS total
            FROM {volunteers} v LEFT JOIN {records} r ON r.volunteer_id = v.id
            WHERE {where}
            GROUP BY v.id
        ) AS totals
        WHERE {volunteers}.id = totals.id
          AND ({volunteers}.hours_total <> totals.total OR {volunteers}.star <> {star})
    """  # noqa: S608


def _correlated_update_sql(where: str) -> str:
    """The same without UPDATE … FROM (SQLite before 3.33): a sub-query a volunteer, and only
    for the rows written. The star level is right when the hours are and the star level
    matches them, so the test of a row sums its records once."""
    volunteers = Volunteer._meta.db_table
    records = ServiceRecord._meta.db_table
    total = (
        f"(SELECT COALESCE(ROUND(SUM(r.hours), 2), 0) FROM {records} r "  # noqa: S608
        f"WHERE r.volunteer_id = {volunteers}.id)"
    )
    return f"""
        UPDATE {volunteers} SET hours_total = {total}, star = {_star_sql(total)}, updated_at = %s
        WHERE {volunteers}.id IN (SELECT v.id FROM {volunteers} v WHERE {where})
          AND ({volunteers}.hours_total <> {total}
               OR {volunteers}.star <> {_star_sql(f"{volunteers}.hours_total")})
    """  # noqa: S608
