"""Ledgers (台账) generated from the registry: content, scoping, masking, exports, queries.

Fixture (tests/registry/conftest.py): in A1, 李四 (grid 1, 1号楼) is special_elderly.living_alone
and 王五 (2号楼, in no grid) is dibao; in B1, 孙七 is community_correction.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.pii import mask_text
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.registry import actions, ledgers
from tests.conftest import make_user
from tests.registry.conftest import make_id

A1 = "220403001001"
A2 = "220403001002"
GRID_A1 = "220403001001001"
TOWN_A = "220403001000"
COUNTY = "220403000000"


def _rows(actor, ledger, area=None, **kwargs):
    scope = ledgers.ledger_scope(actor=actor, area_code=area, ledger=ledger)
    names = ledgers.area_names(scope=scope)
    return [
        dict(zip(ledgers.ROW_FIELDS, row, strict=True))
        for row in ledgers.ledger_rows(scope=scope, names=names, **kwargs)
    ]


def _codes(actor, area=None) -> list[str]:
    return [ledger.code for ledger in ledgers.ledger_scope(actor=actor, area_code=area).ledgers]


def _age(born: dt.date) -> int:
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _add_tagged(homes, n: int, tag: str = "special_elderly.empty_nest") -> None:
    """``n`` more people in 李四's household, each in ``tag``."""
    for i in range(n):
        resident = actions.resident_add(
            actor=SYSTEM,
            household_id=homes["households"]["li"].pk,
            name=f"周{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{i}",
            id_number=make_id("19450101", 100 + i, female=bool(i % 2)),
            phone=f"1390000{1000 + i}",
            relationship="relative",
        )
        actions.resident_tag_add(
            actor=SYSTEM, resident_id=resident.pk, tag_code=tag, started_on="2024-06-01"
        )


def _xlsx(content: bytes):
    return load_workbook(io.BytesIO(content))


# --- what the ledgers hold ----------------------------------------------------------------


def test_li_si_is_in_the_special_elderly_ledger_as_living_alone(users, homes):
    li = homes["people"]["li"]
    [row] = _rows(users["worker_a1"], "special_elderly", A1)
    assert row["resident_id"] == li.pk
    assert row["name"] == "李四"
    assert row["kinds"] == ["special_elderly.living_alone"]
    assert "独居" in row["kind"]
    assert (row["town"], row["community"], row["grid"]) == (
        "仙城街道",
        "仙城社区",
        "仙城社区第1网格",
    )
    assert row["birth_date"] == "1940-02-02"
    assert row["age"] == _age(dt.date(1940, 2, 2))
    assert row["sex"] == "男"
    assert row["started_on"] == "2024-01-01"
    assert row["head_name"] == "李四"
    assert row["relationship"] == "户主"
    assert row["address"] == homes["households"]["li"].address
    # masked from the stored tails, nothing decrypted
    assert row["id_number"] == "*" * 14 + make_id("19400202", 4)[-4:]
    assert row["phone"] == "*******5432"


def test_wang_wu_is_in_the_assistance_ledger_as_dibao(users, homes):
    [row] = _rows(users["worker_a1"], "assistance", A1)
    assert row["name"] == "王五"
    assert row["kinds"] == ["dibao"]
    assert row["kind"] == "低保"
    assert row["grid"] == ""  # 2号楼 lies in no grid
    assert row["started_on"] == "2023-07-01"
    assert _rows(users["worker_a1"], "veteran", A1) == []
    assert _rows(users["worker_a1"], "disability", A1) == []


def test_the_built_in_ledgers_and_the_plain_ones_of_other_ledger_groups(users, homes):
    codes = _codes(users["worker_a1"], A1)
    assert codes[:5] == [
        "special_elderly",
        "disability",
        "assistance",
        "left_behind_child",
        "veteran",
    ]
    # 困境儿童 is a group marked "ledger" with no form of its own: it gets a plain ledger
    assert "child_in_difficulty" in codes
    scope = ledgers.ledger_scope(
        actor=users["worker_a1"], area_code=A1, ledger="child_in_difficulty"
    )
    assert "困境儿童" in scope.ledger.title
    keys = [c.key for c in scope.ledger.columns]
    assert keys[0] == "seq" and "kind" in keys and keys[-1] == "remark"


def test_one_row_per_person_naming_every_group_and_grade(users, homes):
    li = homes["people"]["li"]
    actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=li.pk,
        tag_code="special_elderly.advanced_age",
        started_on="2023-03-01",
    )
    actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=li.pk,
        tag_code="special_elderly.disabled",
        grade="半失能",
        started_on="2025-01-01",
    )
    [row] = _rows(users["worker_a1"], "special_elderly", A1)
    assert row["kinds"] == [
        "special_elderly.living_alone",
        "special_elderly.disabled",
        "special_elderly.advanced_age",
    ]
    assert "（半失能）" in row["kind"]
    assert row["started_on"] == "2023-03-01"  # the earliest of the memberships
    scope = ledgers.ledger_scope(actor=users["worker_a1"], area_code=A1, ledger="special_elderly")
    summary = ledgers.ledger_summary(scope=scope)
    assert summary.total == 1
    counts = dict(zip([code for code, _label in summary.kinds], summary.kind_totals, strict=True))
    assert counts["special_elderly.living_alone"] == 1
    assert counts["special_elderly.advanced_age"] == 1
    assert counts["special_elderly.empty_nest"] == 0


def test_disability_ledger_shows_the_recorded_category_and_grade(users, homes):
    actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=homes["people"]["zhang"].pk,
        tag_code="disability",
        grade="肢体残疾二级",
        started_on="2020-05-01",
    )
    [row] = _rows(users["worker_a1"], "disability", A1)
    assert (row["name"], row["kind"]) == ("张三", "肢体残疾二级")


def test_ended_memberships_and_people_who_left_are_not_listed(users, homes):
    actions.resident_tag_end(actor=SYSTEM, membership_id=homes["tags"]["wang_dibao"].pk)
    assert _rows(users["worker_a1"], "assistance", A1) == []
    actions.resident_move_out(actor=SYSTEM, resident_id=homes["people"]["li"].pk)
    assert _rows(users["worker_a1"], "special_elderly", A1) == []


def test_summary_and_overview_count_per_community_and_area_below(users, homes):
    scope = ledgers.ledger_scope(actor=users["county"], area_code=COUNTY, ledger="special_elderly")
    summary = ledgers.ledger_summary(scope=scope)
    assert summary.total == 1
    [a1] = summary.rows
    assert (a1.code, a1.town, a1.name, a1.people) == (A1, "仙城街道", "仙城社区", 1)

    scope = ledgers.ledger_scope(actor=users["county"], area_code=COUNTY)
    overview = ledgers.ledger_overview(scope=scope)
    assert overview.totals["special_elderly"] == 1
    assert overview.totals["assistance"] == 1
    assert [(row.code, row.name) for row in overview.rows] == [(TOWN_A, "仙城街道")]

    scope = ledgers.ledger_scope(actor=users["worker_a1"], area_code=A1)
    by_grid = {row.code: row for row in ledgers.ledger_overview(scope=scope).rows}
    codes = [ledger.code for ledger in scope.ledgers]
    assert by_grid[GRID_A1].counts[codes.index("special_elderly")] == 1
    assert by_grid[GRID_A1].counts[codes.index("assistance")] == 0
    assert by_grid[A1].counts[codes.index("assistance")] == 1  # 王五, in no grid


# --- who sees what ------------------------------------------------------------------------


def test_a_neighbouring_community_sees_none_of_a1(users, homes):
    worker_a2 = users["worker_a2"]
    for area in (A1, GRID_A1, TOWN_A, COUNTY):
        with pytest.raises(NotFound):
            ledgers.ledger_scope(actor=worker_a2, area_code=area)
    # their own community, their default area, lists nobody of a1
    assert ledgers.ledger_scope(actor=worker_a2).area.code == A2
    for code in _codes(worker_a2):
        assert _rows(worker_a2, code) == []
    with pytest.raises(NotFound):
        ledgers.ledger_export(actor=worker_a2, ledger="special_elderly", area_code=A1, fmt="xlsx")


def test_a_town_officer_sees_their_town_and_no_other(users, homes):
    rows = _rows(users["town_a"], "special_elderly")  # default: their town
    assert [r["name"] for r in rows] == ["李四"]
    assert ledgers.ledger_scope(actor=users["town_a"]).area.code == TOWN_A
    assert [r["name"] for r in _rows(users["town_a"], "assistance", A1)] == ["王五"]
    with pytest.raises(NotFound):
        ledgers.ledger_scope(actor=users["town_b"], area_code=TOWN_A)
    assert _rows(users["town_b"], "special_elderly") == []


def test_a_grid_worker_sees_their_grid_only(users, homes):
    assert ledgers.ledger_scope(actor=users["grid_a1"]).area.code == GRID_A1
    assert [r["name"] for r in _rows(users["grid_a1"], "special_elderly")] == ["李四"]
    assert _rows(users["grid_a1"], "assistance") == []  # 王五 lives outside the grid
    with pytest.raises(NotFound):
        ledgers.ledger_scope(actor=users["grid_a1"], area_code=A1)


def test_people_without_registry_access_are_refused(users, homes):
    for name in ("resident_a1", "auditor", "sysadmin", "dept"):
        with pytest.raises(Forbidden):
            ledgers.ledger_scope(actor=users[name])


def test_sensitive_groups_follow_their_roles(users, homes, tree):
    li = homes["people"]["li"]
    actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=li.pk,
        tag_code="special_elderly.disabled",
        grade="失能",
        started_on="2025-01-01",
    )
    head = make_user("bhead_a1", Role.BUILDING_HEAD, tree["a1"])
    # a building head (a neighbour) sees neither the 低保 nor the disability ledgers…
    codes = _codes(head, A1)
    assert "special_elderly" in codes and "veteran" in codes
    assert "assistance" not in codes and "disability" not in codes
    with pytest.raises(NotFound):
        ledgers.ledger_scope(actor=head, area_code=A1, ledger="assistance")
    # …nor the sensitive kind of 李四's membership, which the community worker sees
    [row] = _rows(head, "special_elderly", A1)
    assert row["kinds"] == ["special_elderly.living_alone"]
    [row] = _rows(users["worker_a1"], "special_elderly", A1)
    assert "special_elderly.disabled" in row["kinds"]
    # a tag outside every ledger (社区矫正) is never listed
    assert all(
        "community_correction" not in ledger.codes
        for ledger in ledgers.ledger_scope(actor=users["county"]).ledgers
    )


def test_numbers_in_full_only_with_pii_reveal(users, homes):
    li_id = make_id("19400202", 4)
    [row] = _rows(users["worker_a1"], "special_elderly", A1, reveal_numbers=True)
    assert (row["id_number"], row["phone"]) == (li_id, "13698765432")
    with pytest.raises(Forbidden):
        _rows(users["town_a"], "special_elderly", reveal_numbers=True)
    [row] = _rows(users["town_a"], "special_elderly")
    assert row["id_number"].endswith(li_id[-4:]) and li_id not in row["id_number"]
    assert row["address"] == mask_text(homes["households"]["li"].address)


# --- exports ------------------------------------------------------------------------------


def test_xlsx_opens_with_openpyxl_with_title_header_rows_and_footer(users, homes):
    export = ledgers.ledger_export(
        actor=users["worker_a1"], ledger="special_elderly", area_code=A1, fmt="xlsx"
    )
    book = _xlsx(export.content)
    sheet = book.worksheets[0]
    scope = ledgers.ledger_scope(actor=users["worker_a1"], area_code=A1, ledger="special_elderly")
    columns = scope.ledger.columns
    assert sheet["A1"].value == scope.ledger.title
    assert "西安区仙城街道仙城社区" in sheet["A2"].value
    assert f"截至 {timezone.localdate().isoformat()}" in sheet["A2"].value
    header = [cell.value for cell in sheet[3]]
    assert header == [str(c.label) for c in columns]
    assert header[:5] == ["序号", "乡镇（街道）", "社区（村）", "网格", "姓名"]
    assert "身份证号" in header and "联系电话" in header and "类别" in header
    assert sheet.freeze_panes == "A4"
    assert sheet.column_dimensions["I"].width == 21
    row = dict(zip(header, [cell.value for cell in sheet[4]], strict=True))
    assert row["序号"] == 1
    assert row["姓名"] == "李四"
    assert row["身份证号"] == make_id("19400202", 4)  # full: the worker may reveal in A1
    assert row["联系电话"] == "13698765432"
    assert row["年龄"] == _age(dt.date(1940, 2, 2))
    texts = [sheet.cell(r, 1).value for r in range(5, sheet.max_row + 1)]
    assert "合计：1 人" in texts
    assert "由邻里平台根据居民登记信息生成" in texts
    summary = book.worksheets[1]
    assert [c.value for c in summary[2]][:3] == ["仙城街道", "仙城社区", 1]
    assert export.rows == 1 and export.masked is False


def test_exports_are_masked_without_pii_reveal_or_when_asked(users, homes):
    li_id = make_id("19400202", 4)
    for actor, masked in ((users["town_a"], False), (users["worker_a1"], True)):
        export = ledgers.ledger_export(
            actor=actor, ledger="special_elderly", area_code=A1, fmt="xlsx", masked=masked
        )
        assert export.masked is True
        sheet = _xlsx(export.content).worksheets[0]
        values = [cell.value for cell in sheet[4]]
        assert li_id not in values and "13698765432" not in values
        assert "*" * 14 + li_id[-4:] in values
    export = ledgers.ledger_export(
        actor=users["county"], ledger="special_elderly", area_code=COUNTY, fmt="xlsx"
    )
    assert export.masked is False
    assert li_id in [cell.value for cell in _xlsx(export.content).worksheets[0][4]]


def test_every_export_is_an_audit_event_with_nothing_personal(users, homes):
    ledgers.ledger_export(actor=users["town_a"], ledger="assistance", area_code=A1, fmt="xlsx")
    export = ledgers.ledger_export(
        actor=users["worker_a1"], ledger="special_elderly", area_code=A1, fmt="csv"
    )
    b"".join(export.chunks())
    events = list(AuditEvent.objects.filter(action="registry.ledger_export").order_by("id"))
    assert [e.extra for e in events] == [
        {"ledger": "assistance", "area": A1, "format": "xlsx", "rows": 1, "masked": True},
        {"ledger": "special_elderly", "area": A1, "format": "csv", "rows": 1, "masked": False},
    ]
    assert [e.actor_label for e in events] == ["town_a", "worker_a1"]
    assert all(e.area_code == A1 and e.target_type == "registry.ledger" for e in events)
    text = repr([(e.extra, e.target_id) for e in events])
    assert "李四" not in text and "王五" not in text and "1369" not in text


def test_csv_has_a_bom_the_header_and_defused_cells(users, homes):
    export = ledgers.ledger_export(
        actor=users["worker_a1"], ledger="special_elderly", area_code=A1, fmt="csv"
    )
    data = b"".join(export.chunks())
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("序号,乡镇（街道）,社区（村）,网格,姓名,性别")
    assert lines[1].startswith("1,仙城街道,仙城社区,仙城社区第1网格,李四,男,1940-02-02")
    assert len(lines) == 2


def test_bad_export_requests_are_refused(users, homes):
    with pytest.raises(ActionError):
        ledgers.ledger_export(
            actor=users["worker_a1"], ledger="special_elderly", area_code=A1, fmt="pdf"
        )
    with pytest.raises(NotFound):
        ledgers.ledger_export(actor=users["worker_a1"], ledger="no_such", area_code=A1, fmt="xlsx")
    with pytest.raises(NotFound):
        ledgers.ledger_scope(actor=users["worker_a1"], area_code="22040300100x")
    assert not AuditEvent.objects.filter(action="registry.ledger_export").exists()


# --- pages --------------------------------------------------------------------------------


def test_index_page_lists_the_ledgers_with_counts(users, homes, login):
    client = login(users["worker_a1"])
    response = client.get(reverse("registry:ledger_index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-ledger="special_elderly"' in body and 'data-ledger="assistance"' in body
    assert "仙城社区第1网格" in body  # the grid below, with its counts
    assert response.context["items"][0][0].code == "special_elderly"
    assert {ledger.code: n for ledger, n in response.context["items"]}["special_elderly"] == 1


def test_ledger_page_shows_summary_and_masked_rows(users, homes, login):
    client = login(users["worker_a1"])
    url = reverse("registry:ledger_detail", args=["special_elderly"])
    response = client.get(url, {"area": A1})
    assert response.status_code == 200
    body = response.content.decode()
    assert "李四" in body
    assert make_id("19400202", 4) not in body and "13698765432" not in body
    assert "*" * 14 + make_id("19400202", 4)[-4:] in body
    assert 'data-testid="ledger-summary"' in body
    assert 'data-column="id_number"' in body
    assert 'data-testid="ledger-export-masked"' in body  # the worker may reveal here


def test_ledger_page_paginates(users, homes, login):
    _add_tagged(homes, 30)
    client = login(users["worker_a1"])
    url = reverse("registry:ledger_detail", args=["special_elderly"])
    first = client.get(url, {"area": A1})
    assert first.context["page"].count == 31
    assert len(first.context["rows"]) == min(ledgers.PAGE_SIZE, 31)
    small = ledgers.ledger_page(
        scope=ledgers.ledger_scope(
            actor=users["worker_a1"], area_code=A1, ledger="special_elderly"
        ),
        names={},
        page=2,
        per_page=20,
    )
    assert (small.number, small.num_pages, small.start, len(small.rows)) == (2, 2, 21, 11)


def test_pages_refuse_other_areas_and_other_people(users, homes, login, client):
    detail = reverse("registry:ledger_detail", args=["special_elderly"])
    export = reverse("registry:ledger_export", args=["special_elderly", "xlsx"])
    worker_a2 = login(users["worker_a2"])
    for url in (reverse("registry:ledger_index"), detail, export):
        assert worker_a2.get(url, {"area": A1}).status_code == 404
    for url in (reverse("registry:ledger_index"), detail):
        body = worker_a2.get(url).content.decode()
        assert "李四" not in body and "仙城社区" not in body
    assert worker_a2.get(reverse("registry:ledger_detail", args=["no_such"])).status_code == 404
    resident = login(users["resident_a1"])
    assert resident.get(reverse("registry:ledger_index")).status_code == 403
    assert resident.get(export).status_code == 403
    client.logout()
    assert client.get(reverse("registry:ledger_index")).status_code == 302
    assert not AuditEvent.objects.filter(action="registry.ledger_export").exists()


def test_download_from_the_page_is_a_file_and_audited(users, homes, login):
    client = login(users["town_a"])
    url = reverse("registry:ledger_export", args=["special_elderly", "xlsx"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Export-Masked"] == "1" and response["X-Export-Rows"] == "1"
    assert _xlsx(response.content).worksheets[0]["E4"].value == "李四"
    csv_response = client.get(reverse("registry:ledger_export", args=["special_elderly", "csv"]))
    assert b"".join(csv_response.streaming_content).decode("utf-8-sig").count("\n") == 2
    assert AuditEvent.objects.filter(action="registry.ledger_export").count() == 2


def test_query_count_does_not_grow_with_rows(users, homes, login, django_assert_num_queries):
    client = login(users["worker_a1"])
    index = reverse("registry:ledger_index")
    detail = reverse("registry:ledger_detail", args=["special_elderly"])
    export = reverse("registry:ledger_export", args=["special_elderly", "xlsx"])
    csv_url = reverse("registry:ledger_export", args=["special_elderly", "csv"])
    api_rows = "/api/v1/registry/ledgers/special_elderly"

    def run(url):
        response = client.get(url, {"area": A1})
        if response.streaming:
            b"".join(response.streaming_content)
        assert response.status_code == 200
        return response

    counts = {}
    for url in (index, detail, export, csv_url, api_rows):
        with CaptureQueriesContext(connection) as queries:
            run(url)
        counts[url] = len(queries)
    _add_tagged(homes, 25)
    for url in (index, detail, export, csv_url, api_rows):
        with django_assert_num_queries(counts[url]):
            run(url)
    assert run(export)["X-Export-Rows"] == "26"


# --- the API ------------------------------------------------------------------------------


def test_api_lists_ledgers_rows_masked_and_exports_audited(users, homes, login):
    client = login(users["worker_a1"])
    index = client.get("/api/v1/registry/ledgers", {"area": A1}).json()
    assert index["area"]["code"] == A1
    people = {item["code"]: item["people"] for item in index["ledgers"]}
    assert people["special_elderly"] == 1 and people["assistance"] == 1
    assert {row["code"] for row in index["below"]} == {A1, GRID_A1}

    rows = client.get("/api/v1/registry/ledgers/special_elderly", {"area": A1}).json()
    assert rows["count"] == 1
    [item] = rows["items"]
    assert item["name"] == "李四" and item["groups"] == ["special_elderly.living_alone"]
    assert item["id_number_masked"] == "*" * 14 + make_id("19400202", 4)[-4:]
    assert item["phone_masked"] == "*******5432"
    assert rows["columns"][0] == {"key": "seq", "label": "序号"}

    summary = client.get("/api/v1/registry/ledgers/special_elderly/summary", {"area": A1}).json()
    assert summary["total"] == 1 and summary["communities"][0]["code"] == A1

    response = client.get(
        "/api/v1/registry/ledgers/special_elderly/export.xlsx", {"area": A1, "masked": "true"}
    )
    assert response.status_code == 200 and response["X-Export-Masked"] == "1"
    event = AuditEvent.objects.get(action="registry.ledger_export")
    assert event.extra["masked"] is True and event.extra["format"] == "xlsx"


def test_api_refuses_other_areas(users, homes, login):
    client = login(users["worker_a2"])
    for url in (
        "/api/v1/registry/ledgers",
        "/api/v1/registry/ledgers/special_elderly",
        "/api/v1/registry/ledgers/special_elderly/summary",
        "/api/v1/registry/ledgers/special_elderly/export.csv",
    ):
        response = client.get(url, {"area": A1})
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert login(users["resident_a1"]).get("/api/v1/registry/ledgers").status_code == 403
    assert client.get("/api/v1/registry/ledgers/special_elderly", {"limit": 500}).status_code == 422


def test_short_area_codes_are_read_as_the_area(users, homes):
    assert ledgers.ledger_scope(actor=users["county"], area_code="220403").area.code == COUNTY
    assert ledgers.ledger_scope(actor=users["town_a"], area_code="220403001").area.code == TOWN_A


def test_an_xlsx_too_long_for_one_sheet_is_refused_with_a_pointer_to_csv(
    users, homes, monkeypatch, login
):
    from linli.registry.ledgers import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 0)
    with pytest.raises(ActionError) as caught:
        ledgers.ledger_export(
            actor=users["worker_a1"], ledger="special_elderly", area_code=A1, fmt="xlsx"
        )
    assert caught.value.errors == {"format": [caught.value.message]}
    client = login(users["worker_a1"])
    response = client.get(
        reverse("registry:ledger_export", args=["special_elderly", "xlsx"]), {"area": A1}
    )
    detail = reverse("registry:ledger_detail", args=["special_elderly"])
    assert response.status_code == 302 and response["Location"] == f"{detail}?area={A1}"
    assert 'class="message error"' in client.get(response["Location"]).content.decode()
    assert not AuditEvent.objects.filter(action="registry.ledger_export").exists()


def test_long_ledgers_stream_from_a_cursor_with_the_same_rows(users, homes, monkeypatch):
    from linli.registry.ledgers import queries

    _add_tagged(homes, 5)
    fetched = _rows(users["worker_a1"], "special_elderly", A1, reveal_numbers=True, expected=6)
    monkeypatch.setattr(queries, "FETCH_AT_ONCE_MAX", 0)
    streamed = _rows(users["worker_a1"], "special_elderly", A1, reveal_numbers=True, expected=6)
    assert streamed == fetched
    assert len(streamed) == 6
    assert make_id("19400202", 4) in [row["id_number"] for row in streamed]
    export = ledgers.ledger_export(
        actor=users["worker_a1"], ledger="special_elderly", area_code=A1, fmt="csv"
    )
    assert b"".join(export.chunks()).decode("utf-8-sig").count("\n") == 7
