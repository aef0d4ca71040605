"""The capacity API: figures, rollup, one figure's rows and the gap finder."""

from __future__ import annotations

import pytest

from linli.core import actions as core_actions

from .capacity_fixtures import *  # noqa: F403 (the capacity_world fixture)
from .capacity_fixtures import AS_OF, R1, X
from .test_capacity_figures import A1, A2, B1

pytestmark = pytest.mark.django_db

BASE = "/api/v1/facilities/capacity"
DAY = AS_OF.isoformat()


@pytest.fixture
def api(client, users):
    def _api(user):
        _token, plain = core_actions.token_create(actor=user, name="capacity")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
        return client

    return _api


def _by_key(figures):
    return {f["key"]: f for f in figures}


def test_figures(capacity_world, users, api):
    response = api(users["county"]).get(BASE, {"area": "220403", "as_of": DAY})
    assert response.status_code == 200
    body = response.json()
    assert body["area_code"] == "220403000000" and body["as_of"] == DAY
    figures = _by_key(body["figures"])
    cov = figures["facility_coverage"]
    assert (cov["numerator"], cov["denominator"], cov["value"]) == (3, 5, 60.0)
    assert cov["target"] == {"op": "=", "value": 100, "text": "= 100"}
    assert cov["meets"] is False and cov["rows"] == []
    area = figures["facility_area_per_100_households"]
    assert (area["numerator"], area["denominator"], area["value"]) == (850.0, 904, 94.0)
    assert area["extra"]["share_meeting"] == 50.0
    assert figures["social_work_talent_total"]["denominator"] is None
    assert figures["social_work_talent_total"]["value"] == 5


def test_figures_with_keys_and_rows(capacity_world, users, api):
    response = api(users["county"]).get(
        BASE, {"area": "220403", "as_of": DAY, "keys": ["disaster_officer_coverage"], "rows": 1}
    )
    figures = response.json()["figures"]
    assert [f["key"] for f in figures] == ["disaster_officer_coverage"]
    rows = {r["area_code"]: r for r in figures[0]["rows"]}
    assert set(rows) == {A1, A2, B1, R1, X}
    assert rows[A1]["below"] is False and rows[A2]["below"] is True
    assert rows[A1]["extra"]["officers"] == 1


def test_rollup(capacity_world, users, api):
    response = api(users["county"]).get(f"{BASE}/rollup", {"area": "220403", "as_of": DAY})
    assert response.status_code == 200
    body = response.json()
    assert [c["area_code"] for c in body["children"]] == ["220403001000", "220403002000"]
    total = _by_key(body["total"])["facility_coverage"]
    parts = [_by_key(c["figures"])["facility_coverage"] for c in body["children"]]
    assert total["numerator"] == sum(p["numerator"] for p in parts)
    assert total["denominator"] == sum(p["denominator"] for p in parts)


def test_one_figure(capacity_world, users, api):
    client = api(users["county"])
    response = client.get(
        f"{BASE}/figures/facility_daily_open_hours",
        {"area": "220403", "as_of": DAY, "hours_threshold": 6},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["value"] == 6.0 and body["extra"]["below"] == 0
    assert {r["area_code"] for r in body["rows"]} == {A1, A2, R1}
    assert client.get(f"{BASE}/figures/nonsense").status_code == 422


def test_gaps(capacity_world, users, api):
    client = api(users["county"])
    response = client.get(
        f"{BASE}/gaps",
        {
            "area": "220403",
            "as_of": DAY,
            "lacks": "day_care",
            "area_below": 30,
            "workers_below": 18,
            "limit": 2,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5 and body["checked"] == 5 and len(body["items"]) == 2
    assert body["items"][0]["area_code"] == A2
    keys = {f["key"] for f in body["items"][0]["failures"]}
    assert keys == {"lacks:day_care", "area_per_100_below"}
    empty = client.get(f"{BASE}/gaps", {"area": "220403"})
    assert empty.status_code == 400
    assert empty["Content-Type"] == "application/problem+json"
    assert "lacks" in empty.json()["errors"]


def test_scoping_and_errors(capacity_world, users, api):
    client = api(users["town_b"])
    for path in ("", "/rollup", "/figures/facility_coverage"):
        assert client.get(f"{BASE}{path}", {"area": A1}).status_code == 404
    assert client.get(f"{BASE}/gaps", {"area": A1, "no_officer": True}).status_code == 404
    own = client.get(BASE, {"as_of": DAY, "keys": ["facility_coverage"], "rows": True}).json()
    assert {r["area_code"] for r in own["figures"][0]["rows"]} == {B1, R1, X}
    bad = client.get(BASE, {"as_of": "1999-01-01"})
    assert bad.status_code == 400 and "as_of" in bad.json()["errors"]
    worker = api(users["worker_a1"])
    assert worker.get(BASE).status_code == 404
