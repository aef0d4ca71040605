import inspect
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.module_loading import import_string

from linli.core import demo

DEFAULT_RESIDENTS = 20_000


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width where Chinese characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)


def _call(loader, options: dict):
    """Call a DEMO_LOADERS entry with the options it declares as keyword parameters."""
    parameters = inspect.signature(loader).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return loader(**options)
    return loader(**{name: value for name, value in options.items() if name in parameters})


class Command(BaseCommand):
    help = (
        "Load the demo jurisdiction (辽源市西安区), demo accounts for every role and each app's "
        "demo data (settings.DEMO_LOADERS). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--residents",
            type=int,
            default=DEFAULT_RESIDENTS,
            metavar="N",
            help=f"synthetic residents in the demo registry (default {DEFAULT_RESIDENTS})",
        )
        parser.add_argument(
            "--appeals",
            type=int,
            default=None,
            metavar="N",
            help="demo appeals over the last year (default: 15 per 100 residents)",
        )

    def handle(self, *args, **options):
        if options["residents"] < 0:
            raise CommandError("--residents must be 0 or more")
        if options["appeals"] is not None and options["appeals"] < 0:
            raise CommandError("--appeals must be 0 or more")
        translation.activate(settings.LANGUAGE_CODE)
        users = demo.load_core_demo()
        # A loader receives the options it names: def load_x_demo(*, residents: int) -> str | None.
        loader_options = {"residents": options["residents"]}
        if options["appeals"] is not None:
            loader_options["appeals"] = options["appeals"]
        for path in getattr(settings, "DEMO_LOADERS", []):
            summary = _call(import_string(path), loader_options)
            if isinstance(summary, str) and summary:
                self.stdout.write(summary)
        self.stdout.write(f"\nDemo accounts (password for all: {demo.DEMO_PASSWORD})\n")
        self.stdout.write(f"  {_pad('role', 18)} {'username':<14} {'phone':<13} area")
        for role, username, phone, area in users:
            self.stdout.write(f"  {_pad(str(role), 18)} {username:<14} {phone:<13} {area}")
        self.stdout.write("Log in with the username or the phone number.\n")
