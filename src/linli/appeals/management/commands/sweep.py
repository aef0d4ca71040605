"""``linli sweep [--every SECONDS]``: the platform's clock-driven work.

Escalates overdue appeals, auto-confirms and auto-closes them; reminds grid workers of care
visits due and alerts them and their community heads of overdue ones; tells grid workers when
vulnerable residents await a check after an emergency alert; declines booking requests
nobody answered before their start; recomputes the values of plans in force when they are
older than ``LINLI_PLAN_STALE_MINUTES``; reminds the areas of task progress reports due soon or
overdue; once a day, brings each county's volunteer teams and venues into the service resources
list (:func:`linli.matching.actions.lists.resources_daily`).

Run once from cron (every few minutes) or as a service with ``--every 300``. Several sweeps at
once are safe: each row is claimed with a conditional update or checked before it is told, so
it is handled once.
"""

from __future__ import annotations

import json
import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError

log = logging.getLogger(__name__)


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
        from linli.matching.actions.lists import resources_daily
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
