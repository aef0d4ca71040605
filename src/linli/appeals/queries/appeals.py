"""Reading appeals, always through :func:`visible`: what the actor's roles cover, what their
units hold, and what they submitted or entered themselves."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.errors import ActionError, NotFound
from linli.core.roles import Cap

from ..models import (
    ENDED_STATES,
    OPEN_STATES,
    Appeal,
    Event,
    State,
)
from .units import acting_unit_ids, member_unit_ids

NUMBER = re.compile(r"^(?:\d{8}-)?(\d{1,18})$")
DUPLICATE_DAYS = 30
DUPLICATE_METRES = 300


def visible_q(actor) -> Q:
    """The appeals ``actor`` may see."""
    if actor is scoping.SYSTEM:
        return Q()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Q(pk__in=[])
    q = Q(submitter_id=actor.pk) | Q(entered_by_id=actor.pk)
    granted = scoping.prefixes(actor, Cap.APPEAL_VIEW)
    if granted:
        q |= scoping.prefix_q(granted)
    units = member_unit_ids(actor)
    if units:
        q |= Q(unit_id__in=units) | Q(accountable_unit_id__in=units)
    return q


def is_staff_viewer(actor, appeal: Appeal) -> bool:
    """Staff see internal notes and contact details; the resident sees the public timeline."""
    if actor is scoping.SYSTEM:
        return True
    if scoping.has_cap(actor, Cap.APPEAL_VIEW, appeal.area_code):
        return True
    units = member_unit_ids(actor)
    if appeal.unit_id in units or appeal.accountable_unit_id in units:
        return True
    return appeal.entered_by_id == getattr(actor, "pk", None) and scoping.has_cap(
        actor, Cap.APPEAL_INTAKE, appeal.area_code
    )


def appeal_get(*, actor, appeal_id: int) -> Appeal:
    appeal = (
        Appeal.objects.filter(visible_q(actor), pk=appeal_id)
        .select_related("category", "tier", "unit", "accountable_unit", "merged_into")
        .first()
    )
    if appeal is None:
        raise NotFound(_("There is no such appeal, or it is not yours to see."))
    return appeal


def _bool(value) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


def appeal_list(*, actor, filters: dict | None = None) -> QuerySet:
    """Appeals the actor may see, filtered. Filters: ``state`` (one, a list, ``open``, ``done``
    or ``ended``), ``category``, ``unit``, ``area`` (a code prefix), ``channel``, ``q`` (number
    or words of the title), ``overdue``, ``due_soon``, ``escalated``, ``mine`` (my units'),
    ``callback`` (callbacks due), ``since``/``until`` (submission dates)."""
    filters = filters or {}
    qs = Appeal.objects.filter(visible_q(actor))
    state = filters.get("state")
    if state:
        states = state if isinstance(state, list | tuple) else [state]
        wanted: set[str] = set()
        for item in states:
            if item == "open":
                wanted.update(OPEN_STATES)
            elif item == "done":
                wanted.update((State.RESOLVED, State.CONFIRMED))
            elif item == "ended":
                wanted.update(ENDED_STATES)
            elif item in State.values:
                wanted.add(item)
            else:
                raise ActionError(_("Unknown state: %(state)s.") % {"state": item}, field="state")
        qs = qs.filter(state__in=sorted(wanted))
        only_open = wanted <= set(OPEN_STATES)
        if only_open:
            # Open appeals are exactly those with a running clock: the partial index on due_at
            # then serves both the filter and the order.
            qs = qs.filter(due_at__isnull=False)
    else:
        only_open = False
    if filters.get("category"):
        qs = qs.filter(
            Q(category_id=filters["category"]) | Q(category__parent_id=filters["category"])
        )
    if filters.get("unit"):
        qs = qs.filter(unit_id=filters["unit"])
    if filters.get("area"):
        code = str(filters["area"])
        if not code.isdigit():
            raise ActionError(_("An area is given by its code."), field="area")
        try:
            prefix = areacodes.prefix_of(areacodes.normalize(code))
        except ValueError:
            raise ActionError(_("An area is given by its code."), field="area") from None
        qs = qs.filter(area_code__startswith=prefix)
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    now = timezone.now()
    if _bool(filters.get("overdue", "")):
        qs = qs.filter(due_at__lt=now)
    if _bool(filters.get("due_soon", "")):
        qs = qs.filter(warn_at__lte=now, due_at__gte=now)
    if _bool(filters.get("escalated", "")):
        qs = qs.filter(escalation_level__gt=0, state__in=OPEN_STATES)
    if _bool(filters.get("callback", "")):
        qs = qs.filter(callback_due=True)
    if _bool(filters.get("mine", "")):
        qs = qs.filter(_my_units_q(actor))
    if filters.get("since"):
        qs = qs.filter(submitted_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(submitted_at__date__lte=filters["until"])
    text = (filters.get("q") or "").strip()
    if text:
        match = NUMBER.match(text)
        qs = qs.filter(pk=int(match.group(1))) if match else qs.filter(title__icontains=text[:40])
    if filters.get("order") == "newest":
        return qs.order_by("-submitted_at", "-id")
    if only_open:
        # Running clocks: the soonest deadline first.
        return qs.order_by("due_at", "-submitted_at", "-id")
    return qs.order_by("-submitted_at", "-id")


def _my_units_q(actor) -> Q:
    """Appeals now with a unit the actor acts for directly (not merely oversees)."""
    return Q(unit_id__in=acting_unit_ids(actor))


def inbox_counts(*, actor) -> dict[str, int]:
    """The workbench's buckets, one aggregate query over what the actor may see."""
    now = timezone.now()
    # Closed appeals fill no bucket (a callback due blocks closing): leaving them out spares
    # reading most of the table.
    qs = Appeal.objects.filter(
        visible_q(actor), state__in=OPEN_STATES + (State.RESOLVED, State.CONFIRMED)
    )
    return qs.aggregate(
        to_dispatch=Count("pk", filter=Q(state=State.SUBMITTED)),
        to_accept=Count("pk", filter=Q(state=State.DISPATCHED)),
        in_hand=Count("pk", filter=Q(state__in=(State.ACCEPTED, State.IN_PROGRESS))),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_soon=Count("pk", filter=Q(warn_at__lte=now, due_at__gte=now)),
        escalated=Count("pk", filter=Q(escalation_level__gt=0, state__in=OPEN_STATES)),
        callbacks=Count("pk", filter=Q(callback_due=True)),
        awaiting_resident=Count("pk", filter=Q(state=State.RESOLVED)),
    )


def appeal_timeline(*, actor, appeal: Appeal) -> list[Event]:
    """The appeal's history: everything for staff, the public steps for the resident."""
    qs = appeal.events.select_related("actor", "unit").order_by("at", "id")
    if not is_staff_viewer(actor, appeal):
        qs = qs.filter(public=True)
    return list(qs)


def appeals_mine(*, actor) -> QuerySet:
    """The resident's own appeals, newest first."""
    if not getattr(actor, "is_authenticated", False):
        return Appeal.objects.none()
    return (
        Appeal.objects.filter(submitter_id=actor.pk)
        .select_related("category", "unit")
        .order_by("-submitted_at", "-id")
    )


def _box(lat: Decimal, lng: Decimal, metres: int) -> Q:
    import math

    dlat = metres / 111_000
    dlng = metres / (111_000 * max(0.1, math.cos(math.radians(float(lat)))))
    return Q(
        lat__gte=float(lat) - dlat,
        lat__lte=float(lat) + dlat,
        lng__gte=float(lng) - dlng,
        lng__lte=float(lng) + dlng,
    )


def appeal_duplicates(
    *,
    area_code: str,
    category_id: int,
    lat=None,
    lng=None,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[Appeal]:
    """Likely duplicates: same category, open, recent, nearby (within a few hundred metres when
    both have a map pin, else in the same community). The answer shows titles, states and
    numbers only, so it is safe to show to the submitter."""
    since = timezone.now() - dt.timedelta(days=DUPLICATE_DAYS)
    qs = Appeal.objects.filter(
        category_id=category_id,
        state__in=OPEN_STATES + (State.RESOLVED,),
        submitted_at__gte=since,
    )
    community = areacodes.normalize(area_code)[:12]
    if lat is not None and lng is not None:
        qs = qs.filter(
            _box(lat, lng, DUPLICATE_METRES) | Q(lat__isnull=True, area_code__startswith=community)
        )
    else:
        qs = qs.filter(area_code__startswith=community)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.select_related("category").order_by("-submitted_at")[:limit])
