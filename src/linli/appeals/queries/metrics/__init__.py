"""Appeal figures (接诉即办): the three rates and the rest, per handling unit, area and period.

:data:`FORMULAS` is the one definition of every figure: the page's "how these are counted"
text and the SQL that counts are both read from it, so they cannot drift apart. The county's
:class:`~linli.appeals.models.Policy` sets two of the rules (which rating level counts as
satisfied; whether an appeal confirmed automatically counts as resolved); an area above a county
counts each county by its own policy.

Everything is counted in the database: one aggregate query per table and breakdown, with
conditional ``COUNT(...) FILTER (WHERE ...)`` (a ``CASE`` on SQLite), grouped by unit, by the
area code's prefix one level down (``SUBSTR``) or by month. Medians are PostgreSQL's
``percentile_cont(0.5)`` in the same queries; SQLite has no percentile function, so there the
durations (and nothing else) of the filtered appeals are fetched in one query per breakdown and
their median taken in Python — a county small enough for SQLite has few enough of them.

Scope: appeals an actor may see (:func:`~linli.appeals.queries.appeals.visible_q`) under the
chosen area — all of them where the actor holds ``appeal.view`` over the area, else only those
handled by the actor's own units; ratings the same way by their denormalised area and unit.

The package, by family: :mod:`.formulas` (the rules and the formulas), :mod:`.periods`,
:mod:`.scope` (who counts what), :mod:`.counting` (the aggregates, rates and rows),
:mod:`.breakdowns` (every figure of a scope) and :mod:`.export` (the workbook).
"""

from .breakdowns import Figures, metrics_figures
from .counting import Rate, Row, metrics_rates
from .export import MetricsExport, duration_text, figures_xlsx, metrics_export, scope_title
from .formulas import FORMULAS, formula_texts, rules_for
from .periods import Period, parse_period, period_choices
from .scope import Scope, metrics_allowed, metrics_area_choices, metrics_scope

__all__ = [
    "FORMULAS",
    "Figures",
    "MetricsExport",
    "Period",
    "Rate",
    "Row",
    "Scope",
    "duration_text",
    "figures_xlsx",
    "formula_texts",
    "metrics_allowed",
    "metrics_area_choices",
    "metrics_export",
    "metrics_figures",
    "metrics_rates",
    "metrics_scope",
    "parse_period",
    "period_choices",
    "rules_for",
    "scope_title",
]
