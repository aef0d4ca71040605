"""Ledger files: .xlsx and .csv downloads, each an audit event."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from linli.core import audit
from linli.core.errors import ActionError
from linli.core.models import AuditEvent

from .queries import (
    LedgerScope,
    area_names,
    area_title,
    cell_picker,
    ledger_people,
    ledger_rows,
    ledger_scope,
    ledger_summary,
)
from .xlsx import MAX_ROWS, XlsxStream

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = MAX_ROWS - 10  # the title, header and footer rows take the rest


@dataclass(frozen=True)
class LedgerExport:
    """A ledger file ready to send: ``content`` (an .xlsx) or ``chunks()`` (a .csv stream)."""

    scope: LedgerScope
    fmt: str
    masked: bool
    rows: int
    event: AuditEvent
    content: bytes | None = None

    @property
    def filename(self) -> str:
        """ASCII: ``special_elderly-220403001001-20260115.xlsx``."""
        scope = self.scope
        return f"{scope.ledger.code}-{scope.area.code}-{scope.as_of:%Y%m%d}.{self.fmt}"

    @property
    def display_filename(self) -> str:
        """As people name it: ``特殊困难老年人台账-仙城社区-20260115.xlsx``."""
        scope = self.scope
        name = "".join(ch for ch in scope.area.name if ch not in '\\/:*?"<>|')
        return f"{scope.ledger.title}-{name}-{scope.as_of:%Y%m%d}.{self.fmt}"

    def chunks(self) -> Iterator[bytes]:
        if self.content is not None:
            yield self.content
        else:
            yield from csv_chunks(self.scope, masked=self.masked, expected=self.rows)


def ledger_export(
    *, actor, ledger: str, area_code: str | None, fmt: str, masked: bool = False
) -> LedgerExport:
    """Export a ledger as .xlsx (built here, in full) or .csv (streamed by the caller).

    Identity and phone numbers are in full only for an actor with ``pii.reveal`` over the
    whole area who did not ask for ``masked``. The export is an audit event naming the ledger,
    the area, the format, the row count and whether it was masked.
    """
    if fmt not in EXPORT_FORMATS:
        raise ActionError(_("Export as .csv or .xlsx."), field="format")
    scope = ledger_scope(actor=actor, area_code=area_code, ledger=ledger)
    masked = bool(masked) or not scope.can_reveal
    content = None
    if fmt == "xlsx":
        content, rows = xlsx_bytes(scope, masked=masked)
    else:
        rows = ledger_people(scope=scope).count()
    with transaction.atomic():
        event = audit.record(
            actor,
            "registry.ledger_export",
            target_type="registry.ledger",
            target_id=scope.ledger.code,
            area_code=scope.area.code,
            extra={
                "ledger": scope.ledger.code,
                "area": scope.area.code,
                "format": fmt,
                "rows": rows,
                "masked": masked,
            },
        )
    return LedgerExport(
        scope=scope, fmt=fmt, masked=masked, rows=rows, event=event, content=content
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_chunks(scope: LedgerScope, *, masked: bool, expected: int | None = None) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (spreadsheet programs then read Chinese), streamed."""
    columns = scope.ledger.columns
    names = area_names(scope=scope)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(c.label) for c in columns])
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate(0)
    rows = ledger_rows(
        scope=scope,
        names=names,
        reveal_numbers=not masked,
        reveal_address=not masked,
        expected=expected,
    )
    pick = cell_picker(columns)
    for seq, row in enumerate(rows, start=1):
        values = pick(row, seq)
        writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v for v in values]
        )
        if seq % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate(0)
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def xlsx_bytes(scope: LedgerScope, *, masked: bool) -> tuple[bytes, int]:
    """The ledger as an .xlsx workbook and its row count: a title row naming the area and the
    date, the frozen header, the rows, the total and the footer; a second sheet counts people
    per community (and per group). Written as a stream (see :class:`XlsxStream`)."""
    ledger = scope.ledger
    columns = ledger.columns
    names = area_names(scope=scope)
    summary = ledger_summary(scope=scope, names=names)
    if summary.total > XLSX_MAX_ROWS:
        raise ActionError(
            _(
                "This ledger has %(n)d rows, more than an .xlsx sheet holds: choose a smaller "
                "area or download it as .csv."
            )
            % {"n": summary.total},
            field="format",
        )
    last = len(columns)
    book = XlsxStream(title=ledger.title)
    sheet = book.sheet(
        ledger.title, widths=[c.width for c in columns], freeze_rows=3, print_rows=(3, 3)
    )
    sheet.row([ledger.title], style=XlsxStream.TITLE, height=30)
    sheet.merge(1, last)
    info = pgettext("ledger", "单位：%(area)s　　截至 %(date)s") % {
        "area": area_title(scope, names),
        "date": scope.as_of.isoformat(),
    }
    if masked:
        info += pgettext("ledger", "　　（身份证号、联系电话、住址已隐去部分内容）")
    sheet.row([info], style=XlsxStream.NOTE)
    sheet.merge(2, last)
    sheet.row([str(c.label) for c in columns], style=XlsxStream.HEADER, height=30)
    styles = [XlsxStream.CENTER if c.center else XlsxStream.BODY for c in columns]
    sheet.body_styles(styles)
    pick = cell_picker(columns)
    rows = 0
    for rows, row in enumerate(
        ledger_rows(
            scope=scope,
            names=names,
            reveal_numbers=not masked,
            reveal_address=not masked,
            expected=summary.total,
        ),
        start=1,
    ):
        sheet.body(pick(row, rows))
    sheet.row([pgettext("ledger", "合计：%(n)d 人") % {"n": rows}], style=XlsxStream.NOTE)
    sheet.merge(sheet.rows, last)
    sheet.row([pgettext("ledger", "由邻里平台根据居民登记信息生成")], style=XlsxStream.NOTE)
    sheet.merge(sheet.rows, last)
    sheet.close()
    head = [pgettext("ledger column", "乡镇（街道）"), pgettext("ledger column", "社区（村）")]
    head += [pgettext("ledger column", "人数"), *[label for _code, label in summary.kinds]]
    sheet2 = book.sheet(
        pgettext("ledger", "汇总"), widths=[14, 16, 8] + [12] * len(summary.kinds), freeze_rows=1
    )
    sheet2.row(head, style=XlsxStream.HEADER)
    sheet2.body_styles([XlsxStream.BODY] * len(head))
    for r in summary.rows:
        sheet2.body([r.town, r.name, r.people, *r.kinds])
    sheet2.body(["", pgettext("ledger", "合计"), summary.total, *summary.kind_totals])
    sheet2.close()
    return book.close(), rows
