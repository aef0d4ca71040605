"""Area codes, the national table, the area import, reported figures and who sees which area."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from linli.core import actions, areacodes, scoping, tabular
from linli.core.actions.areas import IMPORT_COLUMNS, import_columns
from linli.core.areacodes import AreaCodeError, Level
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import Area, AuditEvent, ReportedFigure
from linli.core.queries import areas as area_queries
from tests.conftest import make_user

HEADER = "区划代码,名称,层级,上级代码,城乡分类代码,常住人口,户数,统计日期,数据来源"

# Town C (new) with a community and a grid, plus figures; all under the fixture county 220403.
GOOD_CSV = "\n".join(
    [
        HEADER,
        "220403003,先锋街道,乡镇/街道,220403,,,,,",
        "220403003001,先锋社区,社区,220403003000,111,3200,1150,2026-01-01,2025年统计年报",
        "220403003001001,先锋社区第1网格,网格,,,,,,",
        '220403003002,红旗村,村,,220,"1,800",620,2026/1/1,2025年统计年报',
    ]
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def rows_of(text: str, name: str = "areas.csv") -> list[dict[str, str]]:
    return tabular.read_rows(name, text.encode("utf-8"), IMPORT_COLUMNS)


def snapshot():
    """What an import could have written: areas, figures, audit rows."""
    return (
        sorted(Area.objects.values_list("code", "name", "urban_rural")),
        sorted(ReportedFigure.objects.values_list("area_id", "kind", "value", "as_of")),
        AuditEvent.objects.count(),
    )


# --- area codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_code", "canonical"),
    [
        ("22", "220000000000"),
        ("2204", "220400000000"),
        ("220403", "220403000000"),
        ("220403001", "220403001000"),
        ("220403001001", "220403001001"),
        ("220403001001001", "220403001001001"),
        (" 220403 ", "220403000000"),
    ],
)
def test_normalize_pads_short_forms(given_code, canonical):
    assert areacodes.normalize(given_code) == canonical


@pytest.mark.parametrize(
    "bad", ["", "   ", "abc", "2204031", "2204030010", "22040300100100", "２２０４", "22-04", None]
)
def test_normalize_refuses_what_is_not_a_code(bad):
    with pytest.raises(AreaCodeError):
        areacodes.normalize(bad)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("220000000000", Level.PROVINCE),
        ("220400000000", Level.PREFECTURE),
        ("220403000000", Level.COUNTY),
        ("220403001000", Level.TOWN),
        ("220403001001", Level.COMMUNITY),
        ("220403001001001", Level.GRID),
        ("429004", Level.COUNTY),
    ],
)
def test_level_of(code, level):
    assert areacodes.level_of(code) == level


@pytest.mark.parametrize(
    "bad",
    [
        "000000000000",  # no province
        "220003000000",  # county without prefecture
        "220400001000",  # town without county
        "220403000001",  # community without town
        "220403001001000",  # grid ending in 000
        "220403001000001",  # grid under a town, not a community
        "12345",
    ],
)
def test_level_of_refuses_invalid_codes(bad):
    with pytest.raises(AreaCodeError):
        areacodes.level_of(bad)


def test_parent_code_and_prefix_walk_up_the_tree():
    assert areacodes.parent_code("220403001001001") == "220403001001"
    assert areacodes.parent_code("220403001001") == "220403001000"
    assert areacodes.parent_code("220403001") == "220403000000"
    assert areacodes.parent_code("220403") == "220400000000"
    assert areacodes.parent_code("2204") == "220000000000"
    assert areacodes.parent_code("22") is None
    assert areacodes.prefix_of("220403001001001") == "220403001001001"
    assert areacodes.prefix_of("220403001001") == "220403001001"
    assert areacodes.prefix_of("220403001") == "220403001"
    assert areacodes.prefix_of("220403") == "220403"
    assert areacodes.prefix_of("22") == "22"
    assert areacodes.ancestors("220403001001") == [
        "220000000000",
        "220400000000",
        "220403000000",
        "220403001000",
    ]


_SEGMENT_WIDTHS = [2, 2, 2, 3, 3, 3]


@st.composite
def valid_codes(draw):
    level = draw(st.integers(min_value=1, max_value=6))
    parts = [
        str(draw(st.integers(min_value=1, max_value=10**width - 1))).zfill(width)
        for width in _SEGMENT_WIDTHS[:level]
    ]
    code = "".join(parts)
    return (code.ljust(12, "0") if level < 6 else code), Level(level)


@given(valid_codes())
def test_codes_and_their_parents_agree(code_level):
    code, level = code_level
    assert areacodes.normalize(code) == code
    assert areacodes.level_of(code) == level
    assert len(areacodes.prefix_of(code)) == areacodes.PREFIX_LENGTH[level]
    assert code.startswith(areacodes.prefix_of(code))
    assert len(areacodes.ancestors(code)) == level - 1
    parent = areacodes.parent_code(code)
    if level == Level.PROVINCE:
        assert parent is None
    else:
        assert areacodes.level_of(parent) == level - 1
        assert areacodes.is_within(code, areacodes.prefix_of(parent))


@given(st.text(max_size=20))
def test_any_text_is_a_code_or_a_clear_error(text):
    try:
        code = areacodes.normalize(text)
    except AreaCodeError as exc:
        assert str(exc.args[0])
        return
    assert len(code) in (12, 15) and code.isdigit()
    try:
        areacodes.level_of(code)
    except AreaCodeError as exc:
        assert str(exc.args[0])


# --- the national table -----------------------------------------------------------------------


def test_load_national_builds_the_real_tree(db):
    created = actions.areas_load_national()
    assert created > 3000
    xian = Area.objects.select_related("parent__parent").get(code="220403000000")
    assert (xian.name, xian.level, xian.prefix) == ("西安区", Level.COUNTY, "220403")
    assert (xian.parent.code, xian.parent.name) == ("220400000000", "辽源市")
    assert (xian.parent.parent.code, xian.parent.parent.name) == ("220000000000", "吉林省")
    assert xian.parent.parent.parent_id is None
    # Municipalities: districts under 市辖区, counties under 县 (Chongqing).
    dongcheng = Area.objects.get(code="110101000000")
    assert dongcheng.parent.name == "市辖区" and dongcheng.parent.parent.name == "北京市"
    chengkou = Area.objects.get(code="500229000000")
    assert chengkou.parent_id == "500200000000" and chengkou.parent.name == "县"
    assert Area.objects.get(code="500101000000").parent.name == "市辖区"
    # Province-direct counties (省直辖县级行政区划) and their autonomous-region form.
    xiantao = Area.objects.get(code="429004000000")
    assert xiantao.name == "仙桃市" and xiantao.level == Level.COUNTY
    assert xiantao.parent.name == "省直辖县级行政区划" and xiantao.parent.parent.name == "湖北省"
    assert Area.objects.get(code="659000000000").name == "自治区直辖县级行政区划"
    # Nothing below county level comes from the national table.
    assert not Area.objects.filter(level__gt=Level.COUNTY).exists()
    assert AuditEvent.objects.filter(action="area.load_national").count() == 1


def test_load_national_is_idempotent_and_repairs_names(tree):
    actions.areas_load_national()
    # The fixture made placeholders for the prefecture and province; they get their real names.
    assert Area.objects.get(code="220400000000").name == "辽源市"
    assert Area.objects.get(code="220000000000").name == "吉林省"
    before = snapshot()
    assert actions.areas_load_national() == 0
    assert snapshot() == before
    # Towns and communities imported below a county are left alone.
    assert Area.objects.get(code="220403001001").name == "仙城社区"


def test_load_national_is_for_the_platform_only(users):
    with pytest.raises(Forbidden):
        actions.areas_load_national(actor=users["county"])
    assert not Area.objects.filter(code="110000000000").exists()


# --- the area import -------------------------------------------------------------------------


def test_import_creates_towns_communities_grids_and_figures(users):
    county = users["county"]
    result = actions.area_import(actor=county, rows=rows_of(GOOD_CSV))
    assert result.ok and result.applied
    assert (result.created, result.updated, result.unchanged, result.figures) == (4, 0, 0, 4)
    town = Area.objects.get(code="220403003000")
    assert (town.name, town.level, town.parent_id, town.prefix) == (
        "先锋街道",
        Level.TOWN,
        "220403000000",
        "220403003",
    )
    community = Area.objects.get(code="220403003001")
    assert community.parent_id == town.code and community.urban_rural == "111"
    assert community.is_urban is True
    village = Area.objects.get(code="220403003002")
    assert village.is_urban is False
    grid = Area.objects.get(code="220403003001001")
    assert grid.level == Level.GRID and grid.parent_id == community.code
    figures = {
        (f.area_id, f.kind): (f.value, f.as_of, f.source, f.recorded_by_id)
        for f in ReportedFigure.objects.all()
    }
    assert figures[("220403003001", "population")] == (
        3200,
        dt.date(2026, 1, 1),
        "2025年统计年报",
        county.pk,
    )
    assert figures[("220403003002", "population")][0] == 1800  # thousands separator
    assert figures[("220403003002", "households")][1] == dt.date(2026, 1, 1)  # 2026/1/1
    actions_written = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions_written.count("area.create") == 4
    assert actions_written.count("area.figure_record") == 4
    assert actions_written.count("area.import") == 1
    assert all(e.actor_id == county.pk for e in AuditEvent.objects.all())


def test_import_rerun_changes_nothing_and_audits_only_the_run(users):
    actions.area_import(actor=users["county"], rows=rows_of(GOOD_CSV))
    areas, figures, events = snapshot()
    again = actions.area_import(actor=users["county"], rows=rows_of(GOOD_CSV))
    assert again.ok and again.applied
    assert (again.created, again.updated, again.unchanged, again.figures) == (0, 0, 4, 0)
    assert snapshot()[:2] == (areas, figures)
    # The only new audit row is the summary of the second run.
    assert AuditEvent.objects.count() == events + 1
    latest = AuditEvent.objects.order_by("-id").first()
    assert latest.action == "area.import"
    assert latest.extra == {"rows": 4, "created": 0, "updated": 0, "unchanged": 4, "figures": 0}


def test_import_updates_names_classes_and_corrects_figures(users):
    actions.area_import(actor=users["county"], rows=rows_of(GOOD_CSV))
    changed = GOOD_CSV.replace("先锋社区,社区,220403003000,111,3200", "先锋新社区,社区,,112,3300")
    result = actions.area_import(actor=users["county"], rows=rows_of(changed))
    assert (result.created, result.updated, result.unchanged, result.figures) == (0, 1, 3, 1)
    community = Area.objects.get(code="220403003001")
    assert (community.name, community.urban_rural) == ("先锋新社区", "112")
    figure = ReportedFigure.objects.get(area=community, kind="population")
    assert figure.value == 3300
    event = AuditEvent.objects.filter(action="area.figure_record").order_by("-id").first()
    assert event.extra["previous"] == 3200 and event.extra["value"] == 3300
    update = AuditEvent.objects.get(action="area.update")
    assert update.extra["fields"] == ["name", "urban_rural"]


def test_import_orders_parents_before_children(users):
    text = "\n".join([HEADER, "220403003001,先锋社区,,,111,,,,", "220403003,先锋街道,,,,,,,"])
    result = actions.area_import(actor=users["county"], rows=rows_of(text))
    assert result.ok and result.created == 2
    assert Area.objects.get(code="220403003001").parent_id == "220403003000"


def test_dry_run_counts_and_writes_nothing(users):
    before = snapshot()
    result = actions.area_import(actor=users["county"], rows=rows_of(GOOD_CSV), dry_run=True)
    assert result.ok and not result.applied
    assert (result.created, result.figures) == (4, 4)
    assert result.statuses == {2: "created", 3: "created", 4: "created", 5: "created"}
    assert snapshot() == before


BAD_ROWS = {
    "short code": ("2204030010,某社区,,,,,,,", "Bad code 2204030010"),
    "letters in code": ("22O403001009,某社区,,,,,,,", "Bad code 22O403001009"),
    "zero part before non-zero": ("220403000009,某社区,,,,,,,", "zero part"),
    "unknown parent": ("220403009001,某社区,,,,,,,", "Unknown parent: 220403009000"),
    "level mismatch": ("220403001009,某社区,网格,,,,,,", "Level mismatch"),
    "unknown level word": ("220403001009,某社区,小区,,,,,,", "Unknown level 小区"),
    "higher-level code": ("220404,某区,,,,,,,", "only towns/streets"),
    "parent code mismatch": ("220403001009,某社区,,220403002,,,,,", "does not match"),
    "bad urban-rural class": ("220403001009,某社区,,,311,,,,", "Urban-rural class 311"),
    "urban-rural on a town": ("220403009,某街道,,,111,,,,", "communities and villages only"),
    "bad number": ("220403001009,某社区,,,111,三千,,2026-01-01,普查", "is not a whole number"),
    "negative number": ("220403001009,某社区,,,111,-5,,2026-01-01,普查", "is not a whole number"),
    "fraction": ("220403001009,某社区,,,111,,12.5,2026-01-01,普查", "is not a whole number"),
    "future date": ("220403001009,某社区,,,111,100,,2099-01-01,普查", "in the future"),
    "bad date": ("220403001009,某社区,,,111,100,,2026-13-45,普查", "is not a date"),
    "figures without date": ("220403001009,某社区,,,111,100,,,普查", "date of the figures"),
    "figures without source": ("220403001009,某社区,,,111,100,,2026-01-01,", "source"),
    "figures on a grid": ("220403001001009,第9网格,,,,100,,2026-01-01,普查", "not grids"),
    "missing name": ("220403001009,,,,,,,,", "Name is required"),
    "control character in name": ("220403001009,某\x00社区,,,,,,,", "control characters"),
    "too long a name": ("220403001009," + "长" * 101 + ",,,,,,,", "longer than 100"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_one_bad_row_is_reported_by_row_number_and_nothing_is_written(users, case):
    bad_row, fragment = BAD_ROWS[case]
    text = "\n".join([HEADER, "220403003,先锋街道,,,,,,,", "", bad_row])
    before = snapshot()
    result = actions.area_import(actor=users["county"], rows=rows_of(text))
    assert not result.ok and not result.applied
    # Row 3 is blank and skipped; the bad row is spreadsheet row 4.
    assert list(result.errors) == [4], result.errors
    assert any(fragment in message for message in result.errors[4]), result.errors[4]
    assert result.created == 1  # the good row would have been created
    assert snapshot() == before


def test_duplicate_code_names_the_first_row(users):
    text = "\n".join([HEADER, "220403003,先锋街道,,,,,,,", "220403003000,先锋街道二,,,,,,,"])
    before = snapshot()
    result = actions.area_import(actor=users["county"], rows=rows_of(text))
    assert result.errors == {3: ["Duplicate: code 220403003000 is also on row 2."]}
    assert snapshot() == before


def test_a_community_head_cannot_import_under_another_town(users):
    head = users["head_a1"]
    text = "\n".join(
        [
            HEADER,
            "220403001001002,仙城社区第2网格,网格,,,,,,",  # own community: allowed
            "220403002009,越界社区,社区,,111,,,,",  # under town B: refused
        ]
    )
    before = snapshot()
    result = actions.area_import(actor=head, rows=rows_of(text))
    assert list(result.errors) == [3]
    assert "You may not add or change areas at 220403002009" in result.errors[3][0]
    assert snapshot() == before
    # The same head may add a grid to their own community.
    ok = actions.area_import(actor=head, rows=rows_of("\n".join(text.splitlines()[:2])))
    assert ok.ok and ok.created == 1


def test_a_community_head_may_report_figures_but_not_rename_their_community(users):
    head = users["head_a1"]
    figures = f"{HEADER}\n220403001001,仙城社区,,,,2500,900,2026-01-01,入户调查"
    result = actions.area_import(actor=head, rows=rows_of(figures))
    assert result.ok and result.figures == 2 and result.unchanged == 1
    renamed = f"{HEADER}\n220403001001,仙城新社区,,,,,,,"
    refused = actions.area_import(actor=head, rows=rows_of(renamed))
    assert "Only the level above may rename" in refused.errors[2][0]
    assert Area.objects.get(code="220403001001").name == "仙城社区"


def test_staff_without_area_manage_cannot_import(users):
    result = actions.area_import(
        actor=users["worker_a1"], rows=rows_of(f"{HEADER}\n220403001001002,第2网格,,,,,,,")
    )
    assert not result.ok and not Area.objects.filter(code="220403001001002").exists()


def test_csv_in_gb18030_and_utf8_with_bom(users):
    gb = tabular.read_rows("areas.csv", GOOD_CSV.encode("gb18030"), IMPORT_COLUMNS)
    bom = tabular.read_rows("areas.csv", GOOD_CSV.encode("utf-8-sig"), IMPORT_COLUMNS)
    assert gb == bom
    assert gb[1]["name"] == "先锋社区" and gb[0]["code"] == "220403003"
    result = actions.area_import(actor=users["county"], rows=gb)
    assert result.ok and result.created == 4
    assert Area.objects.get(code="220403003002").name == "红旗村"


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_with_numeric_codes_and_date_cells(users):
    data = xlsx_bytes(
        [
            ["区划代码*", "名称*", "城乡分类代码", "常住人口", "户数", "统计日期", "数据来源"],
            [220403003, "先锋街道", None, None, None, None, None],
            [220403003001, "先锋社区", 111, 3200, 1150.0, dt.datetime(2026, 1, 1), "年报"],
        ]
    )
    rows = tabular.read_rows("areas.xlsx", data, IMPORT_COLUMNS)
    result = actions.area_import(actor=users["county"], rows=rows)
    assert result.ok, result.errors
    assert Area.objects.get(code="220403003001").urban_rural == "111"
    figure = ReportedFigure.objects.get(area_id="220403003001", kind="households")
    assert (figure.value, figure.as_of) == (1150, dt.date(2026, 1, 1))


def test_error_report_puts_messages_beside_the_rows(users):
    text = "\n".join(
        [HEADER, "220403003,先锋街道,,,,,,,", "220403009001,孤儿社区,,,,,,,", "abc,坏代码,,,,,,,"]
    )
    rows = rows_of(text)
    result = actions.area_import(actor=users["county"], rows=rows, dry_run=True)
    report = openpyxl.load_workbook(
        io.BytesIO(tabular.error_report_xlsx(import_columns(), rows, result.errors))
    ).active
    table = [[cell.value for cell in row] for row in report.iter_rows()]
    header = table[0]
    assert header[:2] == ["Row", "Errors"] and "区划代码" in header
    by_row = {line[0]: line for line in table[1:]}
    assert by_row[2][1] in (None, "")
    assert "Unknown parent" in by_row[3][1] and by_row[3][header.index("名称")] == "孤儿社区"
    assert "Bad code abc" in by_row[4][1]


def test_template_has_the_headers_and_no_example_row():
    book = openpyxl.load_workbook(io.BytesIO(tabular.template_xlsx("areas", import_columns())))
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:2] == ["区划代码*", "名称*"]
    assert sheet.max_row == 1 or not any(cell.value for cell in sheet[2])
    notes = [[cell.value for cell in row] for row in book.worksheets[1].iter_rows()]
    assert any("220403001001" in (row[3] or "") for row in notes)


def test_area_create_refuses_a_bad_code(users):
    area = actions.area_create(actor=users["town_a"], code="220403001009", name="新社区")
    assert area.parent_id == "220403001000"
    with pytest.raises(ActionError) as exc:
        actions.area_create(actor=users["town_a"], code="220403002009", name="越界")
    assert "code" in exc.value.errors


# --- reported figures -------------------------------------------------------------------------


def test_figure_record_stores_corrects_and_audits(users, tree):
    head = users["head_a1"]
    figure = actions.figure_record(
        actor=head,
        area_code="220403001001",
        kind="population",
        value=3100,
        as_of=dt.date(2026, 1, 1),
        source=" 入户调查 ",
    )
    assert (figure.value, figure.source, figure.recorded_by_id) == (3100, "入户调查", head.pk)
    events = AuditEvent.objects.filter(action="area.figure_record")
    assert events.count() == 1 and events.get().area_code == "220403001001"
    # The same figure again writes nothing.
    actions.figure_record(
        actor=head,
        area_code="220403001001",
        kind="population",
        value=3100,
        as_of=dt.date(2026, 1, 1),
        source="入户调查",
    )
    assert events.count() == 1
    # A second figure for the same date corrects the first.
    actions.figure_record(
        actor=head,
        area_code="220403001001",
        kind="population",
        value=3150,
        as_of=dt.date(2026, 1, 1),
        source="入户调查",
    )
    assert ReportedFigure.objects.get(area=tree["a1"], kind="population").value == 3150
    assert events.count() == 2 and events.order_by("-id").first().extra["previous"] == 3100


@pytest.mark.parametrize(
    ("who", "code", "error"),
    [
        ("worker_a1", "220403001001", Forbidden),  # sees a1 but may not manage it
        ("head_a1", "220403001000", Forbidden),  # town A is only on their path
        ("head_a1", "220403001002", NotFound),  # the neighbour is invisible
        ("town_a", "220403002001", NotFound),  # another town's community
        ("resident_a1", "220403001001", NotFound),
    ],
)
def test_figure_record_refuses_actors_outside_their_area(users, who, code, error):
    with pytest.raises(error):
        actions.figure_record(
            actor=users[who],
            area_code=code,
            kind="population",
            value=1,
            as_of=dt.date(2026, 1, 1),
            source="x",
        )
    assert not ReportedFigure.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": -1}, "value"),
        ({"value": None}, "value"),
        ({"value": 10**9}, "value"),
        ({"kind": "cats"}, "kind"),
        ({"as_of": None}, "as_of"),
        ({"as_of": "tomorrow"}, "as_of"),
        ({"source": "  "}, "source"),
        ({"source": "x" * 201}, "source"),
        ({"area_code": "220403001001001"}, "__all__"),  # grids carry no figures
    ],
)
def test_figure_record_explains_bad_input_and_writes_nothing(users, changes, field):
    arguments = {
        "area_code": "220403001001",
        "kind": "population",
        "value": 10,
        "as_of": dt.date(2026, 1, 1),
        "source": "年报",
        **changes,
    }
    if arguments["as_of"] == "tomorrow":
        arguments["as_of"] = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ActionError) as exc:
        actions.figure_record(actor=users["town_a"], **arguments)
    assert field in exc.value.errors
    assert not ReportedFigure.objects.exists()


# --- who sees what ---------------------------------------------------------------------------


def visible_codes(actor) -> set[str]:
    return set(area_queries.area_list(actor=actor).values_list("code", flat=True))


def test_a_community_worker_sees_their_community_its_grid_and_the_path_above(users, tree):
    seen = visible_codes(users["worker_a1"])
    assert {"220403001001", "220403001001001"} <= seen
    assert {"220000000000", "220400000000", "220403000000", "220403001000"} <= seen
    assert not seen & {"220403001002", "220403002000", "220403002001", "220402000000"}
    with pytest.raises(NotFound):
        area_queries.area_get(actor=users["worker_a1"], code="220403001002")
    with pytest.raises(NotFound):
        area_queries.area_children(actor=users["worker_a1"], code="220403002")


def test_a_town_officer_sees_both_communities_of_the_town_not_the_other_town(users):
    seen = visible_codes(users["town_a"])
    assert {"220403001000", "220403001001", "220403001002", "220403001001001"} <= seen
    assert not seen & {"220403002000", "220403002001"}


def test_the_path_above_is_for_navigation_only(users, tree):
    worker = users["worker_a1"]
    ReportedFigure.objects.create(
        area=tree["town_a"], kind="population", value=9000, as_of=dt.date(2025, 1, 1), source="x"
    )
    ReportedFigure.objects.create(
        area=tree["a1"], kind="population", value=3000, as_of=dt.date(2025, 1, 1), source="x"
    )
    county_children = list(area_queries.area_children(actor=worker, code="220403"))
    assert [a.code for a in county_children] == ["220403001000"]
    # Town A counts only what the worker can see below it, and shows no population.
    assert county_children[0].child_count == 1
    assert county_children[0].population is None
    town_children = list(area_queries.area_children(actor=worker, code="220403001"))
    assert [(a.code, a.population) for a in town_children] == [("220403001001", 3000)]
    assert area_queries.figure_latest(actor=worker, area=tree["town_a"]) == {}
    assert not area_queries.figure_list(actor=worker, area=tree["town_a"]).exists()
    access = area_queries.area_access(actor=worker, area=tree["town_a"])
    assert not access.in_scope and not access.can_manage
    assert area_queries.area_access(actor=users["head_a1"], area=tree["a1"]).can_manage


def test_roots_search_and_paths(users, tree):
    town = users["town_a"]
    roots = list(area_queries.area_roots(actor=town))
    assert [(r.code, r.child_count) for r in roots] == [("220403001000", 2)]
    hits = list(area_queries.area_list(actor=town, search="社区"))
    assert [h.code for h in hits] == ["220403001001", "220403001001001", "220403001002"]
    assert [h.code for h in area_queries.area_list(actor=town, search="220403001001")] == [
        "220403001001",
        "220403001001001",
    ]
    assert [h.code for h in area_queries.area_list(actor=town, level=Level.COMMUNITY)] == [
        "220403001001",
        "220403001002",
    ]
    paths = area_queries.area_paths(actor=town, areas=hits)
    assert [a.code for a in paths["220403001001001"]] == [
        "220000000000",
        "220400000000",
        "220403000000",
        "220403001000",
        "220403001001",
    ]
    with pytest.raises(ActionError):
        area_queries.area_list(actor=town, under="12345")


def test_a_resident_sees_their_home_community_only(users, tree):
    resident = make_user("resident_home")
    resident.home_area = tree["a2"]
    resident.save()
    seen = visible_codes(resident)
    assert "220403001002" in seen and "220403001001" not in seen
    assert visible_codes(users["resident_a1"]) == set()


def test_the_platform_sees_everything(tree):
    assert visible_codes(scoping.SYSTEM) == set(Area.objects.values_list("code", flat=True))


# --- the command line ------------------------------------------------------------------------


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_areas", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli_imports_and_prints_counts(tree, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes(GOOD_CSV.encode("gb18030"))
    out, _err = run(str(path), "--dry-run")
    assert "dry run" in out and "4 created" in out
    assert not Area.objects.filter(code="220403003000").exists()
    out, _err = run(str(path))
    assert "4 created, 0 updated, 0 unchanged, 4 figures" in out
    event = AuditEvent.objects.get(action="area.import")
    assert event.actor_id is None and event.actor_label == "system"
    out, _err = run(str(path))
    assert "0 created, 0 updated, 4 unchanged" in out


def test_cli_prints_row_errors_and_fails(tree, tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(f"{HEADER}\n220403003,先锋街道,,,,,,,\nabc,坏,,,,,,,\n", encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match="1 of 2 rows have errors"):
        run(str(path))
    assert snapshot() == before
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_areas", str(path), stdout=out, stderr=err)
    assert "row 3: Bad code abc" in err.getvalue()


def test_cli_acts_as_an_account(users, tmp_path):
    path = tmp_path / "areas.xlsx"
    path.write_bytes(xlsx_bytes([["区划代码", "名称"], ["220403002009", "越界社区"]]))
    with pytest.raises(CommandError):
        run(str(path), "--as", "head_a1")
    assert not Area.objects.filter(code="220403002009").exists()
    out, _err = run(str(path), "--as", "town_b")
    assert "1 created" in out
    assert AuditEvent.objects.get(action="area.create").actor == users["town_b"]
    with pytest.raises(CommandError, match="no active account"):
        run(str(path), "--as", "nobody")
    with pytest.raises(CommandError, match="cannot read"):
        run(str(tmp_path / "missing.csv"))
