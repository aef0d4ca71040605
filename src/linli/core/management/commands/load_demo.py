import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.module_loading import import_string

from linli.core import demo


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width where Chinese characters take two columns."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - shown, 0)


class Command(BaseCommand):
    help = "Load the demo jurisdiction (辽源市西安区) and demo accounts for every role. Idempotent."

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        users = demo.load_core_demo()
        for path in getattr(settings, "DEMO_LOADERS", []):
            import_string(path)()
        self.stdout.write(f"\nDemo accounts (password for all: {demo.DEMO_PASSWORD})\n")
        self.stdout.write(f"  {_pad('role', 18)} {'username':<14} {'phone':<13} area")
        for role, username, phone, area in users:
            self.stdout.write(f"  {_pad(str(role), 18)} {username:<14} {phone:<13} {area}")
        self.stdout.write("Log in with the username or the phone number.\n")
