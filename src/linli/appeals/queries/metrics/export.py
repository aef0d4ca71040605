"""The figures as people read them outside the page: a median time in words, the scope's title,
and the .xlsx workbook (a sheet per table) with its file names."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from linli.core.errors import Forbidden

from ...models import Unit
from .breakdowns import Figures, metrics_figures
from .counting import Rate, Row
from .formulas import FORMULAS, RATE_KEYS, THE_THREE
from .scope import Scope, metrics_allowed


def duration_text(hours: float | None) -> str:
    """A median time as people say it: minutes, hours or days."""
    if hours is None:
        return "—"
    if hours < 1:
        return _("%(minutes)d min") % {"minutes": round(hours * 60)}
    if hours < 48:
        return _("%(hours)s h") % {"hours": f"{hours:.1f}"}
    return _("%(days)s days") % {"days": f"{hours / 24:.1f}"}


def scope_title(scope: Scope) -> str:
    where = scope.area.name if scope.area is not None else _("All areas")
    parts = [where, scope.period.label]
    if scope.unit_kind:
        parts.append(str(Unit.Kind(scope.unit_kind).label))
    if not scope.whole_area:
        parts.append(_("your units only"))
    return " · ".join(parts)


@dataclass(frozen=True)
class MetricsExport:
    content: bytes
    filename: str  # ASCII
    display_filename: str
    appeals: int = 0  # appeals received in the scope (what the audit row names)


_FORMULA_START = ("=", "+", "-", "@")


def _sheet(book, title: str, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font

    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", title)[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                cell.data_type = "s"  # text, never a spreadsheet formula
    sheet.freeze_panes = "A2"
    for i, _h in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = 14 if i > 1 else 24


def _pct(rate: Rate) -> float | None:
    return None if rate.value is None else round(rate.value * 100, 1)


def _breakdown(rows: list[Row], first: str) -> tuple[list[str], list[list]]:
    header = [first, _("Appeals received")]
    for key in (*THE_THREE, "on_time"):
        label = str(FORMULAS[key].label)
        header += [
            _("%(rate)s: counted") % {"rate": label},
            _("%(rate)s: out of") % {"rate": label},
            _("%(rate)s (%%)") % {"rate": label},
        ]
    header += [_("Median hours to accept"), _("Median hours to resolve")]
    body = []
    for row in rows:
        values: list = [row.name, row.received]
        for key in (*THE_THREE, "on_time"):
            rate = row.rates[key]
            values += [rate.numerator, rate.denominator, _pct(rate)]
        body.append([*values, row.accept_hours, row.resolve_hours])
    return header, body


def figures_xlsx(figures: Figures) -> bytes:
    """The figures as a workbook, a sheet per table; the first names the scope and formulas."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    h = figures.headline
    rows: list[list] = [[scope_title(figures.scope)], []]
    for key in RATE_KEYS:
        rate = h.rates[key]
        rows.append([rate.label, rate.numerator, rate.denominator, _pct(rate)])
    rows += [
        [str(FORMULAS["accept_time"].label), None, None, h.accept_hours],
        [str(FORMULAS["resolve_time"].label), None, None, h.resolve_hours],
        [_("Appeals received"), h.received],
        [_("Rejected"), h.rejected],
        [_("Merged as duplicates"), h.merged],
        [_("Ratings"), h.ratings],
        [_("Repeat callers"), h.repeat_callers],
    ]
    for key, label in (
        ("level", _("Average overall level")),
        ("efficiency", _("Average efficiency")),
        ("attitude", _("Average attitude")),
        ("result", _("Average result")),
    ):
        rows.append([label, None, None, h.scores[key]])
    header = [_("Figure"), _("Counted"), _("Out of"), _("Value (percent or hours)")]
    _sheet(book, _("Rates"), header, rows)
    _sheet(book, _("By unit"), *_breakdown(figures.by_unit, _("Handling unit")))
    _sheet(book, _("By area"), *_breakdown(figures.by_area, _("Area")))
    _sheet(book, _("By month"), *_breakdown(figures.trend, _("Month")))
    _sheet(
        book,
        _("By category"),
        [_("Category"), _("Appeals received"), _("Resolved"), _("Out of"), _("Resolution rate")],
        [
            [
                r.name,
                r.received,
                r.rates["resolution"].numerator,
                r.rates["resolution"].denominator,
                _pct(r.rates["resolution"]),
            ]
            for r in figures.categories
        ],
    )
    hot = figures.hotspots
    _sheet(
        book,
        _("Hotspots"),
        [_("Category"), *[name for _code, name in hot.places]],
        [[row.name, *counts] for row, counts in hot.rows],
    )
    _sheet(
        book,
        _("How these are counted"),
        [_("Figure"), _("Counts"), _("Out of"), _("Notes")],
        [[f.label, f.numerator, f.denominator, f.note] for f in figures.formulas],
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def metrics_export(*, actor, scope: Scope) -> MetricsExport:
    """The figures of ``scope`` (as :func:`metrics_scope` resolved it for ``actor``) as an .xlsx
    workbook. Reads only: a download is recorded by ``actions.appeal_metrics_export``."""
    if scope.actor != actor or not metrics_allowed(actor):
        raise Forbidden(
            _("Appeal figures are for staff who see appeals and for members of handling units.")
        )
    figures = metrics_figures(scope=scope)
    code = scope.area.code if scope.area is not None else ""
    slug = scope.period.code.replace("..", "_")
    where = scope.area.name if scope.area is not None else _("All areas")
    where = "".join(ch for ch in where if ch not in '\\/:*?"<>|')
    return MetricsExport(
        content=figures_xlsx(figures),
        filename=f"appeal-figures-{code or 'all'}-{slug}.xlsx",
        display_filename=f"{_('Appeal figures')}-{where}-{slug}.xlsx",
        appeals=figures.headline.received,
    )
