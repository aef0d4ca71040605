"""Cleaning what a form or the API sent, shared by the actions of every app: errors collected
by field (so one answer names every problem), one-line and multi-line text, text that may be
listed (no phone or ID numbers), whole and decimal numbers in a range, choices, yes or no,
contact phones, dates, row ids, client keys and area codes."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.auth import PHONE_RE, normalize_phone
from linli.core.errors import ActionError
from linli.core.models import Area
from linli.core.pii import looks_personal

_TRUE = {"1", "true", "yes", "on", "y", "是", "有", "√", "✓"}
_FALSE = {"", "0", "false", "no", "off", "n", "否", "无", "×"}
_NUMBER_RUN = re.compile(r"\+?\d[\d\s-]{5,}[\dXx]")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


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


def plain(errors: Errors, field: str, value: str) -> str:
    """Text that may be listed: no phone or ID numbers in it."""
    runs = _NUMBER_RUN.findall(value or "")
    if any(looks_personal(run) for run in runs):
        errors.add(field, _("Do not write phone or ID numbers here."))
    return value


def _empty(errors: Errors, field: str, value, required: bool) -> bool:
    """Is ``value`` left empty (an error when ``required``)?"""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _("Please fill this in."))
        return True
    return False


def integer(
    errors: Errors,
    field: str,
    value,
    *,
    minimum: int,
    maximum: int,
    required: bool = False,
    percent: bool = False,
) -> int | None:
    """A whole number from ``minimum`` to ``maximum``; None when empty (an error when
    ``required``). With ``percent`` a trailing ``%`` is allowed (``80%``)."""
    if _empty(errors, field, value, required):
        return None
    if isinstance(value, bool):
        errors.add(field, _("Enter a whole number."))
        return None
    raw = str(value).strip()
    if percent:
        raw = raw.rstrip("%").strip()
    try:
        number = Decimal(raw)
        if not number.is_finite() or number != number.to_integral_value():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a whole number."))
        return None
    if not minimum <= number <= maximum:
        errors.add(
            field,
            _("Enter a whole number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum},
        )
        return None
    return int(number)


def decimal(
    errors: Errors,
    field: str,
    value,
    *,
    places: int = 2,
    minimum: Decimal | int = 0,
    maximum: Decimal | int,
    required: bool = False,
) -> Decimal | None:
    """A number with at most ``places`` decimals between ``minimum`` and ``maximum``; None
    when empty (an error when ``required``)."""
    if _empty(errors, field, value, required):
        return None
    if isinstance(value, bool):
        errors.add(field, _("Enter a number."))
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "").replace("，", ""))
        if not number.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a number."))
        return None
    if number < Decimal(minimum) or number > Decimal(maximum):
        errors.add(
            field,
            _("Enter a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum},
        )
        return None
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def choice(
    errors: Errors, field: str, value, choices, *, default: str | None = None, allowed=None
) -> str:
    """One of the ``choices`` (a TextChoices class; only its ``allowed`` values when given) by
    its value; ``default`` when empty."""
    word = str(value or "").strip()
    if not word and default is not None:
        return default
    if word not in (choices.values if allowed is None else allowed):
        errors.add(field, _("Choose one of the options."))
        return default or ""
    return word


def flag(errors: Errors, field: str, value) -> bool:
    """Yes or no, from a box ticked, JSON or a cell (是/否, 1/0, yes/no)."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word not in _FALSE:
        errors.add(field, _("Answer yes or no (是 or 否)."))
    return False


def contact_phone(errors: Errors, value, *, field: str = "contact_phone") -> str:
    """A mobile number, or a landline with its area code (0431-88886666); "" when none."""
    raw = str(value or "").replace("\x00", "").strip()
    if not raw:
        return ""
    phone = normalize_phone(raw)
    if PHONE_RE.match(phone):
        return phone
    landline = raw.replace(" ", "")
    if _LANDLINE_RE.match(landline):
        return landline
    errors.add(field, _("Enter a mobile number, or a landline with its area code (0431-88886666)."))
    return ""


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


def area_at(value, levels) -> Area | None:
    """The area whose code is ``value`` when its level is one of ``levels``; else None."""
    code = normal_code(value)
    found = Area.objects.filter(code=code).first() if code else None
    return found if found is not None and found.level in levels else None
