"""Issuing an alert (the fan-out is queued for the task worker) and ending it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core.errors import Conflict
from linli.core.roles import Cap

from ...models import Alert
from ...queries import alerts as queries
from ._common import _area, _check_after, _choice, _ends_at, _int_id, _shelters, _text

TITLE_MAX = Alert._meta.get_field("title").max_length
INSTRUCTIONS_MAX = Alert._meta.get_field("instructions").max_length


def alert_issue(
    *,
    actor,
    area_code,
    kind: str,
    severity: str,
    title: str,
    instructions: str,
    shelters=(),
    check_after=30,
    ends_at=None,
) -> Alert:
    """Issue an alert to a county, town or community subtree. Writes one row and queues the
    fan-out to its residents (a background task), so it returns at once."""
    now = timezone.now()
    area = _area(area_code)
    scoping.require(actor, Cap.ALERT_ISSUE, area.code)
    kind = _choice(
        kind, Alert.Kind.values, field="kind", message=_("Choose the kind of emergency.")
    )
    severity = _choice(
        severity, Alert.Severity.values, field="severity", message=_("Choose the severity colour.")
    )
    title = _text(title, field="title", max_length=TITLE_MAX)
    instructions = _text(instructions, field="instructions", max_length=INSTRUCTIONS_MAX)
    clean_shelters = _shelters(shelters)
    minutes = _check_after(check_after)
    until = _ends_at(ends_at, now)
    with transaction.atomic():
        alert = Alert.objects.create(
            area_code=area.code,
            kind=kind,
            severity=severity,
            title=title,
            instructions=instructions,
            shelters=clean_shelters,
            check_after=minutes,
            status=Alert.Status.SENDING,
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            issued_at=now,
            ends_at=until,
        )
        audit.record(
            actor,
            "alert.issue",
            alert,
            extra={
                "kind": kind,
                "severity": severity,
                "shelters": len(clean_shelters),
                "check_after": minutes,
            },
        )
        _queue_fanout(alert.pk)
    return alert


def _queue_fanout(alert_id: int) -> None:
    from ...tasks import fan_out

    transaction.on_commit(lambda: fan_out.enqueue(alert_id))


def alert_end(*, actor, alert_id) -> Alert:
    """End an alert in force (who may issue alerts over its area)."""
    pk = _int_id(alert_id, field="alert", message=_("There is no such alert."))
    visible = queries.alert_get(actor=actor, alert_id=pk)
    scoping.require(actor, Cap.ALERT_ISSUE, visible.area_code)
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=pk)
        if alert.status == Alert.Status.ENDED:
            raise Conflict(_("This alert has already ended."))
        alert.status = Alert.Status.ENDED
        alert.ended_at = timezone.now()
        alert.save(update_fields=["status", "ended_at"])
        audit.record(actor, "alert.end", alert, extra={"recipients": alert.recipients_done})
    return alert
