"""Files: sealing uploads at rest, reading .xlsx/.csv as rows, writing .xlsx quickly."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from linli.core.errors import ActionError

from .columns import COLUMNS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- sealing the upload -------------------------------------------------------------------


def _seal(data: bytes) -> bytes:
    """AES-GCM under the first personal-data key: ``key id`` ``$`` nonce ciphertext."""
    key_id, key = settings.PII_KEY_RING[0]
    nonce = os.urandom(12)
    return key_id.encode() + b"$" + nonce + AESGCM(key).encrypt(nonce, data, b"import")


def _unseal(sealed: bytes) -> bytes:
    key_id, _sep, rest = bytes(sealed).partition(b"$")
    keys = dict(settings.PII_KEY_RING)
    key = keys.get(key_id.decode("ascii", "replace"))
    if key is None:
        raise ActionError(_("The stored file can no longer be read; upload it again."))
    return AESGCM(key).decrypt(rest[:12], rest[12:], b"import")


# --- reading .xlsx and .csv -----------------------------------------------------------------

_SHEET_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class _Book:
    """The first worksheet of an .xlsx file read as a stream of rows of text (dates as
    :class:`datetime.date`). Faster and leaner than openpyxl's read-only mode, which builds a
    cell object per value.

    The parts are parsed with the standard library's expat (2.4 and later refuse entity
    amplification such as "billion laughs"); ElementTree never loads DTDs or external entities.
    """

    def __init__(self, data: bytes):
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            names = set(self.zip.namelist())
            self.sheet = self._first_sheet(names)
            self.strings = self._strings(names)
            self.date_styles, self.date1904 = self._styles(names)
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError):
            raise ActionError(_("The file is not a readable .xlsx workbook.")) from None

    def _xml(self, name: str) -> ElementTree.Element:
        with self.zip.open(name) as stream:
            return ElementTree.parse(stream).getroot()  # noqa: S314 - see _Book

    def _first_sheet(self, names: set[str]) -> str:
        book = self._xml("xl/workbook.xml")
        self.date1904_flag = any(
            _local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true")
            for el in book.iter()
        )
        sheet = next(el for el in book.iter() if _local(el.tag) == "sheet")
        rel_id = next(v for k, v in sheet.attrib.items() if _local(k) == "id")
        rels = self._xml("xl/_rels/workbook.xml.rels")
        target = next(el.get("Target") for el in rels if el.get("Id") == rel_id)
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if path not in names:
            raise KeyError(path)
        return path

    def _strings(self, names: set[str]) -> list[str]:
        strings: list[str] = []
        if "xl/sharedStrings.xml" not in names:
            return strings
        with self.zip.open("xl/sharedStrings.xml") as stream:
            si_tag = t_tag = r_tag = ""
            for _event, el in ElementTree.iterparse(stream):  # noqa: S314 - see _Book
                tag = el.tag
                if tag != si_tag:
                    if _local(tag) != "si":
                        continue
                    ns = tag[:-2]
                    si_tag, t_tag, r_tag = tag, ns + "t", ns + "r"
                plain = el.find(t_tag)  # a plain string, or rich text runs (phonetic runs aside)
                if plain is not None:
                    value = plain.text or ""
                else:
                    value = "".join(t.text or "" for r in el.iterfind(r_tag) for t in r.iter(t_tag))
                strings.append(value.strip())
                el.clear()
        return strings

    def _styles(self, names: set[str]) -> tuple[set[int], bool]:
        dates: set[int] = set()
        if "xl/styles.xml" in names:
            styles = self._xml("xl/styles.xml")
            custom = {}
            for el in styles.iter():
                if _local(el.tag) == "numFmt":
                    code = _QUOTED.sub("", el.get("formatCode", "")).lower()
                    custom[int(el.get("numFmtId", "0"))] = "y" in code or "d" in code
            xfs = next((el for el in styles if _local(el.tag) == "cellXfs"), None)
            for index, xf in enumerate(xfs if xfs is not None else []):
                fmt = int(xf.get("numFmtId", "0"))
                if fmt in _DATE_FORMAT_IDS or custom.get(fmt):
                    dates.add(index)
        return dates, self.date1904_flag

    def rows(self) -> Iterator[tuple[int, list]]:
        epoch = dt.date(1904, 1, 1) if self.date1904 else dt.date(1899, 12, 30)
        strings, dates = self.strings, self.date_styles
        columns: dict[str, int] = {}
        row_tag = v_tag = is_tag = t_tag = ""
        number = 0
        try:
            with self.zip.open(self.sheet) as stream:
                for _event, el in ElementTree.iterparse(stream):  # noqa: S314 - see _Book
                    tag = el.tag
                    if tag != row_tag:
                        if not tag.endswith("}row"):
                            continue
                        ns = tag[:-3]
                        row_tag, v_tag, is_tag, t_tag = tag, ns + "v", ns + "is", ns + "t"
                    number = int(el.get("r") or number + 1)
                    values: list = []
                    for cell in el:
                        ref = cell.get("r")
                        if ref:
                            letters = ref.rstrip("0123456789")
                            index = columns.get(letters)
                            if index is None:
                                index = 0
                                for char in letters:
                                    index = index * 26 + ord(char) - 64
                                index = columns[letters] = index - 1
                            if index > len(values):
                                values.extend([""] * (index - len(values)))
                        kind = cell.get("t")
                        v = cell.find(v_tag)
                        if v is not None:
                            raw = v.text or ""
                        elif kind == "inlineStr":
                            inline = cell.find(is_tag)
                            if inline is None:
                                raw = ""
                            elif len(inline) == 1:
                                raw = inline[0].text or ""
                            else:
                                raw = "".join(t.text or "" for t in inline.iter(t_tag))
                        else:
                            values.append("")
                            continue
                        if kind == "s":
                            values.append(strings[int(raw)])
                        elif kind in ("str", "inlineStr", "e"):
                            values.append(raw.strip())
                        elif kind == "b":
                            values.append("TRUE" if raw == "1" else "FALSE")
                        elif not raw:
                            values.append("")
                        else:
                            style = cell.get("s")
                            numeric = float(raw)
                            if style and int(style) in dates and 0 < numeric < 2958466:
                                values.append(epoch + dt.timedelta(days=int(numeric)))
                            else:
                                values.append(_cell_text(numeric))
                    el.clear()
                    yield number, values
        except (ElementTree.ParseError, ValueError, IndexError, zipfile.BadZipFile):
            raise ActionError(_("The file is not a readable .xlsx workbook.")) from None


def estimate_rows(filename: str, data: bytes) -> int:
    """About how many data rows the file holds, for the progress bar before it is read: the
    sheet's declared dimension for .xlsx, the number of lines for .csv (0 if unknown)."""
    try:
        if filename.lower().endswith(".csv"):
            return max(0, data.count(b"\n") - 1)
        book = _Book(data)
        with book.zip.open(book.sheet) as stream:
            head = stream.read(4096).decode("utf-8", "replace")
        match = re.search(r'<(?:\w+:)?dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"', head)
        return max(0, int(match.group(1)) - 1) if match else 0
    except (ActionError, ValueError, KeyError, zipfile.BadZipFile):
        return 0


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ActionError(_("The .csv file is neither UTF-8 nor GB18030 text."))
    for number, values in enumerate(csv.reader(io.StringIO(content)), start=1):
        yield number, [v.strip() for v in values]


def _raw_rows(filename: str, data: bytes) -> Iterator[tuple[int, list]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _Book(data).rows()
    if name.endswith(".csv"):
        return _csv_rows(data)
    raise ActionError(_("Upload a .xlsx or .csv file."))


def read_table(filename: str, data: bytes) -> Iterator[tuple[int, dict]]:
    """(row number, {column key: value}) for each non-empty data row; checks the headers."""
    rows = _raw_rows(filename, data)
    lookup = {}
    for col in COLUMNS:
        lookup[col.key.lower()] = col.key
        lookup[col.label.lower()] = col.key
    header: list[str | None] | None = None
    for _number, values in rows:
        if any(values):
            header = [lookup.get(str(h).lower().rstrip("*").strip()) for h in values]
            break
    if header is None:
        raise ActionError(_("The file is empty: the first row must hold the column headers."))
    missing = [c.label for c in COLUMNS if c.required and c.key not in header]
    if missing:
        raise ActionError(_("Missing required columns: %(cols)s.") % {"cols": "、".join(missing)})
    width = len(header)

    def body():
        for number, values in rows:
            if not any(values):
                continue
            yield (
                number,
                {key: values[i] for i, key in enumerate(header) if key and i < len(values)}
                if len(values) <= width
                else {key: values[i] for i, key in enumerate(header) if key},
            )

    return body()


# --- writing .xlsx quickly ----------------------------------------------------------------

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/styles" Target="styles.xml"/></Relationships>'
    ),
    # Styles: 0 plain, 1 bold (headers), 2 red fill (rows with errors).
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFFDE2E1"/></patternFill></fill>'
        '</fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf/>'
        '<xf fontId="1" applyFont="1"/><xf fillId="2" applyFill="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_XML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
    | {chr(c): "" for c in range(32) if c not in (9, 10, 13)}
    | {"\x7f": ""}
)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def write_xlsx(out, sheet_name: str, header: list[str], rows) -> None:
    """Stream a one-sheet workbook into the binary file ``out``.

    ``rows`` yields ``(values, style)`` with ``style`` 0 (plain) or 2 (red: a row with errors;
    only its second cell is coloured). Strings are written inline, whole numbers as numbers.
    openpyxl's write-only mode builds an object per cell and takes about ten times as long.
    """
    width = max(len(header), 1)
    letters = [_column_letter(i) for i in range(width + 8)]

    def cells(values, number: int, style: int) -> str:
        out_ = []
        for i, value in enumerate(values):
            if value is None or value == "":
                continue
            ref = f"{letters[i] if i < len(letters) else _column_letter(i)}{number}"
            s = f' s="{style}"' if style == 1 or (style == 2 and i == 1) else ""
            if isinstance(value, int) and not isinstance(value, bool):
                out_.append(f'<c r="{ref}"{s}><v>{value}</v></c>')
            else:
                text_ = str(value).translate(_XML_ESCAPES)
                out_.append(
                    f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{text_}</t></is></c>'
                )
        return f'<row r="{number}">{"".join(out_)}</row>'

    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        for name, content in _XLSX_PARTS.items():
            book.writestr(name, content)
        book.writestr("xl/workbook.xml", _WORKBOOK.format(sheet_name.translate(_XML_ESCAPES)[:31]))
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                b'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'
            )
            buffer = [cells(header, 1, 1)]
            for number, (values, style) in enumerate(rows, start=2):
                buffer.append(cells(values, number, style))
                if len(buffer) >= 1000:
                    sheet.write("".join(buffer).encode("utf-8"))
                    buffer.clear()
            sheet.write("".join(buffer).encode("utf-8"))
            sheet.write(b"</sheetData></worksheet>")


# --- values --------------------------------------------------------------------------------


def _printable(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    value = str(value or "")
    return "".join(c for c in value if ord(c) >= 32 and ord(c) != 127)
