"""The grid worker's daily log (民情日记): what they saw, what residents told them and what they
resolved on the spot, written for a day up to a week back.

A form carries its own key (``client_key``, made when it was opened): sending it twice, or again
after the phone was offline, writes one entry. Only the author changes an entry, within the same
week.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ..models import Log
from ..queries import logs as log_queries
from . import _common as c

TEXT_MAX = Log._meta.get_field("saw").max_length
TEXTS = ("saw", "heard", "resolved")


def _area(actor, value, *, field: str = "area_code") -> Area:
    code = c.normal_code(value)
    if code is None:
        raise ActionError(_("Choose the grid or community you walked."), field=field)
    if not scoping.has_cap(actor, Cap.GRID_WORK, code):
        raise Forbidden(_("You do not do grid work here."))
    area = Area.objects.filter(code=code).only("code", "name", "level").first()
    if area is None or area.level not in (Level.GRID, Level.COMMUNITY):
        raise ActionError(_("Choose the grid or community you walked."), field=field)
    return area


def _check_day(errors: c.Errors, value):
    day = c.date(errors, "day", value)
    if day is None:
        if not errors.has("day"):
            errors.add("day", _("Which day is this about?"))
        return None
    today = c.today()
    if day > today:
        errors.add("day", _("This day has not come yet."))
    elif day < log_queries.earliest_day(today):
        errors.add(
            "day",
            _("The log is written within %(days)d days: this day is too long ago.")
            % {"days": log_queries.WINDOW_DAYS},
        )
    return day


def _texts(errors: c.Errors, values: dict) -> dict[str, str]:
    cleaned = {field: c.text(errors, field, values[field], max_length=TEXT_MAX) for field in TEXTS}
    if not any(cleaned.values()) and not any(errors.has(f) for f in TEXTS):
        errors.add(
            "__all__",
            _("Write what you saw, what residents told you or what you resolved on the spot."),
        )
    return cleaned


def _appeal(actor, appeal_id):
    if appeal_id in (None, ""):
        return None
    from linli.appeals.queries import appeal_get

    pk = c.row_id(appeal_id)
    try:
        return appeal_get(actor=actor, appeal_id=pk) if pk else None
    except NotFound:
        return None


def log_write(
    *,
    actor,
    area_code,
    day,
    saw="",
    heard="",
    resolved="",
    client_key,
    appeal_id=None,
):
    """Write an entry of the daily log for a grid or community the actor does grid work in.
    ``appeal_id`` links an appeal raised from what was found. Sending the same ``client_key``
    again answers the entry already written (``written_now`` tells which)."""
    if not c.is_user(actor):
        raise Forbidden(_("Only a signed-in grid worker writes the daily log."))
    errors = c.Errors()
    key = c.client_key(errors, client_key)
    errors.raise_if_any(_("The entry was not written."))
    written = Log.objects.filter(author_id=actor.pk, client_key=key).first()
    if written is not None:
        written.written_now = False
        return written
    area = _area(actor, area_code)
    the_day = _check_day(errors, day)
    texts = _texts(errors, {"saw": saw, "heard": heard, "resolved": resolved})
    appeal = _appeal(actor, appeal_id)
    if appeal_id not in (None, "") and appeal is None:
        errors.add("appeal", _("There is no such appeal among those you see."))
    errors.raise_if_any(_("The entry was not written."))
    now = timezone.now()
    try:
        with transaction.atomic():
            entry = Log.objects.create(
                area_code=area.code,
                author=actor,
                day=the_day,
                appeal=appeal,
                client_key=key,
                created_at=now,
                updated_at=now,
                **texts,
            )
            audit.record(
                actor,
                "log.write",
                entry,
                extra={"day": the_day.isoformat(), "appeal": appeal.pk if appeal else None},
            )
    except IntegrityError:
        # The same form arrived twice at once: the other request wrote it.
        written = Log.objects.filter(author_id=actor.pk, client_key=key).first()
        if written is None:
            raise
        written.written_now = False
        return written
    entry.written_now = True
    return entry


def log_update(
    *,
    actor,
    log_id,
    area_code=c.UNSET,
    day=c.UNSET,
    saw=c.UNSET,
    heard=c.UNSET,
    resolved=c.UNSET,
    appeal_id=c.UNSET,
):
    """Change an entry: only its author, and only for a day up to a week back. Arguments not
    given keep their value."""
    pk = c.row_id(log_id)
    entry = Log.objects.filter(log_queries.visible_q(actor), pk=pk).first() if pk else None
    if entry is None:
        raise NotFound(_("There is no such log entry, or it is not yours to read."))
    if entry.author_id != getattr(actor, "pk", None):
        raise Forbidden(_("Only the one who wrote an entry can change it."))
    if not log_queries.can_change(actor, entry):
        raise Forbidden(
            _("An entry can be changed for %(days)d days: this one is closed.")
            % {"days": log_queries.WINDOW_DAYS}
        )
    errors = c.Errors()
    area = _area(actor, area_code) if area_code is not c.UNSET else None
    the_day = _check_day(errors, day) if day is not c.UNSET else entry.day
    given = {
        "saw": entry.saw if saw is c.UNSET else saw,
        "heard": entry.heard if heard is c.UNSET else heard,
        "resolved": entry.resolved if resolved is c.UNSET else resolved,
    }
    texts = _texts(errors, given)
    appeal = entry.appeal if appeal_id is c.UNSET else _appeal(actor, appeal_id)
    if appeal_id not in (c.UNSET, None, "") and appeal is None:
        errors.add("appeal", _("There is no such appeal among those you see."))
    errors.raise_if_any(_("The entry was not saved."))
    with transaction.atomic():
        entry = Log.objects.select_for_update().get(pk=entry.pk)
        if area is not None:
            entry.area_code = area.code
        entry.day = the_day
        entry.appeal = appeal
        for field, value in texts.items():
            setattr(entry, field, value)
        entry.updated_at = timezone.now()
        entry.save()
        audit.record(
            actor,
            "log.update",
            entry,
            extra={"day": the_day.isoformat(), "appeal": appeal.pk if appeal else None},
        )
    return entry


__all__ = ["log_update", "log_write"]
