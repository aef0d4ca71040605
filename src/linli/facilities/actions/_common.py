"""What the facility and venue actions share: the cleaning helpers of :mod:`linli.core.cleaning`
and the cleaning of numbers, map points, weekly hours and the places a facility or venue sits."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from linli.core.areacodes import Level
from linli.core.cleaning import (  # noqa: F401 (the actions use them as c.<name>)
    UNSET,
    Errors,
    Unset,
    line,
    normal_code,
    row_id,
    text,
)
from linli.core.errors import ActionError
from linli.core.models import Area

from .. import hours as week
from ..models import WEEKDAYS

# The sane box of a map point in China (WGS-84).
LAT_MIN, LAT_MAX = Decimal(3), Decimal(54)
LNG_MIN, LNG_MAX = Decimal(73), Decimal(136)
_TRUE = {"1", "true", "yes", "on", "y", "是", "有", "√", "✓"}
_FALSE = {"", "0", "false", "no", "off", "n", "否", "无", "×"}


def is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def user_or_none(actor):
    return actor if is_user(actor) else None


def place(value, *, levels: tuple[int, ...], field: str = "area_code") -> Area:
    """The town or community named by ``value`` (a code); refused if it is not one of
    ``levels``."""
    code = normal_code(value)
    area = Area.objects.filter(code=code).first() if code else None
    if area is None or area.level not in levels:
        if levels == (Level.COMMUNITY,):
            message = _("Choose a community or village.")
        else:
            message = _("Choose a town, street, community or village.")
        raise ActionError(message, field=field)
    return area


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
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _("Please fill this in."))
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


def integer(
    errors: Errors, field: str, value, *, minimum: int, maximum: int, required: bool = False
) -> int | None:
    """A whole number between ``minimum`` and ``maximum``; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, _("Please fill this in."))
        return None
    if isinstance(value, bool):
        errors.add(field, _("Enter a whole number."))
        return None
    try:
        number = Decimal(str(value).strip())
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


def choice(errors: Errors, field: str, value, choices, *, default: str | None = None) -> str:
    """One of the ``choices`` (a TextChoices class) by its value."""
    word = str(value or "").strip()
    if not word and default is not None:
        return default
    if word not in choices.values:
        errors.add(field, _("Choose one of the options."))
        return default or ""
    return word


def point(errors: Errors, latitude, longitude) -> tuple[Decimal | None, Decimal | None]:
    """A map point: both coordinates or neither, inside China's box (lat 3–54, lng 73–136)."""
    lat = decimal(errors, "latitude", latitude, places=6, minimum=-90, maximum=90)
    lng = decimal(errors, "longitude", longitude, places=6, minimum=-180, maximum=180)
    if errors.has("latitude") or errors.has("longitude"):
        return None, None
    if (lat is None) != (lng is None):
        field = "longitude" if lng is None else "latitude"
        errors.add(field, _("Give both latitude and longitude, or neither."))
        return None, None
    if lat is not None and not LAT_MIN <= lat <= LAT_MAX:
        errors.add("latitude", _("The latitude must lie in China: from 3 to 54."))
    if lng is not None and not LNG_MIN <= lng <= LNG_MAX:
        errors.add("longitude", _("The longitude must lie in China: from 73 to 136."))
    if errors.has("latitude") or errors.has("longitude"):
        return None, None
    return lat, lng


def weekly_hours(errors: Errors, field: str, value) -> week.Hours:
    """A week's hours in their normal form; a day's error is filed under ``<field>.<day>``."""
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        errors.add(field, _("Opening hours must list the days of the week."))
        return week.clean({})
    unknown = [key for key in value if key not in WEEKDAYS]
    if unknown:
        errors.add(
            field,
            _("“%(key)s” is not a day of the week (use mon … sun).")
            % {"key": str(unknown[0])[:10]},
        )
        return week.clean({})
    good = {}
    for day in WEEKDAYS:
        try:
            week.day_ranges(value.get(day), day)
        except week.HoursError as exc:
            errors.add(f"{field}.{day}", str(exc))
        else:
            good[day] = value.get(day)
    return week.clean(good)


def accessibility(errors: Errors, field: str, value, choices) -> list[str]:
    """Accessibility features as a sorted list of known values (no repeats)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple | set):
        errors.add(field, _("Choose from the listed features."))
        return []
    found = []
    for item in value:
        word = str(item).strip()
        if word not in choices.values:
            errors.add(field, _("“%(item)s” is not a listed feature.") % {"item": word[:20]})
        elif word not in found:
            found.append(word)
    return [v for v in choices.values if v in found]
