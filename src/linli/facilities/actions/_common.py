"""What the facility and venue actions share: the cleaning helpers of :mod:`linli.core.cleaning`
(text, numbers, choices, yes or no) and the cleaning of map points, weekly hours, accessibility
features and the places a facility or venue sits."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from linli.core.areacodes import Level
from linli.core.cleaning import (  # noqa: F401 (the actions use them as c.<name>)
    UNSET,
    Errors,
    Unset,
    area_at,
    choice,
    decimal,
    flag,
    integer,
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


def is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def user_or_none(actor):
    return actor if is_user(actor) else None


def place(value, *, levels: tuple[int, ...], field: str = "area_code") -> Area:
    """The town or community named by ``value`` (a code); refused if it is not one of
    ``levels``."""
    area = area_at(value, levels)
    if area is None:
        if levels == (Level.COMMUNITY,):
            message = _("Choose a community or village.")
        else:
            message = _("Choose a town, street, community or village.")
        raise ActionError(message, field=field)
    return area


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
