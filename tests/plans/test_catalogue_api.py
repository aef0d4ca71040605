"""The catalogue API under /api/v1/plans/: the same actions and queries as the pages, as JSON,
with problem+json errors and paginated lists."""

from __future__ import annotations

import pytest

from linli.core.models import AuditEvent
from linli.plans.models import Indicator, Plan, Target
from tests.conftest import make_area
from tests.plans.catalogue_fixtures import (  # noqa: F401 (fixtures)
    builtin,
    make_indicator,
    make_plan,
    make_target,
    planners_fixture,
    template,
)

API = "/api/v1/plans/"


def _call(client, method: str, path: str = "", body=None, **params):
    call = getattr(client, method)
    if body is None:
        return call(f"{API}{path}", params or None)
    return call(f"{API}{path}", body, content_type="application/json")


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


def test_lists(login, tree, planners, django_assert_max_num_queries):
    plan = make_plan(tree["county"], "西安区社区服务体系建设规划")
    make_target(plan, "facility_coverage")
    make_plan(make_area("220402", "龙山区"), "龙山区规划")
    client = login(planners["county"])
    found = _call(client, "get").json()
    assert found["count"] == 1 and found["limit"] == 50
    row = found["items"][0]
    assert (row["title"], row["area_name"], row["status"], row["target_count"]) == (
        plan.title,
        "西安区",
        "draft",
        1,
    )
    assert row["can_manage"] is True and row["is_template"] is False
    assert _call(client, "get", status="active").json()["count"] == 0
    assert _call(client, "get", q="社区服务").json()["count"] == 1
    assert _call(client, "get", status="finished").status_code == 422
    templates = _call(client, "get", "templates").json()
    assert [t["template_key"] for t in templates] == [
        "changji",
        "kashi",
        "dingzhou",
        "diqing",
        "xian_qu",
    ]
    assert templates[0]["area_name"] == "昌吉回族自治州" and templates[0]["can_manage"] is False
    other = login(planners["other"])
    assert [r["title"] for r in _call(other, "get").json()["items"]] == ["龙山区规划"]
    for n in range(4):
        make_plan(tree["county"], f"规划{n}")
    client = login(planners["county"])
    with django_assert_max_num_queries(8):  # session, user, roles, count, page
        assert _call(client, "get").json()["count"] == 5


def test_detail_and_neighbour(login, tree, planners):
    plan = make_plan(tree["county"])
    make_target(plan, "workers_per_10k_urban", value="18", baseline=9, baseline_year=2020)
    client = login(planners["town_a"])
    found = _call(client, "get", f"{plan.pk}").json()
    target = found["targets"][0]
    assert (target["indicator_key"], target["value"], target["baseline"]) == (
        "workers_per_10k_urban",
        18.0,
        9.0,
    )
    assert target["label"] == "Community workers per 10,000 urban residents"
    assert found["can_manage"] is False and found["target_count"] == 1
    _problem(_call(login(planners["other"]), "get", f"{plan.pk}"), 404)
    _problem(_call(client, "get", "999999"), 404)
    xian = _call(client, "get", f"{template('xian_qu').pk}").json()
    assert xian["is_template"] and xian["template_key"] == "xian_qu" and xian["task_count"] == 13


def test_create_adopt_patch_activate_close(login, tree, planners):
    client = login(planners["county"])
    created = _call(
        client,
        "post",
        "",
        {"area_code": "220403", "title": "西安区方案", "start_year": 2024, "end_year": 2026},
    )
    assert created.status_code == 201
    plan_id = created.json()["id"]
    assert created.json()["area_code"] == "220403000000" and created.json()["targets"] == []
    bad = _problem(
        _call(
            client,
            "post",
            "",
            {"area_code": "220403", "title": "方案", "start_year": 2026, "end_year": 2024},
        ),
        400,
    )
    assert "end_year" in bad["errors"]
    unknown = _call(
        client,
        "post",
        "",
        {"area_code": "220403", "title": "方案", "start_year": 2021, "end_year": 2025, "x": 1},
    )
    _problem(unknown, 422)
    _problem(_call(client, "post", f"{plan_id}/activate"), 400)  # no target yet
    patched = _call(client, "patch", f"{plan_id}", {"title": "西安区提升方案"})
    assert patched.status_code == 200
    assert (patched.json()["title"], patched.json()["end_year"]) == ("西安区提升方案", 2026)
    _problem(_call(login(planners["town_a"]), "patch", f"{plan_id}", {"title": "改"}), 403)
    client = login(planners["county"])
    adopted = _call(
        client, "post", "adopt", {"template_id": template("xian_qu").pk, "area_code": "220403"}
    )
    assert adopted.status_code == 201
    body = adopted.json()
    assert body["status"] == "draft" and len(body["targets"]) == 14 and body["task_count"] == 13
    again = _problem(
        _call(
            client, "post", "adopt", {"template_id": template("xian_qu").pk, "area_code": "220403"}
        ),
        409,
    )
    assert "already has a plan adopted" in again["title"]
    active = _call(client, "post", f"{body['id']}/activate")
    assert active.status_code == 200 and active.json()["status"] == "active"
    closed = _call(client, "post", f"{body['id']}/close")
    assert closed.json()["status"] == "closed"
    _problem(_call(client, "post", f"{body['id']}/close"), 409)
    _problem(_call(client, "patch", f"{template('kashi').pk}", {"title": "改"}), 403)


def test_targets(login, tree, planners):
    plan = make_plan(tree["county"])
    client = login(planners["county"])
    indicator = builtin("facility_area_per_100_households")
    put = _call(
        client,
        "put",
        f"{plan.pk}/targets/{indicator.pk}",
        {"op": ">=", "value": 30, "per_community": True, "baseline": 30},
    )
    assert put.status_code == 200
    assert (put.json()["value"], put.json()["per_community"], put.json()["baseline_year"]) == (
        30.0,
        True,
        2020,
    )
    again = _call(
        client, "put", f"{plan.pk}/targets/{indicator.pk}", {"op": ">", "value": 32.5}
    ).json()
    assert again["id"] == put.json()["id"] and again["op"] == ">" and again["value"] == 32.5
    assert Target.objects.filter(plan=plan).count() == 1
    bad = _problem(
        _call(
            client,
            "put",
            f"{plan.pk}/targets/{builtin('facility_coverage').pk}",
            {"op": "=", "value": 101},
        ),
        400,
    )
    assert "value" in bad["errors"]
    _problem(
        _call(client, "put", f"{plan.pk}/targets/{indicator.pk}", {"op": "=", "value": "NaN"}),
        422,
    )
    _problem(
        _call(
            login(planners["other"]),
            "put",
            f"{plan.pk}/targets/{indicator.pk}",
            {"op": "=", "value": 1},
        ),
        404,
    )
    client = login(planners["county"])
    assert _call(client, "delete", f"{plan.pk}/targets/{indicator.pk}").status_code == 204
    assert not Target.objects.filter(plan=plan).exists()
    _problem(_call(client, "delete", f"{plan.pk}/targets/{indicator.pk}"), 404)
    assert AuditEvent.objects.filter(action="plans.target.remove").count() == 1


def test_indicators(login, tree, planners):
    make_indicator(make_area("220402", "龙山区"), "other_rate")
    client = login(planners["county"])
    listed = _call(client, "get", "indicators", limit=100).json()
    assert listed["count"] == 21
    coverage = next(i for i in listed["items"] if i["key"] == "facility_coverage")
    assert coverage["builtin"] and coverage["name"] == "城乡社区综合服务设施覆盖率"
    assert coverage["factor"] == 100.0 and coverage["can_manage"] is False
    created = _call(
        client,
        "post",
        "indicators",
        {
            "area_code": "220403",
            "key": "consultation_rate",
            "name": "社区议事协商开展率",
            "unit": "percent",
            "source": "reported",
        },
    )
    assert created.status_code == 201
    own = created.json()
    assert (own["area_code"], own["factor"], own["can_manage"], own["label"]) == (
        "220403000000",
        100.0,
        True,
        "社区议事协商开展率",
    )
    assert _call(client, "get", "indicators", area="220403").json()["count"] == 22
    dup = _call(
        client,
        "post",
        "indicators",
        {
            "area_code": "220403",
            "key": "consultation_rate",
            "name": "重复",
            "unit": "percent",
            "source": "reported",
        },
    )
    assert "key" in _problem(dup, 400)["errors"]
    patched = _call(client, "patch", f"indicators/{own['id']}", {"decimals": 2, "factor": 1})
    assert patched.status_code == 200
    assert (patched.json()["decimals"], patched.json()["factor"], patched.json()["name"]) == (
        2,
        1.0,
        "社区议事协商开展率",
    )
    _problem(_call(client, "patch", f"indicators/{coverage['id']}", {"name": "改"}), 403)
    _problem(
        _call(login(planners["other"]), "patch", f"indicators/{own['id']}", {"name": "改"}), 404
    )
    _problem(_call(login(planners["resident"]), "get", "indicators"), 403)
    assert Indicator.objects.get(pk=own["id"]).name == "社区议事协商开展率"


@pytest.mark.parametrize("path", ["", "templates", "indicators"])
def test_anonymous_is_refused(client, db, path):
    response = client.get(f"{API}{path}")
    _problem(response, 401)


def test_plans_are_not_touched_by_refused_writes(login, tree, planners):
    before = Plan.objects.count()
    _problem(
        _call(
            login(planners["town_a"]),
            "post",
            "",
            {"area_code": "220403", "title": "方案", "start_year": 2021, "end_year": 2025},
        ),
        403,
    )
    _problem(
        _call(
            login(planners["other"]),
            "post",
            "adopt",
            {"template_id": template("xian_qu").pk, "area_code": "220403"},
        ),
        403,
    )
    assert Plan.objects.count() == before
