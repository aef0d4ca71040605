"""Writing a jurisdiction's own indicators: computed by a function of the engine or reported
by the areas. The built-in indicators cannot be changed."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.core import audit, scoping
from linli.core import cleaning as c
from linli.core.errors import Conflict, Forbidden
from linli.core.roles import Cap

from ... import builtin
from ...models import Indicator, Scope, Unit
from ...queries import catalogue as queries
from ._common import _changed, _decimal, _jurisdiction, _user

__all__ = [
    "DECIMALS_MAX",
    "DEFINITION_MAX",
    "FACTOR_MAX",
    "KEY_MAX",
    "KEY_RE",
    "NAME_MAX",
    "indicator_create",
    "indicator_update",
]

NAME_MAX = Indicator._meta.get_field("name").max_length
KEY_MAX = Indicator._meta.get_field("key").max_length
DEFINITION_MAX = 2000
FACTOR_MAX = Decimal("99999999")  # Indicator.factor: 12 digits, 2 of them decimals
DECIMALS_MAX = 4
KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _functions() -> dict:
    from ...queries.sources import FUNCTIONS  # the engine's registry

    return FUNCTIONS


def _indicator_values(errors: c.Errors, values: dict, *, current: Indicator | None) -> dict:
    """Check the given indicator fields (``values``: name → raw value); the cleaned ones."""
    clean: dict = {}
    if "name" in values:
        clean["name"] = c.line(errors, "name", values["name"], max_length=NAME_MAX, required=True)
    if "definition" in values:
        clean["definition"] = c.text(
            errors, "definition", values["definition"], max_length=DEFINITION_MAX
        )
    unit = values.get("unit", current.unit if current else None)
    if "unit" in values and unit not in Unit.values:
        errors.add("unit", _("Choose a unit."))
        unit = None
    if "unit" in values:
        clean["unit"] = unit
    if "scope" in values:
        if values["scope"] not in Scope.values:
            errors.add("scope", _("Choose which communities it counts."))
        clean["scope"] = values["scope"]
    source = values.get("source", current.source if current else None)
    if source not in Indicator.Source.values:
        errors.add("source", _("Choose whether it is computed or reported."))
        return clean
    clean["source"] = source
    if source == Indicator.Source.COMPUTED:
        function = str(values.get("function", current.function if current else "") or "")
        if function not in _functions():
            errors.add("function", _("Choose the function that computes it."))
        clean.update(
            function=function,
            aggregation=Indicator.Aggregation.RATIO,
            factor=Decimal(100) if unit == Unit.PERCENT else Decimal(1),
        )
        return clean
    clean["function"] = ""
    aggregation = values.get("aggregation", current.aggregation if current else "ratio")
    if aggregation not in Indicator.Aggregation.values:
        errors.add("aggregation", _("Choose how the areas' values add up."))
    clean["aggregation"] = aggregation
    factor = values.get("factor")
    if factor in (None, "") and current is not None and current.source == source:
        factor = current.factor
    if factor in (None, ""):
        factor = 100 if unit == Unit.PERCENT and aggregation == "ratio" else 1
    factor = _decimal(
        errors, "factor", factor, unit="", required=True, maximum=FACTOR_MAX, places=2
    )
    if factor is not None and factor <= 0:
        errors.add("factor", _("The factor is more than 0."))
    clean["factor"] = factor
    return clean


def _decimals(errors: c.Errors, value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= DECIMALS_MAX:
        errors.add("decimals", _("Enter 0 to %(max)d decimals.") % {"max": DECIMALS_MAX})
        return None
    return number


def _indicator_audit(indicator: Indicator) -> dict:
    return {
        "key": indicator.key,
        "source": indicator.source,
        "function": indicator.function,
        "unit": indicator.unit,
    }


def indicator_create(
    *,
    actor,
    area_code,
    key,
    name,
    unit,
    source,
    definition="",
    scope=Scope.ALL,
    function="",
    aggregation=Indicator.Aggregation.RATIO,
    factor=None,
    decimals=1,
) -> Indicator:
    """Add an indicator of a jurisdiction's own (a province, prefecture or county): computed by
    a function of the engine, or reported by the areas (a ratio of the sums times a factor, or a
    total). Its key is unique in the jurisdiction and is not a built-in key."""
    area = _jurisdiction(actor, area_code, levels=queries.INDICATOR_LEVELS)
    errors = c.Errors()
    slug = str(key or "").replace("\x00", "").strip()
    if not slug:
        errors.add("key", _("Please fill this in."))
    elif len(slug) > KEY_MAX or not KEY_RE.match(slug):
        errors.add(
            "key",
            _(
                "Use lowercase letters, digits and underscores, starting with a letter "
                "(at most %(max)d)."
            )
            % {"max": KEY_MAX},
        )
    elif slug in builtin.builtin_keys():
        errors.add("key", _("This key belongs to a built-in indicator: choose another."))
    elif Indicator.objects.filter(area_code=area.code, key=slug).exists():
        errors.add("key", _("This jurisdiction already has an indicator with this key."))
    values = {
        "name": name,
        "definition": definition,
        "unit": unit,
        "scope": scope,
        "source": source,
        "function": function,
        "aggregation": aggregation,
        "factor": factor,
    }
    clean = _indicator_values(errors, values, current=None)
    places = _decimals(errors, decimals)
    errors.raise_if_any(_("The indicator was not saved."))
    try:
        with transaction.atomic():
            indicator = Indicator.objects.create(
                key=slug,
                area_code=area.code,
                decimals=places,
                created_by=_user(actor),
                **clean,
            )
            audit.record(
                actor, "plans.indicator.create", indicator, extra=_indicator_audit(indicator)
            )
    except IntegrityError:
        raise Conflict(
            _("This jurisdiction already has an indicator with this key."), field="key"
        ) from None
    return indicator


def indicator_update(*, actor, indicator_id, **changes) -> Indicator:
    """Change a jurisdiction's own indicator: name, definition, unit, scope, source, function,
    aggregation, factor, decimals (its key stays, as its values are stored under it). Built-in
    indicators cannot be changed. A reported indicator with values entered stays reported."""
    allowed = {
        "name",
        "definition",
        "unit",
        "scope",
        "source",
        "function",
        "aggregation",
        "factor",
        "decimals",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"indicator_update() got unknown fields {sorted(unknown)}")
    indicator = queries.indicator_get(actor=actor, indicator_id=indicator_id)
    if indicator.area_code == "":
        raise Forbidden(_("The built-in indicators cannot be changed."))
    scoping.require(actor, Cap.PLAN_MANAGE, indicator.area_code)
    given = {k: v for k, v in changes.items() if v is not c.UNSET}
    errors = c.Errors()
    clean = _indicator_values(
        errors, {k: v for k, v in given.items() if k != "decimals"}, current=indicator
    )
    if "decimals" in given:
        clean["decimals"] = _decimals(errors, given["decimals"])
    errors.raise_if_any(_("The indicator was not saved."))
    with transaction.atomic():
        indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
        if (
            clean.get("source") == Indicator.Source.COMPUTED
            and indicator.source == Indicator.Source.REPORTED
            and indicator.reported.exists()
        ):
            raise Conflict(
                _("Values have been reported for this indicator: it stays reported."),
                field="source",
            )
        names = _changed(indicator, clean)
        if names:
            indicator.save(update_fields=names)
            audit.record(
                actor,
                "plans.indicator.update",
                indicator,
                extra={**_indicator_audit(indicator), "fields": sorted(names)},
            )
    return indicator
