"""Grid-work pages: the day, the daily log, tasks and the work-item list, as each kind of user
meets them; every form without JavaScript."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.gridwork import actions
from linli.gridwork.defaults import WORK_ITEMS
from linli.gridwork.models import Log, Task, WorkItem


def _html(response) -> str:
    return response.content.decode()


# --- the day ----------------------------------------------------------------------------------


def test_the_grid_workers_day_has_four_parts_and_a_log_form(login, users, items, duty, assign):
    assign(title="检查楼道消防通道")
    response = login(users["grid_a1"]).get(reverse("gridwork:day"))
    assert response.status_code == 200
    html = _html(response)
    for part in ("part-visits", "part-appeals", "part-tasks", "part-log"):
        assert f'data-testid="{part}"' in html
    assert 'data-testid="count-tasks">1<' in html and "检查楼道消防通道" in html
    assert 'name="client_key"' in html and 'name="next" value="day"' in html
    assert "gridwork/log.js" in html and "<script>" not in html


@pytest.mark.parametrize("who", ["resident_a1", "town_a", "county", "dept"])
def test_the_day_is_for_grid_work(login, users, who):
    assert login(users[who]).get(reverse("gridwork:day")).status_code == 403


def test_the_day_needs_signing_in(client, db):
    response = client.get(reverse("gridwork:day"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_writing_todays_log_from_the_day(login, users, tree):
    client = login(users["grid_a1"])
    key = str(uuid.uuid4())
    data = {
        "area_code": tree["grid_a1"].code,
        "day": timezone.localdate().isoformat(),
        "heard": "居民反映小区门口积水",
        "client_key": key,
        "next": "day",
    }
    response = client.post(reverse("gridwork:log"), data)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('gridwork:day')}?written={key}"
    page = client.get(response["Location"])
    assert f'data-written-key="{key}"' in _html(page)
    assert "居民反映小区门口积水" in _html(page)
    again = client.post(reverse("gridwork:log"), data, follow=True)
    assert "This entry was saved already." in _html(again)
    assert Log.objects.count() == 1


def test_staff_and_officer_homes_carry_the_grid_blocks(login, users, items, assign):
    assign()
    home = _html(login(users["grid_a1"]).get("/"))
    assert 'data-testid="home-grid-day"' in home
    officer = _html(login(users["county"]).get("/"))
    assert 'data-testid="home-grid-tasks"' in officer
    resident = _html(login(users["resident_a1"]).get("/"))
    assert "home-grid" not in resident


# --- the daily log ----------------------------------------------------------------------------


def test_the_log_page_writes_and_lists_entries(login, users, tree):
    client = login(users["grid_a1"])
    page = client.get(reverse("gridwork:log"))
    assert page.status_code == 200 and 'data-fresh="1"' in _html(page)
    key = str(uuid.uuid4())
    response = client.post(
        reverse("gridwork:log"),
        {
            "area_code": tree["grid_a1"].code,
            "day": timezone.localdate().isoformat(),
            "saw": "井盖缺失",
            "client_key": key,
        },
    )
    assert response.status_code == 302 and response["Location"].endswith(f"?written={key}")
    listed = _html(client.get(response["Location"]))
    assert "井盖缺失" in listed and 'data-testid="log-entries"' in listed


def test_an_empty_entry_is_refused_with_the_form_kept(login, users, tree):
    key = str(uuid.uuid4())
    response = login(users["grid_a1"]).post(
        reverse("gridwork:log"),
        {
            "area_code": tree["grid_a1"].code,
            "day": timezone.localdate().isoformat(),
            "client_key": key,
        },
    )
    assert response.status_code == 400
    html = _html(response)
    assert "Write what you saw" in html and key in html and 'data-fresh=""' in html
    assert not Log.objects.exists()


def test_the_author_changes_an_entry_and_others_only_read_it(login, users, tree):
    entry = actions.log_write(
        actor=users["grid_a1"],
        area_code=tree["grid_a1"].code,
        day=timezone.localdate(),
        saw="垃圾桶满溢",
        client_key=uuid.uuid4(),
    )
    url = reverse("gridwork:log_entry", args=[entry.pk])
    author = login(users["grid_a1"])
    assert 'data-testid="log-edit-form"' in _html(author.get(url))
    response = author.post(
        url,
        {
            "area_code": tree["grid_a1"].code,
            "day": timezone.localdate().isoformat(),
            "saw": "垃圾桶满溢",
            "resolved": "已通知保洁",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.resolved == "已通知保洁"

    reader = login(users["worker_a1"])
    page = reader.get(url)
    assert page.status_code == 200 and "log-edit-form" not in _html(page)
    assert reader.post(url, {"saw": "改"}).status_code == 403
    assert login(users["worker_a2"]).get(url).status_code == 404


# --- tasks ------------------------------------------------------------------------------------


def test_county_assigns_from_the_tasks_page(login, users, tree, items, duty):
    client = login(users["county"])
    page = _html(client.get(reverse("gridwork:tasks")))
    assert 'data-testid="assign-form"' in page and tree["grid_a1"].code in page
    response = client.post(
        reverse("gridwork:task_assign"),
        {
            "item": items["XZ-11"].pk,
            "area_codes": [tree["grid_a1"].code, tree["b1"].code],
            "title": "汛前隐患排查",
            "due_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Task.objects.filter(title="汛前隐患排查").count() == 2
    listed = _html(client.get(response["Location"]))
    assert "汛前隐患排查" in listed


def test_assigning_under_a_withdrawn_item_is_refused_on_the_page(login, users, tree, items):
    actions.workitem_withdraw(actor=users["county"], item_id=items["XZ-11"].pk)
    response = login(users["county"]).post(
        reverse("gridwork:task_assign"),
        {"item": items["XZ-11"].pk, "area_codes": [tree["grid_a1"].code], "title": "汛前隐患排查"},
    )
    assert response.status_code == 400  # the withdrawn item is not offered
    assert not Task.objects.exists()


def test_grid_worker_marks_done_from_the_list(login, users, items, duty, assign):
    task = assign()[0]
    client = login(users["grid_a1"])
    listed = _html(client.get(reverse("gridwork:tasks")))
    assert reverse("gridwork:task_done", args=[task.pk]) in listed
    assert "assign-form" not in listed
    response = client.post(
        reverse("gridwork:task_done", args=[task.pk]), {"result": "已完成入户", "next": "list"}
    )
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("gridwork:tasks")
    )
    task.refresh_from_db()
    assert task.status == "done"
    empty = client.post(reverse("gridwork:task_done", args=[task.pk]), {"result": ""})
    assert empty.status_code == 400


def test_task_page_access(login, users, items, assign):
    task = assign()[0]
    url = reverse("gridwork:task", args=[task.pk])
    page = _html(login(users["county"]).get(url))
    assert 'data-testid="cancel-form"' in page and "done-form" not in page
    worker = _html(login(users["grid_a1"]).get(url))
    assert 'data-testid="done-form"' in worker and "cancel-form" not in worker
    assert login(users["worker_a2"]).get(url).status_code == 404
    assert login(users["resident_a1"]).get(url).status_code == 403
    head = login(users["head_a1"])
    assert (
        head.post(reverse("gridwork:task_cancel", args=[task.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert (
        login(users["town_b"])
        .post(reverse("gridwork:task_cancel", args=[task.pk]), {"reason": "x"})
        .status_code
        == 404
    )
    county = login(users["county"])
    assert (
        county.post(reverse("gridwork:task_cancel", args=[task.pk]), {"reason": "重复"}).status_code
        == 302
    )
    task.refresh_from_db()
    assert task.status == "cancelled"


def test_the_tasks_page_reads_the_same_queries_for_more_rows(login, users, tree, items, assign):
    client = login(users["county"])
    assign()

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("gridwork:tasks")).status_code == 200
        return len(captured.captured_queries)

    few = count()
    assign(areas=[tree["grid_a1"].code, tree["a2"].code, tree["b1"].code])
    assign(item="XZ-05", areas=[tree["a1"].code])
    assert count() == few


# --- the work-item list -----------------------------------------------------------------------


def test_county_loads_the_built_in_list_on_an_empty_page(login, users, tree):
    client = login(users["county"])
    page = _html(client.get(reverse("gridwork:items")))
    assert 'data-testid="defaults-form"' in page
    response = client.post(reverse("gridwork:items_defaults"), {"county": tree["county"].code})
    assert response.status_code == 302
    assert WorkItem.objects.count() == len(WORK_ITEMS)
    page = _html(client.get(response["Location"]))
    assert 'data-testid="items-in-force"' in page and "defaults-form" not in page


def test_readers_see_the_list_without_forms(login, users, items):
    page = login(users["grid_a1"]).get(reverse("gridwork:items"))
    assert page.status_code == 200
    html = _html(page)
    assert "items-in-force" in html and "item-form" not in html and "defaults-form" not in html
    assert login(users["resident_a1"]).get(reverse("gridwork:items")).status_code == 403
    assert (
        login(users["worker_a1"])
        .post(reverse("gridwork:items_defaults"), {"county": "220403"})
        .status_code
        == 403
    )


def test_county_adds_changes_and_withdraws_an_item(login, users, tree, items):
    client = login(users["county"])
    response = client.post(
        reverse("gridwork:item_add"),
        {
            "county": tree["county"].code,
            "code": "XZ-20",
            "name": "充电桩排查",
            "department": "消防",
        },
    )
    assert response.status_code == 302
    item = WorkItem.objects.get(code="XZ-20")
    url = reverse("gridwork:item", args=[item.pk])
    page = _html(client.get(url))
    assert 'data-testid="item-form"' in page and 'data-testid="withdraw-form"' in page
    response = client.post(
        url, {"code": "XZ-20", "name": "电动自行车充电排查", "department": "消防救援大队"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.name == "电动自行车充电排查"
    duplicate = client.post(url, {"code": "XZ-01", "name": "x", "department": "y"})
    assert duplicate.status_code == 409
    response = client.post(reverse("gridwork:item_withdraw", args=[item.pk]), {"withdrawn_on": ""})
    assert response.status_code == 302
    item.refresh_from_db()
    assert not item.active
    listed = _html(client.get(reverse("gridwork:items")))
    assert 'data-testid="items-withdrawn"' in listed


def test_readers_cannot_change_an_item(login, users, items):
    url = reverse("gridwork:item", args=[items["XZ-01"].pk])
    worker = login(users["worker_a1"])
    page = _html(worker.get(url))
    assert "item-form" not in page and "withdraw-form" not in page
    assert worker.post(url, {"code": "XZ-01", "name": "x", "department": "y"}).status_code == 403
    assert (
        worker.post(reverse("gridwork:item_withdraw", args=[items["XZ-01"].pk])).status_code == 403
    )
