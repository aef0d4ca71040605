"""The appeal's lifecycle: dispatch, accept (签收), work, resolve, return, transfer, merge, reject,
confirm and close. Each action locks the appeal, checks the move against ``TRANSITIONS`` and
the actor against the unit or the dispatcher's area, and writes the event and the audit row.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.roles import Cap

from .. import queries
from ..models import ENDED_STATES, Appeal, Dispatch, Event, State, Unit
from . import _common as c
from .photos import clean_photos, save_photos


def _target_unit(appeal: Appeal, unit_id) -> Unit:
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        raise ActionError(_("Choose the unit to hand it to."), field="unit") from None
    unit = Unit.objects.filter(pk=pk, active=True).first()
    county = queries.county_code(appeal.area_code)
    if unit is None or not unit.area_code.startswith(county[:6]):
        raise ActionError(_("Choose a unit of this county that is in use."), field="unit")
    return unit


def _end_live(appeal: Appeal, outcome: str, now) -> None:
    Dispatch.objects.filter(appeal=appeal, live=True).update(
        live=False, ended_at=now, outcome=outcome
    )


def _hand_to(appeal: Appeal, unit: Unit, *, actor, now, reason: str, kind: str) -> None:
    """End the live turn and give the appeal to ``unit`` with a response clock."""
    if appeal.unit_id == unit.pk:
        raise ActionError(_("The appeal is already with this unit."), field="unit")
    before = c.move(appeal, State.DISPATCHED, now)
    _end_live(appeal, "transferred" if before != State.SUBMITTED else "withdrawn", now)
    try:
        with transaction.atomic():
            Dispatch.objects.create(
                appeal=appeal,
                unit=unit,
                dispatched_at=now,
                dispatched_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        raise Conflict(_("Someone else handed this appeal on just now; reload it.")) from None
    appeal.unit = unit
    appeal.accepted_by = None
    c.run_clock(appeal, now, c.response_clock(appeal, now))
    appeal.save()
    c.event(
        appeal,
        kind,
        actor=actor,
        now=now,
        unit=unit,
        note=reason,
        from_state=before,
    )
    number, title = appeal.number, appeal.title
    c.tell_unit(
        appeal,
        unit,
        "appeal.dispatched",
        lambda: (
            _("New appeal %(number)s for your unit: %(title)s") % {"number": number, "title": title}
        ),
    )


def appeal_dispatch(*, actor, appeal_id: int, unit_id, note: str = "") -> Appeal:
    """A dispatcher gives an appeal awaiting dispatch (or re-gives a dispatched one) to a unit."""
    note = c.clean_text(note, field="note", required=False)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        c.require_dispatch(actor, appeal)
        if appeal.state not in (State.SUBMITTED, State.DISPATCHED):
            raise Conflict(
                _("Only an appeal not yet accepted can be dispatched."), code="illegal-transition"
            )
        unit = _target_unit(appeal, unit_id)
        now = c.now()
        kind = Event.Kind.DISPATCHED if appeal.state == State.SUBMITTED else Event.Kind.TRANSFERRED
        _hand_to(appeal, unit, actor=actor, now=now, reason=note, kind=kind)
        c.record(actor, "appeal.dispatch", appeal, unit=unit.pk)
    return appeal


def appeals_dispatch_bulk(*, actor, appeal_ids: list[int], unit_id, note: str = "") -> int:
    """Dispatch several appeals to one unit: all or none (one transaction)."""
    try:
        ids = sorted({int(pk) for pk in appeal_ids or []})
    except (TypeError, ValueError):
        raise ActionError(_("Choose appeals from the list."), field="appeals") from None
    if not ids:
        raise ActionError(_("Choose at least one appeal."), field="appeals")
    if len(ids) > 200:
        raise ActionError(_("At most 200 appeals at a time."), field="appeals")
    with transaction.atomic():
        for pk in ids:
            appeal_dispatch(actor=actor, appeal_id=pk, unit_id=unit_id, note=note)
    return len(ids)


def appeal_accept(*, actor, appeal_id: int, message: str = "") -> Appeal:
    """签收: the unit takes the appeal on. Only one account can ever accept a turn."""
    message = c.clean_text(message, field="message", required=False)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        if appeal.state != State.DISPATCHED:
            raise Conflict(
                _("This appeal has already been accepted or is not waiting to be.")
                if appeal.state in (State.ACCEPTED, State.IN_PROGRESS)
                else _("This appeal is not waiting to be accepted."),
                code="already-accepted" if appeal.state == State.ACCEPTED else "illegal-transition",
            )
        c.require_act_for(actor, appeal.unit)
        now = c.now()
        taken = Dispatch.objects.filter(
            appeal=appeal, live=True, unit=appeal.unit, accepted_at__isnull=True
        ).update(accepted_by=actor, accepted_at=now)
        if taken != 1:
            raise Conflict(
                _("Someone else accepted this appeal just now."), code="already-accepted"
            )
        before = c.move(appeal, State.ACCEPTED, now)
        appeal.accepted_by = actor
        appeal.accountable_unit = appeal.unit  # 首问负责 passes to the unit that accepted
        if appeal.first_accepted_at is None:
            appeal.first_accepted_at = now
            appeal.responded_on_time = now <= appeal.respond_due
        rect = appeal.rectifications.filter(done_at__isnull=True).order_by("due_at").first()
        c.run_clock(appeal, now, rect.due_at if rect else appeal.resolve_due)
        appeal.save()
        c.event(
            appeal,
            Event.Kind.ACCEPTED,
            actor=actor,
            now=now,
            unit=appeal.unit,
            message=message,
            from_state=before,
        )
        c.record(actor, "appeal.accept", appeal, unit=appeal.unit_id)
        number = appeal.number
        c.tell_resident(
            appeal,
            "appeal.accepted",
            lambda: _("Your appeal %(number)s has been accepted.") % {"number": number},
        )
    return appeal


def appeal_start(*, actor, appeal_id: int, message: str = "") -> Appeal:
    message = c.clean_text(message, field="message", required=False)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        c.require_act_for(actor, appeal.unit)
        now = c.now()
        before = c.move(appeal, State.IN_PROGRESS, now)
        if before != State.ACCEPTED:
            raise Conflict(_("Work starts on an accepted appeal."), code="illegal-transition")
        appeal.save()
        c.event(
            appeal,
            Event.Kind.STARTED,
            actor=actor,
            now=now,
            unit=appeal.unit,
            message=message,
            from_state=before,
        )
        c.record(actor, "appeal.start", appeal)
    return appeal


def appeal_progress(
    *, actor, appeal_id: int, message: str = "", note: str = "", photos=None
) -> Event:
    """A progress message for the resident, an internal note, or both (and photos)."""
    message = c.clean_text(message, field="message", required=False)
    note = c.clean_text(note, field="note", required=False)
    cleaned = clean_photos(photos)
    if not message and not note and not cleaned:
        raise ActionError(_("Write a message or a note, or add a photo."), field="message")
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        staff = queries.is_staff_viewer(actor, appeal)
        acting = queries.can_act_for(actor, appeal.unit)
        if not staff:
            raise Forbidden(_("Only staff who handle this appeal can add to it."))
        if message and not (acting or c.is_dispatcher(actor, appeal)):
            raise Forbidden(_("Only the unit handling this appeal can message the resident."))
        if appeal.state in (State.REJECTED, State.MERGED):
            raise Conflict(_("This appeal has ended."), code="illegal-transition")
        now = c.now()
        kind = (
            Event.Kind.PROGRESS
            if message
            else (Event.Kind.PHOTO if cleaned and not note else Event.Kind.NOTE)
        )
        ev = c.event(
            appeal,
            kind,
            actor=actor,
            now=now,
            unit=appeal.unit,
            message=message,
            note=note,
            public=bool(message) or (bool(cleaned) and not note),
            from_state=appeal.state,
        )
        if cleaned:
            save_photos(appeal, cleaned, by=actor, by_staff=True)
        c.record(actor, "appeal.progress", appeal, public=ev.public, photos=len(cleaned))
        if message:
            number = appeal.number
            c.tell_resident(
                appeal,
                "appeal.progress",
                lambda: _("News on your appeal %(number)s.") % {"number": number},
            )
    return ev


def appeal_resolve(*, actor, appeal_id: int, resolution: str, photos=None) -> Appeal:
    """The unit says what was done. The resident is asked to confirm and rate."""
    resolution = c.clean_text(resolution, field="resolution", required=True)
    cleaned = clean_photos(photos)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        c.require_act_for(actor, appeal.unit)
        now = c.now()
        before = c.move(appeal, State.RESOLVED, now)
        appeal.resolution = resolution
        appeal.resolved_at = now
        rect = appeal.rectifications.filter(done_at__isnull=True).order_by("due_at").first()
        if rect is not None:
            rect.done_at = now
            rect.save(update_fields=["done_at"])
        elif appeal.resolved_on_time is None:
            appeal.resolved_on_time = now <= appeal.resolve_due
        c.run_clock(appeal, now, None)
        appeal.save()
        if cleaned:
            save_photos(appeal, cleaned, by=actor, by_staff=True)
        c.event(
            appeal,
            Event.Kind.RESOLVED,
            actor=actor,
            now=now,
            unit=appeal.unit,
            message=resolution,
            from_state=before,
        )
        c.record(actor, "appeal.resolve", appeal, photos=len(cleaned))
        number = appeal.number
        c.tell_resident(
            appeal,
            "appeal.resolved",
            lambda: (
                _("Your appeal %(number)s has been resolved. Please confirm and rate it.")
                % {"number": number}
            ),
            sms=True,
        )
    return appeal


def appeal_return(*, actor, appeal_id: int, reason: str) -> Appeal:
    """Wrong unit: the unit sends the appeal back to the dispatcher, saying why. The first
    receiver stays accountable."""
    reason = c.clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        c.require_act_for(actor, appeal.unit)
        if appeal.state != State.DISPATCHED:
            raise Conflict(
                _("Only an appeal not yet accepted can be returned; transfer it instead."),
                code="illegal-transition",
            )
        now = c.now()
        unit = appeal.unit
        before = c.move(appeal, State.SUBMITTED, now)
        _end_live(appeal, "returned", now)
        appeal.unit = None
        c.run_clock(appeal, now, c.response_clock(appeal, now))
        appeal.save()
        c.event(
            appeal,
            Event.Kind.RETURNED,
            actor=actor,
            now=now,
            unit=unit,
            note=reason,
            from_state=before,
        )
        c.record(actor, "appeal.return", appeal, unit=unit.pk if unit else None)
        number, title = appeal.number, appeal.title
        c.tell(
            queries.dispatcher_recipients(appeal.area_code),
            appeal,
            "appeal.returned",
            lambda: (
                _("Appeal %(number)s was returned and waits for dispatch: %(title)s")
                % {"number": number, "title": title}
            ),
        )
    return appeal


def appeal_transfer(*, actor, appeal_id: int, unit_id, reason: str) -> Appeal:
    """The handling unit (or a dispatcher) hands the appeal to another unit; the current unit
    stays accountable until the new one accepts."""
    reason = c.clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        if not (queries.can_act_for(actor, appeal.unit) or c.is_dispatcher(actor, appeal)):
            raise Forbidden(
                _("Only the unit handling this appeal or a dispatcher can transfer it.")
            )
        if appeal.state not in (State.DISPATCHED, State.ACCEPTED, State.IN_PROGRESS):
            raise Conflict(
                _("Only an open appeal with a unit can be transferred."), code="illegal-transition"
            )
        unit = _target_unit(appeal, unit_id)
        now = c.now()
        _hand_to(appeal, unit, actor=actor, now=now, reason=reason, kind=Event.Kind.TRANSFERRED)
        c.record(actor, "appeal.transfer", appeal, unit=unit.pk)
    return appeal


def appeal_merge(*, actor, appeal_id: int, into_id: int, reason: str = "") -> Appeal:
    """A duplicate joins the appeal it repeats; its resident follows the main one."""
    reason = c.clean_text(reason, field="reason", required=False)
    try:
        into_pk = int(into_id)
    except (TypeError, ValueError):
        raise ActionError(_("Give the number of the appeal it repeats."), field="into") from None
    with transaction.atomic():
        # Merges across each other must not deadlock: take both rows in id order first.
        list(
            Appeal.objects.select_for_update()
            .filter(pk__in=sorted({int(appeal_id), into_pk}))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        appeal = c.lock(actor, appeal_id)
        c.require_dispatch(actor, appeal)
        try:
            into = c.lock(actor, into_pk)
        except NotFound:
            raise ActionError(
                _("Give the number of the appeal it repeats."), field="into"
            ) from None
        if into.pk == appeal.pk:
            raise ActionError(_("An appeal cannot repeat itself."), field="into")
        if into.state in ENDED_STATES:
            raise ActionError(_("That appeal has itself ended; choose the main one."), field="into")
        now = c.now()
        before = c.move(appeal, State.MERGED, now)
        _end_live(appeal, "withdrawn", now)
        appeal.merged_into = into
        c.run_clock(appeal, now, None)
        appeal.save()
        c.event(
            appeal,
            Event.Kind.MERGED,
            actor=actor,
            now=now,
            note=reason,
            from_state=before,
        )
        c.event(
            into,
            Event.Kind.NOTE,
            actor=actor,
            now=now,
            public=False,
            note=_("Appeal %(number)s was merged into this one.") % {"number": appeal.number},
            from_state=into.state,
        )
        c.record(actor, "appeal.merge", appeal, into=into.pk)
        number, main = appeal.number, into.number
        c.tell_resident(
            appeal,
            "appeal.merged",
            lambda: (
                _("Your appeal %(number)s is handled together with %(main)s.")
                % {"number": number, "main": main}
            ),
        )
    return appeal


def appeal_reject(*, actor, appeal_id: int, reason: str) -> Appeal:
    """Not for this platform (an emergency for 110, a court matter…): the reason is public."""
    reason = c.clean_text(reason, field="reason", required=True)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        c.require_dispatch(actor, appeal)
        now = c.now()
        before = c.move(appeal, State.REJECTED, now)
        _end_live(appeal, "withdrawn", now)
        c.run_clock(appeal, now, None)
        appeal.closed_at = now
        appeal.save()
        c.event(
            appeal, Event.Kind.REJECTED, actor=actor, now=now, message=reason, from_state=before
        )
        c.record(actor, "appeal.reject", appeal)
        number = appeal.number
        c.tell_resident(
            appeal,
            "appeal.rejected",
            lambda: (
                _("Your appeal %(number)s cannot be handled here; see why.") % {"number": number}
            ),
            sms=True,
        )
    return appeal


def _is_resident_of(actor, appeal: Appeal) -> bool:
    return getattr(actor, "is_authenticated", False) and appeal.submitter_id == actor.pk


def appeal_confirm(*, actor, appeal_id: int, solved: bool = True, comment: str = "") -> Appeal:
    """The resident says whether it is done. Not done → back to the unit (reopened)."""
    comment = c.clean_text(comment, field="comment", required=not solved, max_length=500)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        if not _is_resident_of(actor, appeal):
            raise Forbidden(_("Only the resident who submitted it can confirm it."))
        if appeal.state != State.RESOLVED:
            raise Conflict(_("Only a resolved appeal can be confirmed."), code="illegal-transition")
        now = c.now()
        if solved:
            before = c.move(appeal, State.CONFIRMED, now)
            appeal.confirmed_at = now
            appeal.save()
            c.event(
                appeal,
                Event.Kind.CONFIRMED,
                actor=actor,
                now=now,
                message=comment,
                from_state=before,
            )
            c.record(actor, "appeal.confirm", appeal, solved=True)
            return appeal
        from .feedback import reopen

        reopen(appeal, actor=actor, now=now, reason=comment, rating=None)
        c.record(actor, "appeal.confirm", appeal, solved=False)
    return appeal


def appeal_close(*, actor, appeal_id: int, note: str = "") -> Appeal:
    """A dispatcher or supervisor files a confirmed appeal (the sweep does it when rating ends)."""
    note = c.clean_text(note, field="note", required=False)
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        if not (c.is_dispatcher(actor, appeal) or c.is_supervisor(actor, appeal)):
            raise Forbidden(_("Only a dispatcher or supervisor can close an appeal."))
        close(appeal, actor=actor, now=c.now(), note=note)
        c.record(actor, "appeal.close", appeal)
    return appeal


def close(appeal: Appeal, *, actor, now, note: str = "") -> None:
    if appeal.callback_due:
        raise Conflict(
            _("A callback to the resident is due first (after a bad rating)."),
            code="callback-due",
        )
    before = c.move(appeal, State.CLOSED, now)
    appeal.closed_at = now
    _end_live(appeal, "finished", now)
    appeal.save()
    c.event(appeal, Event.Kind.CLOSED, actor=actor, now=now, note=note, from_state=before)


def appeal_photo_add(*, actor, appeal_id: int, photos) -> int:
    """The resident adds photos to their own open appeal."""
    cleaned = clean_photos(photos)
    if not cleaned:
        raise ActionError(_("Choose a photo."), field="photos")
    with transaction.atomic():
        appeal = c.lock(actor, appeal_id)
        if not _is_resident_of(actor, appeal):
            raise Forbidden(_("Only the resident who submitted it can add photos here."))
        if appeal.state in (State.CLOSED, State.REJECTED, State.MERGED):
            raise Conflict(_("This appeal has ended."), code="illegal-transition")
        now = c.now()
        save_photos(appeal, cleaned, by=actor, by_staff=False)
        c.event(appeal, Event.Kind.PHOTO, actor=actor, now=now, from_state=appeal.state)
        c.record(actor, "appeal.photo", appeal, photos=len(cleaned))
    return len(cleaned)


def appeal_contact_reveal(*, actor, appeal_id: int) -> str:
    """The contact's phone in full, for whoever must call them back: the unit handling the
    appeal (an office's member holds no ``pii.reveal``) or staff who may reveal personal data
    where it is. Always audited as a reveal; the number is never written anywhere else."""
    appeal = queries.appeal_get(actor=actor, appeal_id=appeal_id)
    # The unit's own staff, not everyone who oversees it.
    acting = appeal.unit_id is not None and appeal.unit_id in queries.acting_unit_ids(actor)
    if not acting and not scoping.has_cap(actor, Cap.PII_REVEAL, appeal.area_code):
        raise Forbidden(_("Only the unit handling this appeal can see the number in full."))
    if not appeal.contact_phone:
        raise NotFound(_("Nothing is recorded in this field."))
    with transaction.atomic():
        audit.record(
            actor, "pii.reveal", appeal, extra={"field": "contact_phone", "as_unit": acting}
        )
    return appeal.contact_phone
