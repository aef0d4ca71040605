"""The facility register and venues as JSON at /api/v1/facilities/: the same actions and
queries as the pages."""

from __future__ import annotations

import pytest

from linli.facilities.models import Facility, FacilityPhoto, Venue
from tests.facilities.register_fixtures import (  # noqa: F401 (fixtures)
    FULL_WEEK,
    centre_fixture,
    hall_fixture,
    head_a2_fixture,
    jpeg,
)

API = "/api/v1/facilities"


def _json(client, method: str, path: str, body=None, **params):
    call = getattr(client, method)
    if body is None:
        return call(f"{API}/{path}", params or None)
    return call(f"{API}/{path}", body, content_type="application/json")


FACILITY = {
    "area_code": "220403001001",
    "name": "仙城社区日间照料中心",
    "kind": "day_care",
    "floor_area": 650.5,
    "activity_area": 420,
    "year_built": 2021,
    "latitude": 43.8811,
    "longitude": 125.3301,
    "accessibility": ["ramp", "lift"],
    "terminals": 1,
    "hours": FULL_WEEK | {"sun": [["09:00", "12:00"]]},
}


def test_facility_lifecycle(login, users):
    client = login(users["head_a1"])
    created = _json(client, "post", "facilities", FACILITY)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["area_name"] == "仙城社区" and body["floor_area"] == 650.5
    assert body["open_days"] == 7 and body["min_daily_hours"] == 3.0 and body["short_hours"]
    assert body["hours"]["sun"] == [["09:00", "12:00"]] and body["can_manage"]
    assert body["kind_label"] and body["photos"] == [] and body["venues"] == []
    pk = body["id"]

    listed = _json(client, "get", "facilities", short_hours="true")
    assert listed.json()["count"] == 1 and listed.json()["items"][0]["id"] == pk
    assert _json(client, "get", "facilities", kind="library").json()["count"] == 0

    changed = _json(client, "put", f"facilities/{pk}", FACILITY | {"hours": FULL_WEEK})
    assert changed.status_code == 200 and not changed.json()["short_hours"]

    mapped = _json(client, "get", "facilities/map").json()
    assert mapped["points"][0]["lat"] == 43.8811 and mapped["tiles"] == ""

    closed = _json(client, "post", f"facilities/{pk}/close", {})
    assert closed.status_code == 200 and closed.json()["facility"]["status"] == "closed"
    assert _json(client, "post", f"facilities/{pk}/close", {}).status_code == 409


def test_facility_errors_are_problems_with_fields(login, users, centre):
    client = login(users["head_a1"])
    bad = FACILITY | {"activity_area": 9000, "latitude": 70, "hours": {"mon": "12:00-08:00"}}
    response = _json(client, "post", "facilities", bad)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert {"activity_area", "latitude", "hours.mon"} <= set(errors)
    assert _json(client, "post", "facilities", FACILITY | {"name": centre.name}).status_code == 409
    assert _json(client, "post", "facilities", FACILITY | {"colour": "red"}).status_code == 422
    assert Facility.objects.count() == 1


def test_neighbours_and_viewers(login, users, centre, head_a2):
    neighbour = login(head_a2)
    assert _json(neighbour, "get", f"facilities/{centre.pk}").status_code == 404
    assert _json(neighbour, "get", "facilities").json()["count"] == 0
    assert _json(neighbour, "put", f"facilities/{centre.pk}", FACILITY).status_code == 404
    assert _json(neighbour, "get", "facilities/map").json()["points"] == []
    viewer = login(users["worker_a1"])
    assert _json(viewer, "get", f"facilities/{centre.pk}").json()["can_manage"] is False
    assert _json(viewer, "post", f"facilities/{centre.pk}/close", {}).status_code == 403
    assert _json(viewer, "post", "facilities", FACILITY).status_code == 403


def test_photos(login, users, centre, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(users["head_a1"])
    added = client.post(
        f"{API}/facilities/{centre.pk}/photos", {"photos": [jpeg()], "caption": "外景"}
    )
    assert added.status_code == 201, added.content
    photo = added.json()[0]
    assert photo["caption"] == "外景" and photo["url"].endswith(f"/photos/{photo['id']}/")
    assert len(_json(client, "get", f"facilities/{centre.pk}/photos").json()) == 1
    image = client.get(f"{API}/facilities/{centre.pk}/photos/{photo['id']}")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert (
        login(users["worker_a2"])
        .get(f"{API}/facilities/{centre.pk}/photos/{photo['id']}")
        .status_code
        == 404
    )
    client = login(users["head_a1"])
    assert client.delete(f"{API}/facilities/{centre.pk}/photos/{photo['id']}").status_code == 204
    assert not FacilityPhoto.objects.exists()
    bad = client.post(
        f"{API}/facilities/{centre.pk}/photos", {"photos": [jpeg() for _ in range(7)]}
    )
    assert bad.status_code == 400, bad.content


VENUE = {
    "name": "多功能厅",
    "kind": "hall",
    "capacity": 80,
    "rules": "提前一天预约。",
    "hours": {"mon": "08:00-21:00", "tue": "08:00-21:00"},
    "slot_minutes": 120,
    "approval": "approval",
}


def test_venue_lifecycle(login, users, tree, centre):
    client = login(users["head_a1"])
    created = _json(client, "post", "venues", VENUE | {"facility_id": centre.pk})
    assert created.status_code == 201, created.content
    venue = created.json()
    assert venue["facility_name"] == centre.name and venue["area_code"] == centre.area_code
    assert venue["approval"] == "approval" and venue["hours"]["mon"] == [["08:00", "21:00"]]
    unit = _json(
        client,
        "post",
        "venues",
        VENUE
        | {
            "name": "机关停车场",
            "kind": "parking",
            "unit_name": "区税务局",
            "area_code": tree["a1"].code,
        },
    )
    assert unit.status_code == 201 and unit.json()["facility_id"] is None
    assert _json(client, "get", "venues", units="true").json()["count"] == 1
    assert _json(client, "get", "venues", facility=centre.pk).json()["count"] == 1
    changed = _json(
        client, "put", f"venues/{venue['id']}", VENUE | {"facility_id": centre.pk, "capacity": 90}
    )
    assert changed.status_code == 200 and changed.json()["capacity"] == 90
    closed = _json(client, "post", f"venues/{venue['id']}/close", {})
    assert closed.status_code == 200 and closed.json() == closed.json() | {"bookings_affected": 0}
    assert closed.json()["venue"]["active"] is False
    assert _json(client, "post", f"venues/{venue['id']}/reopen", {}).json()["active"] is True
    detail = _json(client, "get", f"facilities/{centre.pk}").json()
    assert [v["name"] for v in detail["venues"]] == ["多功能厅"]


def test_venue_errors_and_neighbours(login, users, centre, hall, head_a2):
    client = login(users["head_a1"])
    bad = _json(client, "post", "venues", VENUE | {"facility_id": centre.pk, "slot_minutes": 5})
    assert bad.status_code == 400 and "slot_minutes" in bad.json()["errors"]
    none = _json(client, "post", "venues", VENUE)
    assert none.status_code == 400 and "facility_id" in none.json()["errors"]
    neighbour = login(head_a2)
    assert _json(neighbour, "get", f"venues/{hall.pk}").status_code == 404
    assert _json(neighbour, "get", "venues").json()["count"] == 0
    assert _json(neighbour, "post", f"venues/{hall.pk}/close", {}).status_code == 404
    assert Venue.objects.filter(active=True).count() == 1


@pytest.mark.parametrize("path", ["facilities", "venues", "facilities/map"])
def test_signed_out_callers_are_refused(client, db, path):
    assert client.get(f"{API}/{path}").status_code == 401
