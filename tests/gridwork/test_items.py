"""The county's community work-item list: the built-in list, adding, changing, withdrawing, and
who reads it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM
from linli.gridwork import actions, queries
from linli.gridwork.defaults import WORK_ITEMS
from linli.gridwork.models import WorkItem


def _save(actor, county, **more):
    data = {
        "county_code": county.code,
        "code": "XZ-20",
        "name": "老旧小区电动自行车充电安全排查",
        "department": "消防救援大队",
        "basis": "《中华人民共和国消防法》",
        "approved_on": "2024-03-01",
    }
    data.update(more)
    return actions.workitem_save(actor=actor, **data)


# --- the built-in list ------------------------------------------------------------------------


def test_the_built_in_list_fits_the_table_and_names_a_department_and_basis_for_each():
    codes = [code for code, *_rest in WORK_ITEMS]
    assert len(codes) == len(set(codes)) >= 15
    for code, name, department, description, basis in WORK_ITEMS:
        assert len(code) <= WorkItem._meta.get_field("code").max_length
        assert 0 < len(name) <= WorkItem._meta.get_field("name").max_length
        assert 0 < len(department) <= WorkItem._meta.get_field("department").max_length
        assert 0 < len(description) <= WorkItem._meta.get_field("description").max_length
        assert 0 < len(basis) <= WorkItem._meta.get_field("basis").max_length


def test_county_officer_loads_the_built_in_list_once(tree, users, counts):
    county = tree["county"]
    added = actions.workitem_defaults(actor=users["county"], county_code=county.code)
    assert added == len(WORK_ITEMS)
    rows = WorkItem.objects.filter(area_code=county.code)
    assert rows.count() == len(WORK_ITEMS)
    first = rows.get(code="XZ-01")
    assert first.active and first.county_id == county.code and first.updated_by == users["county"]
    assert first.department and first.basis
    event = AuditEvent.objects.get(action="workitem.defaults_load")
    assert event.target_id == county.code and event.extra == {"created": len(WORK_ITEMS)}

    before = counts()
    assert actions.workitem_defaults(actor=users["county"], county_code="220403") == 0
    assert counts()["item"] == before["item"]


def test_loading_again_keeps_what_the_county_changed_and_withdrew(tree, users, items):
    officer = users["county"]
    renamed = items["XZ-18"]
    _save(
        officer,
        tree["county"],
        item_id=renamed.pk,
        code="XZ-18",
        name="防范养老诈骗宣传",
        department="公安局",
        approved_on=None,
    )
    actions.workitem_withdraw(actor=officer, item_id=items["XZ-19"].pk)
    WorkItem.objects.filter(pk=items["XZ-16"].pk).delete()

    assert actions.workitem_defaults(actor=officer, county_code=tree["county"].code) == 1
    renamed.refresh_from_db()
    assert renamed.name == "防范养老诈骗宣传"
    assert not WorkItem.objects.get(pk=items["XZ-19"].pk).active


def test_built_in_texts_show_in_the_readers_language_until_changed(tree, users, items):
    item = queries.workitem_get(actor=users["grid_a1"], item_id=items["XZ-01"].pk)
    assert queries.builtin_text(item, "name").startswith("Care visits to elderly people")
    with translation.override("zh-hans"):
        item.name = "特殊困难老年人探访关爱（本县）"
        assert queries.builtin_text(item, "name") == "特殊困难老年人探访关爱（本县）"


@pytest.mark.parametrize("who", ["worker_a1", "head_a1", "town_a", "dept", "resident_a1"])
def test_only_workitem_managers_load_the_list(tree, users, counts, who):
    before = counts()
    with pytest.raises(Forbidden):
        actions.workitem_defaults(actor=users[who], county_code=tree["county"].code)
    assert counts() == before


def test_an_officer_of_another_county_cannot_load_this_one(tree, other_county, counts):
    from tests.conftest import make_user

    officer = make_user("longshan", "county_officer", other_county["county"])
    before = counts()
    with pytest.raises(Forbidden):
        actions.workitem_defaults(actor=officer, county_code=tree["county"].code)
    assert counts() == before


@pytest.mark.parametrize("code", ["", "abc", "220403001", "220403001001", "999999"])
def test_the_list_belongs_to_a_county(users, tree, counts, code):
    before = counts()
    with pytest.raises(ActionError) as caught:
        actions.workitem_defaults(actor=users["county"], county_code=code)
    assert caught.value.errors == {"county": ["Choose a county."]}
    assert counts() == before


# --- adding and changing ----------------------------------------------------------------------


def test_county_officer_adds_an_item_at_the_end_of_the_list(tree, users, items):
    item = _save(users["county"], tree["county"])
    assert item.code == "XZ-20" and item.active
    assert item.approved_on == dt.date(2024, 3, 1)
    assert item.sort > max(i.sort for i in items.values())
    assert AuditEvent.objects.filter(action="workitem.create", target_id=str(item.pk)).exists()


def test_changing_an_item_keeps_its_county_and_records_who(tree, users, items):
    item = items["XZ-10"]
    saved = _save(
        users["county"],
        tree["county"],
        item_id=item.pk,
        code="XZ-10",
        name="消防安全检查",
        department="县消防救援大队",
        description="每季度检查一次楼道",
    )
    assert saved.pk == item.pk and saved.name == "消防安全检查"
    assert saved.description == "每季度检查一次楼道"
    assert AuditEvent.objects.filter(action="workitem.update", target_id=str(item.pk)).exists()


def test_numbers_are_unique_in_a_county_but_not_across(tree, users, items, other_county, counts):
    before = counts()
    with pytest.raises(Conflict) as caught:
        _save(users["county"], tree["county"], code="XZ-01")
    assert "code" in caught.value.errors
    with pytest.raises(Conflict):
        _save(users["county"], tree["county"], item_id=items["XZ-02"].pk, code="XZ-01")
    assert counts() == before
    # 220402 has its own XZ-01 already: the same number in 220403 is another item.
    assert other_county["item"].code == "XZ-01"


def test_bad_input_names_every_field_and_writes_nothing(tree, users, items, counts):
    before = counts()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    with pytest.raises(ActionError) as caught:
        _save(
            users["county"],
            tree["county"],
            code="X 1",
            name="",
            department="部" * 101,
            basis="依" * 201,
            approved_on=future,
        )
    assert set(caught.value.errors) == {"code", "name", "department", "basis", "approved_on"}
    with pytest.raises(ActionError) as caught:
        _save(users["county"], tree["county"], approved_on="not a date")
    assert caught.value.errors == {"approved_on": ["Enter a date as YYYY-MM-DD."]}
    assert counts() == before


def test_an_item_stays_on_its_own_countys_list(tree, users, items, other_county, prefecture):
    with pytest.raises(ActionError) as caught:
        _save(prefecture, other_county["county"], item_id=items["XZ-01"].pk, code="XZ-01")
    assert "county" in caught.value.errors


@pytest.mark.parametrize("who", ["worker_a1", "head_a1", "town_a", "town_b", "dept"])
def test_readers_of_the_list_cannot_change_it(tree, users, items, counts, who):
    before = counts()
    with pytest.raises(Forbidden):
        _save(users[who], tree["county"])
    with pytest.raises(Forbidden):
        _save(users[who], tree["county"], item_id=items["XZ-01"].pk, code="XZ-01")
    with pytest.raises(Forbidden):
        actions.workitem_withdraw(actor=users[who], item_id=items["XZ-01"].pk)
    assert counts() == before


def test_items_of_another_county_are_not_found(tree, users, other_county, counts):
    before = counts()
    with pytest.raises(NotFound):
        actions.workitem_withdraw(actor=users["county"], item_id=other_county["item"].pk)
    with pytest.raises(NotFound):
        queries.workitem_get(actor=users["grid_a1"], item_id=other_county["item"].pk)
    assert counts() == before


# --- withdrawing ------------------------------------------------------------------------------


def test_withdrawing_takes_an_item_out_of_force_with_its_date(tree, users, items, assign):
    task = assign()[0]
    item = actions.workitem_withdraw(actor=users["county"], item_id=items["XZ-01"].pk)
    assert not item.active and item.withdrawn_on == timezone.localdate()
    event = AuditEvent.objects.get(action="workitem.withdraw")
    assert event.extra == {"open_tasks": 1}
    task.refresh_from_db()
    assert task.status == "open"  # given before: stays to be done or cancelled
    with pytest.raises(Conflict):
        actions.workitem_withdraw(actor=users["county"], item_id=items["XZ-01"].pk)


def test_withdrawal_dates_are_checked(tree, users, items, counts):
    item = _save(users["county"], tree["county"], approved_on="2024-03-01")
    before = counts()
    with pytest.raises(ActionError) as caught:
        actions.workitem_withdraw(actor=users["county"], item_id=item.pk, withdrawn_on="2024-02-01")
    assert "withdrawn_on" in caught.value.errors
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ActionError):
        actions.workitem_withdraw(actor=users["county"], item_id=item.pk, withdrawn_on=tomorrow)
    assert counts() == before
    done = actions.workitem_withdraw(actor=SYSTEM, item_id=item.pk, withdrawn_on="2024-06-30")
    assert done.withdrawn_on == dt.date(2024, 6, 30)


# --- reading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["grid_a1", "worker_a2", "head_a1", "town_b", "dept", "county"])
def test_the_county_reads_its_list(tree, users, items, other_county, who):
    listed = queries.workitem_list(actor=users[who])
    assert listed.count() == len(WORK_ITEMS)
    assert not listed.filter(pk=other_county["item"].pk).exists()


@pytest.mark.parametrize("who", ["resident_a1", "secadmin", "auditor", "sysadmin"])
def test_those_outside_grid_work_read_no_list(users, items, who):
    assert not queries.workitem_list(actor=users[who]).exists()
    with pytest.raises(NotFound):
        queries.workitem_get(actor=users[who], item_id=items["XZ-01"].pk)


def test_a_prefecture_officer_reads_every_countys_list(tree, items, other_county, prefecture):
    assert queries.workitem_list(actor=prefecture).count() == len(WORK_ITEMS) + 1
    only = queries.workitem_list(actor=prefecture, county_code="220402")
    assert list(only) == [other_county["item"]]
    assert [c.code for c in queries.item_counties(actor=prefecture, manage=True)] == [
        "220402000000",
        "220403000000",
    ]


def test_list_filters(tree, users, items):
    actions.workitem_withdraw(actor=users["county"], item_id=items["XZ-19"].pk)
    county = users["county"]
    assert queries.workitem_list(actor=county, active=False).get() == items["XZ-19"]
    assert queries.workitem_list(actor=county, active=True).count() == len(WORK_ITEMS) - 1
    assert queries.workitem_list(actor=county, q="LZ-").count() == 3
    with pytest.raises(ActionError):
        queries.workitem_list(actor=county, county_code="22x")


def test_the_list_reads_in_one_query(tree, users, items, django_assert_num_queries):
    actor = users["grid_a1"]
    queries.workitem_list(actor=actor).exists()  # grants cached, as in a request
    with django_assert_num_queries(1):
        rows = queries.labelled(queries.workitem_list(actor=actor))
    assert len(rows) == len(WORK_ITEMS)
