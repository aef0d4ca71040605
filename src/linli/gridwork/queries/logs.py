"""Reading the daily log (民情日记).

An entry is read by its author and by those who do grid work over its area: the grid's other
workers, and the community's workers and head who follow up what residents said. Officers
above the community see what comes of it (appeals, tasks), not the diary itself.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Log

WINDOW_DAYS = 7  # an entry is written, and may be changed, for a day up to a week back
CHOICES_MAX = 400


def visible_q(actor) -> Q:
    """The log entries ``actor`` may read."""
    if actor is scoping.SYSTEM:
        return Q()
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Q(pk__in=[])
    return scoping.prefix_q(scoping.prefixes(actor, Cap.GRID_WORK)) | Q(author_id=actor.pk)


def earliest_day(today: dt.date | None = None) -> dt.date:
    """The oldest day an entry may still be written or changed for."""
    return (today or timezone.localdate()) - dt.timedelta(days=WINDOW_DAYS)


def _day(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ActionError(_("Enter a date as YYYY-MM-DD."), field=field) from None


def log_list(
    *, actor, author: int | str | None = None, area: str = "", since=None, until=None
) -> QuerySet[Log]:
    """Entries the actor may read, newest day first. ``author`` an account id (``"me"`` for
    one's own); ``area`` a code (that area and everything in it); ``since``/``until`` days."""
    qs = Log.objects.filter(visible_q(actor))
    if author not in (None, ""):
        if author == "me":
            author = getattr(actor, "pk", None) or 0
        if isinstance(author, bool) or not str(author).isdigit():
            raise ActionError(_("An author is given by their account number."), field="author")
        qs = qs.filter(author_id=int(author))
    if area:
        try:
            prefix = areacodes.prefix_of(areacodes.normalize(str(area)))
        except areacodes.AreaCodeError:
            raise ActionError(_("An area is given by its code."), field="area") from None
        qs = qs.filter(area_code__startswith=prefix)
    start, end = _day(since, "since"), _day(until, "until")
    if start and end and start > end:
        raise ActionError(_("The first day comes after the last."), field="since")
    if start:
        qs = qs.filter(day__gte=start)
    if end:
        qs = qs.filter(day__lte=end)
    return qs.select_related("author").order_by("-day", "-id")


def log_get(*, actor, log_id: int) -> Log:
    entry = Log.objects.filter(visible_q(actor), pk=log_id).select_related("author").first()
    if entry is None:
        raise NotFound(_("There is no such log entry, or it is not yours to read."))
    return entry


def can_change(actor, entry: Log, today: dt.date | None = None) -> bool:
    """Its author may change an entry for a day up to a week back."""
    return entry.author_id == getattr(actor, "pk", None) and entry.day >= earliest_day(today)


def log_areas(*, actor) -> list[tuple[str, str]]:
    """Where the actor writes the log: the communities and grids where they do grid work, as
    (code, name)."""
    granted = scoping.prefixes(actor, Cap.GRID_WORK)
    rows = list(
        Area.objects.filter(level__in=(Level.COMMUNITY, Level.GRID))
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")
        .values_list("code", "name", "level")[:CHOICES_MAX]
    )
    return [(code, name) for code, name, _level in rows]


def logs_with_area_names(entries) -> list[Log]:
    entries = list(entries)
    names = dict(
        Area.objects.filter(code__in={e.area_code for e in entries}).values_list("code", "name")
    )
    for entry in entries:
        entry.area_name = names.get(entry.area_code, entry.area_code)
    return entries


__all__ = [
    "WINDOW_DAYS",
    "can_change",
    "earliest_day",
    "log_areas",
    "log_get",
    "log_list",
    "logs_with_area_names",
]
