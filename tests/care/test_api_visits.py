"""The care visits API under /api/v1/care/: recording a visit (idempotent on client_key) and its
photos, the lists and one visit, the archive, needs (to an appeal, met) and the notes — scoped as
the pages are (404 outside one's areas), with problem+json errors."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from linli.care.models import Need, Plan, Visit, VisitPhoto
from linli.care.schemas_visits import ArchiveOut, NeedOut, VisitDetailOut, VisitOut
from linli.core import actions as core_actions
from linli.core.models import AuditEvent
from tests.care.visits_fixtures import *  # noqa: F403
from tests.care.visits_fixtures import png

BASE = "/api/v1/care"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(users):
    """``api(name)``: a client acting as that user with a personal API token."""
    clients: dict[str, Client] = {}

    def _client(name: str) -> Client:
        if name not in clients:
            _token, plain = core_actions.token_create(actor=users[name], name="test")
            clients[name] = Client(headers={"Authorization": f"Bearer {plain}"})
        return clients[name]

    return _client


def body(care, name: str = "li", **overrides) -> dict:
    data = {
        "subject_id": care["subjects"][name].pk,
        "visited_at": timezone.now().isoformat(),
        "mode": "home",
        "saw": "person",
        "checks": {"health": "ok", "loneliness": "concern"},
        "notes": "老人说最近睡不好",
        "needs": [{"kind": "company", "description": "希望志愿者陪伴", "urgency": "normal"}],
        "client_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def post(client, path, data):
    return client.post(f"{BASE}/{path}", data, content_type="application/json")


def test_a_visit_is_recorded_once_per_client_key(api, care):
    data = body(care)
    first = post(api("grid_a1"), "visits", data)
    assert first.status_code == 201, first.content
    answer = VisitDetailOut.model_validate(first.json())
    assert answer.counted and answer.plan_id == care["plans"]["li"].pk and answer.concerns == 1
    assert answer.notes == "老人说最近睡不好" and answer.replayed is False
    assert [n.kind for n in answer.needs] == ["company"] and answer.needs[0].appeal is None
    assert answer.resident_name == "李四" and answer.worker.name == "grid_a1"

    again = post(api("grid_a1"), "visits", {**data, "notes": "changed"})
    assert again.status_code == 200 and again.json()["id"] == answer.id
    assert again.json()["replayed"] is True and again.json()["notes"] == "老人说最近睡不好"
    assert Visit.objects.count() == 1 and Need.objects.count() == 1
    assert Plan.objects.get(pk=care["plans"]["li"].pk).done == 1


def test_nobody_reached_is_not_counted(api, care):
    response = post(api("grid_a1"), "visits", body(care, saw="nobody", needs=[]))
    assert response.status_code == 201 and response.json()["counted"] is False


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"visited_at": "2001-01-01T10:00:00+08:00"}, 400, "visited_at"),
        ({"mode": "letter"}, 422, "mode"),
        ({"checks": {"garden": "ok"}}, 422, "checks.garden.[key]"),
        ({"checks": {"health": "bad"}}, 422, "checks.health"),
        ({"needs": [{"kind": "meals", "description": " "}]}, 400, "needs.0.description"),
        ({"client_key": "abc"}, 422, "client_key"),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_bad_visits_are_problems_and_nothing_is_written(api, care, overrides, status, field):
    response = post(api("grid_a1"), "visits", body(care, **overrides))
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    errors = response.json()["errors"]
    assert field in errors or any(key.startswith(field.split(".")[0]) for key in errors), errors
    assert Visit.objects.count() == 0


def test_visits_outside_ones_areas_are_not_found(api, care):
    refused = post(api("worker_a2"), "visits", body(care))
    assert refused.status_code == 404 and refused["Content-Type"] == PROBLEM
    assert post(api("town_a"), "visits", body(care)).status_code == 403
    visit = post(api("grid_a1"), "visits", body(care)).json()
    for name in ("worker_a2", "town_b"):
        client = api(name)
        assert client.get(f"{BASE}/visits/{visit['id']}").status_code == 404
        assert client.get(f"{BASE}/visits").json()["count"] == 0
        assert client.get(f"{BASE}/needs").json()["count"] == 0
        assert client.get(f"{BASE}/roster/{care['subjects']['li'].pk}/archive").status_code == 404
        need_id = visit["needs"][0]["id"]
        assert post(client, f"needs/{need_id}/met", {}).status_code == 404
        assert post(client, f"needs/{need_id}/appeal", {}).status_code == 404
        assert post(client, f"roster/{care['subjects']['li'].pk}/notes", {}).status_code == 404


def test_the_visit_list_and_one_visit(api, care):
    mine = post(api("grid_a1"), "visits", body(care)).json()
    post(api("head_a1"), "visits", body(care, "wang", checks={}, needs=[]))
    listed = api("head_a1").get(f"{BASE}/visits", {"limit": 10})
    assert listed.status_code == 200 and listed.json()["count"] == 2
    rows = [VisitOut.model_validate(row) for row in listed.json()["items"]]
    assert {row.id for row in rows} >= {mine["id"]}
    only = api("head_a1").get(f"{BASE}/visits", {"worker_id": mine["worker"]["id"]}).json()
    assert [row["id"] for row in only["items"]] == [mine["id"]]
    assert only["items"][0]["need_count"] == 1
    concerns = api("head_a1").get(f"{BASE}/visits", {"concerns": "true"}).json()
    assert [row["id"] for row in concerns["items"]] == [mine["id"]]
    bad = api("head_a1").get(f"{BASE}/visits", {"month": "soon"})
    assert bad.status_code == 400 and "month" in bad.json()["errors"]
    # Those who oversee read the visit, not its notes.
    detail = api("town_a").get(f"{BASE}/visits/{mine['id']}")
    assert detail.status_code == 200 and detail.json()["notes"] is None
    assert api("head_a1").get(f"{BASE}/visits/{mine['id']}").json()["notes"] == "老人说最近睡不好"


def test_photos_are_a_separate_upload(api, care, media):
    visit = post(api("grid_a1"), "visits", body(care)).json()
    response = api("grid_a1").post(
        f"{BASE}/visits/{visit['id']}/photos", {"photos": [png(), png("b.png")]}
    )
    assert response.status_code == 201, response.content
    assert len(response.json()) == 2 and response.json()[0]["url"].startswith(
        "/care/visits/photos/"
    )
    assert VisitPhoto.objects.filter(visit_id=visit["id"]).count() == 2
    assert api("grid_a1").get(f"{BASE}/visits/{visit['id']}").json()["photo_count"] == 2
    not_photo = api("grid_a1").post(
        f"{BASE}/visits/{visit['id']}/photos",
        {"photos": [SimpleUploadedFile("x.txt", b"text", content_type="text/plain")]},
    )
    assert not_photo.status_code == 400 and "photos" in not_photo.json()["errors"]
    assert (
        api("worker_a1")
        .post(f"{BASE}/visits/{visit['id']}/photos", {"photos": [png()]})
        .status_code
        == 403
    )
    assert (
        api("worker_a2")
        .post(f"{BASE}/visits/{visit['id']}/photos", {"photos": [png()]})
        .status_code
        == 404
    )


def test_the_archive(api, care, catalogue):
    visit = post(api("grid_a1"), "visits", body(care)).json()
    post(api("grid_a1"), f"needs/{visit['needs'][0]['id']}/appeal", {})
    response = api("grid_a1").get(f"{BASE}/roster/{care['subjects']['li'].pk}/archive")
    assert response.status_code == 200, response.content
    archive = ArchiveOut.model_validate(response.json())
    assert archive.subject.name == "李四" and archive.subject.phone_masked == "136****5432"
    assert "13698765432" not in response.content.decode()
    assert [g.code for g in archive.subject.groups] == ["special_elderly.living_alone"]
    assert archive.plan.done == 1 and archive.plan.status == "done"
    assert len(archive.months) == 12 and archive.months[-1].state == "met"
    assert [v.id for v in archive.visits] == [visit["id"]] and archive.visit_count == 1
    assert (
        archive.needs[0].appeal is not None and archive.appeals[0].id == archive.needs[0].appeal.id
    )
    assert archive.can_visit and archive.can_read_notes and archive.can_raise_appeal
    assert "notes" not in response.json()["subject"]


def test_needs_through_the_api(api, care, catalogue):
    wang = care["subjects"]["wang"].pk
    created = post(
        api("head_a1"),
        "needs",
        {"subject_id": wang, "kind": "finance", "description": "申请临时救助", "urgency": "urgent"},
    )
    assert created.status_code == 201, created.content
    need = NeedOut.model_validate(created.json())
    assert need.urgency == "urgent" and need.visit_id is None
    listed = api("head_a1").get(f"{BASE}/needs", {"urgent": "true"}).json()
    assert [row["id"] for row in listed["items"]] == [need.id]

    appeal = post(api("head_a1"), f"needs/{need.id}/appeal", {})
    assert appeal.status_code == 201, appeal.content
    linked = appeal.json()
    assert linked["need"]["appeal"]["id"] == linked["appeal"]["id"]
    assert linked["appeal"]["url"] == f"/appeals/{linked['appeal']['id']}/"
    conflict = post(api("head_a1"), f"needs/{need.id}/appeal", {})
    assert conflict.status_code == 409 and conflict.json()["type"].endswith("need-has-appeal")

    met = post(api("head_a1"), f"needs/{need.id}/met", {"met_on": timezone.localdate().isoformat()})
    assert met.status_code == 200 and met.json()["met_on"] == timezone.localdate().isoformat()
    assert post(api("head_a1"), f"needs/{need.id}/met", {}).status_code == 409
    assert api("head_a1").get(f"{BASE}/needs").json()["count"] == 0
    assert api("head_a1").get(f"{BASE}/needs", {"open_only": "false"}).json()["count"] == 1

    bad = post(api("head_a1"), "needs", {"subject_id": wang, "kind": "finance", "description": ""})
    assert bad.status_code == 400 and "description" in bad.json()["errors"]
    wrong_category = post(
        api("head_a1"), "needs", {"subject_id": wang, "kind": "meals", "description": "助餐"}
    )
    refused = post(
        api("head_a1"), f"needs/{wrong_category.json()['id']}/appeal", {"category_id": 999999}
    )
    assert refused.status_code == 400 and "category_id" in refused.json()["errors"]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert (
        post(
            api("head_a1"), f"needs/{wrong_category.json()['id']}/met", {"met_on": tomorrow}
        ).status_code
        == 400
    )
    assert (
        post(
            api("town_a"), "needs", {"subject_id": wang, "kind": "meals", "description": "x"}
        ).status_code
        == 403
    )


def test_notes_are_read_with_a_post_and_written_with_a_put(api, care):
    li = care["subjects"]["li"].pk
    url = f"{BASE}/roster/{li}/notes"
    written = api("grid_a1").put(
        url, {"health_notes": "高血压", "living_notes": "独居"}, content_type="application/json"
    )
    assert written.status_code == 200 and written.json()["health_notes"] == "高血压"
    assert written["Cache-Control"] == "no-store"
    read = post(api("head_a1"), f"roster/{li}/notes", {})
    assert read.status_code == 200 and read.json()["living_notes"] == "独居"
    assert read["Cache-Control"] == "no-store"
    assert (
        AuditEvent.objects.filter(action="care.notes.reveal", actor__username="head_a1").count()
        == 1
    )
    assert post(api("town_a"), f"roster/{li}/notes", {}).status_code == 403
    too_long = api("grid_a1").put(
        url, {"health_notes": "x" * 2001, "living_notes": ""}, content_type="application/json"
    )
    assert too_long.status_code == 422
    assert AuditEvent.objects.filter(action="care.notes.update").count() == 1
