"""What the record actions share: reading hours and quality, the points a record earns (or a
correction takes back), and keeping a volunteer's totals and star level in step, telling them
when their star level rises.

Time bank: :data:`POINTS_PER_HOUR` points per hour of service (10: half an hour earns 5), to
the nearest whole point. Every change of a balance is one ledger line written while the
volunteer's row is locked, so the balance and the ledger always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core.cleaning import Errors
from linli.core.models import User

from ...models import PointsEntry, ServiceRecord, Volunteer
from .._common import refresh_totals

POINTS_PER_HOUR = 10
MAX_HOURS = Decimal("24")
QUALITIES = tuple(ServiceRecord.Quality.values)
RECORDER_MAX = ServiceRecord._meta.get_field("recorder_name").max_length
NOTE_MAX = PointsEntry._meta.get_field("note").max_length


def hours_value(errors: Errors, field: str, value) -> Decimal | None:
    """A number of hours (text or number) with at most two decimals; None (and an error) when
    it is not one. Ranges are the caller's."""
    if value in (None, "") or isinstance(value, bool):
        errors.add(field, _("Give the hours."))
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        errors.add(field, _("Give the hours as a number, for example 2.5."))
        return None
    if not number.is_finite():
        errors.add(field, _("Give the hours as a number, for example 2.5."))
        return None
    if abs(number) > 1000:
        errors.add(field, _("At most 24 hours."))
        return None
    if number != number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP):
        errors.add(field, _("Give the hours with at most two decimals, for example 1.25."))
        return None
    return number.quantize(Decimal("0.01"))


def quality_value(errors: Errors, field: str, value) -> str:
    text = str(value or "").strip()
    if text and text not in QUALITIES:
        errors.add(field, _("Choose a quality rating from the list."))
        return ""
    return text


def recorder_name(actor) -> str:
    name = ""
    if getattr(actor, "is_authenticated", False):
        name = actor.get_full_name() or actor.username
    return (name or "system")[:RECORDER_MAX]


def points_for(hours: Decimal) -> int:
    """The points ``hours`` of service are worth (to the nearest point, halves up)."""
    return int((abs(Decimal(hours)) * POINTS_PER_HOUR).quantize(Decimal("1"), ROUND_HALF_UP))


# --- the ledger ---------------------------------------------------------------------------------


class Purses:
    """The points balances of some volunteers, their rows locked for the transaction (in id
    order, so two writers never wait on each other in a circle). Lines are added with
    :meth:`earn`, :meth:`take_back` or :meth:`add`; :meth:`save` writes the new balances in one
    UPDATE."""

    def __init__(self, volunteer_ids: Iterable[int]):
        rows = (
            Volunteer.objects.select_for_update()
            .filter(pk__in=sorted(set(volunteer_ids)))
            .order_by("pk")
            .values_list("pk", "points_balance", "area_code")
        )
        self.balances: dict[int, int] = {}
        self.areas: dict[int, str] = {}
        for pk, balance, area_code in rows:
            self.balances[pk] = balance
            self.areas[pk] = area_code
        self.changed: set[int] = set()

    def __contains__(self, volunteer_id: int) -> bool:
        return volunteer_id in self.balances

    def line(self, volunteer_id: int, delta: int, **fields) -> PointsEntry:
        """A ledger line (not saved) moving the balance by ``delta``."""
        self.balances[volunteer_id] += delta
        self.changed.add(volunteer_id)
        return PointsEntry(
            volunteer_id=volunteer_id,
            area_code=self.areas[volunteer_id],
            delta=delta,
            balance=self.balances[volunteer_id],
            **fields,
        )

    def earn(self, actor, records: list[ServiceRecord]) -> list[PointsEntry]:
        """The points each record (a service entry, or a correction adding hours) earns: one
        ledger line each (saved)."""
        entries = []
        for record in records:
            points = points_for(record.hours)
            if record.hours <= 0 or points <= 0:
                continue
            entries.append(
                self.line(
                    record.volunteer_id,
                    points,
                    kind=PointsEntry.Kind.EARNED,
                    record=record,
                    by=_user(actor),
                    at=record.recorded_at,
                )
            )
        PointsEntry.objects.bulk_create(entries)
        return entries

    def take_back(self, actor, correction: ServiceRecord) -> tuple[int, int]:
        """A correction that removes hours takes their points back, never below zero: what is
        left when the balance is short (the line's note says so). Answers (due, taken)."""
        due = points_for(correction.hours)
        taken = min(due, self.balances[correction.volunteer_id])
        if taken <= 0:
            return due, 0
        note = correction.reason
        if taken < due:
            note = _("%(reason)s (only %(taken)d of %(due)d points were left)") % {
                "reason": correction.reason,
                "taken": taken,
                "due": due,
            }
        self.line(
            correction.volunteer_id,
            -taken,
            kind=PointsEntry.Kind.ADJUSTED,
            record=correction,
            note=note[:NOTE_MAX],
            by=_user(actor),
            at=correction.recorded_at,
        ).save()
        return due, taken

    def save(self) -> None:
        """Write the changed balances in one UPDATE."""
        if not self.changed:
            return
        Volunteer.objects.filter(pk__in=self.changed).update(
            points_balance=Case(
                *(When(pk=pk, then=Value(self.balances[pk])) for pk in sorted(self.changed)),
                output_field=IntegerField(),
            )
        )
        self.changed = set()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- totals and star levels ---------------------------------------------------------------------


def stars_text(level: int) -> str:
    return "★" * level


def settle(volunteer_ids: Iterable[int]) -> list[int]:
    """Set the volunteers' hours and star levels from their records (``refresh_totals``) and
    tell those whose star level rose; answers their ids. Three queries, and one more (the
    notifications) when a level rose."""
    ids = sorted(set(volunteer_ids))
    if not ids:
        return []
    before = dict(Volunteer.objects.filter(pk__in=ids).values_list("pk", "star"))
    refresh_totals(ids)
    after = Volunteer.objects.filter(pk__in=ids).values_list("pk", "star", "user_id")
    risen = {pk: (star, user_id) for pk, star, user_id in after if star > before.get(pk, 0)}
    users = {
        user.pk: user for user in User.objects.filter(pk__in=[u for _s, u in risen.values() if u])
    }
    url = reverse("volunteers:my_hours")
    for pk, (star, user_id) in sorted(risen.items()):
        user = users.get(user_id)
        if user is None:
            continue
        core_actions.notify(
            [user],
            kind="volunteer.star",
            text=lambda star=star: (
                _("You are now a %(stars)s volunteer: thank you for your service.")
                % {"stars": stars_text(star)}
            ),
            url=url,
            target=Volunteer(pk=pk),
        )
    return sorted(risen)


__all__ = [
    "MAX_HOURS",
    "POINTS_PER_HOUR",
    "QUALITIES",
    "Purses",
    "hours_value",
    "points_for",
    "quality_value",
    "recorder_name",
    "settle",
    "stars_text",
]
