"""The alerts' clock: expiry, lost fan-outs finished, grid workers told whom to check."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import ngettext

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.models import Notification, User

from ...models import Alert, AlertRecipient
from ._common import _checks_url, _responders
from .fanout import alert_fanout

log = logging.getLogger(__name__)

# A fan-out that has not started this long after issuing, or has run this long, was lost (the
# task worker stopped): the sweep finishes it.
FANOUT_LOST_AFTER = dt.timedelta(minutes=2)
FANOUT_STALLED_AFTER = dt.timedelta(minutes=10)


def _expire(now: dt.datetime) -> int:
    ended = 0
    for alert in Alert.objects.filter(
        status__in=(Alert.Status.SENDING, Alert.Status.ACTIVE), ends_at__lte=now
    ).only("pk", "area_code", "ends_at"):
        with transaction.atomic():
            claimed = (
                Alert.objects.filter(pk=alert.pk)
                .exclude(status=Alert.Status.ENDED)
                .update(status=Alert.Status.ENDED, ended_at=alert.ends_at)
            )
            if claimed:
                audit.record(scoping.SYSTEM, "alert.expire", alert)
                ended += 1
    return ended


def _resume_lost(now: dt.datetime) -> int:
    lost = Alert.objects.filter(status=Alert.Status.SENDING).filter(
        Q(fanout_started_at__isnull=True, issued_at__lte=now - FANOUT_LOST_AFTER)
        | Q(fanout_started_at__lte=now - FANOUT_STALLED_AFTER)
    )
    resumed = 0
    for pk in lost.values_list("pk", flat=True):
        try:
            alert_fanout(alert_id=pk)
            resumed += 1
        except Exception:  # one broken alert must not stop the sweep of the others
            log.exception("alert %s: the fan-out could not be finished", pk)
    return resumed


def _tell_check_due(alert: Alert) -> int:
    """Tell each grid worker once how many residents of their grid (or, for homes outside
    grids, each community's checking staff how many of the community) await a check."""
    awaiting = (
        AlertRecipient.objects.filter(alert_id=alert.pk, checked="")
        .filter(Q(ack=AlertRecipient.Ack.HELP) | Q(vulnerable=True, ack=""))
        .values("area_code")
        .annotate(n=Count("id"))
    )
    per_code = {row["area_code"]: row["n"] for row in awaiting}
    if not per_code:
        return 0
    per_user: dict[int, int] = defaultdict(int)
    for code, users in _responders(per_code).items():
        for user_id in users:
            per_user[user_id] += per_code[code]
    told_before = set(
        Notification.objects.filter(
            kind="alert.check_due",
            target_type=Alert._meta.label_lower,
            target_id=str(alert.pk),
            user_id__in=list(per_user),
        ).values_list("user_id", flat=True)
    )
    by_count: dict[int, list[int]] = defaultdict(list)
    for user_id, count in per_user.items():
        if user_id not in told_before:
            by_count[count].append(user_id)
    told = 0
    title = alert.title
    for count, user_ids in by_count.items():
        told += core_actions.notify(
            User.objects.filter(pk__in=user_ids),
            kind="alert.check_due",
            text=lambda count=count: (
                ngettext(
                    "%(count)d resident of your area awaits your check after the alert "
                    "“%(title)s”.",
                    "%(count)d residents of your area await your check after the alert "
                    "“%(title)s”.",
                    count,
                )
                % {"count": count, "title": title}
            ),
            url=_checks_url(alert.pk),
            target=alert,
        )
    return told


def alerts_sweep(*, now: dt.datetime | None = None) -> dict:
    """The alerts' clock: end alerts whose time is up, finish fan-outs a stopped worker left,
    and once an alert's check time has come tell each grid worker (once) how many vulnerable
    residents of their grid await a check. Safe to run often and several at once."""
    now = now or timezone.now()
    ended = _expire(now)
    resumed = _resume_lost(now)
    told = 0
    for alert in Alert.objects.filter(status=Alert.Status.ACTIVE).only(
        "pk", "title", "issued_at", "check_after", "area_code"
    ):
        if alert.issued_at + dt.timedelta(minutes=alert.check_after) > now:
            continue
        with transaction.atomic():
            # One sweep at a time tells the workers of one alert.
            if (
                not Alert.objects.select_for_update()
                .filter(pk=alert.pk, status=Alert.Status.ACTIVE)
                .exists()
            ):
                continue
            told += _tell_check_due(alert)
    return {"ended": ended, "fanouts_resumed": resumed, "workers_told": told}
