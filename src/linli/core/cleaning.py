"""Cleaning what a form or the API sent, shared by the actions of every app: errors collected
by field (so one answer names every problem), one-line and multi-line text, dates, row ids,
client keys and area codes."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.errors import ActionError


class Unset:
    """An argument that was not given: the field keeps its value."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


class Errors:
    """Collects messages by field, so one answer names every problem."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def add(self, field: str, message) -> None:
        self.found.setdefault(field, []).append(str(message))

    def has(self, field: str) -> bool:
        return field in self.found

    def raise_if_any(self, summary) -> None:
        if self.found:
            raise ActionError(summary, errors=self.found)


def line(errors: Errors, field: str, value, *, max_length: int, required: bool) -> str:
    """One line of text: surrounding and repeated white space removed."""
    text = " ".join(str(value or "").replace("\x00", "").split())
    if required and not text:
        errors.add(field, _("Please fill this in."))
    elif len(text) > max_length:
        errors.add(field, _("At most %(max)d characters, please.") % {"max": max_length})
    return text[:max_length]


def text(errors: Errors, field: str, value, *, max_length: int, required: bool = False) -> str:
    """Several lines of text: kept as written, without surrounding white space."""
    cleaned = str(value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if required and not cleaned:
        errors.add(field, _("Please write something here."))
    elif len(cleaned) > max_length:
        errors.add(field, _("At most %(max)d characters, please.") % {"max": max_length})
    return cleaned[:max_length]


def date(errors: Errors, field: str, value) -> dt.date | None:
    """A date (``YYYY-MM-DD`` text or a date), or None when empty."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add(field, _("Enter a date as YYYY-MM-DD."))
        return None


def row_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


def client_key(errors: Errors, value) -> uuid.UUID | None:
    """The form's own id (a UUID made when it was opened): a form sent twice writes once."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value or "").strip())
    except ValueError:
        errors.add("client_key", _("This form has lost its key: open it again."))
        return None


def normal_code(value) -> str | None:
    try:
        code = areacodes.normalize(str(value or "").replace("\x00", ""))
        areacodes.level_of(code)  # refuses codes such as a grid ending in 000
        return code
    except areacodes.AreaCodeError:
        return None
