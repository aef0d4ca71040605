"""care blocks of the home pages.

- staff home, for those who record care visits and have visits of their own: how many people
  are still to be visited this month, and how many were not visited enough last month.
- officer home, for those who read the care figures: this month's visit rate (月探访率) of
  their widest area.

Each block reads with at most two queries, and is left out when it has nothing to say.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.roles import Cap
from linli.web.navigation import HOME_SECTIONS, HomeSection

from .. import queries
from ..models import Plan, month_start

urlpatterns: list = []


def _last_month(today: dt.date) -> dt.date:
    return month_start(month_start(today) - dt.timedelta(days=1))


def staff_visits(request) -> dict | None:
    """This month's visits still to make, and last month's people not visited enough."""
    user = request.user
    if not scoping.has_cap(user, Cap.CARE_VISIT):
        return None
    today = timezone.localdate()
    due = queries.plans_due(actor=user, today=today)
    overdue = queries.plans(
        actor=user, month=_last_month(today), status=Plan.Status.OPEN, worker_id=user.pk
    ).count()
    if not due and not overdue:
        return None
    return {
        "due": len(due),
        "overdue": overdue,
        "url": reverse("care:plans") + "?view=mine",
        "overdue_url": reverse("care:plans")
        + f"?view=all&month={_last_month(today):%Y-%m}&status=open&worker={user.pk}",
    }


def officer_rate(request) -> dict | None:
    """This month's visit rate of the officer's widest area."""
    user = request.user
    if not scoping.has_cap(user, Cap.CARE_VIEW):
        return None
    month = month_start(timezone.localdate())
    try:
        area = queries.visible_area(user, None)
    except ActionError:
        return None
    visited, roster = queries.visit_rate_of(area.code, month)
    return {
        "area": area,
        "month": month,
        "visited": visited,
        "roster": roster,
        "percent": round(visited * 100 / roster, 1) if roster else None,
        "url": reverse("care:rate"),
    }


HOME_SECTIONS.append(
    HomeSection(home="staff", template="care/_home_visits.html", context=staff_visits, order=20)
)
HOME_SECTIONS.append(
    HomeSection(home="officer", template="care/_home_rate.html", context=officer_rate, order=20)
)
