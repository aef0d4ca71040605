"""What the needs, resources and matching actions share: the cleaning helpers of
:mod:`linli.core.cleaning` (errors collected by field, text, numbers, choices, phones), lists of
weekly times, categories and served areas, places on the area tree, and keeping a resource's
category rows in step with its categories."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.areacodes import Level
from linli.core.cleaning import (  # noqa: F401 (the actions use them as c.<name>)
    UNSET,
    Errors,
    Unset,
    area_at,
    choice,
    contact_phone,
    date,
    integer,
    line,
    normal_code,
    plain,
    row_id,
    text,
)
from linli.core.errors import ActionError
from linli.core.models import Area
from linli.volunteers.models import AVAILABILITY

from ...models import Category, Resource, ResourceCategory

_ORDER = {code: index for index, code in enumerate(AVAILABILITY)}
_CATEGORY_ORDER = {code: index for index, code in enumerate(Category.values)}
LIST_MAX = 40


def is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


def user_or_none(actor):
    return actor if is_user(actor) else None


def place(value, *, levels: tuple[int, ...], field: str = "area_code") -> Area:
    """The area named by ``value`` (a code), refused unless it is one of ``levels``."""
    area = area_at(value, levels)
    if area is None:
        if set(levels) <= {Level.COMMUNITY, Level.GRID}:
            message = _("Choose a community, village or grid.")
        else:
            message = _("Choose a county, town, community or village.")
        raise ActionError(message, field=field)
    return area


def _items(errors: Errors, field: str, values) -> list[str] | None:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [part for part in re.split(r"[\s,，、]+", values) if part]
    if not isinstance(values, list | tuple | set):
        errors.add(field, _("Choose from the list."))
        return None
    if len(values) > LIST_MAX:
        errors.add(field, _("At most %(max)d, please.") % {"max": LIST_MAX})
        return None
    return [str(value).strip() for value in values]


def times(errors: Errors, field: str, values) -> list[str]:
    """Weekly times (``mon_am`` … ``sun_eve``) without repeats, in the week's order."""
    items = _items(errors, field, values)
    if items is None:
        return []
    unknown = [item for item in items if item not in _ORDER]
    if unknown:
        errors.add(
            field,
            _("“%(item)s” is not a time of the week (use mon_am … sun_eve).")
            % {"item": unknown[0][:12]},
        )
        return []
    return sorted(set(items), key=_ORDER.__getitem__)


def categories(errors: Errors, field: str, values, *, required: bool = True) -> list[str]:
    """Categories of help without repeats, in the list's order; at least one if required."""
    items = _items(errors, field, values)
    if items is None:
        return []
    unknown = [item for item in items if item not in _CATEGORY_ORDER]
    if unknown:
        errors.add(field, _("“%(item)s” is not a category of help.") % {"item": unknown[0][:20]})
        return []
    if required and not items:
        errors.add(field, _("Choose at least one category."))
    return sorted(set(items), key=_CATEGORY_ORDER.__getitem__)


def window(errors: Errors, start, end, *, fields=("wanted_from", "wanted_until")):
    """Two dates, the second not before the first (either may be empty)."""
    first = date(errors, fields[0], start)
    last = date(errors, fields[1], end)
    if first and last and last < first:
        errors.add(fields[1], _("The end cannot be before the start."))
    return first, last


def served_codes(errors: Errors, field: str, values, area: Area) -> list[str]:
    """The areas a resource serves: its own and any of those above it up to its county, by
    code; its own is always among them. Nearest first."""
    items = _items(errors, field, values)
    if items is None:
        return [area.code]
    allowed = [area.code] + [
        code
        for code in reversed(areacodes.ancestors(area.code))
        if areacodes.level_of(code) >= Level.COUNTY
    ]
    chosen = {area.code}
    for item in items:
        code = normal_code(item)
        if code not in allowed:
            errors.add(
                field,
                _("A resource serves its own area, its town or its county; “%(code)s” is none.")
                % {"code": item[:15]},
            )
            return [area.code]
        chosen.add(code)
    return [code for code in allowed if code in chosen]


def set_categories(resource: Resource) -> int:
    """Keep the resource's category rows as its ``categories``, ``area_code`` and ``active``
    say; returns how many rows changed. The caller holds the transaction."""
    return set_categories_many([resource])


def set_categories_many(resources: list[Resource]) -> int:
    """:func:`set_categories` for many resources at once (three or four queries)."""
    if not resources:
        return 0
    wanted = {
        (r.pk, category): (r.area_code, r.active) for r in resources for category in r.categories
    }
    rows = list(ResourceCategory.objects.filter(resource_id__in=[r.pk for r in resources]))
    stale, changed, seen = [], [], set()
    for row in rows:
        key = (row.resource_id, row.category)
        if key not in wanted:
            stale.append(row.pk)
            continue
        seen.add(key)
        area_code, active = wanted[key]
        if row.area_code != area_code or row.active != active:
            row.area_code, row.active = area_code, active
            changed.append(row)
    fresh = [
        ResourceCategory(resource_id=pk, category=category, area_code=area, active=active)
        for (pk, category), (area, active) in wanted.items()
        if (pk, category) not in seen
    ]
    if stale:
        ResourceCategory.objects.filter(pk__in=stale).delete()
    if changed:
        ResourceCategory.objects.bulk_update(changed, ["area_code", "active"])
    if fresh:
        ResourceCategory.objects.bulk_create(fresh)
    return len(stale) + len(changed) + len(fresh)
