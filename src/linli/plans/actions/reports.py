"""The annual implementation report as files: an .xlsx workbook and an A4 PDF.

Both render the same :class:`~linli.plans.queries.reports.Report` (see
:func:`~linli.plans.queries.reports.plan_report`), in the user's language:

- the workbook (openpyxl): "Main indicators" in the layout of the plans' own indicator tables
  (number, indicator, unit, baseline, target, binding or expected, actual value, status, gap)
  followed by one column per sub-area; "By sub-area" (each sub-area × each indicator: value and
  status); "Communities below target"; and "Task ledger" (per task, then per sub-area);
- the PDF (WeasyPrint, Noto Sans CJK): a title page (plan, jurisdiction, year, date, and whether
  the values are live as of a time or a snapshot), a summary (counts by status, the binding
  targets not met), the indicator table, the sub-areas' values, a bar chart per indicator of
  the sub-areas against the target (SVG drawn here, no script), the communities below target
  and the task ledger; page numbers in the footer.

Each download is an audit event ``plans.report.export`` naming the plan, year, area, snapshot
and format (ids and codes only). The report is read and rendered first; the event is written
once the file exists, so a failed rendering records nothing.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_bidi, pgettext
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from linli.core import audit

from ..queries.reports import STATUSES, Report, ReportLine, plan_report, rounded
from ..queries.status import Status

__all__ = [
    "XLSX",
    "PDF",
    "bar_chart_svg",
    "report_pdf",
    "report_pdf_bytes",
    "report_context",
    "report_pdf_document",
    "report_xlsx",
    "report_xlsx_bytes",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_MUTED = Font(color="555555")
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEAD_FILL = PatternFill("solid", fgColor="E6EDF5")
# Status colours (the text is always beside them): green, amber, red, grey.
_FILLS = {
    Status.MET: PatternFill("solid", fgColor="E3F1E4"),
    Status.AT_RISK: PatternFill("solid", fgColor="FFF1C7"),
    Status.NOT_MET: PatternFill("solid", fgColor="FBDAD7"),
    Status.NO_DATA: PatternFill("solid", fgColor="EEEEEE"),
}
_BAR = {
    Status.MET: "#2e7d32",
    Status.AT_RISK: "#b26a00",
    Status.NOT_MET: "#c62828",
    Status.NO_DATA: "#9e9e9e",
}
# Sub-area columns per table on a landscape PDF page.
PDF_COLUMNS = 8


def _text(value):
    """A string cell that a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * min(decimals, 6)


def _status_label(status: str) -> str:
    return str(Status(status).label)


def _safe_name(text: str) -> str:
    return "".join(ch for ch in text if ch not in '\\/:*?"<>|\r\n\t').strip()[:80]


def _filename(report: Report, ext: str) -> str:
    """``<plan>-<area>-<year> implementation report.<ext>`` in the user's language."""
    title = _("Implementation report %(year)s") % {"year": report.year}
    parts = [_safe_name(report.plan.title), _safe_name(report.area.name), _safe_name(title)]
    return "-".join(p for p in parts if p) + f".{ext}"


def _common_year(years) -> int | None:
    found = {y for y in years if y}
    return found.pop() if len(found) == 1 else None


def _baseline_header(report: Report) -> tuple[str, int | None]:
    year = _common_year(line.target.baseline_year for line in report.lines)
    if year:
        return _("Baseline (%(year)s)") % {"year": year}, year
    return _("Baseline"), None


def _target_header(report: Report) -> tuple[str, int | None]:
    year = _common_year(line.target.due_year for line in report.lines)
    if year:
        return _("Target (%(year)s)") % {"year": year}, year
    return pgettext("plan report", "Target"), None


def _target_cell(line: ReportLine, common: int | None) -> str:
    text = line.goal_text
    if line.target.due_year and line.target.due_year != common:
        text += f" ({line.target.due_year})"
    return text


def _baseline_cell(line: ReportLine, common: int | None):
    base = line.baseline
    if base is None:
        return "—"
    if line.target.baseline_year and line.target.baseline_year != common:
        return f"{format(base, 'f')} ({line.target.baseline_year})"
    return base


def _title_rows(sheet, report: Report, title: str) -> None:
    sheet.append([_text(title)])
    sheet["A1"].font = _TITLE
    sheet.append([_text(report.source_text)])
    sheet["A2"].font = _MUTED
    sheet.append([])


def _header(sheet, row: int, labels: list[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = sheet.cell(row=row, column=col, value=_text(label))
        cell.font = _BOLD
        cell.fill = _HEAD_FILL
        cell.alignment = _CENTER


def _widths(sheet, widths: list[float]) -> None:
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def report_title(report: Report) -> str:
    return _("%(plan)s: implementation in %(area)s, %(year)s") % {
        "plan": report.plan.title,
        "area": report.area.name,
        "year": report.year,
    }


def _sheet_main(book: Workbook, report: Report) -> None:
    sheet = book.active
    sheet.title = _("Main indicators")[:31]
    _title_rows(sheet, report, report_title(report))
    base_label, base_year = _baseline_header(report)
    target_label, target_year = _target_header(report)
    labels = [
        _("No."),
        _("Indicator"),
        pgettext("plan report", "Unit"),
        base_label,
        target_label,
        pgettext("plan report", "Type"),
        _("Actual value"),
        _("Status"),
        _("Gap"),
    ]
    fixed = len(labels)
    labels += [child.name for child in report.children]
    _header(sheet, 4, labels)
    for r, line in enumerate(report.lines, start=5):
        fmt = _number_format(line.decimals)
        values = [
            line.number,
            line.label,
            line.unit_text,
            _baseline_cell(line, base_year),
            _target_cell(line, target_year),
            line.kind_label,
            line.value,
            line.status_label,
            line.gap,
        ]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=col, value=_text(value))
            if col in (4, 7, 9) and isinstance(value, Decimal):
                cell.number_format = fmt
        sheet.cell(row=r, column=2).alignment = _WRAP
        sheet.cell(row=r, column=8).fill = _FILLS[line.status]
        for i, (child_cell, child_state) in enumerate(line.children):
            cell = sheet.cell(
                row=r, column=fixed + 1 + i, value=rounded(child_cell.value, line.decimals)
            )
            cell.number_format = fmt
            cell.fill = _FILLS[child_state.status]
    sheet.freeze_panes = "C5"
    _widths(sheet, [6, 40, 8, 12, 14, 9, 12, 10, 10] + [12] * len(report.children))
    sheet.row_dimensions[4].height = 32


def _sheet_children(book: Workbook, report: Report) -> None:
    sheet = book.create_sheet(_("By sub-area")[:31])
    _title_rows(sheet, report, _("Each sub-area's values and status"))
    top = [_("Area code"), _("Area")]
    second = ["", ""]
    for line in report.lines:
        top += [line.label, ""]
        second += [_("Value"), _("Status")]
    counts = [_status_label(s) for s in STATUSES]
    top += [_("Targets by status")] + [""] * (len(counts) - 1)
    second += counts
    _header(sheet, 4, top)
    _header(sheet, 5, second)
    for i in range(len(report.lines)):
        col = 3 + 2 * i
        sheet.merge_cells(start_row=4, start_column=col, end_row=4, end_column=col + 1)
    first_count = 3 + 2 * len(report.lines)
    sheet.merge_cells(
        start_row=4, start_column=first_count, end_row=4, end_column=first_count + len(counts) - 1
    )
    own = [(line.cell, line.state) for line in report.lines]
    rows = [(report.area.code, report.area.name, own, report.counts)]
    for index, child in enumerate(report.children):
        cells = [line.children[index] for line in report.lines]
        rows.append((child.area_code, child.name, cells, child.counts))
    for r, (code, name, cells, counted) in enumerate(rows, start=6):
        sheet.cell(row=r, column=1, value=code)
        sheet.cell(row=r, column=2, value=_text(name))
        for i, (line, (cell_value, state)) in enumerate(zip(report.lines, cells, strict=True)):
            col = 3 + 2 * i
            value = sheet.cell(row=r, column=col, value=rounded(cell_value.value, line.decimals))
            value.number_format = _number_format(line.decimals)
            status = sheet.cell(row=r, column=col + 1, value=_status_label(state.status))
            status.fill = _FILLS[state.status]
        for j, status in enumerate(STATUSES):
            sheet.cell(row=r, column=first_count + j, value=int(counted.get(status.value, 0)))
        if r == 6:
            for col in range(1, first_count + len(counts)):
                sheet.cell(row=r, column=col).font = _BOLD
    sheet.freeze_panes = "C6"
    _widths(sheet, [16, 20] + [11, 9] * len(report.lines) + [9] * len(counts))
    sheet.row_dimensions[4].height = 48


def _sheet_below(book: Workbook, report: Report) -> None:
    sheet = book.create_sheet(_("Communities below target")[:31])
    _title_rows(sheet, report, _("Communities below target, by indicator"))
    labels = [
        _("No."),
        _("Indicator"),
        _("Area code"),
        _("Community"),
        _("Town or street"),
        _("Actual value"),
        pgettext("plan report", "Target"),
        _("Gap"),
        _("Status"),
    ]
    _header(sheet, 4, labels)
    r = 5
    for line in report.lines:
        fmt = _number_format(line.decimals)
        for row in line.below:
            values = [
                line.number,
                line.label,
                row.area_code,
                row.name,
                row.parent_name,
                row.value,
                line.goal_text,
                row.gap,
                _status_label(row.status),
            ]
            for col, value in enumerate(values, start=1):
                cell = sheet.cell(row=r, column=col, value=_text(value))
                if col in (6, 8):
                    cell.number_format = fmt
            sheet.cell(row=r, column=9).fill = _FILLS[row.status]
            r += 1
    if r == 5:
        sheet.cell(row=5, column=1, value=_("No community is below a target."))
    sheet.freeze_panes = "A5"
    _widths(sheet, [6, 36, 16, 20, 18, 12, 10, 10, 10])


def _ledger_row(sheet, r: int, values: list, bold: bool = False) -> None:
    for col, value in enumerate(values, start=1):
        cell = sheet.cell(row=r, column=col, value=_text(value))
        if col >= len(values) - 1:
            cell.number_format = "0.0"
        if bold:
            cell.font = _BOLD
    sheet.cell(row=r, column=2).alignment = _WRAP
    sheet.cell(row=r, column=3).alignment = _WRAP


def _sheet_ledger(book: Workbook, report: Report) -> None:
    sheet = book.create_sheet(_("Task ledger")[:31])
    _title_rows(sheet, report, _("Task ledger of %(year)s") % {"year": report.year})
    counted = [
        _("Reports expected"),
        pgettext("plan report", "Submitted"),
        _("Approved"),
        _("On time"),
        _("Reporting rate (%)"),
        _("On-time rate (%)"),
    ]
    _header(sheet, 4, [_("Number"), _("Task"), _("Lead units"), *counted])
    r = 5
    for row in report.ledger or []:
        _ledger_row(
            sheet,
            r,
            [
                row.number,
                row.title,
                row.lead_units,
                row.expected,
                row.submitted,
                row.approved,
                row.on_time,
                row.reporting_rate,
                row.on_time_rate,
            ],
        )
        r += 1
    if not report.ledger:
        sheet.cell(row=r, column=1, value=_("The plan has no tasks to report in this year."))
        r += 1
    if report.ledger_areas:
        r += 1
        sheet.cell(row=r, column=1, value=_("By sub-area")).font = _BOLD
        r += 1
        _header(sheet, r, [_("Area code"), _("Area"), "", *counted])
        r += 1
        total = report.ledger_total
        for row in [*report.ledger_areas, total]:
            name = row.name if row is not total else _("Total")
            if row.own:
                name = _("%(area)s (its own reports)") % {"area": row.name}
            _ledger_row(
                sheet,
                r,
                [
                    row.area_code,
                    name,
                    "",
                    row.expected,
                    row.submitted,
                    row.approved,
                    row.on_time,
                    row.reporting_rate,
                    row.on_time_rate,
                ],
                bold=row is total,
            )
            r += 1
    sheet.freeze_panes = "C5"
    _widths(sheet, [14, 40, 28, 12, 10, 10, 10, 12, 12])


def report_xlsx_bytes(report: Report) -> bytes:
    """The report as an .xlsx workbook."""
    book = Workbook()
    _sheet_main(book, report)
    _sheet_children(book, report)
    _sheet_below(book, report)
    if report.ledger is not None:
        _sheet_ledger(book, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the PDF -------------------------------------------------------------------------------------


def _fmt(value: Decimal | None, decimals: int) -> str:
    if value is None:
        return "—"
    return f"{rounded(value, decimals):,f}"


def bar_chart_svg(line: ReportLine, names: list[str]) -> str:
    """A horizontal bar per sub-area (coloured by status, its value written beside it) against
    a dashed line at the target: plain SVG for the PDF."""
    row_h, bar_h, top, left, right, width = 22, 14, 30, 150, 580, 670
    values = [rounded(cell.value, line.decimals) for cell, _state in line.children]
    goal = line.goal
    known = [v for v in values if v is not None]
    scale_max = max([goal, *known, Decimal(0)])
    scale_max = scale_max * Decimal("1.1") if scale_max > 0 else Decimal(1)
    span = right - left

    def x(value: Decimal) -> float:
        value = max(Decimal(0), value)
        return left + float(value / scale_max) * span

    height = top + row_h * len(names) + 10
    goal_x = x(goal)
    title = _("%(indicator)s by sub-area against the target %(target)s") % {
        "indicator": line.label,
        "target": line.goal_text,
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top - 6}" x2="{left}" y2="{height - 8}" stroke="#888"'
        ' stroke-width="1"/>',
    ]
    for i, (name, value, (_cell, state)) in enumerate(
        zip(names, values, line.children, strict=True)
    ):
        y = top + i * row_h
        parts.append(
            f'<text x="{left - 6}" y="{y + bar_h - 3}" text-anchor="end" font-size="11"'
            f' fill="#222">{escape(name[:14])}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + bar_h - 3}" font-size="10" fill="#666">'
                f"{escape(_status_label(Status.NO_DATA))}</text>"
            )
            continue
        end = x(value)
        parts.append(
            f'<rect x="{left}" y="{y}" width="{max(end - left, 0.5):.1f}" height="{bar_h}"'
            f' fill="{_BAR[state.status]}"/>'
        )
        parts.append(
            f'<text x="{end + 4:.1f}" y="{y + bar_h - 3}" font-size="10" fill="#222">'
            f"{escape(_fmt(value, line.decimals))} {escape(_status_label(state.status))}</text>"
        )
    parts.append(
        f'<line x1="{goal_x:.1f}" y1="{top - 8}" x2="{goal_x:.1f}" y2="{height - 8}"'
        ' stroke="#1f4e8c" stroke-width="1.5" stroke-dasharray="5 3"/>'
    )
    label = _("Target %(target)s") % {"target": line.goal_text}
    anchor = "end" if goal_x > width - 120 else "start"
    parts.append(
        f'<text x="{goal_x + (-4 if anchor == "end" else 4):.1f}" y="{top - 12}"'
        f' text-anchor="{anchor}" font-size="10" fill="#1f4e8c">{escape(label)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _baseline_text(line: ReportLine, common: int | None) -> str:
    base = _baseline_cell(line, common)
    return base if isinstance(base, str) else format(base, ",f")


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)] if items else []


def report_context(report: Report, *, charts: bool = True) -> dict:
    """What the PDF and the report page show: the rows of the tables as text, the sub-area
    tables in groups of columns, and (``charts``) an SVG chart per indicator."""
    base_label, base_year = _baseline_header(report)
    target_label, target_year = _target_header(report)
    names = [child.name for child in report.children]
    lines = [
        {
            "line": line,
            "baseline": _baseline_text(line, base_year),
            "target": _target_cell(line, target_year),
            "value": _fmt(line.value, line.decimals),
            "gap": "" if line.gap is None else _fmt(line.gap, line.decimals),
            "below": [
                {
                    "row": row,
                    "value": _fmt(row.value, line.decimals),
                    "gap": "" if row.gap is None else _fmt(row.gap, line.decimals),
                    "status": _status_label(row.status),
                }
                for row in line.below
            ],
            "cells": [
                {
                    "value": _fmt(cell.value, line.decimals),
                    "status": state.status,
                    "label": _status_label(state.status),
                }
                for cell, state in line.children
            ],
            "chart": mark_safe(bar_chart_svg(line, names)) if names and charts else "",  # noqa: S308
        }
        for line in report.lines
    ]
    groups = [
        {
            "children": [report.children[i] for i in columns],
            "rows": [
                {"line": item["line"], "cells": [item["cells"][i] for i in columns]}
                for item in lines
            ],
        }
        for columns in _chunks(list(range(len(report.children))), PDF_COLUMNS)
    ]
    return {
        "report": report,
        "title": report_title(report),
        "lines": lines,
        "groups": groups,
        "base_label": base_label,
        "target_label": target_label,
        "generated": timezone.localtime(report.generated_at),
        "measured": timezone.localtime(report.measured_at),
        "language": get_language() or "zh-hans",
        "bidi": get_language_bidi(),
    }


def _no_fetch(url: str, *args, **kwargs):
    """The PDF embeds everything it shows; it never loads a file or a URL."""
    raise ValueError("the report does not load external resources")


def report_pdf_document(report: Report):
    """The rendered WeasyPrint document (pages and their boxes) of the report."""
    from weasyprint import HTML

    html = render_to_string("plans/reports/pdf.html", report_context(report))
    return HTML(string=html, url_fetcher=_no_fetch).render()


def report_pdf_bytes(report: Report) -> bytes:
    """The report as an A4 PDF."""
    return report_pdf_document(report).write_pdf()


# --- the actions ---------------------------------------------------------------------------------


def _export(actor, report: Report, fmt: str, content: bytes) -> None:
    with transaction.atomic():
        audit.record(
            actor,
            "plans.report.export",
            report.plan,
            area_code=report.area.code,
            extra={
                "plan": report.plan.pk,
                "year": report.year,
                "area": report.area.code,
                "snapshot": report.snapshot.pk if report.snapshot is not None else None,
                "format": fmt,
                "targets": len(report.lines),
                "bytes": len(content),
            },
        )


def report_xlsx(
    *, actor, plan_id, year=None, area_code=None, snapshot_id=None
) -> tuple[str, bytes]:
    """The annual implementation report as an .xlsx workbook: ``(filename, content)``.
    Needs PLAN_VIEW over the area; a year never computed is refused (compute it first)."""
    report = plan_report(
        actor=actor, plan_id=plan_id, year=year, area_code=area_code, snapshot_id=snapshot_id
    )
    content = report_xlsx_bytes(report)
    _export(actor, report, "xlsx", content)
    return _filename(report, "xlsx"), content


def report_pdf(*, actor, plan_id, year=None, area_code=None, snapshot_id=None) -> tuple[str, bytes]:
    """The annual implementation report as an A4 PDF: ``(filename, content)``. Same rules as
    :func:`report_xlsx`."""
    report = plan_report(
        actor=actor, plan_id=plan_id, year=year, area_code=area_code, snapshot_id=snapshot_id
    )
    content = report_pdf_bytes(report)
    _export(actor, report, "pdf", content)
    return _filename(report, "pdf"), content
