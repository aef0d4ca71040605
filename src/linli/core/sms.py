"""Pluggable SMS delivery for one-time codes. Choose with LINLI_SMS_BACKEND (dotted path).

A backend is a class with ``send(phone: str, message: str) -> None``. The console backend
prints the message in debug/demo mode; outside it, it prints only the masked number so that
codes never reach logs in production.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.utils.module_loading import import_string

from .pii import mask_phone

log = logging.getLogger(__name__)

# Tests read delivered messages from here (ConsoleBackend and LocmemBackend both append).
outbox: list[tuple[str, str]] = []


class SmsError(Exception):
    pass


class ConsoleBackend:
    def send(self, phone: str, message: str) -> None:
        if settings.DEBUG or settings.TESTING or settings.LINLI_DEMO:
            outbox.append((phone, message))
            sys.stdout.write(f"[SMS to {mask_phone(phone)}] {message}\n")
            sys.stdout.flush()
        else:
            log.warning(
                "SMS to %s not delivered: the console SMS backend is for development only; "
                "set LINLI_SMS_BACKEND to a real gateway",
                mask_phone(phone),
            )


class LocmemBackend:
    """Keeps messages in memory (tests)."""

    def send(self, phone: str, message: str) -> None:
        outbox.append((phone, message))


def get_backend():
    try:
        return import_string(settings.SMS_BACKEND)()
    except ImportError as exc:
        raise SmsError(f"LINLI_SMS_BACKEND {settings.SMS_BACKEND!r} cannot be imported") from exc


def send(phone: str, message: str) -> None:
    get_backend().send(phone, message)
