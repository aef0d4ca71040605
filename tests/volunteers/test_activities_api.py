"""The activities API at /api/v1/volunteers/: the same actions and queries as the pages, as
JSON, with problem+json errors and paginated lists."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.volunteers.models import Activity, Project, Signup

from .fixtures_activities import *  # noqa: F403 (the fixtures)
from .fixtures_activities import make_activity, one_shift, person, shift_of, sign_up, soon

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteers"


def _get(client, path: str, **params):
    return client.get(f"{API}/{path}", params or None)


def _send(client, method: str, path: str, body=None):
    call = getattr(client, method)
    return call(f"{API}/{path}", body or {}, content_type="application/json")


def _activity_body(area, **more) -> dict:
    start = soon(30)
    body = {
        "area_code": area.code,
        "title": "垃圾分类宣传",
        "description": "在小区门口宣传垃圾分类。",
        "target_group": "all",
        "leader_name": "刘站长",
        "place": "小区南门",
        "shifts": [
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
                "spots": 2,
                "role": "宣传员",
            }
        ],
    }
    body.update(more)
    return body


def test_an_organiser_runs_an_activity_through_the_api(login, users, tree, team_a1):
    client = login(users["worker_a1"])
    created = _send(client, "post", "activities", _activity_body(tree["a1"], team_id=team_a1.pk))
    assert created.status_code == 201, created.json()
    activity = created.json()
    assert activity["status"] == "draft" and activity["roles"] == ["manage", "organise", "read"]
    assert len(activity["shifts"]) == 1 and activity["shifts"][0]["spots_left"] == 2
    pk = activity["id"]

    changed = _send(client, "patch", f"activities/{pk}", {"public": False})
    assert changed.status_code == 200 and changed.json()["public"] is False
    assert changed.json()["title"] == "垃圾分类宣传"

    later = soon(60)
    added = _send(
        client,
        "post",
        f"activities/{pk}/shifts",
        {
            "starts_at": later.isoformat(),
            "ends_at": (later + dt.timedelta(hours=1)).isoformat(),
            "spots": 3,
        },
    )
    assert added.status_code == 201 and added.json()["spots"] == 3
    shift_id = added.json()["id"]
    patched = _send(client, "patch", f"shifts/{shift_id}", {"spots": 4, "role": "登记"})
    assert patched.status_code == 200 and patched.json()["spots"] == 4
    assert patched.json()["role"] == "登记"
    removed = client.delete(f"{API}/shifts/{shift_id}")
    assert removed.status_code == 204

    published = _send(client, "post", f"activities/{pk}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    listed = _get(client, "activities", status="published")
    assert listed.json()["count"] == 1 and listed.json()["items"][0]["shift_count"] == 1

    cancelled = _send(client, "post", f"activities/{pk}/cancel", {"reason": "大风"})
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["cancel_reason"] == "大风"


def test_errors_are_problems_with_fields(login, users, tree, counts):
    client = login(users["worker_a1"])
    before = counts()
    bad = _send(client, "post", "activities", _activity_body(tree["a1"], title="", place=""))
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    problem = bad.json()
    assert problem["errors"]["title"] == ["Please fill this in."]
    assert problem["errors"]["place"] == ["Give the place, or choose a venue."]
    unknown = _send(client, "post", "activities", {**_activity_body(tree["a1"]), "colour": "red"})
    assert unknown.status_code == 422
    no_shift = _send(client, "post", "activities", _activity_body(tree["a1"], shifts=[]))
    assert no_shift.status_code == 422
    refused = _send(login(users["worker_a2"]), "post", "activities", _activity_body(tree["a1"]))
    assert refused.status_code == 403
    assert counts() == before


def test_a_volunteer_signs_up_waits_and_cancels_through_the_api(
    login, users, tree, volunteer_a1, a1_activity
):
    shift = shift_of(a1_activity)
    for _ in range(3):
        sign_up(person(tree["a1"]).user, shift)
    client = login(users["resident_a1"])
    offered = _get(client, "activities/public").json()
    assert [a["id"] for a in offered["items"]] == [a1_activity.pk]
    assert offered["items"][0]["spots_left"] == 0 and offered["items"][0]["mine"] is False

    key = str(uuid.uuid4())
    made = _send(client, "post", f"shifts/{shift.pk}/signups", {"client_key": key})
    assert made.status_code == 201
    assert made.json()["status"] == "waitlisted" and made.json()["place"] == 1
    again = _send(client, "post", f"shifts/{shift.pk}/signups", {"client_key": key})
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    other = _send(client, "post", f"shifts/{shift.pk}/signups", {"client_key": str(uuid.uuid4())})
    assert other.status_code == 409 and other.json()["type"].endswith("/already")

    detail = _get(client, f"activities/{a1_activity.pk}").json()
    assert detail["shifts"][0]["mine"] == {
        "id": made.json()["id"],
        "status": "waitlisted",
        "place": 1,
    }
    assert detail["roles"] == ["organise"]  # volunteer_a1 leads team_a1
    mine = _get(client, "me/activities").json()
    assert mine["count"] == 1 and mine["items"][0]["place"] == 1

    gone = client.delete(f"{API}/signups/{made.json()['id']}")
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert _get(client, "me/activities", when="past").json()["count"] == 1


def test_check_in_attendance_and_walk_ins_through_the_api(
    login, users, tree, volunteer_a1, a1_activity, clock
):
    shift = shift_of(a1_activity)
    signup = sign_up(users["resident_a1"], shift)
    other = sign_up(person(tree["a1"]).user, shift)
    clock(shift.starts_at - dt.timedelta(minutes=5))
    volunteer = login(users["resident_a1"])
    checked = _send(volunteer, "post", f"checkin/{shift.token}", {"step": "in"})
    assert checked.status_code == 200 and checked.json()["status"] == "attended"
    out_too_soon = _send(volunteer, "post", "checkin/not-a-token", {"step": "in"})
    assert out_too_soon.status_code == 404

    organiser = login(users["worker_a1"])
    roster = _get(organiser, f"shifts/{shift.pk}/roster").json()
    assert [r["id"] for r in roster["confirmed"]] == [signup.pk, other.pk]
    assert roster["confirmed"][0]["phone_masked"] == "139****0001"
    clock(shift.starts_at + dt.timedelta(minutes=5))
    marked = _send(
        organiser,
        "post",
        f"shifts/{shift.pk}/attendance",
        {"marks": [{"signup_id": other.pk, "status": "no_show"}]},
    )
    assert marked.status_code == 200 and [r["status"] for r in marked.json()] == ["no_show"]
    walker = person(tree["a1"], phone="13500000005")
    walked = _send(organiser, "post", f"shifts/{shift.pk}/walk-ins", {"phone": "13500000005"})
    assert walked.status_code == 201 and walked.json()["volunteer_id"] == walker.pk
    assert walked.json()["phone_masked"] == "135****0005" and walked.json()["walk_in"]

    finished = _send(organiser, "post", f"activities/{a1_activity.pk}/finish")
    assert finished.json()["status"] == "finished"


def test_projects_and_the_library_through_the_api(login, users, tree):
    county = login(users["county"])
    made = _send(
        county,
        "post",
        "projects",
        {
            "area_code": tree["county"].code,
            "name": "助残出行",
            "summary": "陪伴残疾人出行就医。",
            "target_groups": ["disabled"],
            "in_library": True,
        },
    )
    assert made.status_code == 201 and made.json()["in_library"]
    pk = made.json()["id"]
    opened = _send(county, "post", f"projects/{pk}/open")
    assert opened.json()["status"] == "open"
    worker = login(users["worker_a1"])
    library = _get(worker, "projects/library", target_group="disabled").json()
    assert [p["id"] for p in library["items"]] == [pk]
    copied = _send(worker, "post", f"projects/{pk}/copy", {"area_code": tree["a1"].code})
    assert copied.status_code == 201 and copied.json()["copied_from_id"] == pk
    twice = _send(worker, "post", f"projects/{pk}/copy", {"area_code": tree["a1"].code})
    assert twice.status_code == 409
    copy_id = copied.json()["id"]
    patched = _send(
        worker, "patch", f"projects/{copy_id}", {"name": "仙城助残出行", "team_id": None}
    )
    assert patched.status_code == 200 and patched.json()["name"] == "仙城助残出行"
    assert _get(worker, "projects").json()["count"] == 1
    assert _get(login(users["worker_a2"]), f"projects/{copy_id}").status_code == 404
    assert Project.objects.count() == 2


def test_neighbours_get_nothing_of_a1_through_the_api(
    login, users, tree, volunteer_a1, a1_activity
):
    shift = shift_of(a1_activity)
    signup = sign_up(users["resident_a1"], shift)
    for who in ("worker_a2", "town_b"):
        client = login(users[who])
        assert _get(client, "activities").json()["count"] == 0
        assert _get(client, f"activities/{a1_activity.pk}").status_code == 404
        assert _get(client, f"shifts/{shift.pk}/roster").status_code == 404
        assert client.delete(f"{API}/signups/{signup.pk}").status_code == 404
        assert _send(client, "post", f"activities/{a1_activity.pk}/publish").status_code == 404
        marks = {"marks": [{"signup_id": signup.pk, "status": "attended"}]}
        assert _send(client, "post", f"shifts/{shift.pk}/attendance", marks).status_code == 404
    assert Signup.objects.get().status == "confirmed"
    assert Activity.objects.get().status == "published"


def test_lists_cost_the_same_whatever_their_length(login, users, tree, volunteer_a1):
    """The public list, the organiser's list and one's own sign-ups: as many queries for one
    row as for three."""
    seen: dict[str, list[int]] = {"public": [], "organiser": [], "mine": []}
    for n in range(3):
        activity = make_activity(
            users["worker_a1"], tree["a1"], title=f"活动{n}", shifts=one_shift(30 + n * 5)
        )
        sign_up(users["resident_a1"], shift_of(activity))
        for name, path, who in (
            ("public", "activities/public", "resident_a1"),
            ("organiser", "activities", "worker_a1"),
            ("mine", "me/activities", "resident_a1"),
        ):
            client = login(users[who])
            with CaptureQueriesContext(connection) as queries:
                answer = _get(client, path)
            assert answer.status_code == 200 and answer.json()["count"] == n + 1
            seen[name].append(len(queries))
    assert all(len(set(found)) == 1 for found in seen.values()), seen
