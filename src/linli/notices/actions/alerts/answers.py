"""The residents' answers to an alert and the grid workers' checks on them (with the urgent
appeal for someone found needing help)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import User
from linli.core.roles import Cap

from ...models import Alert, AlertRecipient
from ._common import _checks_url, _choice, _int_id, _responders, _text

NOTE_MAX = AlertRecipient._meta.get_field("check_note").max_length
ANSWERS = (AlertRecipient.Ack.KNOWN, AlertRecipient.Ack.HELP)
RESULTS = (
    AlertRecipient.CheckResult.SAFE,
    AlertRecipient.CheckResult.HELP,
    AlertRecipient.CheckResult.UNREACHED,
)


def alert_ack(*, actor, alert_id, answer: str) -> AlertRecipient:
    """A resident answers an alert they received: "I am aware" or "I need help". Asking for
    help tells the grid's workers at once and puts the resident first on their check list."""
    answer = _choice(
        answer, ANSWERS, field="answer", message=_("Answer “I am aware” or “I need help”.")
    )
    if not getattr(actor, "is_authenticated", False):
        raise NotFound(_("There is no such alert among yours."))
    pk = _int_id(alert_id, field="alert", message=_("There is no such alert among yours."))
    now = timezone.now()
    with transaction.atomic():
        recipient = (
            AlertRecipient.objects.select_for_update(of=("self",))
            .select_related("alert")
            .filter(alert_id=pk, user_id=actor.pk)
            .first()
        )
        if recipient is None:
            raise NotFound(_("There is no such alert among yours."))
        alert = recipient.alert
        if alert.status == Alert.Status.ENDED:
            raise Conflict(
                _(
                    "This alert has ended. If you need help now, ask for help "
                    "or call 110, 119 or 120."
                )
            )
        before = recipient.ack
        recipient.ack = answer
        recipient.ack_at = now
        recipient.save(update_fields=["ack", "ack_at"])
        audit.record(
            actor,
            "alert.ack",
            recipient,
            extra={"alert": alert.pk, "answer": answer, "before": before},
        )
        if answer == AlertRecipient.Ack.HELP and before != AlertRecipient.Ack.HELP:
            users = User.objects.filter(
                pk__in=_responders([recipient.area_code]).get(recipient.area_code, set())
            )
            title = alert.title
            core_actions.notify(
                users,
                kind="alert.help",
                text=lambda: (
                    _(
                        "A resident of your area needs help after the alert “%(title)s”: "
                        "they are first on your check list."
                    )
                    % {"title": title}
                ),
                url=_checks_url(alert.pk),
                target=alert,
            )
    return recipient


def _urgent_category(area_code: str):
    """The county's category for urgent help: ``urgent`` if it has one, else the category of
    its most urgent tier that asks no compulsory question."""
    from linli.appeals import queries as appeal_queries
    from linli.appeals.models import Category

    county = appeal_queries.county_code(area_code)
    candidates = (
        Category.objects.filter(area_code=county, active=True)
        .select_related("tier")
        .annotate(
            first=Case(
                When(key="urgent", then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("first", "tier__respond_minutes", "sort", "id")[:20]
    )
    for category in candidates:
        if not any(q.get("required") for q in category.attributes or []):
            return category
    return None


def _raise_appeal(actor, recipient: AlertRecipient, note: str):
    """An urgent appeal (patrol) for a resident found needing help; None if the county has no
    appeal catalogue yet (the check is kept; the live page still counts them)."""
    from linli.appeals.actions import appeal_submit
    from linli.appeals.actions.intake import TITLE_MAX as APPEAL_TITLE_MAX
    from linli.appeals.actions.intake import clean_phone

    category = _urgent_category(recipient.area_code)
    if category is None:
        return None
    alert = recipient.alert
    resident = recipient.resident
    try:
        phone = clean_phone(resident.phone or "")
    except ActionError:
        phone = ""
    lines = [
        _("Found needing help when checked after the emergency alert “%(title)s” (%(kind)s).")
        % {"title": alert.title, "kind": Alert.Kind(alert.kind).label},
    ]
    if note:
        lines.append(_("Note of the check: %(note)s") % {"note": note})
    title = _("Needs help after the alert: %(title)s") % {"title": alert.title}
    household = resident.household
    return appeal_submit(
        actor=actor,
        category_id=category.pk,
        area_code=recipient.area_code,
        description="\n".join(lines),
        title=title[:APPEAL_TITLE_MAX],
        address=(household.address if household else "")[:200],
        channel="patrol",
        resident_id=resident.pk,
        contact_phone=phone,
    )


def alert_check(*, actor, recipient_id, result: str, note: str = "") -> AlertRecipient:
    """Record the check on a resident after an alert: safe, needs help or could not be reached.
    "Needs help" raises an urgent appeal for them (once). Checking again updates the record."""
    result = _choice(
        result,
        RESULTS,
        field="result",
        message=_("Say whether they are safe, need help or could not be reached."),
    )
    note = _text(note, field="note", max_length=NOTE_MAX, required=False)
    pk = _int_id(recipient_id, field="recipient", message=_("There is no such resident to check."))
    now = timezone.now()
    with transaction.atomic():
        recipient = (
            scoping.scope(AlertRecipient.objects.all(), actor, Cap.ALERT_CHECK)
            .select_for_update(of=("self",))
            .select_related("alert", "resident", "resident__household")
            .filter(pk=pk)
            .first()
        )
        if recipient is None:
            raise NotFound(_("There is no such resident to check."))
        scoping.require(actor, Cap.ALERT_CHECK, recipient.area_code)
        before = recipient.checked
        appeal = None
        if result == AlertRecipient.CheckResult.HELP and recipient.appeal_id is None:
            appeal = _raise_appeal(actor, recipient, note)
        recipient.checked = result
        recipient.checked_by = actor if getattr(actor, "is_authenticated", False) else None
        recipient.checked_at = now
        recipient.check_note = note
        if appeal is not None:
            recipient.appeal = appeal
        recipient.save(
            update_fields=["checked", "checked_by", "checked_at", "check_note", "appeal"]
        )
        audit.record(
            actor,
            "alert.check",
            recipient,
            extra={
                "alert": recipient.alert_id,
                "result": result,
                "before": before,
                "appeal": recipient.appeal_id,
            },
        )
    return recipient
