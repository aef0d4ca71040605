"""The indicator engine: a plan's values for every area of its jurisdiction, for one year.

:func:`compute` measures each target's indicator for the plan's jurisdiction and every area
below it down to the communities (no grids):

- computed indicators through their function (:data:`~.sources.FUNCTIONS`): the functions that
  share a source are measured together, in one pass over it (the capacity figures from one
  gathering of facts, the visit rate from one grouped query …);
- reported indicators from the values the areas entered (:func:`~.sources.measure_reported`).

The answer is one ``{indicator key: Cell}`` per area; ``actions.measure.recompute_run`` stores
it as :class:`~linli.plans.models.Measurement` rows (``values`` = the cells in their JSON form,
:func:`~.status.cell_to_json`). A wider area's value is always built from its parts' numerators
and denominators, never an average of percentages; a cell's ``below`` counts the communities
missing the plan's target, which a target that applies to each community needs for its status.

Nothing here applies permissions: the actions decide who may recompute what.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils.translation import gettext as _

from linli.core.errors import ActionError
from linli.core.models import Area

from ..models import Indicator, Plan, Target
from .sources import FUNCTIONS, measure_reported
from .sources.common import Cells, finish, subtree
from .status import Cell

__all__ = ["compute", "measure_plan_area"]

log = logging.getLogger(__name__)


def _same_goal(a: Target, b: Target) -> bool:
    return (a.op, a.value) == (b.op, b.value)


def measure_plan_area(plan: Plan) -> Area:
    """The area a plan is measured over: its jurisdiction."""
    if plan.is_template:
        raise ActionError(
            _("A template is not measured: adopt it for a jurisdiction first."), field="plan"
        )
    root = Area.objects.filter(code=plan.area_code).first()
    if root is None:
        raise ActionError(
            _("The plan's jurisdiction is not in the area tree; add the area first."),
            field="plan",
        )
    return root


def compute(
    plan: Plan, year: int, *, today: dt.date | None = None
) -> list[tuple[Area, dict[str, Cell]]]:
    """Every target's value for the plan's jurisdiction and each area below it, in code order:
    ``[(area, {indicator key: Cell})]`` (see the module). ``today`` is the day the figures are
    read on (the current year is measured as of that day)."""
    root = measure_plan_area(plan)
    nodes = subtree(root)
    targets = list(
        Target.objects.filter(plan=plan).select_related("indicator").order_by("position", "id")
    )
    cells: Cells = {node.code: {} for node in nodes}

    # Computed indicators: one call per source, with the function keys it is asked for and the
    # target each is measured against (the first, when two indicators share a function).
    by_source: dict[object, dict[str, Target]] = {}
    computed: list[Target] = []
    reported: list[Target] = []
    for target in targets:
        indicator = target.indicator
        if indicator.source == Indicator.Source.REPORTED:
            reported.append(target)
            continue
        spec = FUNCTIONS.get(indicator.function)
        if spec is None:
            log.warning("plan %s: indicator %s has no function %r", plan.pk, indicator.pk,
                        indicator.function)  # fmt: skip
            continue
        by_source.setdefault(spec.measure, {}).setdefault(indicator.function, target)
        computed.append(target)
    found: dict[str, dict[str, Cell]] = {}  # function key -> {area code: cell}
    for measure, wanted in by_source.items():
        result = measure(root, year, list(wanted), wanted, today=today, nodes=nodes)
        for key in wanted:
            found[key] = {code: by_key[key] for code, by_key in result.items() if key in by_key}
    for target in computed:
        indicator = target.indicator
        spec = FUNCTIONS[indicator.function]
        own: Cells = {
            code: {indicator.key: cell}
            for code, cell in found.get(indicator.function, {}).items()
            if code in cells
        }
        passed = by_source[spec.measure][indicator.function]
        if passed is not target and not _same_goal(passed, target):
            # Measured against another indicator's target: count its own communities below.
            finish(own, indicator.key, target, nodes, spec.row_level)
        for code, by_key in own.items():
            cells[code].update(by_key)

    if reported:
        result = measure_reported(
            root,
            year,
            [t.indicator for t in reported],
            {t.indicator.key: t for t in reported},
            nodes=nodes,
        )
        for code, by_key in result.items():
            if code in cells:
                cells[code].update(by_key)
    return [(node, cells[node.code]) for node in nodes]
