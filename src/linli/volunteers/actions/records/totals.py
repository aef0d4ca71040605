"""Recomputing every volunteer's hours and star level from their records, in bulk.

Every record action keeps the totals of the volunteers it touches (and tells those whose star
level rose), so a recompute only repairs totals that drifted (rows loaded by hand, a restore).
It is a county's work: a civil-affairs officer (``volunteer.manage`` at county level or above)
asks for it (:func:`totals_recompute`), and a background task runs it over the volunteers of
their areas in one UPDATE statement that writes only the totals that differ
(:func:`totals_recompute_run`; bench/volunteer_hours.py times it on 100,000 volunteers). Both steps are audit events; the second carries the
number of volunteers and the time taken, which the recompute page shows. A recompute does not
announce star levels: the writes that earned them did.
"""

from __future__ import annotations

import time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import Forbidden
from linli.core.models import User
from linli.core.roles import Cap

from ...models import STAR_HOURS, ServiceRecord, Volunteer
from ...queries.records.runs import DONE, REQUESTED
from .._common import current_time, star_expression

COUNTY_PREFIX = 6  # digits of a county's significant prefix


def county_prefixes(actor) -> list[str]:
    """The prefixes of the counties (or wider areas) where the actor manages volunteers."""
    return [p for p in scoping.prefixes(actor, Cap.VOLUNTEER_MANAGE) if len(p) <= COUNTY_PREFIX]


def _star_sql(column: str) -> str:
    whens = " ".join(
        f"WHEN {column} >= {threshold} THEN {level}"
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


def refresh_scope(prefixes: list[str]) -> int:
    """Set ``hours_total`` and ``star`` of the volunteers under ``prefixes`` from their
    service records. One statement sums the records of the scope in one pass (a hash
    aggregate, not a sub-query a volunteer) and writes only the volunteers whose totals
    differ; answers how many were written."""
    if not prefixes:
        return 0
    if not _update_from_supported():
        return _refresh_scope_orm(prefixes)
    volunteers = Volunteer._meta.db_table
    records = ServiceRecord._meta.db_table
    if "" in prefixes:
        where, params = "1 = 1", []
    else:
        where = " OR ".join("v.area_code LIKE %s" for _ in prefixes)
        params = [f"{prefix}%" for prefix in prefixes]
    star = _star_sql("totals.total")
    # Only table names, the stars' thresholds and placeholders are put into the text.
    sql = f"""
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
    with connection.cursor() as cursor:
        cursor.execute(sql, [current_time(), *params])
        return cursor.rowcount


def _refresh_scope_orm(prefixes: list[str]) -> int:
    """The same in two UPDATE statements over every volunteer of the scope (older SQLite)."""
    hours = (
        ServiceRecord.objects.filter(volunteer=OuterRef("pk"))
        .order_by()
        .values("volunteer")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    money = DecimalField(max_digits=9, decimal_places=2)
    rows = Volunteer.objects.filter(scoping.prefix_q(prefixes))
    count = rows.update(
        hours_total=Coalesce(
            Subquery(hours, output_field=money), Value(Decimal("0"), output_field=money)
        ),
        updated_at=current_time(),
    )
    rows.update(star=star_expression())
    return count


def totals_recompute(*, actor) -> int:
    """Ask for the totals of the actor's counties to be recomputed (a background task, queued
    when this commits). Answers how many volunteers it will go over."""
    prefixes = county_prefixes(actor)
    if not prefixes:
        raise Forbidden(_("Only civil-affairs officers of a county recompute every total."))
    from ...tasks import recompute_totals

    with transaction.atomic():
        count = Volunteer.objects.filter(scoping.prefix_q(prefixes)).count()
        audit.record(
            actor,
            REQUESTED,
            target_type=Volunteer._meta.label_lower,
            area_code=prefixes[0].ljust(12, "0") if prefixes[0] else "",
            extra={"volunteers": count, "areas": prefixes},
        )
        user_id = actor.pk
        transaction.on_commit(lambda: recompute_totals.enqueue(user_id))
    return count


def totals_recompute_run(*, user_id: int) -> dict:
    """The task's work: recompute the totals of the counties the account (still) manages."""
    actor = User.objects.filter(pk=user_id, is_active=True).first()
    prefixes = county_prefixes(actor) if actor is not None else []
    if not prefixes:
        return {"volunteers": 0, "skipped": True}
    began = time.perf_counter()
    with transaction.atomic():
        written = refresh_scope(prefixes)
        elapsed = round((time.perf_counter() - began) * 1000)
        count = Volunteer.objects.filter(scoping.prefix_q(prefixes)).count()
        audit.record(
            actor,
            DONE,
            target_type=Volunteer._meta.label_lower,
            area_code=prefixes[0].ljust(12, "0") if prefixes[0] else "",
            extra={"volunteers": count, "changed": written, "ms": elapsed, "areas": prefixes},
        )
    return {"volunteers": count, "changed": written, "ms": elapsed}


__all__ = [
    "DONE",
    "REQUESTED",
    "county_prefixes",
    "refresh_scope",
    "totals_recompute",
    "totals_recompute_run",
]
