"""The functions computed indicators are measured with, by key (:data:`FUNCTIONS`).

A computed :class:`~linli.plans.models.Indicator` names one of these keys as its ``function``.
Each :class:`FunctionSpec` says what the key measures (label, unit, scope, definition), the level
its rows are counted at (communities; towns for the social work station coverage) and the
function that measures it::

    measure(root: Area, year: int, keys: list[str], targets: dict[str, Target],
            *, today=None, nodes=None) -> dict[area_code, dict[key, Cell]]

``measure`` answers a cell for the root and every area below it down to the communities, for
each of the ``keys`` it knows, as the year is measured (as of its last day, or today for the
current year). Keys sharing a ``measure`` are measured together, in one pass over their source.

- :mod:`.capacity`: the fifteen service capacity figures of ``linli.facilities``;
- :mod:`.care`: the monthly visit rate of special-difficulty elderly people;
- :mod:`.appeals`: the response, resolution and satisfaction rates of the appeals;
- :mod:`.volunteers`: the coverage of volunteer teams led by party members;
- :mod:`.reported`: values entered by the areas (not a function: reported indicators).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from linli.core.areacodes import Level
from linli.facilities.queries.capacity_specs import SPECS

from . import appeals, capacity, care, volunteers
from .reported import measure_reported

__all__ = ["FUNCTIONS", "FunctionSpec", "function_choices", "measure_reported"]


@dataclass(frozen=True)
class FunctionSpec:
    key: str
    label: object  # lazy English text
    unit: str  # a plans.models.Unit value
    scope: str  # all, urban or rural communities
    definition: object  # lazy English text: how it is counted
    row_level: int  # Level.COMMUNITY, or Level.TOWN for a figure counted by town
    measure: Callable
    source: str  # the app it reads: facilities, care, appeals, volunteers


def _capacity(key: str) -> FunctionSpec:
    spec = SPECS[key]
    return FunctionSpec(
        key=key,
        label=spec.label,
        unit=spec.unit,
        scope=spec.scope,
        definition=spec.what,
        row_level=capacity.ROW_LEVELS[key],
        measure=capacity.measure,
        source="facilities",
    )


_APPEAL_TEXTS = {
    "appeal_response_rate": (
        _("Appeal response rate"),
        _(
            "Appeals accepted within their response deadline ÷ appeals submitted in the year "
            "(except rejected and merged ones)."
        ),
    ),
    "appeal_resolution_rate": (
        _("Appeal resolution rate"),
        _(
            "Appeals resolved, confirmed or closed ÷ appeals submitted in the year (except "
            "rejected and merged ones), by the county's appeal policy."
        ),
    ),
    "appeal_satisfaction_rate": (
        _("Appeal satisfaction rate"),
        _(
            "Ratings at the level the county's appeal policy counts as satisfied or better ÷ "
            "ratings given in the year."
        ),
    ),
}

FUNCTIONS: dict[str, FunctionSpec] = {
    **{key: _capacity(key) for key in capacity.KEYS},
    care.KEY: FunctionSpec(
        key=care.KEY,
        label=_("Monthly visit rate of special-difficulty elderly people"),
        unit="percent",
        scope="all",
        definition=_(
            "Visit plans met (visits made ≥ visits required) ÷ the plans of the people on the "
            "care roster, in the last complete month of the year; a plan dropped during the "
            "month counts in neither unless it had been met."
        ),
        row_level=Level.COMMUNITY,
        measure=care.measure,
        source="care",
    ),
    **{
        key: FunctionSpec(
            key=key,
            label=label,
            unit="percent",
            scope="all",
            definition=definition,
            row_level=Level.COMMUNITY,
            measure=appeals.measure,
            source="appeals",
        )
        for key, (label, definition) in _APPEAL_TEXTS.items()
    },
    volunteers.KEY: FunctionSpec(
        key=volunteers.KEY,
        label=_("Coverage of volunteer teams led by Party members"),
        unit="percent",
        scope="all",
        definition=_(
            "Communities with at least one active volunteer team led by Party members, formed "
            "on or before the day the year is measured on (its last day, or today for the "
            "current year) ÷ communities; a team stood down counts in no year."
        ),
        row_level=Level.COMMUNITY,
        measure=volunteers.measure,
        source="volunteers",
    ),
}


def function_choices() -> list[tuple[str, str]]:
    """(key, label) of every function, for the forms that pick one."""
    return [(key, str(spec.label)) for key, spec in FUNCTIONS.items()]
