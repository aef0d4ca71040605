"""Recomputing every volunteer's hours and star level from their records, in bulk.

Every record action keeps the totals of the volunteers it touches (and tells those whose star
level rose), so a recompute only repairs totals that drifted (rows loaded by hand, a restore).
It is a county's work: a civil-affairs officer (``volunteer.manage`` at county level or above)
asks for it (:func:`totals_recompute`), and a background task runs it over the volunteers of
their areas in one UPDATE statement that writes only the totals that differ
(:func:`totals_recompute_run`; bench/volunteer_hours.py times it on 100,000 volunteers). Both
steps are audit events; the second carries the number of volunteers and the time taken, which
the recompute page shows. A recompute does not announce star levels: the writes that earned
them did.
"""

from __future__ import annotations

import time

from django.db import transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import Forbidden
from linli.core.models import User
from linli.core.roles import Cap

from ...models import Volunteer
from ...queries.records.runs import DONE, REQUESTED
from .._common import refresh_totals

COUNTY_PREFIX = 6  # digits of a county's significant prefix


def county_prefixes(actor) -> list[str]:
    """The prefixes of the counties (or wider areas) where the actor manages volunteers."""
    return [p for p in scoping.prefixes(actor, Cap.VOLUNTEER_MANAGE) if len(p) <= COUNTY_PREFIX]


def refresh_scope(prefixes: list[str]) -> int:
    """Set ``hours_total`` and ``star`` of the volunteers under ``prefixes`` from their
    service records (:func:`refresh_totals`: one statement summing the records of the scope in
    one pass, writing only the volunteers whose totals differ); answers how many were
    written."""
    if not prefixes:
        return 0
    return refresh_totals(prefixes=prefixes)


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
