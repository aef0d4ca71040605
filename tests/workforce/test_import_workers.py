"""Importing and exporting the worker roster: every fault named by row and column, nothing
written if any row is bad, re-running changes nothing, the one-secretary rule across the file,
masked and audited exports that import again."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from linli.core.errors import ActionError, Forbidden
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM
from linli.workforce import actions, queries
from linli.workforce.models import Certificate, Worker
from tests.registry.conftest import make_id
from tests.workforce.worker_fixtures import (  # noqa: F401 (fixtures)
    LI_ID,
    LI_PHONE,
    ZHANG_ID,
    counts,
    ladder_fixture,
    prefecture_fixture,
    roster_fixture,
    save,
    sheet,
)

NEW_ID = make_id("19920510", 31, female=True)


def _rows(tree):
    return [
        {
            "name": "刘新",
            "id_number": NEW_ID,
            "phone": "13911112222",
            "community_code": tree["a1"].code,
            "post": "专职社工岗",
            "level": "三岗二级",
            "party_member": "是",
            "education": "本科",
            "social_work_major": "是",
            "hired_on": "2023/9/1",
            "certificate_level": "助理社工师",
            "certificate_number": "ZL2023-88",
            "certificate_obtained_on": "2023年6月18日",
        },
        {
            "name": "周网格",
            "community_name": "新兴社区",
            "post": "网格员",
            "hired_on": "2022-04-01",
            "birth_date": "1990-02-02",
        },
        {
            "name": "李网格",
            "id_number": LI_ID,
            "phone": "13822223333",
            "community_code": tree["a1"].code,
            "post": "网格员",
            "hired_on": "2020-03-01",
        },
    ]


def test_county_officer_imports_new_and_updated_workers(tree, users, roster, ladder):
    before = counts()
    result = actions.workers_import(actor=users["county"], file=sheet(_rows(tree)))
    assert result.ok and result.applied
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    assert result.statuses == {2: "created", 3: "created", 4: "updated"}
    assert counts() == {
        "workers": before["workers"] + 2,
        "certificates": before["certificates"] + 1,
    }
    liu = Worker.objects.get(name="刘新")
    assert liu.id_number == NEW_ID and liu.phone == "13911112222" and liu.gender == "f"
    assert liu.level == ladder["3-2"] and liu.party_member and liu.social_work_major
    assert liu.education == "bachelor" and str(liu.hired_on) == "2023-09-01"
    cert = liu.certificates.get()
    assert (cert.level, cert.number, str(cert.obtained_on)) == (
        "assistant",
        "ZL2023-88",
        "2023-06-18",
    )
    zhou = Worker.objects.get(name="周网格")
    assert zhou.area_code == tree["a2"].code and str(zhou.birth_date) == "1990-02-02"
    li = Worker.objects.get(pk=roster["李网格"].pk)
    assert li.phone == "13822223333" and li.education == "college"  # empty cell: kept
    event = AuditEvent.objects.get(action="worker.import")
    assert event.extra == {"rows": 3, "created": 2, "updated": 1, "unchanged": 0}
    assert AuditEvent.objects.filter(action="worker.create", extra__import_row=2).exists()


def test_running_the_same_file_again_changes_nothing(tree, users, roster, ladder):
    actions.workers_import(actor=users["county"], file=sheet(_rows(tree)))
    before = counts()
    again = actions.workers_import(actor=users["county"], file=sheet(_rows(tree)))
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert counts() == before
    assert not AuditEvent.objects.filter(action="worker.update", extra__import_row=4).count() > 1


def test_dry_run_counts_and_writes_nothing(tree, users, roster, ladder):
    before = counts()
    events = AuditEvent.objects.count()
    result = actions.workers_import(actor=users["county"], file=sheet(_rows(tree)), dry_run=True)
    assert result.ok and not result.applied and (result.created, result.updated) == (2, 1)
    assert [c["name"] for c in result.changes] == ["刘新", "周网格", "李网格"]
    assert counts() == before and AuditEvent.objects.count() == events


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(tree, users, roster, ladder):
    rows = _rows(tree)
    rows[0]["id_number"] = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")  # bad check digit
    rows[1]["post"] = "司机"
    rows.append(
        {
            "name": "吴某",
            "community_code": tree["b1"].code,
            "post": "其他",
            "hired_on": "2099-01-01",
            "level": "九岗一级",
            "certificate_level": "社工师",
        }
    )
    rows.append(
        {"name": "", "community_name": "不存在社区", "post": "其他", "hired_on": "2020-01-01"}
    )
    before = counts()
    result = actions.workers_import(actor=users["head_a1"], file=sheet(rows))
    assert not result.ok and not result.applied
    found = {(e.row, e.column) for e in result.errors}
    assert (2, "身份证号") in found
    assert (3, "岗位类型") in found
    assert (3, "社区名称") in found  # A2 is not the head's community
    assert (5, "社区代码") in found and (5, "入职日期") in found and (5, "取证日期") in found
    assert (6, "姓名") in found and (6, "社区名称") in found
    assert 4 not in {e.row for e in result.errors}
    assert result.error_rows == 4
    by_row = result.errors_by_row()
    assert any(line.startswith("身份证号: ") for line in by_row[2])
    assert counts() == before
    assert (
        not AuditEvent.objects.filter(action__startswith="worker.")
        .exclude(action__in=["worker.create", "worker.certificate_add"])
        .exists()
    )


def test_levels_are_those_of_the_communitys_ladder(tree, users, roster, ladder):
    rows = [{**_rows(tree)[2], "level": "九岗一级"}]
    result = actions.workers_import(actor=users["county"], file=sheet(rows))
    assert [(e.row, e.column) for e in result.errors] == [(2, "岗位等级")]


def test_two_secretaries_are_refused_across_the_file_and_the_roster(tree, users, roster):
    rows = [
        {
            "name": "甲",
            "community_code": tree["b1"].code,
            "post": "两委成员",
            "committee_role": "书记",
            "hired_on": "2021-01-01",
        },
        {
            "name": "乙",
            "community_code": tree["b1"].code,
            "post": "两委成员",
            "committee_role": "一肩挑",
            "hired_on": "2021-01-01",
        },
        {
            "name": "丙",
            "community_code": tree["a1"].code,
            "post": "两委成员",
            "committee_role": "书记",
            "hired_on": "2021-01-01",
        },
    ]
    before = counts()
    result = actions.workers_import(actor=users["county"], file=sheet(rows))
    messages = {e.row: e.message for e in result.errors if e.column == "两委职务"}
    assert set(messages) == {2, 3, 4}
    assert "乙" in messages[2] and "甲" in messages[3] and "张书记" in messages[4]
    assert counts() == before
    # Moving the post within the file is fine: the old secretary steps down in the same file.
    rows = [
        {
            "name": "张书记",
            "id_number": ZHANG_ID,
            "community_code": tree["a1"].code,
            "post": "两委成员",
            "committee_role": "委员",
            "hired_on": "2020-03-01",
        },
        {
            "name": "丙",
            "community_code": tree["a1"].code,
            "post": "两委成员",
            "committee_role": "书记",
            "hired_on": "2021-01-01",
        },
    ]
    result = actions.workers_import(actor=users["county"], file=sheet(rows))
    assert result.ok and (result.created, result.updated) == (1, 1)
    assert [w.name for w in queries.head_holders(tree["a1"].code)] == ["丙"]


def test_the_same_person_twice_in_a_file_is_an_error(tree, users, roster):
    row = {
        "name": "甲",
        "id_number": NEW_ID,
        "community_code": tree["b1"].code,
        "post": "其他",
        "hired_on": "2021-01-01",
    }
    result = actions.workers_import(actor=users["county"], file=sheet([row, dict(row)]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "姓名")]
    assert "Row 2" in result.errors[0].message


def test_a_live_worker_of_another_community_is_not_moved(tree, users, roster):
    row = {
        "name": "李网格",
        "id_number": LI_ID,
        "community_code": tree["b1"].code,
        "post": "网格员",
        "hired_on": "2020-03-01",
    }
    result = actions.workers_import(actor=users["county"], file=sheet([row]))
    assert [(e.row, e.column) for e in result.errors] == [(2, "身份证号")]
    assert "仙城社区" in result.errors[0].message


def test_rows_without_an_id_number_match_by_name_and_birth_date(tree, users, roster):
    row = {
        "name": "王社工",
        "community_code": tree["a1"].code,
        "post": "专职社工岗",
        "hired_on": "2020-03-01",
        "education": "大专",
    }
    result = actions.workers_import(actor=users["head_a1"], file=sheet([row]))
    assert result.ok and (result.created, result.updated) == (0, 1)
    assert Worker.objects.get(pk=roster["王社工"].pk).education == "college"
    # Giving the number later adds it to the same record.
    number = make_id("19851111", 41)
    result = actions.workers_import(
        actor=users["head_a1"], file=sheet([{**row, "id_number": number}])
    )
    assert result.ok and result.updated == 1
    assert Worker.objects.get(pk=roster["王社工"].pk).id_number == number


def test_a_leaving_date_closes_the_record_and_a_later_hire_is_a_new_one(tree, users, roster):
    row = {
        "name": "李网格",
        "id_number": LI_ID,
        "community_code": tree["a1"].code,
        "post": "网格员",
        "hired_on": "2020-03-01",
        "left_on": "2024-12-31",
    }
    assert actions.workers_import(actor=users["county"], file=sheet([row])).updated == 1
    assert str(Worker.objects.get(pk=roster["李网格"].pk).left_on) == "2024-12-31"
    again = {**row, "hired_on": "2025-02-01", "left_on": ""}
    result = actions.workers_import(actor=users["county"], file=sheet([again]))
    assert result.ok and result.created == 1
    assert Worker.objects.filter(id_number_bidx=roster["李网格"].id_number_bidx).count() == 2


def test_refused_and_unreadable_files(tree, users, roster):
    with pytest.raises(Forbidden):
        actions.workers_import(actor=users["worker_a1"], file=sheet(_rows(tree)))
    with pytest.raises(ActionError):
        actions.workers_import(actor=users["county"], file=SimpleUploadedFile("x.xlsx", b"nope"))
    with pytest.raises(ActionError) as caught:
        actions.workers_import(
            actor=users["county"],
            file=sheet(
                [{"name": "甲", "post": "其他", "hired_on": "2020-01-01"}],
                headers=["姓名", "岗位类型", "入职日期"],
            ),
        )
    assert "社区代码" in caught.value.message
    with pytest.raises(ActionError):
        actions.workers_import(
            actor=users["county"], file=sheet([{"name": "甲"}], headers=["姓名", "社区代码"])
        )


def test_csv_in_gb18030_imports_too(tree, users, roster):
    text = f"姓名,社区代码,岗位类型,入职日期\n钱网格,{tree['b1'].code},网格员,2022-01-01\n"
    upload = SimpleUploadedFile("workers.csv", text.encode("gb18030"))
    result = actions.workers_import(actor=users["county"], file=upload)
    assert result.ok and result.created == 1


# --- the template and the export ----------------------------------------------------------------


def test_template_has_the_chinese_headers():
    book = load_workbook(io.BytesIO(actions.workers_template()))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[:3] == ["姓名*", "身份证号", "手机号"]
    assert "社区代码" in headers and "取证日期" in headers and "入职日期*" in headers


def _export_rows(actor, **filters):
    export = actions.workers_export(actor=actor, filters=queries.WorkerFilters(**filters))
    data = b"".join(export.chunks)
    book = load_workbook(io.BytesIO(data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return export, rows, data


def test_export_is_masked_without_pii_reveal_and_audited(tree, users, roster):
    export, rows, _data = _export_rows(users["town_a"])
    assert export.masked and export.rows == 4
    body = str(rows)
    assert LI_ID not in body and LI_PHONE not in body and "138****5678" in body
    event = AuditEvent.objects.get(action="worker.export")
    assert event.extra["rows"] == 4 and event.extra["masked"] is True
    export, rows, _data = _export_rows(users["county"], area="220403001")
    assert not export.masked and LI_ID in str(rows) and LI_PHONE in str(rows)
    assert AuditEvent.objects.filter(action="worker.export").count() == 2
    header = rows[0]
    zhang = next(r for r in rows if r[0] == "张书记")
    record = dict(zip(header, zhang, strict=True))
    assert record["两委职务"] == "书记" and record["岗位等级"] == "一岗三级"
    assert record["证书等级"] == "社工师" and record["是否党员"] == "是"


def test_an_export_imports_again_unchanged_masked_or_not(tree, users, roster):
    for actor in (users["county"], users["town_a"]):
        _export, _rows, data = _export_rows(actor)
        result = actions.workers_import(
            actor=actor, file=SimpleUploadedFile("export.xlsx", data), dry_run=False
        )
        assert result.ok, result.errors
        assert result.created == 0 and result.updated == 0
    assert Worker.objects.get(pk=roster["李网格"].pk).id_number == LI_ID


def test_export_refused_to_those_without_the_roster(tree, users, roster):
    with pytest.raises(Forbidden):
        actions.workers_export(actor=users["resident_a1"])
    assert not AuditEvent.objects.filter(action="worker.export").exists()
    Certificate.objects.all().delete()
    _export, rows, _data = _export_rows(SYSTEM)
    assert len(rows) == 6
