"""Facilities by spreadsheet: the import (one row per facility), its template, and the export
of a filtered list in the same columns, so an exported file can be corrected and imported again.

The import checks every row first with the rules of :func:`~.facilities.facility_save`; if any
row is wrong, nothing is written and each problem is reported with its row, column and message.
A facility is matched on its area code and name: a rerun of the same file updates the same
facilities and reports them unchanged. A column left out of the file keeps the values stored
(a cell left empty in a column that is there clears it). Headers are the Chinese ones of the
template or the English keys.
"""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from linli.core import audit, scoping, tabular
from linli.core.errors import ActionError, Conflict
from linli.core.models import Area
from linli.core.roles import Cap
from linli.core.tabular import Column

from ..models import WEEKDAYS, Facility
from . import _common as c
from .facilities import FACILITY_FIELDS, PLACE_LEVELS, changed_fields, clean_values, close_venues

IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_MAX_ROWS = 5000
EXPORT_MAX_ROWS = 20_000
_CHUNK = 400
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The words a cell may use, first one the word the export writes.
KIND_WORDS = {
    "comprehensive": ["综合服务设施", "党群服务中心", "综合服务中心", "社区服务中心"],
    "day_care": ["日间照料中心", "日间照料站"],
    "health_station": ["社区卫生服务站", "卫生服务站", "卫生室", "村卫生室"],
    "elderly_station": ["养老服务站", "养老服务中心", "居家养老服务站"],
    "childcare": ["托育点", "托育机构", "托育服务点"],
    "children_home": ["儿童之家"],
    "culture_sports": ["文体活动室", "文化活动室", "文体活动中心"],
    "library": ["图书室", "农家书屋", "阅览室"],
    "fitness": ["健身场地", "健身广场", "体育场地"],
    "shelter": ["应急避难场所", "避难场所"],
    "fire_station": ["微型消防站"],
    "parcel_post": ["快递/邮政服务站", "快递服务站", "邮政服务站", "快递邮政服务站", "快递驿站"],
    "civilization": ["新时代文明实践站", "文明实践站"],
    "social_work": ["社会工作站(室)", "社会工作站", "社会工作室", "社工站", "社会工作站（室）"],
    "police": ["警务室", "警务工作室"],
    "commercial": ["社区商业服务", "商业服务网点", "便民商业"],
    "other": ["其他"],
}
STATUS_WORDS = {
    "open": ["在用", "使用中", "正常", "运营"],
    "building": ["在建", "建设中", "筹建"],
    "closed": ["停用", "关闭", "已关闭", "撤销"],
}
OWNERSHIP_WORDS = {
    "owned": ["自有", "产权自有"],
    "leased": ["租赁", "租用"],
    "shared": ["共建共享", "共建", "共享", "共用"],
    "lent": ["无偿借用", "借用", "无偿使用"],
    "other": ["其他"],
}
ACCESSIBILITY_WORDS = {
    "ramp": ["坡道", "无障碍坡道", "无障碍通道"],
    "lift": ["电梯", "无障碍电梯", "升降平台"],
    "toilet": ["无障碍卫生间", "无障碍厕所", "第三卫生间"],
    "handrails": ["扶手", "安全扶手"],
    "tactile": ["盲道", "提示盲道"],
    "wheelchair": ["轮椅借用", "轮椅", "备用轮椅"],
    "parking": ["无障碍停车位", "无障碍车位"],
    "hearing": ["助听或手语", "助听设备", "手语服务", "手语", "助听"],
}
DAY_LABELS = dict(
    zip(WEEKDAYS, ("周一", "周二", "周三", "周四", "周五", "周六", "周日"), strict=True)
)
_DAY_ALIASES = {
    "mon": ["星期一", "monday"],
    "tue": ["星期二", "tuesday"],
    "wed": ["星期三", "wednesday"],
    "thu": ["星期四", "thursday"],
    "fri": ["星期五", "friday"],
    "sat": ["星期六", "saturday"],
    "sun": ["星期日", "星期天", "周天", "sunday"],
}
_CLOSED_WORDS = {"休息", "闭馆", "关闭", "不开放", "无", "-", "—", "closed"}
_ALL_DAY_WORDS = {"全天", "24小时", "24h", "全天开放"}
_SPLIT = re.compile(r"[、,，;；/|\s]+")

# Examples live in the notes, not in a data row: a forgotten example row would be imported.
_NOTES = {
    "area_code": gettext_lazy("the community's 12-digit code, or the town's, e.g. 110101001001"),
    "name": gettext_lazy("unique in its area; at most 100 characters"),
    "kind": gettext_lazy("e.g. 综合服务设施, 日间照料中心, 社区卫生服务站, 养老服务站, 托育点"),
    "status": gettext_lazy("在用 (default), 在建 or 停用"),
    "floor_area": gettext_lazy("square metres, e.g. 1200.5"),
    "activity_area": gettext_lazy("square metres for residents' use; not more than the floor area"),
    "year_built": gettext_lazy("e.g. 2019"),
    "ownership": gettext_lazy("自有 (default), 租赁, 共建共享, 无偿借用 or 其他"),
    "address": gettext_lazy("at most 200 characters"),
    "latitude": gettext_lazy("WGS-84, from 3 to 54, e.g. 43.88; with 经度"),
    "longitude": gettext_lazy("WGS-84, from 73 to 136, e.g. 125.32"),
    "accessibility": gettext_lazy(
        "separated by 、: 坡道、电梯、无障碍卫生间、扶手、盲道、轮椅借用、无障碍停车位、助听或手语"
    ),
    "terminals": gettext_lazy("how many; 0 or empty for none"),
    "phone": gettext_lazy("the facility's service telephone"),
    "new_build": gettext_lazy("是 or 否: built in the plan period (for the new-build ratio)"),
    "residential_area": gettext_lazy("square metres of housing it was built for; needed with 是"),
    "commercial_area": gettext_lazy("square metres of commercial space built with it"),
    "day": gettext_lazy("opening hours, e.g. 08:30-12:00,14:00-18:00; empty or 休息 when closed"),
    "note": gettext_lazy("at most 2000 characters"),
}
_HEADERS = {
    "area_code": "区划代码",
    "name": "名称",
    "kind": "类型",
    "status": "状态",
    "floor_area": "建筑面积",
    "activity_area": "居民活动面积",
    "year_built": "建成年份",
    "ownership": "产权",
    "address": "地址",
    "latitude": "纬度",
    "longitude": "经度",
    "accessibility": "无障碍设施",
    "terminals": "政务自助终端",
    "phone": "服务电话",
    "new_build": "规划期内新建",
    "residential_area": "服务住宅面积",
    "commercial_area": "配建商业面积",
    **DAY_LABELS,
    "note": "备注",
}
_REQUIRED = {"area_code", "name", "kind", "floor_area"}
COLUMNS = [
    Column(key, label, key in _REQUIRED, "", _NOTES["day" if key in DAY_LABELS else key])
    for key, label in _HEADERS.items()
]
_READ_COLUMNS = COLUMNS + [
    Column(day, alias) for day, aliases in _DAY_ALIASES.items() for alias in aliases
]
_LABELS = {column.key: column.label for column in COLUMNS}
_FIELD_COLUMNS = {f"hours.{day}": DAY_LABELS[day] for day in WEEKDAYS} | {"hours": "周一"}


def facility_import_columns() -> list[Column]:
    """The columns with their notes in the current language (for the template and pages)."""
    return [dataclasses.replace(column, note=str(column.note)) for column in COLUMNS]


def facility_import_template() -> bytes:
    """The blank import template (.xlsx): headers, and a sheet of instructions."""
    return tabular.template_xlsx("facilities", facility_import_columns())


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number
    column: str  # the column's header as in the template, or "" for the whole row
    message: str


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)  # row → created/updated/unchanged
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error.row for error in self.errors})

    def by_row(self) -> dict[int, list[str]]:
        """Row number → "column: message" texts (for the error report)."""
        found: dict[int, list[str]] = {}
        for error in self.errors:
            text = f"{error.column}: {error.message}" if error.column else error.message
            found.setdefault(error.row, []).append(text)
        return found


@dataclass
class _Item:
    row: int
    area: Area
    values: dict
    existing: Facility | None = None
    status: str = ""
    changed: list[str] = field(default_factory=list)


def _lookup(words: dict[str, list[str]], choices) -> dict[str, str]:
    table = {}
    for value, texts in words.items():
        table[value] = value
        for text in texts:
            table[text.lower()] = value
    for value, label in choices.choices:
        for language in ("en", "zh-hans"):
            with translation.override(language):
                table.setdefault(str(label).lower(), value)
    return table


def _word(table: dict[str, str], cell: str) -> str | None:
    cell = cell.strip()
    return table.get(cell.lower(), table.get(cell.replace("（", "(").replace("）", ")").lower()))


def _convert(row: dict[str, str], tables: dict, errors: list[RowError], number: int) -> dict:
    """Cells (present columns only) as the members :func:`clean_values` takes."""
    data: dict = {}
    for key, table, examples in (
        ("kind", tables["kind"], "综合服务设施、日间照料中心、社区卫生服务站…"),
        ("status", tables["status"], "在用、在建、停用"),
        ("ownership", tables["ownership"], "自有、租赁、共建共享、无偿借用、其他"),
    ):
        if key in row:
            cell = row[key].strip()
            value = _word(table, cell) if cell else ""
            if value is None:
                errors.append(
                    RowError(
                        number,
                        _LABELS[key],
                        _("“%(cell)s” is not a known value; use one of %(examples)s")
                        % {"cell": cell[:30], "examples": examples},
                    )
                )
            data[key] = value or ""
    if "accessibility" in row:
        features = []
        for part in (p for p in _SPLIT.split(row["accessibility"]) if p):
            value = _word(tables["accessibility"], part)
            if value is None:
                errors.append(
                    RowError(
                        number,
                        _LABELS["accessibility"],
                        _("“%(cell)s” is not a listed feature.") % {"cell": part[:30]},
                    )
                )
            else:
                features.append(value)
        data["accessibility"] = features
    for key in (
        "name",
        "floor_area",
        "activity_area",
        "year_built",
        "address",
        "latitude",
        "longitude",
        "terminals",
        "phone",
        "new_build",
        "residential_area",
        "commercial_area",
        "note",
    ):
        if key in row:
            data[key] = row[key]
    days = {day: row[day] for day in WEEKDAYS if day in row}
    if days:
        hours = {}
        for day, cell in days.items():
            cell = cell.strip()
            if cell.lower() in _CLOSED_WORDS:
                cell = ""
            elif cell in _ALL_DAY_WORDS:
                cell = "00:00-24:00"
            hours[day] = cell
        data["hours"] = hours
    return data


def _merge(data: dict, existing: Facility | None) -> dict:
    """An update keeps what the file does not say: the columns it leaves out."""
    if existing is None:
        return data
    merged = {name: getattr(existing, name) for name in FACILITY_FIELDS}
    merged["hours"] = dict(existing.hours or {})
    for name, value in data.items():
        if name == "hours":
            merged["hours"].update(value)
        else:
            merged[name] = value
    return merged


def _areas(codes: set[str]) -> dict[str, Area]:
    found: dict[str, Area] = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), _CHUNK):
        chunk = codes_list[start : start + _CHUNK]
        found.update({a.code: a for a in Area.objects.filter(code__in=chunk)})
    return found


def _existing(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Facility]:
    found: dict[tuple[str, str], Facility] = {}
    keys_list = sorted(keys)
    for start in range(0, len(keys_list), _CHUNK):
        q = Q(pk__in=[])
        for code, name in keys_list[start : start + _CHUNK]:
            q |= Q(area_code=code, name=name)
        found.update({(f.area_code, f.name): f for f in Facility.objects.filter(q)})
    return found


def _check(actor, rows: list[dict[str, str]], result: ImportResult) -> list[_Item]:
    tables = {
        "kind": _lookup(KIND_WORDS, Facility.Kind),
        "status": _lookup(STATUS_WORDS, Facility.Status),
        "ownership": _lookup(OWNERSHIP_WORDS, Facility.Ownership),
        "accessibility": _lookup(ACCESSIBILITY_WORDS, Facility.Accessibility),
    }
    codes = {c.normal_code(row.get("area_code", "")) for row in rows} - {None}
    areas = _areas(codes)
    names = {
        (code, " ".join(row.get("name", "").split()))
        for row in rows
        if (code := c.normal_code(row.get("area_code", "")))
    }
    existing = _existing(names)
    seen: dict[tuple[str, str], int] = {}
    items: list[_Item] = []
    for row in rows:
        number = int(row["_row"])
        found: list[RowError] = []
        code = c.normal_code(row.get("area_code", ""))
        area = areas.get(code) if code else None
        if area is None or area.level not in PLACE_LEVELS:
            found.append(
                RowError(
                    number, _LABELS["area_code"], _("Give the code of a town or community we know.")
                )
            )
        elif not scoping.has_cap(actor, Cap.FACILITY_MANAGE, area.code):
            found.append(
                RowError(number, _LABELS["area_code"], _("You may not record facilities here."))
            )
        data = _convert(row, tables, found, number)
        name = " ".join(str(data.get("name", "")).split())
        current = existing.get((area.code, name)) if area is not None else None
        errors = c.Errors()
        values = clean_values(errors, _merge(data, current))
        for member, messages in errors.found.items():
            column = _FIELD_COLUMNS.get(member, _LABELS.get(member, ""))
            found.extend(RowError(number, column, message) for message in messages)
        if area is not None and name:
            first = seen.setdefault((area.code, name), number)
            if first != number:
                found.append(
                    RowError(
                        number,
                        _LABELS["name"],
                        _("Row %(row)d already has this facility.") % {"row": first},
                    )
                )
        if found:
            result.errors.extend(found)
            continue
        items.append(_Item(number, area, values, current))
    return items


def _plan(items: list[_Item], result: ImportResult) -> None:
    result.created = result.updated = result.unchanged = 0
    result.statuses = {}
    for item in items:
        if item.existing is None:
            item.status = "created"
        else:
            item.changed = changed_fields(item.existing, item.values)
            item.status = "updated" if item.changed else "unchanged"
        setattr(result, item.status, getattr(result, item.status) + 1)
        result.statuses[item.row] = item.status


def _apply(actor, items: list[_Item], result: ImportResult) -> None:
    now = timezone.now()
    for item in items:
        if item.status == "unchanged":
            continue
        if item.existing is None:
            facility = Facility(
                area=item.area,
                area_code=item.area.code,
                created_by=c.user_or_none(actor),
                created_at=now,
            )
        else:
            facility = Facility.objects.select_for_update().get(pk=item.existing.pk)
        closing = item.values["status"] == Facility.Status.CLOSED and (
            item.existing is not None and facility.status != Facility.Status.CLOSED
        )
        for name, value in item.values.items():
            setattr(facility, name, value)
        facility.updated_at = now
        facility.save()
        closed = close_venues(facility, now)[0] if closing else 0
        audit.record(
            actor,
            "facility.create" if item.existing is None else "facility.update",
            facility,
            extra={
                "kind": facility.kind,
                "status": facility.status,
                "fields": sorted(set(item.changed) - {"open_days", "min_daily_hours"}),
                "venues_closed": closed,
                "import_row": item.row,
            },
        )
    audit.record(
        actor,
        "facility.import",
        target_type="facilities.facility",
        extra={
            "rows": len(result.rows),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )


def read_file(file) -> list[dict[str, str]]:
    """The rows of an uploaded .xlsx (or .csv) file, keyed by column."""
    size = getattr(file, "size", None)
    if size is not None and size > IMPORT_MAX_BYTES:
        raise ActionError(
            _("The file is larger than %(mb)d MB; split it.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    data = file.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise ActionError(
            _("The file is larger than %(mb)d MB; split it.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    try:
        rows = tabular.read_rows(str(getattr(file, "name", "") or ""), data, _READ_COLUMNS)
    except ActionError as exc:
        raise ActionError(exc.message, field="file") from None
    if len(rows) > IMPORT_MAX_ROWS:
        raise ActionError(
            _("The file has more than %(n)d rows; split it.") % {"n": IMPORT_MAX_ROWS},
            field="file",
        )
    return rows


def facilities_import(*, actor, file, dry_run: bool = False) -> ImportResult:
    """Add or update facilities from a spreadsheet (one row per facility). Every row is
    checked first; if any is wrong nothing is written and ``result.errors`` lists each problem
    by row, column and message. ``dry_run`` checks and counts without writing."""
    scoping.require(actor, Cap.FACILITY_MANAGE)
    rows = read_file(file)
    result = ImportResult(rows=rows)
    try:
        with transaction.atomic():
            items = _check(actor, rows, result)
            if result.errors:
                result.errors.sort(key=lambda e: (e.row, e.column))
                return result
            _plan(items, result)
            if dry_run:
                return result
            _apply(actor, items, result)
    except IntegrityError:
        raise Conflict(
            _("Facilities changed while the file was being imported; try again.")
        ) from None
    result.applied = True
    return result


@dataclass(frozen=True)
class Export:
    data: bytes
    rows: int
    filename: str


def _cells(facility: Facility) -> list:
    def first(words: dict[str, list[str]], value: str) -> str:
        return (words.get(value) or [value])[0]

    hours = facility.hours or {}
    return [
        facility.area_code,
        facility.name,
        first(KIND_WORDS, facility.kind),
        first(STATUS_WORDS, facility.status),
        float(facility.floor_area),
        float(facility.activity_area),
        facility.year_built,
        first(OWNERSHIP_WORDS, facility.ownership),
        facility.address,
        float(facility.latitude) if facility.latitude is not None else None,
        float(facility.longitude) if facility.longitude is not None else None,
        "、".join(first(ACCESSIBILITY_WORDS, value) for value in facility.accessibility or []),
        facility.terminals,
        facility.phone,
        "是" if facility.new_build else "否",
        float(facility.residential_area) if facility.residential_area is not None else None,
        float(facility.commercial_area),
        *[",".join(f"{s}-{e}" for s, e in hours.get(day) or []) or "休息" for day in WEEKDAYS],
        facility.note,
    ]


def facilities_export(*, actor, filters: dict | None = None) -> Export:
    """The facilities the actor sees, filtered as the list is, as an .xlsx in the import's
    columns (at most 20,000 rows). Audited."""
    from ..queries.facilities import facility_list

    scoping.require(actor, Cap.FACILITY_VIEW)
    qs = facility_list(actor=actor, filters=filters).select_related(None)[:EXPORT_MAX_ROWS]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("facilities")
    sheet.append([_bold(sheet, column.label) for column in COLUMNS])
    count = 0
    for facility in qs.iterator(chunk_size=1000):
        sheet.append(_cells(facility))
        count += 1
    out = io.BytesIO()
    book.save(out)
    with transaction.atomic():
        audit.record(
            actor,
            "facility.export",
            target_type="facilities.facility",
            extra={"rows": count, "filters": sorted(k for k, v in (filters or {}).items() if v)},
        )
    stamp = timezone.localdate().strftime("%Y%m%d")
    return Export(out.getvalue(), count, f"linli-facilities-{stamp}.xlsx")


def _bold(sheet, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


__all__ = [
    "facilities_export",
    "facilities_import",
    "facility_import_columns",
    "facility_import_template",
]
