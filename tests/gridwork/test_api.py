"""The grid-work API at /api/v1/grid/: the same actions and queries as the pages, as JSON."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from linli.gridwork.defaults import WORK_ITEMS
from linli.gridwork.models import Log, Task, WorkItem

API = "/api/v1/grid"


def _json(client, method: str, path: str, body=None, **params):
    call = getattr(client, method)
    if body is None:
        return call(f"{API}/{path}", params or None)
    return call(f"{API}/{path}", body, content_type="application/json")


# --- work items -------------------------------------------------------------------------------


def test_load_list_add_change_withdraw_items(login, users, tree):
    client = login(users["county"])
    response = _json(client, "post", "items/defaults", {"county": "220403"})
    assert response.status_code == 200 and response.json() == {"created": len(WORK_ITEMS)}
    assert _json(client, "post", "items/defaults", {"county": "220403"}).json() == {"created": 0}

    listed = _json(client, "get", "items", county="220403", limit=5).json()
    assert listed["count"] == len(WORK_ITEMS) and len(listed["items"]) == 5
    first = listed["items"][0]
    assert first["code"] == "LZ-01" and first["county"] == "220403000000" and first["active"]
    assert first["label"] and first["department_label"] and first["basis"]

    created = _json(
        client,
        "post",
        "items",
        {
            "county": "220403",
            "code": "XZ-20",
            "name": "电动自行车充电排查",
            "department": "消防救援大队",
            "approved_on": "2024-05-01",
        },
    )
    assert created.status_code == 201
    item = created.json()
    assert item["label"] == "电动自行车充电排查" and item["approved_on"] == "2024-05-01"

    changed = _json(
        client,
        "put",
        f"items/{item['id']}",
        {"code": "XZ-20", "name": "充电安全排查", "department": "消防救援大队"},
    )
    assert changed.status_code == 200 and changed.json()["name"] == "充电安全排查"
    assert changed.json()["approved_on"] is None  # PUT replaces

    withdrawn = _json(client, "post", f"items/{item['id']}/withdraw", {})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["active"] is False
    assert withdrawn.json()["withdrawn_on"] == timezone.localdate().isoformat()
    assert _json(client, "post", f"items/{item['id']}/withdraw", {}).status_code == 409
    assert _json(client, "get", "items", active="false").json()["count"] == 1


def test_item_errors_are_problems_with_fields(login, users, items):
    client = login(users["county"])
    response = _json(
        client,
        "post",
        "items",
        {"county": "220403", "code": "XZ-01", "name": "x", "department": "y"},
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "code" in response.json()["errors"]
    bad = _json(
        client, "post", "items", {"county": "220403", "code": "", "name": "", "department": ""}
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"code", "name", "department"}
    unknown = _json(
        client,
        "post",
        "items",
        {"county": "220403", "code": "a", "name": "b", "department": "c", "x": 1},
    )
    assert unknown.status_code == 422
    assert _json(client, "post", "items/defaults", {"county": "2204030"}).status_code == 400


def test_readers_read_items_but_do_not_change_them(login, users, items):
    client = login(users["grid_a1"])
    assert _json(client, "get", "items").json()["count"] == len(WORK_ITEMS)
    pk = items["XZ-01"].pk
    assert _json(client, "get", f"items/{pk}").status_code == 200
    assert _json(client, "post", "items/defaults", {"county": "220403"}).status_code == 403
    assert (
        _json(
            client, "put", f"items/{pk}", {"code": "XZ-01", "name": "x", "department": "y"}
        ).status_code
        == 403
    )
    assert _json(client, "post", f"items/{pk}/withdraw", {}).status_code == 403
    resident = login(users["resident_a1"])
    assert _json(resident, "get", "items").json()["count"] == 0
    assert _json(resident, "get", f"items/{pk}").status_code == 404
    assert WorkItem.objects.get(pk=pk).name == items["XZ-01"].name


def test_the_api_needs_authentication(client, db):
    response = client.get(f"{API}/items")
    assert response.status_code == 401


# --- tasks ------------------------------------------------------------------------------------


def test_assign_list_do_and_cancel_tasks(login, users, tree, items, duty):
    county = login(users["county"])
    due = (timezone.localdate() + dt.timedelta(days=4)).isoformat()
    response = _json(
        county,
        "post",
        "tasks",
        {
            "item_id": items["XZ-13"].pk,
            "area_codes": [tree["grid_a1"].code, "220403001002"],
            "title": "爱国卫生大扫除",
            "due_on": due,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["tasks"]) == 2 and {t["batch"] for t in body["tasks"]} == {body["batch"]}
    first = body["tasks"][0]
    assert first["area_name"] == tree["grid_a1"].name and first["status"] == "open"
    assert first["item"]["code"] == "XZ-13" and first["assigned_by"] == "county"

    grid = login(users["grid_a1"])
    listed = _json(grid, "get", "tasks", status="open").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == first["id"]
    detail = _json(grid, "get", f"tasks/{first['id']}").json()
    assert detail["can_do"] and not detail["can_cancel"]
    done = _json(grid, "post", f"tasks/{first['id']}/done", {"result": "清理楼道杂物"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert _json(grid, "post", f"tasks/{first['id']}/done", {"result": "again"}).status_code == 409

    county = login(users["county"])
    second = body["tasks"][1]["id"]
    cancelled = _json(county, "post", f"tasks/{second}/cancel", {"reason": "重复"})
    assert cancelled.status_code == 200 and cancelled.json()["result"] == "重复"
    batch = _json(county, "get", "tasks", batch=body["batch"]).json()
    assert batch["count"] == 2


def test_tasks_outside_the_list_are_refused(login, users, tree, items, other_county, counts):
    before = counts()
    dept = login(users["dept"])
    foreign = _json(
        dept,
        "post",
        "tasks",
        {"item_id": other_county["item"].pk, "area_codes": [tree["grid_a1"].code], "title": "x"},
    )
    assert foreign.status_code == 404 and "item_id" in foreign.json()["errors"]
    outside = _json(
        dept,
        "post",
        "tasks",
        {"item_id": items["XZ-01"].pk, "area_codes": ["220402001001"], "title": "x"},
    )
    assert outside.status_code == 400
    assert "work-item list" in outside.json()["title"]
    assert outside.json()["type"].endswith("/outside-list")
    login(users["county"])
    _json(login(users["county"]), "post", f"items/{items['XZ-02'].pk}/withdraw", {})
    withdrawn = _json(
        login(users["dept"]),
        "post",
        "tasks",
        {"item_id": items["XZ-02"].pk, "area_codes": [tree["grid_a1"].code], "title": "x"},
    )
    assert withdrawn.status_code == 400 and "item_id" in withdrawn.json()["errors"]
    after = counts()
    assert after["task"] == before["task"] == 0


def test_task_refusals(login, users, tree, items, assign):
    task = assign()[0]
    assert _json(login(users["worker_a2"]), "get", f"tasks/{task.pk}").status_code == 404
    assert _json(login(users["worker_a2"]), "get", "tasks").json()["count"] == 0
    town_b = login(users["town_b"])
    assert _json(town_b, "post", f"tasks/{task.pk}/cancel", {"reason": "x"}).status_code == 404
    head = login(users["head_a1"])
    assert _json(head, "post", f"tasks/{task.pk}/cancel", {"reason": "x"}).status_code == 403
    assert (
        _json(login(users["town_a"]), "post", f"tasks/{task.pk}/done", {"result": "x"}).status_code
        == 403
    )
    grid = login(users["grid_a1"])
    assert _json(grid, "post", f"tasks/{task.pk}/done", {"result": ""}).status_code == 400
    assert _json(grid, "get", "tasks", status="later").status_code in (400, 422)
    assert (
        _json(
            grid,
            "post",
            "tasks",
            {"item_id": items["XZ-01"].pk, "area_codes": [tree["grid_a1"].code], "title": "x"},
        ).status_code
        == 403
    )
    assert Task.objects.get(pk=task.pk).status == "open"


# --- the daily log ----------------------------------------------------------------------------


def test_write_again_change_and_read_log_entries(login, users, tree):
    client = login(users["grid_a1"])
    key = str(uuid.uuid4())
    body = {
        "area_code": tree["grid_a1"].code,
        "day": timezone.localdate().isoformat(),
        "saw": "小区路灯坏了三盏",
        "client_key": key,
    }
    first = _json(client, "post", "logs", body)
    assert first.status_code == 201
    entry = first.json()
    assert entry["author"] == "grid_a1" and entry["can_change"] and entry["area_name"]
    again = _json(client, "post", "logs", {**body, "saw": "changed"})
    assert again.status_code == 200 and again.json()["id"] == entry["id"]
    assert again.json()["saw"] == "小区路灯坏了三盏"
    assert Log.objects.count() == 1

    changed = _json(client, "put", f"logs/{entry['id']}", {"resolved": "已报修"})
    assert changed.status_code == 200
    assert changed.json()["resolved"] == "已报修" and changed.json()["saw"] == "小区路灯坏了三盏"

    listed = _json(login(users["worker_a1"]), "get", "logs", area=tree["grid_a1"].code).json()
    assert listed["count"] == 1 and not listed["items"][0]["can_change"]
    reader = login(users["worker_a1"])
    assert _json(reader, "put", f"logs/{entry['id']}", {"saw": "x"}).status_code == 403
    neighbour = login(users["worker_a2"])
    assert _json(neighbour, "get", "logs").json()["count"] == 0
    assert _json(neighbour, "get", f"logs/{entry['id']}").status_code == 404


def test_log_input_is_checked(login, users, tree, counts):
    client = login(users["grid_a1"])
    before = counts()
    base = {
        "area_code": tree["grid_a1"].code,
        "day": timezone.localdate().isoformat(),
        "client_key": str(uuid.uuid4()),
    }
    empty = _json(client, "post", "logs", base)
    assert empty.status_code == 400 and "__all__" in empty.json()["errors"]
    old = _json(client, "post", "logs", {**base, "saw": "x", "day": "2020-01-01"})
    assert old.status_code == 400 and "day" in old.json()["errors"]
    assert (
        _json(client, "post", "logs", {**base, "saw": "x", "client_key": "nope"}).status_code == 422
    )
    assert (
        _json(client, "post", "logs", {**base, "saw": "x", "area_code": "220403001002"}).status_code
        == 403
    )
    assert counts() == before


# --- the day ----------------------------------------------------------------------------------


def test_the_day_answers_the_four_parts(login, users, tree, items, assign):
    assign()
    client = login(users["grid_a1"])
    _json(
        client,
        "post",
        "logs",
        {
            "area_code": tree["grid_a1"].code,
            "day": timezone.localdate().isoformat(),
            "heard": "楼上漏水",
            "client_key": str(uuid.uuid4()),
        },
    )
    day = _json(client, "get", "day").json()
    assert day["today"] == timezone.localdate().isoformat()
    assert day["tasks"]["count"] == 1 and day["tasks"]["top"][0]["area_name"]
    assert day["visits"]["count"] == 0 and day["appeals"]["count"] == 0
    assert [e["heard"] for e in day["logs"]] == ["楼上漏水"]
    other = _json(login(users["worker_a2"]), "get", "day").json()
    assert other["tasks"]["count"] == 0 and other["logs"] == []


@pytest.mark.parametrize("path", ["items", "tasks", "logs", "day"])
def test_every_list_answers_an_empty_world(login, users, path):
    assert _json(login(users["town_b"]), "get", path).status_code == 200
