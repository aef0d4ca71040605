"""What every volunteers query shares: the actor's own volunteer record, the organisation
rules of who may read what, and the star level of a number of hours.

Reading rules (scoping through :mod:`linli.core.scoping`):

- staff read volunteers, teams, activities and records of their area subtree with
  ``volunteer.view``; personal fields are masked (revealing needs ``pii.reveal``, audited);
- a volunteer reads their own record, sign-ups, hours, points and certificates
  (:func:`own_volunteer`), and any published public activity;
- an organisation that received a volunteer's records by transfer reads all of that volunteer's
  records (:mod:`linli.volunteers.queries.records`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from linli.core import scoping
from linli.core.roles import Cap

from ..models import STAR_HOURS, Volunteer, star_for

__all__ = ["STAR_HOURS", "next_star", "own_volunteer", "star_for", "volunteers_seen"]


def own_volunteer(actor) -> Volunteer | None:
    """The volunteer record linked to the actor's account (None for anonymous users or
    people who have not registered)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Volunteer.objects.filter(user_id=actor.pk).select_related("area", "organisation").first()


def volunteers_seen(actor, cap: str = Cap.VOLUNTEER_VIEW) -> QuerySet[Volunteer]:
    """Volunteers whose home community lies in an area where the actor holds ``cap``."""
    return scoping.scope(Volunteer.objects.all(), actor, cap)


def next_star(hours) -> tuple[int, Decimal | None]:
    """The next star level and the hours still needed to reach it (None at five stars)."""
    total = Decimal(hours or 0)
    for level, threshold in enumerate(STAR_HOURS, start=1):
        if total < threshold:
            return level, Decimal(threshold) - total
    return len(STAR_HOURS), None
