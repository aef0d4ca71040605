"""What the configuration actions share: the checks that collect every problem by field, the
area and county look-ups, and who may configure.

Who may do what:

* ``appeal.configure`` (county officers, system administrators) over a county: its categories
  (:mod:`.categories`), response templates (:mod:`.response_templates`) and policy
  (:mod:`.policy`). Tiers and the holiday calendar (:mod:`.calendar`) belong to the whole
  platform (every county counts working days by the same national calendar), so holding
  ``appeal.configure`` anywhere lets one edit them.
* ``appeal.route`` (town and county officers) over an area: routing rules there, department and
  provider units sitting there, and their members (:mod:`.routing`).
* ``open311.keys`` (security administrators) over a county: Open311 clients posting to it
  (:mod:`.open311_keys`).

Everything is checked before anything is written; each action is one transaction with its audit
row (ids and codes only).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError
from linli.core.models import Area
from linli.core.roles import Cap


class _Unset:
    """An argument that was not given: the field keeps its value."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()

SORT_MAX = 32767


# --- shared checks ------------------------------------------------------------------------------


class _Errors:
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


def _line(value, *, max_length: int) -> str:
    """One line of text: surrounding and repeated white space removed."""
    if value is None:
        return ""
    return " ".join(str(value).replace("\x00", "").split())[: max_length + 1]


def _check_line(errors: _Errors, field: str, value, *, max_length: int, required: bool) -> str:
    text = _line(value, max_length=max_length)
    if required and not text:
        errors.add(field, _("Please fill this in."))
    elif len(text) > max_length:
        errors.add(field, _("At most %(max)d characters, please.") % {"max": max_length})
    return text[:max_length]


def _check_text(errors: _Errors, field: str, value, *, max_length: int) -> str:
    text = "" if value is None else str(value).replace("\x00", "").strip()
    if not text:
        errors.add(field, _("Please fill this in."))
    elif len(text) > max_length:
        errors.add(field, _("At most %(max)d characters, please.") % {"max": max_length})
    return text[:max_length]


def _flag(errors: _Errors, field: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    errors.add(field, _("Answer yes or no."))
    return False


def _number(errors: _Errors, field: str, value, lowest: int, highest: int) -> int:
    if isinstance(value, bool):
        value = None
    try:
        number = int(str(value).strip()) if value is not None else None
    except ValueError:
        number = None
    if number is None or not lowest <= number <= highest:
        errors.add(
            field,
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": lowest, "high": highest},
        )
        return lowest
    return number


def _row_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 2**63 - 1 else None


def _area(code, *, field: str, message) -> Area:
    try:
        normal = areacodes.normalize(str(code or ""))
    except areacodes.AreaCodeError:
        raise ActionError(message, field=field) from None
    area = Area.objects.filter(code=normal).first()
    if area is None:
        raise ActionError(message, field=field)
    return area


def _county(code, *, field: str = "county") -> Area:
    area = _area(code, field=field, message=_("Choose a county."))
    if area.level != Level.COUNTY:
        raise ActionError(_("Choose a county."), field=field)
    return area


def _is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def _actor_user(actor):
    return actor if _is_user(actor) else None


def _configure(actor, county_code: str) -> None:
    scoping.require(actor, Cap.APPEAL_CONFIGURE, county_code)


def _configure_anywhere(actor) -> None:
    scoping.require(actor, Cap.APPEAL_CONFIGURE)
