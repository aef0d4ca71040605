"""The daily log (民情日记): written once per form, for a day within the week, changed only by
its author; read by the author and the grid's community team."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.gridwork import actions, queries
from linli.gridwork.models import Log


@pytest.fixture
def write(tree, users):
    """``write(actor=grid_a1, **fields)``: one entry for A1's grid today."""

    def _write(actor=None, **more):
        data = {
            "area_code": tree["grid_a1"].code,
            "day": timezone.localdate(),
            "saw": "3号楼楼道堆放纸箱，堵住消防通道",
            "client_key": uuid.uuid4(),
        }
        data.update(more)
        return actions.log_write(actor=actor or users["grid_a1"], **data)

    return _write


def test_grid_worker_writes_an_entry(users, tree, write):
    entry = write(heard="李大爷说楼道灯坏了", resolved="帮助清理了纸箱")
    assert entry.written_now and entry.author == users["grid_a1"]
    assert entry.area_code == tree["grid_a1"].code and entry.day == timezone.localdate()
    assert entry.heard == "李大爷说楼道灯坏了" and entry.resolved == "帮助清理了纸箱"
    event = AuditEvent.objects.get(action="log.write")
    assert event.extra == {"day": entry.day.isoformat(), "appeal": None}
    assert "纸箱" not in str(event.extra)


def test_the_same_form_sent_twice_writes_once(users, write):
    key = uuid.uuid4()
    first = write(client_key=key)
    again = write(client_key=str(key), saw="changed on the way")
    assert again.pk == first.pk and not again.written_now
    assert Log.objects.count() == 1 and Log.objects.get().saw == first.saw
    assert AuditEvent.objects.filter(action="log.write").count() == 1
    # Another form is another entry; the same key of another worker is theirs.
    write()
    write(actor=users["worker_a1"], client_key=key)
    assert Log.objects.count() == 3


def test_community_worker_writes_for_the_community_or_its_grids(users, tree, write):
    assert write(actor=users["worker_a1"], area_code=tree["a1"].code).area_code == tree["a1"].code
    assert write(actor=users["worker_a1"]).area_code == tree["grid_a1"].code


@pytest.mark.parametrize("who", ["worker_a2", "town_a", "county", "resident_a1", "dept"])
def test_only_grid_work_here_writes_here(users, write, counts, who):
    before = counts()
    with pytest.raises(Forbidden):
        write(actor=users[who])
    assert counts() == before


def test_the_grid_worker_cannot_write_for_the_whole_community(users, tree, write, counts):
    before = counts()
    with pytest.raises(Forbidden):
        write(area_code=tree["a1"].code)
    assert counts() == before


def test_the_day_is_within_the_week(write, counts):
    today = timezone.localdate()
    assert write(day=today - dt.timedelta(days=7)).day == today - dt.timedelta(days=7)
    before = counts()
    for day, message in (
        (today + dt.timedelta(days=1), "This day has not come yet."),
        (
            today - dt.timedelta(days=8),
            "The log is written within 7 days: this day is too long ago.",
        ),
        ("yesterday", "Enter a date as YYYY-MM-DD."),
        (None, "Which day is this about?"),
    ):
        with pytest.raises(ActionError) as caught:
            write(day=day)
        assert caught.value.errors == {"day": [message]}
    assert counts() == before


def test_bad_entries_write_nothing(users, tree, write, counts):
    before = counts()
    with pytest.raises(ActionError) as caught:
        write(saw="  ", heard="", resolved="")
    assert "__all__" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        write(saw="x" * 2001)
    assert caught.value.errors == {"saw": ["At most 2000 characters, please."]}
    with pytest.raises(ActionError) as caught:
        write(client_key="not-a-key")
    assert "client_key" in caught.value.errors
    with pytest.raises(ActionError):
        write(area_code="abc")
    with pytest.raises(ActionError):
        write(actor=users["worker_a1"], area_code="220403001001099")  # no such grid
    with pytest.raises(ActionError) as caught:
        write(appeal_id=987654)
    assert caught.value.errors == {"appeal": ["There is no such appeal among those you see."]}
    assert counts() == before


# --- changing ---------------------------------------------------------------------------------


def test_the_author_changes_an_entry_within_the_week(users, write):
    entry = write()
    changed = actions.log_update(actor=users["grid_a1"], log_id=entry.pk, resolved="已联系物业")
    assert changed.saw == entry.saw and changed.resolved == "已联系物业"
    assert changed.updated_at >= entry.updated_at
    assert AuditEvent.objects.filter(action="log.update").count() == 1
    with pytest.raises(ActionError):
        actions.log_update(actor=users["grid_a1"], log_id=entry.pk, saw="", resolved="")


def test_only_the_author_changes_and_only_within_the_week(users, write, counts):
    entry = write()
    old = write()
    Log.objects.filter(pk=old.pk).update(day=timezone.localdate() - dt.timedelta(days=8))
    before = counts()
    with pytest.raises(Forbidden):  # reads it (the community's worker), did not write it
        actions.log_update(actor=users["worker_a1"], log_id=entry.pk, saw="改")
    with pytest.raises(NotFound):
        actions.log_update(actor=users["worker_a2"], log_id=entry.pk, saw="改")
    with pytest.raises(Forbidden):
        actions.log_update(actor=users["grid_a1"], log_id=old.pk, saw="改")
    with pytest.raises(ActionError):
        actions.log_update(
            actor=users["grid_a1"],
            log_id=entry.pk,
            day=timezone.localdate() + dt.timedelta(days=1),
        )
    assert counts() == before


# --- reading ----------------------------------------------------------------------------------


def test_who_reads_the_log(users, tree, write):
    grid_entry = write()
    community_entry = write(actor=users["worker_a1"], area_code=tree["a1"].code)
    read = {who: set(queries.log_list(actor=users[who])) for who in users}
    assert read["grid_a1"] == {grid_entry}  # not the community-wide entry
    assert read["worker_a1"] == read["head_a1"] == {grid_entry, community_entry}
    for who in ("worker_a2", "town_a", "town_b", "county", "dept", "resident_a1", "auditor"):
        assert read[who] == set(), who
    with pytest.raises(NotFound):
        queries.log_get(actor=users["town_a"], log_id=grid_entry.pk)


def test_log_filters(users, tree, write):
    today = timezone.localdate()
    mine = write()
    older = write(day=today - dt.timedelta(days=3))
    theirs = write(actor=users["worker_a1"], area_code=tree["a1"].code)
    reader = users["worker_a1"]
    assert list(queries.log_list(actor=reader)) == [theirs, mine, older]
    assert set(queries.log_list(actor=reader, author=users["grid_a1"].pk)) == {mine, older}
    assert set(queries.log_list(actor=reader, author="me")) == {theirs}
    assert set(queries.log_list(actor=reader, area=tree["grid_a1"].code)) == {mine, older}
    assert set(queries.log_list(actor=reader, since=today - dt.timedelta(days=1))) == {mine, theirs}
    assert set(
        queries.log_list(actor=reader, until=(today - dt.timedelta(days=1)).isoformat())
    ) == {older}
    for bad in (
        {"author": "x"},
        {"area": "x"},
        {"since": "x"},
        {"since": today, "until": older.day},
    ):
        with pytest.raises(ActionError):
            queries.log_list(actor=reader, **bad)


def test_log_areas_are_where_one_does_grid_work(users, tree):
    assert queries.log_areas(actor=users["grid_a1"]) == [
        (tree["grid_a1"].code, tree["grid_a1"].name)
    ]
    assert [code for code, _name in queries.log_areas(actor=users["worker_a1"])] == [
        tree["a1"].code,
        tree["grid_a1"].code,
    ]
    assert queries.log_areas(actor=users["town_a"]) == []
