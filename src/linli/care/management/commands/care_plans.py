"""``linli care-plans [--month YYYY-MM] [--area CODE] [--as USERNAME]``: make a month's visit
plans now, in this process (the same work as the background run an officer starts)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from linli.care import actions
from linli.care.models import Policy, Run
from linli.core import scoping
from linli.core.errors import ActionError
from linli.core.models import User


class Command(BaseCommand):
    help = (
        "Refresh the care roster from the registry and make the month's visit plans: for one "
        "area, or for every county with a visit policy. Rerunning changes only what changed. "
        "Prints one JSON line per area with what was done; exit status 1 if any failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", default="", help="YYYY-MM (default: the current month)")
        parser.add_argument(
            "--area", default="", help="an area code (default: every county with a policy)"
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="act as this account (its area permissions apply); default: the platform",
        )

    def handle(self, *args, month: str, area: str, username: str | None, **options):
        actor = scoping.SYSTEM
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active account named {username!r}")
        month = month or f"{timezone.localdate():%Y-%m}"
        if area:
            areas = [area]
        else:
            areas = sorted(
                set(Policy.objects.filter(active=True).values_list("area_code", flat=True))
            )
            if not areas:
                raise CommandError("no county has a visit policy yet; give --area")
        failed = False
        for code in areas:
            try:
                run = actions.care_plan_request(
                    actor=actor, area_code=code, month=month, background=False
                )
            except ActionError as exc:
                raise CommandError(f"{code}: {exc.message}") from None
            run = actions.care_plan_run(run_id=run.pk) or run
            failed = failed or run.status != Run.Status.DONE
            self.stdout.write(
                json.dumps(
                    {
                        "area": run.area_code,
                        "month": f"{run.month:%Y-%m}",
                        "status": run.status,
                        "counts": run.counts,
                        "message": str(run.message),
                    },
                    ensure_ascii=False,
                )
            )
        if failed:
            raise CommandError("some plan runs failed")
