"""Reading and writing the tables people exchange with us: .xlsx and .csv.

Imports read a file into header-keyed rows (headers may be the English key or the Chinese
label of a column); templates and error reports are written as .xlsx with openpyxl.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill

from .errors import ActionError

MAX_ROWS = 100_000


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Chinese header written in templates
    required: bool = False
    example: str = ""
    note: str = ""


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(filename: str, data: bytes, columns: list[Column]) -> list[dict[str, str]]:
    """Rows as dicts keyed by column key; ``_row`` holds the 1-based spreadsheet row number."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ActionError(_("The file is not a readable .xlsx workbook.")) from None
        sheet = book.worksheets[0]
        raw = [[_clean(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    elif name.endswith(".csv"):
        text = None
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None:
            raise ActionError(_("The .csv file is neither UTF-8 nor GB18030 text."))
        raw = [[_clean(v) for v in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise ActionError(_("Upload a .xlsx or .csv file."))
    if not raw or not any(raw[0]):
        raise ActionError(_("The file is empty: the first row must hold the column headers."))
    lookup = {}
    for col in columns:
        lookup[col.key.lower()] = col.key
        lookup[col.label.lower()] = col.key
    header = [lookup.get(h.lower().rstrip("*").strip()) for h in raw[0]]
    missing = [c.label for c in columns if c.required and c.key not in header]
    if missing:
        raise ActionError(_("Missing required columns: %(cols)s.") % {"cols": "、".join(missing)})
    rows: list[dict[str, str]] = []
    for index, values in enumerate(raw[1:], start=2):
        if not any(values):
            continue
        row = {key: (values[i] if i < len(values) else "") for i, key in enumerate(header) if key}
        row["_row"] = str(index)
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ActionError(_("The file has more than %(n)d rows; split it.") % {"n": MAX_ROWS})
    if not rows:
        raise ActionError(_("The file has headers but no data rows."))
    return rows


def template_xlsx(title: str, columns: list[Column]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([c.label + ("*" if c.required else "") for c in columns])
    sheet.append([c.example for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, col in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(
            12, len(col.label) * 2 + 4
        )
    notes = book.create_sheet(_("Instructions")[:31])
    notes.append([_("Column"), _("Key"), _("Required"), _("Notes")])
    for col in columns:
        notes.append([col.label, col.key, _("yes") if col.required else _("no"), col.note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def error_report_xlsx(
    columns: list[Column], rows: list[dict[str, str]], errors: dict[int, list[str]]
) -> bytes:
    """The uploaded rows with an error column beside each (row number → messages)."""
    book = Workbook()
    sheet = book.active
    sheet.append([_("Row"), _("Errors"), *[c.label for c in columns]])
    red = PatternFill("solid", fgColor="FDE2E1")
    for row in rows:
        number = int(row["_row"])
        messages = errors.get(number, [])
        sheet.append([number, "；".join(messages), *[row.get(c.key, "") for c in columns]])
        if messages:
            for cell in sheet[sheet.max_row]:
                cell.fill = red
    sheet.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
