"""``linli import-areas FILE [--dry-run] [--as USERNAME]``: towns, communities and grids."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from linli.core import actions, scoping, tabular
from linli.core.actions.areas import IMPORT_COLUMNS
from linli.core.errors import ActionError
from linli.core.models import User


class Command(BaseCommand):
    help = (
        "Import towns, communities and grids (and their reported figures) from an .xlsx or "
        ".csv file. Every row is checked first: if any row is bad, its errors are printed, "
        "nothing is written and the exit status is 1. Re-running the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx or .csv file (UTF-8 or GB18030)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="act as this account (its area permissions apply); default: the platform",
        )

    def handle(self, *args, file: str, dry_run: bool, username: str | None, **options):
        actor = scoping.SYSTEM
        if username:
            actor = User.objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active account named {username!r}")
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            rows = tabular.read_rows(path.name, data, IMPORT_COLUMNS)
            result = actions.area_import(actor=actor, rows=rows, dry_run=dry_run)
        except ActionError as exc:
            raise CommandError(str(exc.message)) from None
        if not result.ok:
            for row, messages in sorted(result.errors.items()):
                for message in messages:
                    self.stderr.write(f"row {row}: {message}")
            raise CommandError(
                f"{len(result.errors)} of {len(rows)} rows have errors; nothing was imported"
            )
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(
            f"{prefix}{result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.figures} figures added or corrected "
            f"({len(rows)} rows)"
        )
