"""Livelihood projects as JSON at /api/v1/matching/: the same actions and queries as the pages;
errors as problem+json; the public routes answer anyone and carry nothing personal."""

from __future__ import annotations

import pytest

from linli.matching.actions import projects as actions
from linli.matching.models import LivelihoodProject, ProjectMilestone

from .fixtures_projects import *  # noqa: F403 (the fixtures)
from .fixtures_projects import PROJECT, counts

pytestmark = pytest.mark.django_db

API = "/api/v1/matching"
BODY = PROJECT | {"budget": 120000.5, "beneficiary_count": 350}


def _json(client, method: str, path: str, body=None, **params):
    call = getattr(client, method)
    if body is None:
        return call(f"{API}/{path}", params or None)
    return call(f"{API}/{path}", body, content_type="application/json")


def test_a_project_lifecycle(login, users, tree):
    client = login(users["head_a1"])
    created = _json(client, "post", "projects", BODY | {"area_code": tree["a1"].code})
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert body["budget"] == "120000.50" and body["status"] == "planned" and body["can_manage"]
    assert body["area_name"] == "仙城社区" and body["suggested_progress"] is None

    one = _json(client, "post", f"projects/{pk}/milestones", {"title": "设计", "weight": 40})
    assert one.status_code == 201 and one.json()["position"] == 0
    two = _json(client, "post", f"projects/{pk}/milestones", {"title": "施工", "weight": 60})
    mid = one.json()["id"]
    done = _json(client, "post", f"projects/{pk}/milestones/{mid}/done", {})
    assert done.status_code == 200 and done.json()["done"]
    changed = _json(
        client,
        "put",
        f"projects/{pk}/milestones/{two.json()['id']}",
        {"title": "施工和验收", "weight": 60, "due_on": "2026-10-01"},
    )
    assert changed.json()["due_on"] == "2026-10-01"
    detail = _json(client, "get", f"projects/{pk}").json()
    assert detail["suggested_progress"] == 40 and detail["shares"] == 100

    update = _json(
        client, "post", f"projects/{pk}/updates", {"text": "设计完成。", "status": "under_way"}
    )
    assert update.status_code == 201 and update.json()["progress"] == 40
    assert update.json()["by"] == "head_a1"
    assert _json(client, "get", f"projects/{pk}/updates").json()[0]["text"] == "设计完成。"

    shown = _json(client, "post", f"projects/{pk}/publish", {"published": True})
    assert shown.status_code == 200 and shown.json()["published"]
    assert _json(client, "post", f"projects/{pk}/publish", {}).status_code == 409

    put = _json(client, "put", f"projects/{pk}", BODY | {"lead_unit": "仙城街道"})
    assert put.status_code == 200 and put.json()["lead_unit"] == "仙城街道"
    listed = _json(client, "get", "projects", status="under_way").json()
    assert listed["count"] == 1 and listed["items"][0]["milestones_done"] == 1
    totals = _json(client, "get", "projects/totals").json()
    assert totals["count"] == 1 and totals["budget"] == "120000.50"
    assert {"key": "under_way", "label": "under way", "count": 1, "budget": "120000.50"} in (
        totals["by_status"]
    )

    removed = _json(client, "delete", f"projects/{pk}/milestones/{mid}")
    assert removed.status_code == 204
    cancelled = _json(client, "post", f"projects/{pk}/cancel", {"reason": "并入街道项目。"})
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["updates"][0]["status"] == "cancelled"


def test_errors_are_problems_with_fields(login, users, tree, a1_project):
    client = login(users["head_a1"])
    before = counts()
    bad = _json(
        client,
        "post",
        "projects",
        BODY | {"area_code": tree["a1"].code, "budget": "1.001", "ends_on": "2026-01-01"},
    )
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert set(bad.json()["errors"]) == {"budget", "ends_on"}
    assert (
        _json(client, "post", "projects", BODY | {"area_code": tree["a1"].code, "x": 1}).status_code
        == 422
    )
    low = _json(
        client,
        "post",
        f"projects/{a1_project.pk}/updates",
        {"text": "x", "status": "under_way", "progress": 5},
    )
    assert low.status_code == 400 and "progress" in low.json()["errors"]
    over = _json(
        client, "post", f"projects/{a1_project.pk}/milestones", {"title": "再一步", "weight": 5}
    )
    assert over.status_code == 400 and "weight" in over.json()["errors"]
    assert _json(client, "delete", f"projects/{a1_project.pk}").status_code == 409
    assert counts() == before


def test_neighbours_and_viewers(login, users, a1_project):
    pk = a1_project.pk
    for who in ("worker_a2", "town_b"):
        client = login(users[who])
        assert _json(client, "get", f"projects/{pk}").status_code == 404
        assert _json(client, "get", "projects").json()["count"] == 0
        assert (
            _json(client, "post", f"projects/{pk}/publish", {"published": False}).status_code == 404
        )
    viewer = login(users["worker_a1"])
    seen = _json(viewer, "get", f"projects/{pk}")
    assert seen.status_code == 200 and not seen.json()["can_manage"]
    refused = _json(
        viewer,
        "post",
        f"projects/{pk}/updates",
        {"text": "x", "status": "under_way", "progress": 50},
    )
    assert refused.status_code == 403
    assert _json(viewer, "get", f"projects/{pk}/milestones").status_code == 200
    resident = login(users["resident_a1"])
    assert _json(resident, "get", "projects").json()["count"] == 0
    assert _json(resident, "get", "projects/summary").status_code == 403


def test_needs_and_the_summary(login, users, a1_project, a1_need, a2_need):
    client = login(users["head_a1"])
    linked = _json(client, "post", f"projects/{a1_project.pk}/needs", {"need_id": a1_need.pk})
    assert linked.status_code == 201 and [n["id"] for n in linked.json()] == [a1_need.pk]
    assert linked.json()[0]["status_label"] == "waiting for help"
    refused = _json(client, "post", f"projects/{a1_project.pk}/needs", {"need_id": a2_need.pk})
    assert refused.status_code == 400 and "need_id" in refused.json()["errors"]
    assert len(_json(client, "get", f"projects/{a1_project.pk}/needs").json()) == 1
    assert (
        _json(client, "delete", f"projects/{a1_project.pk}/needs/{a1_need.pk}").status_code == 204
    )
    assert (
        _json(client, "delete", f"projects/{a1_project.pk}/needs/{a1_need.pk}").status_code == 404
    )
    summary = _json(login(users["town_a"]), "get", "projects/summary").json()
    assert summary["area_code"] == "220403001000"
    rows = {(r["area_code"], r["own"]): r for r in summary["rows"]}
    assert rows[("220403001001", False)]["progress"] == 30
    assert rows[("220403001001", False)]["overdue_milestones"] == 1
    assert summary["total"]["budget"] == "120000.50"
    bad = _json(login(users["town_a"]), "get", "projects/summary", area="220403002")
    assert bad.status_code == 400


def test_the_public_routes_answer_anyone(client, users, tree, a1_project, hidden_project, a1_need):
    actions.project_need_link(actor=users["head_a1"], project_id=a1_project.pk, need_id=a1_need.pk)
    listed = _json(client, "get", "public/projects", area=tree["a1"].code)
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 1 and body["items"][0]["id"] == a1_project.pk
    item = body["items"][0]
    assert item["progress"] == 30 and item["status_label"] == "under way"
    assert [u["text"] for u in item["updates"]] == ["选址已完成。"]
    assert [m["done"] for m in item["milestones"]] == [True, False, False]
    assert "by" not in item["updates"][0] and "created_by" not in item
    one = _json(client, "get", f"public/projects/{a1_project.pk}")
    assert one.status_code == 200
    assert one.json()["asked"] == [
        {
            "category": "meals",
            "category_label": "meals",
            "status": "open",
            "status_label": "waiting for help",
            "count": 1,
        }
    ]
    assert a1_need.title not in one.content.decode() and "head_a1" not in one.content.decode()
    assert _json(client, "get", f"public/projects/{hidden_project.pk}").status_code == 404
    assert _json(client, "get", "public/projects", area="nonsense").status_code == 400
    assert _json(client, "get", "public/projects").status_code == 200
    assert _json(client, "get", "projects").status_code == 401


def test_removing_a_project_entered_by_mistake(login, users, hidden_project):
    client = login(users["head_a1"])
    ProjectMilestone.objects.create(
        project=hidden_project, area_code=hidden_project.area_code, title="x"
    )
    gone = _json(client, "delete", f"projects/{hidden_project.pk}")
    assert gone.status_code == 200 and gone.json() == {"id": hidden_project.pk, "deleted": True}
    assert not LivelihoodProject.objects.exists() and not ProjectMilestone.objects.exists()
