"""The ledger API under /api/v1/plans/ledger/: the same actions and queries as the pages, as
JSON, with problem+json errors."""

from __future__ import annotations

import pytest

from linli.plans.models import Evidence, PlanTask, ProgressReport
from tests.plans.ledger_fixtures import (  # noqa: F401 (fixtures)
    at,
    clock_fixture,
    fake,
    ledger_fixture,
    make_report,
    media_fixture,
    pdf,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/plans/ledger"


def call(client, method: str, path: str, body=None, **params):
    do = getattr(client, method)
    if body is None:
        return do(f"{API}/{path}", params or None)
    return do(f"{API}/{path}", body, content_type="application/json")


TASK = {
    "number": "3.1",
    "title": "建设社区志愿服务站",
    "lead_units": "区民政局",
    "report_level": 5,
    "frequency": "half",
    "due_month": 12,
    "due_day": 15,
    "first_year": 2026,
    "last_year": 2027,
}


def test_tasks_and_milestones(login, ledger):
    plan = ledger["plan"]
    client = login(ledger["county"])
    made = call(client, "post", "tasks", {**TASK, "plan_id": plan.pk})
    assert made.status_code == 201
    task = made.json()
    assert task["periods"][:2] == ["2026H1", "2026H2"] and task["can_manage"]
    assert task["report_level_label"] == "community or village"
    listed = call(client, "get", "tasks", plan=plan.pk, lead="组织部").json()
    assert [t["number"] for t in listed] == ["2.1"]
    changed = call(client, "put", f"tasks/{task['id']}", {**TASK, "title": "志愿服务站全覆盖"})
    assert changed.status_code == 200 and changed.json()["title"] == "志愿服务站全覆盖"
    milestone = call(
        client,
        "post",
        f"tasks/{task['id']}/milestones",
        {"year": 2026, "title": "完成选址", "due_on": "2026-09-30"},
    )
    assert milestone.status_code == 201
    assert call(client, "get", f"tasks/{task['id']}").json()["milestones"][0]["title"] == "完成选址"
    bad = call(
        client,
        "post",
        f"tasks/{task['id']}/milestones",
        {"year": 2026, "title": "x", "due_on": "2027-01-01"},
    )
    assert bad.status_code == 400 and "due_on" in bad.json()["errors"]
    assert call(client, "delete", f"milestones/{milestone.json()['id']}").status_code == 204
    refused = call(
        login(ledger["town_a"]), "post", "tasks", {**TASK, "number": "3.2", "plan_id": plan.pk}
    )
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    client = login(ledger["county"])
    unknown = call(client, "post", "tasks", {**TASK, "plan_id": plan.pk, "colour": "red"})
    assert unknown.status_code == 422
    duplicate = call(client, "post", "tasks", {**TASK, "plan_id": plan.pk})
    assert duplicate.status_code == 409
    assert call(client, "delete", f"tasks/{task['id']}").status_code == 204
    assert not PlanTask.objects.filter(pk=task["id"]).exists()
    hidden = call(login(ledger["other_county"]), "get", "tasks", plan=plan.pk)
    assert hidden.status_code == 404


def test_report_workflow(login, ledger, tree, media):
    task = ledger["community_task"]
    head = login(ledger["head_a1"])
    mine = call(head, "get", "mine").json()
    assert [(d["period"], d["status"], d["overdue"]) for d in mine] == [
        ("2025", "missing", True),
        ("2026", "missing", False),
    ]
    body = {
        "task_id": task.pk,
        "area_code": "220403001001",
        "period": "2026",
        "text": "进展",
        "percent": 40,
    }
    saved = call(head, "post", "reports", body)
    assert saved.status_code == 200
    report = saved.json()
    assert (report["status"], report["can_edit"], report["area_name"]) == (
        "draft",
        True,
        tree["a1"].name,
    )
    too_much = call(head, "post", "reports", {**body, "percent": 101})
    assert too_much.status_code == 422
    future = call(head, "post", "reports", {**body, "period": "2027"})
    assert future.status_code == 400 and "period" in future.json()["errors"]
    neighbour = call(head, "post", "reports", {**body, "area_code": "220403002001"})
    assert neighbour.status_code == 404

    upload = head.post(f"{API}/reports/{report['id']}/evidence", {"file": pdf()})
    assert upload.status_code == 201
    evidence = upload.json()
    assert head.post(f"{API}/reports/{report['id']}/evidence", {"file": fake()}).status_code == 400
    files = call(head, "get", f"reports/{report['id']}/evidence").json()
    assert [f["id"] for f in files] == [evidence["id"]]
    download = head.get(evidence["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")

    submitted = call(head, "post", f"reports/{report['id']}/submit")
    assert submitted.json()["status"] == "submitted" and submitted.json()["on_time"] is True
    assert call(head, "delete", f"evidence/{evidence['id']}").status_code == 409
    assert Evidence.objects.count() == 1

    town = login(ledger["town_a"])
    queue = call(town, "get", "approvals").json()
    assert [r["id"] for r in queue] == [report["id"]]
    returned = call(town, "post", f"reports/{report['id']}/return", {"reason": "请补充照片"})
    assert returned.json()["status"] == "returned"
    assert call(town, "post", f"reports/{report['id']}/return", {}).status_code == 422
    head = login(ledger["head_a1"])
    assert call(head, "post", f"reports/{report['id']}/submit").status_code == 200
    assert call(head, "post", f"reports/{report['id']}/approve").status_code == 403
    town = login(ledger["town_a"])
    approved = call(town, "post", f"reports/{report['id']}/approve").json()
    assert approved["status"] == "approved" and approved["can_reopen"]
    assert [h["action"] for h in approved["history"]][-2:] == [
        "plans.report.submit",
        "plans.report.approve",
    ]
    reopened = call(town, "post", f"reports/{report['id']}/reopen", {"reason": "数据有误"})
    assert reopened.json()["status"] == "returned"
    assert call(login(ledger["town_b"]), "get", f"reports/{report['id']}").status_code == 404
    rows = call(login(ledger["county"]), "get", f"tasks/{task.pk}/reports", period="2026").json()
    assert rows["counts"] == {"returned": 1, "missing": 2}


def test_rates(login, ledger, tree):
    make_report(
        ledger["community_task"],
        tree["a1"],
        "2026",
        ProgressReport.Status.APPROVED,
        submitted_at=at(2026, 6, 1),
    )
    client = login(ledger["county"])
    found = call(client, "get", f"plans/{ledger['plan'].pk}/rates").json()
    assert found["period"] == "2026" and found["total"]["expected"] == 7
    assert found["total"]["submitted"] == 1 and found["total"]["reporting_rate"] == 14.3
    assert [(t["number"], t["expected"], t["submitted"]) for t in found["tasks"]] == [
        ("1.1", 3, 1),
        ("2.1", 4, 0),
    ]
    town = call(
        client, "get", f"plans/{ledger['plan'].pk}/rates", area=tree["town_a"].code, period="2026"
    ).json()
    assert [r["area_code"] for r in town["rows"]] == [
        tree["town_a"].code,
        tree["a1"].code,
        tree["a2"].code,
    ]
    bad = call(client, "get", f"plans/{ledger['plan'].pk}/rates", period="x")
    assert bad.status_code == 400
    assert (
        call(login(ledger["other_county"]), "get", f"plans/{ledger['plan'].pk}/rates").status_code
        == 404
    )
