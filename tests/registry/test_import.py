"""Importing households and residents from .xlsx/.csv, and exporting filtered lists.

Row errors are asserted by column (the Chinese header leads each message) and by row number,
in English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone, translation

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM
from linli.registry import actions, imports, queries
from linli.registry.actions._common import pinyin_of
from linli.registry.actions.people import _apply_person, _clean_person
from linli.registry.models import (
    Building,
    Household,
    ImportJob,
    Residence,
    Resident,
    ResidentTag,
)

from .conftest import make_id

A1 = "220403001001"
A2 = "220403001002"
HEADER = ["社区代码", "楼栋", "单元", "房号", "地址", "居住类型", "姓名", "身份证号", "手机号",
          "民族", "与户主关系", "迁入日期", "群体标签"]  # fmt: skip


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def xlsx(rows, header=HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, header=HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run(actor, data, name="people.xlsx", on_duplicate="report") -> ImportJob:
    """Start an import and run its task body as the worker would."""
    job = actions.registry_import_start(
        actor=actor, filename=name, data=data, on_duplicate=on_duplicate
    )
    actions.registry_import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def snapshot():
    """Everything an import could write to the registry."""
    return (
        sorted(Building.objects.values_list("id", "name", "units")),
        sorted(
            Household.objects.values_list(
                "id", "address", "residence_type", "head_id", "building_id", "unit", "room"
            )
        ),
        sorted(
            Resident.objects.values_list(
                "id",
                "name",
                "household_id",
                "status",
                "phone_bidx",
                "ethnicity",
                "relationship",
                "area_code",
                "updated_at",
            )
        ),
        sorted(Residence.objects.values_list("id", "resident_id", "household_id", "ended_on")),
        sorted(ResidentTag.objects.values_list("id", "resident_id", "tag_id", "ended_on")),
    )


def good_rows():
    return [
        # a new building and household in a1, a family of three
        (A1, "9号楼", "1", "101", "", "户籍", "陈一", make_id("19700101", 11), "13800000011",
         "汉族", "户主", "2020-05-01", ""),
        (A1, "9号楼", "1", "101", "", "户籍", "林二", make_id("19720202", 12, female=True), "",
         "满", "配偶", "2020-05-01", "党员"),
        (A1, "9号楼", "1", "101", "", "户籍", "陈三", make_id("20100303", 13), "", "01", "子女",
         dt.date(2020, 5, 1), ""),
        # a new household in the existing building 1号楼 (in the grid), an elder living alone
        (A1, "1号楼", "3", "303", "", "常住", "周四", make_id("19400404", 14), "13800000014", "",
         "户主", "2019/3/1", "独居老人"),
        # a household without a building, by address
        (A1, "", "", "", "仙城路88号平房", "流动", "吴五", make_id("19850505", 15), "", "", "户主",
         "", ""),
    ]  # fmt: skip


# --- the happy path -------------------------------------------------------------------------


def test_import_creates_buildings_households_residents_stays_and_tags(homes, users):
    actor = users["worker_a1"]
    job = run(actor, xlsx(good_rows()))
    assert job.status == ImportJob.Status.DONE, (job.message, job.errors)
    assert job.counts == {
        "rows": 5,
        "residents_created": 5,
        "residents_updated": 0,
        "residents_moved": 0,
        "residents_unchanged": 0,
        "households_created": 3,
        "households_updated": 0,
        "buildings_created": 1,
        "tags_added": 2,
    }
    assert job.rows_total == job.rows_checked == job.rows_written == 5
    assert job.data is None  # the upload is dropped once imported
    building = Building.objects.get(community_id=A1, name="9号楼")
    family = Household.objects.get(building=building, unit="1", room="101")
    assert family.residence_type == "registered"
    assert family.address == "9号楼 1单元 101室"
    chen = Resident.objects.get(name="陈一")
    assert family.head_id == chen.pk
    assert (chen.id_number, chen.phone) == (make_id("19700101", 11), "13800000011")
    assert (chen.birth_date, chen.sex, chen.id_tail, chen.phone_tail) == (
        dt.date(1970, 1, 1),
        "M",
        make_id("19700101", 11)[-4:],
        "0011",
    )
    assert (chen.name_pinyin, chen.name_initials) == pinyin_of("陈一")
    assert chen.moved_in_on == dt.date(2020, 5, 1)
    assert Resident.objects.get(name="林二").ethnicity == "11"  # 满 → 满族 → 11
    assert Resident.objects.get(name="陈三").relationship == "child"
    stay = Residence.objects.get(resident=chen)
    assert (stay.household_id, stay.started_on, stay.ended_on) == (
        family.pk,
        dt.date(2020, 5, 1),
        None,
    )
    # the household in 1号楼 is in 1号楼's grid, and so is its resident
    zhou = Resident.objects.get(name="周四")
    assert zhou.area_code == homes["buildings"]["b1"].grid_id
    assert zhou.household.grid_id == homes["buildings"]["b1"].grid_id
    assert ResidentTag.objects.get(resident=zhou).tag_id == "special_elderly.living_alone"
    wu = Resident.objects.get(name="吴五")
    assert wu.household.address == "仙城路88号平房" and wu.household.building_id is None
    assert wu.moved_in_on == timezone.localdate()
    # one audit event, with counts and no personal data
    event = AuditEvent.objects.get(action="registry.import")
    assert event.actor == actor and event.area_code == A1
    assert event.extra["residents_created"] == 5 and event.extra["rows"] == 5
    assert "13800000011" not in str(event.extra) and "陈一" not in str(event.extra)
    assert not AuditEvent.objects.filter(action="resident.add", actor=actor).exists()


def test_imported_person_fields_agree_with_the_form(homes, users):
    """What the import stores equals what the registry's own form code would store."""
    rows = good_rows()[:1]
    run(users["worker_a1"], xlsx(rows))
    imported = Resident.objects.get(name="陈一")
    expected = Resident()
    cleaned = _clean_person(
        name="陈一",
        id_number=rows[0][7],
        phone="13800000011",
        ethnicity="汉族",
        language="",
        relationship="head",
        errors={},
    )
    _apply_person(expected, cleaned)
    for field in ("name", "name_pinyin", "name_initials", "id_number", "id_tail", "birth_date",
                  "sex", "phone", "phone_tail", "ethnicity", "language", "id_bidx", "phone_bidx"):  # fmt: skip
        assert getattr(imported, field) == getattr(expected, field), field


def test_csv_in_gb18030_with_english_keys_and_any_column_order(homes, users):
    header = ["name", "id_number", "community_code", "address", "residence_type", "relationship"]
    rows = [("郑六", make_id("19660606", 16), A1, "仙城路9号", "空挂", "户主")]
    job = run(users["worker_a1"], csv_bytes(rows, header, "gb18030"), name="p.csv")
    assert job.status == "done", job.errors
    household = Household.objects.get(address="仙城路9号")
    assert household.residence_type == "nominal"
    assert household.head.name == "郑六"


def test_template_reads_back_and_names_every_column(db):
    book = openpyxl.load_workbook(io.BytesIO(imports.template_xlsx()))
    headers = [c.value.rstrip("*") for c in book.worksheets[0][1]]
    assert headers == [c.label for c in imports.COLUMNS]
    assert book.worksheets[1].cell(1, 1).value == "Column"
    rows = imports.read_table("t.csv", imports.template_csv())
    assert list(rows) == []


# --- bad rows: all reported, nothing written -------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_written(homes, users):
    good = good_rows()
    bad_check = make_id("19700101", 21)[:-1] + ("0" if make_id("19700101", 21)[-1] != "0" else "1")
    rows = [
        good[0],  # row 2: fine
        (A1, "9号楼", "1", "101", "", "户籍", "甲", bad_check, "", "", "子女", "", ""),  # 3
        ("220403001999", "", "", "", "某路1号", "户籍", "乙", make_id("19700102", 22), "", "", "户主",
         "", ""),  # 4: unknown community
        (A2, "", "", "", "新兴街9号", "户籍", "丙", make_id("19700103", 23), "", "", "户主", "",
         ""),  # 5: the neighbouring community
        (A1, "9号楼", "1", "101", "", "户籍", "丁", good[0][7], "", "", "子女", "", ""),  # 6: dup
        (A1, "9号楼", "1", "101", "", "户籍", "戊", make_id("19700105", 25), "1234", "", "子女", "",
         ""),  # 7: phone
        (A1, "9号楼", "1", "101", "", "户籍", "己", make_id("19700106", 26), "", "", "子女",
         "2020-13-45", ""),  # 8: date
        (A1, "9号楼", "1", "101", "", "户籍", "庚", make_id("19700107", 27), "", "", "子女",
         "2999-01-01", ""),  # 9: future
        (A1, "9号楼", "1", "", "", "户籍", "辛", make_id("19700108", 28), "", "火星族", "表哥", "",
         "不存在"),  # 10: no room, ethnicity, relationship, tag
    ]  # fmt: skip
    before = snapshot()
    job = run(users["worker_a1"], xlsx(rows))
    assert job.status == ImportJob.Status.REJECTED
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action="registry.import").exists()
    errors = job.errors
    assert set(errors) == {"3", "4", "5", "6", "7", "8", "9", "10"}
    assert job.error_rows == 8
    assert errors["3"] == [
        "身份证号: The last character of this ID number does not match the others: check for a typo."
    ]
    assert errors["4"] == ["社区代码: No such community among yours."]
    assert errors["5"] == ["社区代码: No such community among yours."]  # tells nothing more
    assert errors["6"] == ["身份证号: Duplicate: the same ID number is on row 2."]
    assert errors["7"][0].startswith("手机号: ")
    assert errors["8"] == ["迁入日期: Enter a date as YYYY-MM-DD."]
    assert errors["9"] == ["迁入日期: This date is in the future."]
    assert sorted(m.split(":")[0] for m in errors["10"]) == [
        "与户主关系",
        "房号",
        "民族",
        "群体标签",
    ]
    # the report: every row of the file with its errors beside it
    report = openpyxl.load_workbook(
        io.BytesIO(imports.import_report(actor=users["worker_a1"], job_id=job.pk))
    )
    sheet = report.worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["Row", "Errors", "社区代码"]
    lines = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(lines) == set(range(2, 11))
    assert lines[2][1] in (None, "")
    assert "Duplicate" in lines[6][1]
    assert lines[6][2] == A1 and lines[6][8] == "丁"


def test_a_row_outside_the_actors_area_is_refused(homes, users):
    rows = [
        (A1, "", "", "", "仙城路1号", "户籍", "某", make_id("19700109", 29), "", "", "户主", "", "")
    ]
    job = run(users["worker_a2"], xlsx(rows))
    assert job.status == "rejected"
    assert job.errors == {"2": ["社区代码: No such community among yours."]}
    assert not Resident.objects.filter(name="某").exists()


def test_a_town_officer_who_may_only_read_cannot_start(homes, users):
    with pytest.raises(Forbidden):
        actions.registry_import_start(actor=users["town_a"], filename="p.xlsx", data=xlsx([]))


def test_files_refused_before_queueing(homes, users):
    actor = users["worker_a1"]
    with pytest.raises(ActionError, match="Upload a .xlsx or .csv"):
        actions.registry_import_start(actor=actor, filename="p.txt", data=b"x")
    with pytest.raises(ActionError, match="Missing required columns"):
        actions.registry_import_start(actor=actor, filename="p.csv", data="姓名\n张\n".encode())
    with pytest.raises(ActionError, match="not a readable .xlsx"):
        actions.registry_import_start(actor=actor, filename="p.xlsx", data=b"PK\x03\x04junk")
    with pytest.raises(ActionError, match="larger than"):
        actions.registry_import_start(
            actor=actor, filename="p.csv", data=b"x" * (imports.IMPORT_MAX_BYTES + 1)
        )
    assert not ImportJob.objects.exists()


def test_household_rows_must_agree(homes, users):
    rows = [
        (A1, "", "", "", "仙城路7号", "户籍", "甲", make_id("19700111", 31), "", "", "户主", "", ""),
        (A1, "", "", "", "仙城路7号", "流动", "乙", make_id("19700112", 32), "", "", "户主", "", ""),
    ]  # fmt: skip
    job = run(users["worker_a1"], xlsx(rows))
    assert job.status == "rejected"
    assert sorted(job.errors["3"]) == [
        "与户主关系: Row 2 already names the head of this household.",
        "居住类型: Another row of the same household gives another residence type.",
    ]


# --- idempotence, merge and report ------------------------------------------------------------


def test_running_the_same_file_again_changes_nothing(homes, users):
    data = xlsx(good_rows())
    first = run(users["worker_a1"], data)
    assert first.status == "done"
    before = snapshot()
    again = run(users["worker_a1"], data)
    assert again.status == "done", again.errors
    assert again.counts["residents_unchanged"] == 5
    assert sum(v for k, v in again.counts.items() if k not in ("rows", "residents_unchanged")) == 0
    assert snapshot() == before
    # also with "merge"
    merged = run(users["worker_a1"], data, on_duplicate="merge")
    assert merged.counts["residents_unchanged"] == 5
    assert snapshot() == before


def test_report_mode_refuses_registered_residents_with_other_details(homes, users):
    zhang = homes["people"]["zhang"]
    rows = [(A1, "2号楼", "1", "301", "", "", "张三", zhang.id_number, "13900000099", "", "其他亲属",
             "2024-01-01", "")]  # fmt: skip
    before = snapshot()
    job = run(users["worker_a1"], xlsx(rows), on_duplicate="report")
    assert job.status == "rejected"
    assert job.errors["2"][0].startswith("身份证号: This ID number is already registered")
    assert snapshot() == before


def test_merge_updates_fields_in_place(homes, users):
    zhang = homes["people"]["zhang"]
    rows = [(A1, "1号楼", "1", "101", "", "", "张三", zhang.id_number, "13900000099", "回族", "",
             "", "")]  # fmt: skip
    job = run(users["worker_a1"], xlsx(rows), on_duplicate="merge")
    assert job.status == "done", job.errors
    assert job.counts["residents_updated"] == 1
    zhang.refresh_from_db()
    assert (zhang.phone, zhang.phone_tail, zhang.ethnicity) == ("13900000099", "0099", "03")
    assert zhang.relationship == "head"  # empty cell: kept
    assert Residence.objects.filter(resident=zhang).count() == 1


def test_merge_moves_a_resident_into_the_files_household(homes, users):
    people, households = homes["people"], homes["households"]
    zhang = people["zhang"]
    rows = [(A1, "2号楼", "1", "301", "", "", "张三", zhang.id_number, "", "", "其他亲属",
             "2024-01-01", "")]  # fmt: skip
    job = run(users["worker_a1"], xlsx(rows), on_duplicate="merge")
    assert job.status == "done", job.errors
    assert job.counts["residents_moved"] == 1
    zhang.refresh_from_db()
    wang_home = households["wang"]
    assert (zhang.household_id, zhang.area_code, zhang.relationship) == (
        wang_home.pk,
        wang_home.area_code,
        "relative",
    )
    assert zhang.phone == "13712345678"  # empty cell: kept
    old, new = Residence.objects.filter(resident=zhang).order_by("started_on")
    assert (old.ended_on, old.end_reason) == (dt.date(2024, 1, 1), "moved_within")
    assert (new.household_id, new.started_on, new.ended_on) == (
        wang_home.pk,
        dt.date(2024, 1, 1),
        None,
    )
    households["zhang"].refresh_from_db()
    assert households["zhang"].head_id is None  # he was its head
    # and the same file again: unchanged
    again = run(users["worker_a1"], xlsx(rows), on_duplicate="merge")
    assert again.counts["residents_unchanged"] == 1


def test_merge_refuses_a_resident_of_another_community(homes, users):
    zhao = homes["people"]["zhao"]  # lives in a2
    rows = [(A1, "2号楼", "1", "301", "", "", "赵六", zhao.id_number, "", "", "", "", "")]
    job = run(users["worker_a1"], xlsx(rows), on_duplicate="merge")
    assert job.status == "rejected"
    assert job.errors["2"] == [
        "身份证号: This ID number is registered in a community outside yours."
    ]
    zhao.refresh_from_db()
    assert zhao.household_id == homes["households"]["zhao"].pk


def test_a_second_head_needs_the_current_one_re_related(homes, users):
    zhang = homes["people"]["zhang"]
    newcomer = (
        A1,
        "1号楼",
        "1",
        "101",
        "",
        "",
        "张大",
        make_id("19550101", 41),
        "",
        "",
        "户主",
        "",
        "",
    )
    job = run(users["worker_a1"], xlsx([newcomer]), on_duplicate="merge")
    assert job.status == "rejected"
    assert job.errors["2"][0].startswith("与户主关系: This household already has a head")
    current = (A1, "1号楼", "1", "101", "", "", "张三", zhang.id_number, "", "", "子女", "", "")
    job = run(users["worker_a1"], xlsx([newcomer, current]), on_duplicate="merge")
    assert job.status == "done", job.errors
    household = homes["households"]["zhang"]
    household.refresh_from_db()
    assert household.head.name == "张大"
    zhang.refresh_from_db()
    assert zhang.relationship == "child"
    assert Residence.objects.get(resident=zhang, ended_on__isnull=True).relationship == "child"


# --- failures, restarts, progress --------------------------------------------------------------


def test_a_failure_in_the_middle_of_the_write_leaves_nothing(homes, users, monkeypatch):
    before = snapshot()
    events = AuditEvent.objects.count()

    original = imports.writing._Table.insert

    def boom(self, rows):
        # the last write: buildings, households, residents and stays are already in
        if self.model is ResidentTag:
            raise RuntimeError("worker died")
        return original(self, rows)

    monkeypatch.setattr(imports.writing._Table, "insert", boom)
    job = actions.registry_import_start(
        actor=users["worker_a1"], filename="p.xlsx", data=xlsx(good_rows())
    )
    with pytest.raises(RuntimeError):
        actions.registry_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert snapshot() == before and AuditEvent.objects.count() == events
    assert imports.import_can_restart(job)
    monkeypatch.undo()
    job = actions.registry_import_restart(actor=users["worker_a1"], job_id=job.pk)
    assert job.status == ImportJob.Status.QUEUED
    actions.registry_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.attempt == 2
    assert job.counts["residents_created"] == 5


def test_a_stalled_job_can_be_restarted_and_a_running_one_cannot(homes, users):
    job = actions.registry_import_start(
        actor=users["worker_a1"], filename="p.xlsx", data=xlsx(good_rows())
    )
    with pytest.raises(Conflict):
        actions.registry_import_restart(actor=users["worker_a1"], job_id=job.pk)
    # a worker claimed it and was killed: the job says "writing" and has not moved for long
    ImportJob.objects.filter(pk=job.pk).update(
        status="writing", attempt=1, heartbeat_at=timezone.now() - dt.timedelta(hours=1)
    )
    with pytest.raises(NotFound):
        actions.registry_import_restart(actor=users["head_a1"], job_id=job.pk)
    job = actions.registry_import_restart(actor=users["worker_a1"], job_id=job.pk)
    assert job.status == "queued"
    actions.registry_import_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempt) == ("done", 2)
    # a run that lost the job to another one writes nothing and does not finish it
    assert actions.registry_import_run(job_id=job.pk) is None


def test_progress_is_recorded_while_checking_and_writing(homes, users, monkeypatch):
    seen = []
    original = imports.writing._Progress.__call__

    def spy(self, **fields):
        seen.append(fields)
        original(self, **fields)

    monkeypatch.setattr(imports.jobs, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(imports.writing, "WRITE_BATCH", 2)
    monkeypatch.setattr(imports.writing._Progress, "__call__", spy)
    job = run(users["worker_a1"], xlsx(good_rows()))
    assert seen[0]["rows_total"] == 5  # estimated from the sheet before reading it
    checked = [f["rows_checked"] for f in seen if "rows_checked" in f]
    written = [f["rows_written"] for f in seen if "rows_written" in f]
    assert checked == [2, 4, 5]
    assert written[-3:] == [2, 4, 5]
    assert (job.rows_total, job.rows_checked, job.rows_written) == (5, 5, 5)
    assert job.heartbeat_at is not None


def test_the_task_runs_the_job_once_queued(homes, users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.registry_import_start(
            actor=users["worker_a1"], filename="p.xlsx", data=xlsx(good_rows())
        )
    job.refresh_from_db()
    assert job.status == "done"


def test_jobs_are_their_uploaders_own(homes, users):
    job = run(users["worker_a1"], xlsx(good_rows()))
    for other in ("head_a1", "worker_a2", "town_a"):
        with pytest.raises(NotFound):
            imports.import_job_get(actor=users[other], job_id=job.pk)
    assert list(imports.import_job_list(actor=users["head_a1"])) == []


# --- export ----------------------------------------------------------------------------------


def _read_export(export) -> list[list[str]]:
    data = b"".join(export.chunks)
    if export.filename.endswith(".csv"):
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]


def test_export_is_full_for_who_may_reveal_masked_otherwise_and_audited(homes, users):
    zhang = homes["people"]["zhang"]
    full = actions.registry_export(
        actor=users["worker_a1"], filters=queries.ResidentFilters(area=A1), fmt="csv"
    )
    rows = _read_export(full)
    assert not full.masked
    assert rows[0][:3] == ["社区代码", "楼栋", "单元"]
    by_name = {r[6]: r for r in rows[1:]}
    assert set(by_name) == {"张三", "刘芳", "张小明", "李四", "王五"}
    assert by_name["张三"][7] == zhang.id_number and by_name["张三"][8] == "13712345678"
    assert by_name["张三"][11] == "户主" and by_name["李四"][13] == "独居老人"
    masked = actions.registry_export(
        actor=users["town_a"], filters=queries.ResidentFilters(area=A1), fmt="xlsx"
    )
    rows = _read_export(masked)
    assert masked.masked
    by_name = {r[6]: r for r in rows[1:]}
    assert by_name["张三"][7] == queries.masked_id(zhang) != zhang.id_number
    assert by_name["张三"][8] == queries.masked_phone(zhang) != zhang.phone
    assert by_name["张三"][7].endswith(zhang.id_number[-4:]) and "*" in by_name["张三"][7]
    assert zhang.id_number not in str(rows)
    events = list(AuditEvent.objects.filter(action="registry.export").order_by("id"))
    assert [
        (e.actor.username, e.extra["rows"], e.extra["masked"], e.extra["format"]) for e in events
    ] == [
        ("worker_a1", 5, False, "csv"),
        ("town_a", 5, True, "xlsx"),
    ]
    assert events[0].extra["area"] == A1


def test_export_masks_when_any_row_is_outside_the_reveal_areas(homes, users):
    # the county officer may reveal; the town officer of A may not
    export = actions.registry_export(actor=users["county"], fmt="csv")
    assert not export.masked and export.rows == 7
    # asked for masked
    export = actions.registry_export(actor=users["worker_a1"], fmt="csv", masked=True)
    assert export.masked


def test_a_neighbour_exports_nothing_of_another_community(homes, users):
    export = actions.registry_export(
        actor=users["worker_a2"], filters=queries.ResidentFilters(area=A1), fmt="csv"
    )
    rows = _read_export(export)
    assert export.rows == 0 and rows[1:] == []
    export = actions.registry_export(actor=users["worker_a2"], fmt="csv")
    assert {r[6] for r in _read_export(export)[1:]} == {"赵六"}


def test_export_reimports_unchanged(homes, users):
    export = actions.registry_export(
        actor=users["worker_a1"], filters=queries.ResidentFilters(area=A1), fmt="xlsx"
    )
    data = b"".join(export.chunks)
    before = snapshot()
    job = run(users["worker_a1"], data, on_duplicate="report")
    assert job.status == "done", job.errors
    assert job.counts["residents_unchanged"] == 5
    assert snapshot() == before


def test_export_refuses_people_without_the_registry(homes, users):
    with pytest.raises(Forbidden):
        actions.registry_export(actor=users["dept"], fmt="csv")
    with pytest.raises(ActionError):
        actions.registry_export(actor=users["worker_a1"], fmt="pdf")
    _ = SYSTEM
