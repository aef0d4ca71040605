"""The training API under /api/v1/workforce/training/: the same actions and queries as the
pages, as JSON, with problem+json errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.workforce.models import Attendance, Course, Session, TrainingRule, Worker
from tests.workforce.training_fixtures import (  # noqa: F401 (fixtures)
    AS_OF,
    make_course,
    make_session,
    make_worker,
    mark,
    months_ago,
    trainers_fixture,
)

API = "/api/v1/workforce/training"


def _call(client, method: str, path: str, body=None, **params):
    call = getattr(client, method)
    if body is None:
        return call(f"{API}/{path}", params or None)
    return call(f"{API}/{path}", body, content_type="application/json")


def test_rules(login, tree, trainers):
    client = login(trainers["county"])
    found = _call(client, "get", "rules", area="220403").json()
    assert found["can_manage"] and found["rules"] == []
    assert {c["applies_to"]: c["months"] for c in found["cycles"]} == {"heads": 12, "others": 24}
    saved = _call(
        client,
        "post",
        "rules",
        {"area_code": "220403", "applies_to": "heads", "cycle_months": 6, "min_hours": 8.5},
    )
    assert saved.status_code == 200
    assert saved.json()["min_hours"] == 8.5 and saved.json()["area_code"] == "220403000000"
    cycles = _call(client, "get", "rules", area=tree["a1"].code).json()["cycles"]
    heads = next(c for c in cycles if c["applies_to"] == "heads")
    assert (heads["months"], heads["area_name"]) == (6, tree["county"].name)
    refused = _call(
        login(trainers["town_a"]),
        "post",
        "rules",
        {"area_code": "220403", "applies_to": "others", "cycle_months": 6},
    )
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")
    client = login(trainers["county"])
    bad = _call(
        client,
        "post",
        "rules",
        {"area_code": "220403001", "applies_to": "heads", "cycle_months": 6},
    )
    assert bad.status_code == 400 and "area_code" in bad.json()["errors"]
    unknown = _call(
        client,
        "post",
        "rules",
        {"area_code": "220403", "applies_to": "heads", "cycle_months": 6, "extra": 1},
    )
    assert unknown.status_code == 422
    rule_id = saved.json()["id"]
    assert _call(client, "delete", f"rules/{rule_id}").status_code == 204
    assert not TrainingRule.objects.exists()
    assert _call(client, "delete", f"rules/{rule_id}").status_code == 404


def test_courses_sessions_and_attendance(login, tree, trainers):
    client = login(trainers["county"])
    created = _call(
        client,
        "post",
        "courses",
        {
            "area_code": "220403",
            "title": "社区工作者能力提升班",
            "organiser": "区民政局",
            "mode": "in_person",
            "hours": 12,
        },
    )
    assert created.status_code == 201
    course = created.json()
    assert course["sessions"] == [] and course["can_manage"] and course["hours"] == 12.0
    start = timezone.localdate() - dt.timedelta(days=2)
    session = _call(
        client,
        "post",
        f"courses/{course['id']}/sessions",
        {"starts_on": start.isoformat(), "hours": 6, "place": "区委党校"},
    )
    assert session.status_code == 201
    session_id = session.json()["id"]
    assert session.json()["ends_on"] == start.isoformat()
    workers = [make_worker(tree["a1"], "张敏"), make_worker(tree["a2"], "李强")]
    marked = _call(
        client,
        "post",
        f"sessions/{session_id}/attendance",
        {"worker_ids": [w.pk for w in workers]},
    )
    assert marked.status_code == 200
    assert marked.json()["written"] == 2 and marked.json()["session"]["attended"] == 2
    again = _call(
        client,
        "post",
        f"sessions/{session_id}/attendance",
        {"worker_ids": [workers[0].pk], "hours": 3},
    )
    assert again.json()["written"] == 1
    sheet = _call(client, "get", f"sessions/{session_id}/attendance").json()
    assert sheet["count"] == 2
    assert {(m["worker_name"], m["hours"]) for m in sheet["items"]} == {
        ("张敏", 3.0),
        ("李强", 6.0),
    }
    # a town sees its own workers' marks only
    town = _call(login(trainers["town_b"]), "get", f"sessions/{session_id}/attendance").json()
    assert town["count"] == 0
    client = login(trainers["county"])
    listed = _call(client, "get", "courses", q="能力").json()
    assert listed["count"] == 1 and listed["items"][0]["attended"] == 2
    assert listed["items"][0]["first_on"] == start.isoformat()
    detail = _call(client, "get", f"courses/{course['id']}").json()
    assert [s["id"] for s in detail["sessions"]] == [session_id]
    changed = _call(
        client,
        "put",
        f"courses/{course['id']}",
        {
            "area_code": "220403",
            "title": "能力提升班",
            "organiser": "区民政局",
            "mode": "mixed",
            "hours": 10,
        },
    )
    assert changed.status_code == 200 and changed.json()["mode"] == "mixed"
    moved = _call(
        client,
        "put",
        f"sessions/{session_id}",
        {"starts_on": start.isoformat(), "ends_on": timezone.localdate().isoformat()},
    )
    assert moved.status_code == 200 and moved.json()["hours"] == 10.0  # the course's again
    assert set(Attendance.objects.values_list("trained_on", flat=True)) == {timezone.localdate()}
    assert _call(client, "delete", f"sessions/{session_id}").status_code == 409
    removed = _call(client, "delete", f"sessions/{session_id}/attendance/{workers[1].pk}")
    assert removed.status_code == 204
    assert (
        _call(client, "delete", f"sessions/{session_id}/attendance/{workers[0].pk}").status_code
        == 204
    )
    assert _call(client, "delete", f"sessions/{session_id}").status_code == 204
    assert _call(client, "delete", f"courses/{course['id']}").status_code == 204
    assert not Course.objects.exists() and not Session.objects.exists()


def test_attendance_errors_are_problems(login, tree, trainers):
    course = make_course(tree["county"])
    session = make_session(course, timezone.localdate() - dt.timedelta(days=1))
    b1 = make_worker(tree["b1"], "王芳")
    a1 = make_worker(tree["a1"], "张敏")
    response = _call(
        login(trainers["town_a"]),
        "post",
        f"sessions/{session.pk}/attendance",
        {"worker_ids": [a1.pk, b1.pk]},
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert len(response.json()["errors"]["worker_ids"]) == 1
    assert not Attendance.objects.exists()
    too_many = _call(
        login(trainers["county"]),
        "post",
        f"sessions/{session.pk}/attendance",
        {"worker_ids": list(range(1, 502))},
    )
    assert too_many.status_code == 422
    missing = _call(login(trainers["county"]), "get", "sessions/999999")
    assert missing.status_code == 404


def test_status_coverage_and_worker(login, tree, trainers):
    county = make_course(tree["county"])
    secretary = make_worker(tree["a1"], "张书记", role=Worker.CommitteeRole.SECRETARY)
    member = make_worker(tree["a1"], "李委员", role=Worker.CommitteeRole.MEMBER)
    neighbour = make_worker(tree["a2"], "王网格")
    for worker in (secretary, member):
        mark(make_session(county, months_ago(13)), worker)
    client = login(trainers["county"])
    status = _call(client, "get", "status", area="220403", as_of=AS_OF.isoformat()).json()
    assert status["count"] == 3
    first = status["items"][0]
    assert (first["name"], first["status"], first["applies_to"]) == ("张书记", "overdue", "heads")
    assert first["last_trained_on"] == months_ago(13).isoformat()
    assert first["rule_area_code"] is None and first["cycle_months"] == 12
    untrained = _call(
        client, "get", "status", area="220403", as_of=AS_OF.isoformat(), status="untrained"
    ).json()
    assert {row["name"] for row in untrained["items"]} == {"张书记", "王网格"}
    assert _call(client, "get", "status", status="asleep").status_code == 400
    assert _call(client, "get", "status", as_of="1900-01-01").status_code == 422
    coverage = _call(client, "get", "coverage", area="220403001", as_of=AS_OF.isoformat()).json()
    assert coverage["total"] == {
        "area_code": tree["town_a"].code,
        "area_name": tree["town_a"].name,
        "trained": 1,
        "workers": 3,
        "rate": pytest.approx(1 / 3),
    }
    assert [(r["area_code"], r["trained"], r["workers"]) for r in coverage["rows"]] == [
        (tree["a1"].code, 1, 2),
        (tree["a2"].code, 0, 1),
    ]
    history = _call(client, "get", f"workers/{secretary.pk}").json()
    assert history["status"]["status"] == "overdue" and len(history["attendances"]) == 1
    other = login(trainers["worker_a2"])
    assert _call(other, "get", f"workers/{secretary.pk}").status_code == 404
    assert _call(other, "get", "coverage", area=tree["a1"].code).status_code == 404
    mine = _call(other, "get", "status", as_of=AS_OF.isoformat()).json()
    assert [row["worker_id"] for row in mine["items"]] == [neighbour.pk]
    assert _call(login(trainers["resident"]), "get", "coverage").status_code == 403
