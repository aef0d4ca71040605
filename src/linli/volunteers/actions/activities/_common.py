"""What the project, activity, sign-up and attendance actions share: cleaning what was sent
(times, numbers, code lists, yes/no), finding the rows the actor may act on (locked), the
organiser checks and the messages to volunteers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core.cleaning import UNSET, Errors, row_id
from linli.core.errors import Forbidden, NotFound

from ...models import Activity, Shift, Signup, Skill, TargetGroup, Volunteer
from ...queries.activities import _common as rules
from .._common import current_time

__all__ = [
    "UNSET",
    "choice",
    "codes",
    "current_time",
    "flag",
    "lock_activity",
    "lock_shift",
    "moment",
    "require_manager",
    "require_organiser",
    "tell",
    "when",
    "whole",
]

_TRUE = {"1", "true", "yes", "on", "y", "是"}
_FALSE = {"", "0", "false", "no", "off", "n", "否"}
LIST_MAX = 30


def is_given(value) -> bool:
    return value is not UNSET


def moment(errors: Errors, field: str, value) -> dt.datetime | None:
    """An aware datetime from a datetime or ISO text (``2026-05-04T09:00``; without an offset
    it is local time)."""
    if value in (None, ""):
        errors.add(field, _("Choose a time."))
        return None
    found = value
    if not isinstance(value, dt.datetime):
        try:
            found = dt.datetime.fromisoformat(str(value).strip()[:40])
        except ValueError:
            errors.add(field, _("Give a time as 2026-05-04T09:00."))
            return None
    try:
        if timezone.is_naive(found):
            found = timezone.make_aware(found)
        return timezone.localtime(found).replace(second=0, microsecond=0)
    except (OverflowError, ValueError):
        errors.add(field, _("Give a time as 2026-05-04T09:00."))
        return None


def whole(errors: Errors, field: str, value, *, low: int, high: int) -> int | None:
    """A whole number from ``low`` to ``high``."""
    if isinstance(value, bool) or value in (None, ""):
        errors.add(field, _("Give a whole number."))
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.add(field, _("Give a whole number."))
        return None
    if not low <= number <= high:
        errors.add(field, _("Give a number from %(low)d to %(high)d.") % {"low": low, "high": high})
        return None
    return number


def flag(errors: Errors, field: str, value) -> bool:
    """Yes or no: a box ticked, JSON true/false, 1/0, yes/no, 是/否."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word not in _FALSE:
        errors.add(field, _("Answer yes or no."))
    return False


def choice(errors: Errors, field: str, value, choices, *, default: str | None = None) -> str:
    """One of ``choices`` (a TextChoices class) by its value."""
    word = str(value or "").strip()
    if not word and default is not None:
        return default
    if word not in choices.values:
        errors.add(field, _("Choose one of the options."))
        return default or ""
    return word


def codes(errors: Errors, field: str, values, choices, *, required: bool = False) -> list[str]:
    """Several of ``choices`` (a TextChoices class), without repeats, in the choices' order."""
    if values in (None, ""):
        values = []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list | tuple | set | frozenset):
        errors.add(field, _("Choose from the list."))
        return []
    given = [str(v).strip() for v in list(values)[:LIST_MAX]]
    if any(v not in choices.values for v in given):
        errors.add(field, _("Choose from the list."))
        return []
    if required and not given:
        errors.add(field, _("Choose at least one."))
    return [v for v in choices.values if v in set(given)]


def skills(errors: Errors, value, field: str = "skills") -> list[str]:
    return codes(errors, field, value, Skill)


def target_groups(errors: Errors, value, *, required: bool) -> list[str]:
    return codes(errors, "target_groups", value, TargetGroup, required=required)


# --- rows and rights ----------------------------------------------------------------------------


def lock_activity(actor, activity_id) -> Activity:
    """The activity, locked, when the actor may read it as staff or lead its team."""
    pk = row_id(activity_id)
    activity = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if activity is None or not (
        rules.reads(actor, activity.area_code) or rules.organises(actor, activity)
    ):
        raise NotFound(_("There is no such activity, or it is not yours to see."))
    return activity


def lock_shift(shift_id) -> Shift | None:
    pk = row_id(shift_id)
    if not pk:
        return None
    return (
        Shift.objects.select_for_update(of=("self",))
        .select_related("activity", "activity__team")
        .filter(pk=pk)
        .first()
    )


def require_manager(actor, activity: Activity) -> None:
    """Creating, changing, publishing, cancelling, finishing: staff with volunteer.manage."""
    if not rules.manages(actor, activity.area_code):
        raise Forbidden(_("Only the community's volunteer managers can do this."))


def require_organiser(actor, activity: Activity) -> None:
    """Running sign-ups and attendance: a manager, or the leader of the activity's team."""
    if not rules.organises(actor, activity):
        raise Forbidden(
            _("Only the organisers of this activity or the leader of its team can do this.")
        )


# --- words for people ---------------------------------------------------------------------------


def when(shift: Shift) -> str:
    start = timezone.localtime(shift.starts_at)
    end = timezone.localtime(shift.ends_at)
    if start.date() == end.date():
        return f"{formats.date_format(start, 'Y-m-d')} {start:%H:%M}-{end:%H:%M}"
    return f"{formats.date_format(start, 'Y-m-d')} {start:%H:%M} - {end:%Y-%m-%d %H:%M}"


def my_url() -> str:
    return reverse("volunteers:my_activities")


def tell(volunteers: Iterable[Volunteer], *, kind: str, text, target=None, url: str = "") -> int:
    """Notify the accounts of ``volunteers`` (those that have one); ``text()`` runs in each
    recipient's language."""
    users = [v.user for v in volunteers if v.user_id and v.user is not None]
    if not users:
        return 0
    return core_actions.notify(users, kind=kind, text=text, url=url or my_url(), target=target)


def signups_of(shift: Shift, *statuses: str):
    return Signup.objects.filter(shift_id=shift.pk, status__in=statuses)
