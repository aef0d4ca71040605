"""``linli sweep [--every SECONDS]``: the platform's clock-driven work.

Escalates overdue appeals, auto-confirms and auto-closes them; reminds grid workers of care
visits due and alerts them and their community heads of overdue ones; tells grid workers when
vulnerable residents await a check after an emergency alert; declines booking requests
nobody answered before their start; recomputes the values of plans in force when they are
older than ``LINLI_PLAN_STALE_MINUTES``; reminds the areas of task progress reports due soon or
overdue; once a day, brings each county's volunteer teams and venues into the service resources
list (:func:`resources_daily`).

Run once from cron (every few minutes) or as a service with ``--every 300``. Several sweeps at
once are safe: each row is claimed with a conditional update or checked before it is told, so
it is handled once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError

log = logging.getLogger(__name__)

SYNC_ACTION = "resource.sync"  # a sync's audit event: one of today marks the county done


def resources_daily(now: dt.datetime | None = None) -> dict[str, int]:
    """Bring the volunteer teams and venues of each county that has any into the service
    resources list (``resources_sync`` by the platform), once a day: a county whose list was
    already brought up to date as a whole today (its ``resource.sync`` event in the audit
    trail, by this sweep or by an officer) is left alone. Returns the counties synced and the
    resources listed, changed and stopped."""
    from django.db.models.functions import Substr
    from django.utils import timezone

    from linli.core.areacodes import Level
    from linli.core.errors import ActionError
    from linli.core.models import Area, AuditEvent
    from linli.core.scoping import SYSTEM
    from linli.facilities.models import Venue
    from linli.matching.actions.lists import resources_sync
    from linli.volunteers.models import Team

    now = now or timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    found = {"counties": 0, "created": 0, "updated": 0, "stopped": 0}
    prefixes: set[str] = set()
    for model in (Team, Venue):
        rows = model.objects.annotate(county=Substr("area_code", 1, 6))
        prefixes.update(rows.values_list("county", flat=True).order_by().distinct())
    counties = set(
        Area.objects.filter(
            code__in=[prefix + "000000" for prefix in prefixes], level=Level.COUNTY
        ).values_list("code", flat=True)
    )
    if not counties:
        return found
    done = set(
        AuditEvent.objects.filter(
            action=SYNC_ACTION, area_code__in=counties, at__gte=midnight, at__lte=now
        ).values_list("area_code", flat=True)
    )
    for code in sorted(counties - done):
        try:
            result = resources_sync(actor=SYSTEM, area_code=code)
        except ActionError:  # another sweep is syncing it at this moment
            log.info("resources of %s are being synced elsewhere", code)
            continue
        found["counties"] += 1
        found["created"] += result.created
        found["updated"] += result.updated
        found["stopped"] += result.stopped
    return found


class Command(BaseCommand):
    help = (
        "Escalate overdue appeals (督办), auto-confirm and close appeals; remind of care visits "
        "due and overdue; tell grid workers whom to check after an emergency alert; expire "
        "unanswered booking requests; recompute stale plan values; remind of progress reports "
        "due; once a day, list each county's volunteer teams and venues as service resources."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="repeat every SECONDS (at least 10) until stopped; default: run once",
        )

    def handle(self, *args, every: int = 0, **options):
        from django.db import close_old_connections

        from linli.appeals.actions import appeals_sweep
        from linli.care.actions import care_figures_refresh, care_sweep
        from linli.facilities.actions import bookings_sweep
        from linli.notices.actions import alerts_sweep
        from linli.plans.actions.ledger import ledger_remind
        from linli.plans.actions.measure import plans_refresh

        if every and every < 10:
            raise CommandError("--every must be at least 10 seconds")
        stopping = False

        def _stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, _stop)
        while True:
            close_old_connections()
            result = {
                "appeals": appeals_sweep(),
                "care": care_sweep(),
                "care_figures": care_figures_refresh(),
                "alerts": alerts_sweep(),
                "bookings": bookings_sweep(),
                "plan_values": plans_refresh(),
                "plan_reminders": ledger_remind(),
                "resources": resources_daily(),
            }
            self.stdout.write(json.dumps(result, default=str))
            if not every or stopping:
                return
            slept = 0
            while slept < every and not stopping:
                time.sleep(1)
                slept += 1
            if stopping:
                return
