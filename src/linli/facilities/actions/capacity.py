"""The gap finder's list as an .xlsx workbook; each download is an audit event, so the export
is an action.

The export reads (with the actor's scope, through
:func:`~linli.facilities.queries.capacity.capacity_gaps`) and records the download in one
transaction: the event names the area, the date, the conditions and the row count — codes and
counts only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from linli.core import audit

from ..queries.capacity import CapacityGaps, capacity_gaps

__all__ = ["CapacityGapsExport", "capacity_gaps_export"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CapacityGapsExport:
    report: CapacityGaps
    content: bytes

    @property
    def filename(self) -> str:
        """ASCII: ``capacity-gaps-220403000000-20261001.xlsx``."""
        return f"capacity-gaps-{self.report.area.code}-{self.report.as_of:%Y%m%d}.xlsx"

    @property
    def display_filename(self) -> str:
        name = "".join(ch for ch in self.report.area.name if ch not in '\\/:*?"<>|')
        return f"{_('Capacity gaps')}-{name}-{self.report.as_of:%Y%m%d}.xlsx"


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def gaps_xlsx(report: CapacityGaps) -> bytes:
    """One row per community: code, name, town, urban-rural class, then one column per
    condition (the community's value, or "no" for a missing facility or officer), and the
    conditions it fails; a title row names the area, the date and the conditions."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Gaps")[:31]
    title = _("Capacity gaps of %(area)s on %(date)s") % {
        "area": report.area.name,
        "date": report.as_of.isoformat(),
    }
    sheet.append([_cell(title)])
    sheet.append([_cell("; ".join(c.label for c in report.conditions))])
    header = [_("Code"), _("Community"), _("Town"), _("Urban-rural class")]
    header += [c.label for c in report.conditions]
    header.append(_("Conditions failed"))
    sheet.append([_cell(h) for h in header])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A4"
    for row in report.rows:
        failed = {f.key: f for f in row.failures}
        cells = [row.area_code, row.name, row.town_name, row.urban_rural]
        for condition in report.conditions:
            failure = failed.get(condition.key)
            if failure is None:
                cells.append("")
            elif failure.value is not None:
                cells.append(float(failure.value))
            else:
                cells.append(_("no"))
        cells.append(len(row.failures))
        sheet.append([_cell(c) for c in cells])
    sheet.append([])
    sheet.append(
        [
            _cell(
                _("%(failing)s of %(checked)s communities fail at least one condition.")
                % {"failing": len(report.rows), "checked": report.checked}
            )
        ]
    )
    for column, width in zip("ABCD", (16, 24, 20, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def capacity_gaps_export(*, actor, **conditions) -> CapacityGapsExport:
    """The communities failing the chosen conditions (the arguments of
    :func:`~linli.facilities.queries.capacity.capacity_gaps`) as an .xlsx workbook, recorded as
    ``facilities.capacity_gaps_export``."""
    with transaction.atomic():
        report = capacity_gaps(actor=actor, **conditions)
        content = gaps_xlsx(report)
        audit.record(
            actor,
            "facilities.capacity_gaps_export",
            target_type="facilities.capacity",
            target_id=report.area.code,
            area_code=report.area.code,
            extra={
                "area": report.area.code,
                "as_of": report.as_of.isoformat(),
                "conditions": [c.key for c in report.conditions],
                "scope": report.query.get("scope") or "all",
                "rows": len(report.rows),
                "checked": report.checked,
            },
        )
    return CapacityGapsExport(report=report, content=content)
