"""The time bank (时间银行): services a community offers for points, spending points on them, and
adjustments by staff.

Points are earned by service hours (:data:`._rules.POINTS_PER_HOUR` an hour, written with each
record). Spending — by the volunteer at the offer's page, or by a worker at the service desk for
a volunteer — locks the volunteer's row and then the offer's, checks the balance and what is
left of the offer, writes one ledger line with the balance after it and lowers the balance and
the stock. So no balance goes below zero and nothing is spent twice, however many requests
arrive at once; the database refuses a negative balance too (check constraints). A form carries
its own key (``client_key``): sent twice, it spends once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from linli.core import audit, cleaning, scoping
from linli.core.areacodes import Level
from linli.core.cleaning import UNSET, Errors, line, normal_code, row_id, text
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from ...models import Offer, PointsEntry, Volunteer
from ...queries import records as q
from ...queries._common import own_volunteer, volunteers_seen
from .._common import current_time
from ._rules import NOTE_MAX, Purses

NAME_MAX = Offer._meta.get_field("name").max_length
DESCRIPTION_MAX = Offer._meta.get_field("description").max_length
POINTS_MAX = 100_000
STOCK_MAX = 1_000_000
OFFER_LEVELS = (Level.COUNTY, Level.TOWN, Level.COMMUNITY)


def _whole(errors: Errors, field: str, value, *, low: int, high: int) -> int | None:
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


def _stock(errors: Errors, value) -> int | None:
    """How many are left; empty for no limit."""
    if value in (None, ""):
        return None
    return _whole(errors, "stock", value, low=0, high=STOCK_MAX)


# --- offers -----------------------------------------------------------------------------------


def _offer_area(errors: Errors, actor, value) -> Area | None:
    code = normal_code(value)
    area = Area.objects.filter(code=code, level__in=OFFER_LEVELS).first() if code else None
    if area is None or not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, area.code):
        errors.add("area_code", _("Choose a county, town or community of yours."))
        return None
    scoping.require(actor, Cap.VOLUNTEER_MANAGE, area.code)
    return area


def offer_create(*, actor, area_code, name, points, description="", stock=None) -> Offer:
    """Put up a service for points in an area the actor manages (a county, town or
    community): a name, what it is, its price in points and how many are left (empty: no
    limit)."""
    errors = Errors()
    area = _offer_area(errors, actor, area_code)
    values = {
        "name": line(errors, "name", name, max_length=NAME_MAX, required=True),
        "description": text(errors, "description", description, max_length=DESCRIPTION_MAX),
        "points": _whole(errors, "points", points, low=1, high=POINTS_MAX),
        "stock": _stock(errors, stock),
    }
    errors.raise_if_any(_("The service was not saved: correct the fields marked."))
    with transaction.atomic():
        offer = Offer.objects.create(
            area=area, area_code=area.code, created_by=actor, created_at=current_time(), **values
        )
        audit.record(
            actor,
            "offer.create",
            offer,
            extra={"points": offer.points, "stock": offer.stock},
        )
    return offer


def offer_update(
    *,
    actor,
    offer_id,
    name=UNSET,
    description=UNSET,
    points=UNSET,
    stock=UNSET,
    active=UNSET,
) -> Offer:
    """Change an offer of the actor's managed areas; what is not given stays. ``active`` False
    takes it off the list (points already spent on it stay in the ledger)."""
    with transaction.atomic():
        pk = row_id(offer_id)
        offer = (
            scoping.scope(Offer.objects.select_for_update(), actor, Cap.VOLUNTEER_VIEW)
            .filter(pk=pk)
            .first()
            if pk
            else None
        )
        if offer is None:
            raise NotFound(_("There is no such time-bank service among yours."))
        scoping.require(actor, Cap.VOLUNTEER_MANAGE, offer.area_code)
        errors = Errors()
        wanted = {}
        if name is not UNSET:
            wanted["name"] = line(errors, "name", name, max_length=NAME_MAX, required=True)
        if description is not UNSET:
            wanted["description"] = text(
                errors, "description", description, max_length=DESCRIPTION_MAX
            )
        if points is not UNSET:
            wanted["points"] = _whole(errors, "points", points, low=1, high=POINTS_MAX)
        if stock is not UNSET:
            wanted["stock"] = _stock(errors, stock)
        if active is not UNSET:
            wanted["active"] = active is True or str(active).lower() in ("1", "true", "on", "yes")
        errors.raise_if_any(_("The service was not saved: correct the fields marked."))
        changed = sorted(k for k, v in wanted.items() if getattr(offer, k) != v)
        for key in changed:
            setattr(offer, key, wanted[key])
        if changed:
            offer.save(update_fields=changed)
            audit.record(actor, "offer.update", offer, extra={"fields": changed})
    return offer


# --- spending ---------------------------------------------------------------------------------


@dataclass
class Spent:
    entry: PointsEntry
    written_now: bool


def _spender(actor, offer_id, volunteer_id) -> tuple[Volunteer, Offer, bool]:
    """(volunteer, offer, by the volunteer themselves)."""
    mine = own_volunteer(actor)
    if volunteer_id in (None, "") or (mine is not None and row_id(volunteer_id) == mine.pk):
        volunteer, offer = q.my_offer(actor=actor, offer_id=offer_id)
        return volunteer, offer, True
    pk = row_id(volunteer_id)
    volunteer = (
        volunteers_seen(actor).defer("id_number", "phone").filter(pk=pk).first() if pk else None
    )
    if volunteer is None:
        raise NotFound(_("There is no such volunteer among yours."), field="volunteer_id")
    if not scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, volunteer.area_code):
        raise Forbidden(_("Only workers who manage this volunteer's community can do this."))
    offer_pk = row_id(offer_id)
    offer = next(
        (o for o in q.desk_offers(actor=actor, volunteer=volunteer) if o.pk == offer_pk), None
    )
    if offer is None:
        raise NotFound(_("There is no such service to spend points on."), field="offer_id")
    return volunteer, offer, False


def _resent(volunteer_id: int, key: str) -> Spent | None:
    entry = PointsEntry.objects.filter(volunteer_id=volunteer_id, client_key=key).first()
    return Spent(entry, False) if entry is not None else None


def points_spend(*, actor, offer_id, client_key, volunteer_id=None) -> Spent:
    """Spend points on an offer: the volunteer themselves (no ``volunteer_id``), or a worker at
    the desk for a volunteer of the community they manage. ``client_key`` (a UUID made when the
    form opened) makes a form sent twice spend once; ``Spent.written_now`` tells which."""
    errors = Errors()
    found = cleaning.client_key(errors, client_key)
    key = str(found) if found is not None else ""
    errors.raise_if_any(_("Nothing was spent."))
    volunteer, offer, by_self = _spender(actor, offer_id, volunteer_id)
    sent = _resent(volunteer.pk, key)
    if sent is not None:
        return sent
    try:
        with transaction.atomic():
            purses = Purses([volunteer.pk])
            sent = _resent(volunteer.pk, key)
            if sent is not None:
                return sent
            locked = Offer.objects.select_for_update().filter(pk=offer.pk).first()
            if locked is None or not locked.active:
                raise Conflict(_("This service is no longer offered."), code="inactive")
            if locked.stock is not None and locked.stock < 1:
                raise Conflict(_("None of this service is left."), code="stock")
            balance = purses.balances[volunteer.pk]
            if balance < locked.points:
                raise Conflict(
                    _("Not enough points: %(name)s costs %(points)d, the balance is %(balance)d.")
                    % {"name": locked.name, "points": locked.points, "balance": balance},
                    code="balance",
                )
            entry = purses.line(
                volunteer.pk,
                -locked.points,
                kind=PointsEntry.Kind.SPENT,
                offer=locked,
                client_key=key,
                by=actor,
                at=current_time(),
            )
            entry.save()
            purses.save()
            if locked.stock is not None:
                Offer.objects.filter(pk=locked.pk).update(stock=F("stock") - 1)
            audit.record(
                actor,
                "points.spend",
                entry,
                extra={
                    "volunteer": volunteer.pk,
                    "offer": locked.pk,
                    "points": locked.points,
                    "by_volunteer": by_self,
                },
            )
    except IntegrityError:
        # The same form at the same moment: the other request spent it.
        sent = _resent(volunteer.pk, key)
        if sent is not None:
            return sent
        raise
    return Spent(entry, True)


# --- adjustments ------------------------------------------------------------------------------


def points_adjust(*, actor, volunteer_id, delta, reason) -> PointsEntry:
    """A worker who manages the volunteer's community adds or takes points (not 0), saying
    why; the balance cannot go below zero."""
    pk = row_id(volunteer_id)
    volunteer = (
        volunteers_seen(actor).defer("id_number", "phone").filter(pk=pk).first() if pk else None
    )
    if volunteer is None:
        raise NotFound(_("There is no such volunteer among yours."))
    if not scoping.has_cap(actor, Cap.VOLUNTEER_MANAGE, volunteer.area_code):
        raise Forbidden(_("Only workers who manage this volunteer's community can do this."))
    errors = Errors()
    amount = _whole(errors, "delta", delta, low=-POINTS_MAX, high=POINTS_MAX)
    if amount == 0:
        errors.add("delta", _("Add or take some points: not 0."))
    why = line(errors, "reason", reason, max_length=NOTE_MAX, required=True)
    errors.raise_if_any(_("The points were not adjusted: correct the fields marked."))
    with transaction.atomic():
        purses = Purses([volunteer.pk])
        balance = purses.balances[volunteer.pk]
        if balance + amount < 0:
            raise ActionError(
                _("The balance is %(balance)d: at most that many points can be taken.")
                % {"balance": balance},
                field="delta",
            )
        entry = purses.line(
            volunteer.pk,
            amount,
            kind=PointsEntry.Kind.ADJUSTED,
            note=why,
            by=actor,
            at=current_time(),
        )
        entry.save()
        purses.save()
        audit.record(
            actor, "points.adjust", entry, extra={"volunteer": volunteer.pk, "delta": amount}
        )
    return entry


__all__ = [
    "POINTS_MAX",
    "Spent",
    "offer_create",
    "offer_update",
    "points_adjust",
    "points_spend",
]
