"""The catalogue pages: the list of plans and templates, a plan with its targets table, the
forms (as plain posts, without JavaScript, errors next to the fields), and who may see what."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

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


@pytest.fixture
def plan(tree):
    found = make_plan(tree["county"], "西安区社区服务体系建设规划")
    make_target(
        found, "certified_social_workers_per_urban_community", value="3", binding=True, baseline=1
    )
    make_target(found, "facility_area_per_100_households", value="30", per_community=True)
    return found


def _body(response) -> str:
    return response.content.decode()


def test_plans_page(login, plan, planners):
    client = login(planners["county"])
    response = client.get(reverse("plans:plans"))
    assert response.status_code == 200
    body = _body(response)
    assert plan.title in body and 'data-testid="plan-add"' in body
    for key in ("changji", "kashi", "dingzhou", "diqing", "xian_qu"):
        assert f'data-testid="adopt-{key}"' in body
    assert "昌吉回族自治州" in body and "<script>" not in body
    town = _body(login(planners["town_a"]).get(reverse("plans:plans")))
    assert plan.title in town and 'data-testid="adopt-' not in town
    assert 'data-testid="plan-add"' not in town
    other = _body(login(planners["other"]).get(reverse("plans:plans")))
    assert plan.title not in other and 'data-testid="template-xian_qu"' in other
    bad = login(planners["county"]).get(reverse("plans:plans"), {"status": "finished"})
    assert bad.status_code == 400 and "Choose a status." in _body(bad)
    found = login(planners["county"]).get(reverse("plans:plans"), {"status": "draft"})
    assert plan.title in _body(found)
    assert login(planners["resident"]).get(reverse("plans:plans")).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, plan):
    response = client.get(reverse("plans:plan", args=[plan.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_plan_page_layout(login, plan, planners):
    client = login(planners["county"])
    response = client.get(reverse("plans:plan", args=[plan.pk]))
    assert response.status_code == 200
    body = _body(response)
    assert "2020 baseline" in body and "2025 target" in body
    assert "Certified social workers per urban community" in body
    row = body.split('data-testid="target-certified_social_workers_per_urban_community"')[1]
    row = row.split("</tr>")[0]
    assert "≥ 3" in row and "<strong>binding</strong>" in row and ">1<" in row.replace(" ", "")
    area = body.split('data-testid="target-facility_area_per_100_households"')[1].split("</tr>")[0]
    assert "in each community" in area and "expected" in area and "square metres" in area
    assert 'data-testid="plan-activate"' in body and "data-submit-once" in body
    assert reverse("plans:target_edit", args=[plan.pk, plan.targets.first().pk]) in body
    for name, args, query in (
        ("plans:dashboard", [plan.pk], ""),
        ("plans:ledger", [], f"?plan={plan.pk}"),
        ("plans:snapshots", [plan.pk], ""),
        ("plans:reported", [plan.pk], ""),
        ("plans:report", [plan.pk], ""),
    ):
        try:
            url = reverse(name, args=args)
        except NoReverseMatch:
            continue  # that page is not there yet: no link
        assert f'href="{url}{query}"' in body, name


def test_plan_page_for_readers_and_neighbours(login, plan, planners):
    town = _body(login(planners["town_a"]).get(reverse("plans:plan", args=[plan.pk])))
    assert plan.title in town and 'data-testid="plan-activate"' not in town
    assert 'data-testid="target-add"' not in town
    assert login(planners["other"]).get(reverse("plans:plan", args=[plan.pk])).status_code == 404
    assert login(planners["county"]).get(reverse("plans:plan", args=[99999])).status_code == 404
    assert login(planners["resident"]).get(reverse("plans:plan", args=[plan.pk])).status_code == 403


def test_template_page(login, planners):
    changji = template("changji")
    response = login(planners["county"]).get(reverse("plans:plan", args=[changji.pk]))
    body = _body(response)
    assert response.status_code == 200
    assert 'data-testid="task-table"' in body and "培育发展城乡社区社会组织专项行动" in body
    assert "built-in template" in body and 'data-testid="plan-adopt"' in body
    assert 'data-testid="plan-edit"' not in body and 'data-testid="plan-links"' not in body
    assert "行政村光纤覆盖率 98%" in body  # other targets of the text
    other = _body(login(planners["other"]).get(reverse("plans:plan", args=[changji.pk])))
    assert "培育发展城乡社区社会组织专项行动" in other  # templates are public texts


def test_adopt_page(login, tree, planners):
    client = login(planners["county"])
    xian = template("xian_qu")
    url = reverse("plans:plan_adopt", args=[xian.pk])
    form = client.get(url)
    assert form.status_code == 200 and "data-submit-once" in _body(form)
    done = client.post(url, {"area_code": "220403000000", "title": ""})
    assert done.status_code == 302
    adopted = Plan.objects.get(template=xian)
    assert done["Location"] == reverse("plans:plan", args=[adopted.pk])
    again = client.post(url, {"area_code": "220403000000"})
    assert again.status_code == 409 and "already has a plan adopted" in _body(again)
    assert Plan.objects.filter(template=xian).count() == 1
    own = make_plan(tree["county"])
    assert client.get(reverse("plans:plan_adopt", args=[own.pk])).status_code == 404
    assert login(planners["town_a"]).get(url).status_code == 403


def test_new_plan_page(login, planners):
    client = login(planners["county"])
    url = reverse("plans:plan_new")
    assert client.get(url).status_code == 200
    bad = client.post(
        url, {"area_code": "220403000000", "title": "方案", "start_year": 2025, "end_year": 2021}
    )
    assert bad.status_code == 400
    assert 'id="plan-end_year_error"' in _body(bad)
    assert "The horizon cannot come before the first year." in _body(bad)
    assert not Plan.objects.filter(is_template=False).exists()
    done = client.post(
        url,
        {
            "area_code": "220403000000",
            "title": "西安区社区服务提升方案",
            "start_year": 2024,
            "end_year": 2026,
            "other_targets": "社区食堂全覆盖",
        },
    )
    made = Plan.objects.get(title="西安区社区服务提升方案")
    assert done.status_code == 302 and made.other_targets == ["社区食堂全覆盖"]
    assert login(planners["town_a"]).get(url).status_code == 403


def test_edit_and_status(login, plan, planners):
    client = login(planners["county"])
    edit = reverse("plans:plan_edit", args=[plan.pk])
    page = client.get(edit)
    assert page.status_code == 200 and plan.title in _body(page)
    done = client.post(
        edit, {"title": "新标题", "start_year": 2021, "end_year": 2025, "other_targets": ""}
    )
    assert done.status_code == 302 and Plan.objects.get(pk=plan.pk).title == "新标题"
    status = reverse("plans:plan_status", args=[plan.pk])
    assert client.get(status).status_code == 405
    client.post(status, {"action": "activate"})
    assert Plan.objects.get(pk=plan.pk).status == "active"
    followed = client.post(status, {"action": "activate"}, follow=True)
    assert "Only a draft plan can be put in force." in _body(followed)
    client.post(status, {"action": "close"})
    assert Plan.objects.get(pk=plan.pk).status == "closed"
    assert client.get(edit).status_code == 200  # shown, but saving is refused
    refused = client.post(
        edit, {"title": "再改", "start_year": 2021, "end_year": 2025, "other_targets": ""}
    )
    assert refused.status_code == 409 and Plan.objects.get(pk=plan.pk).title == "新标题"
    assert login(planners["town_a"]).post(status, {"action": "close"}).status_code == 403
    assert login(planners["other"]).post(status, {"action": "close"}).status_code == 404
    xian = template("xian_qu")
    assert (
        login(planners["county"]).get(reverse("plans:plan_edit", args=[xian.pk])).status_code == 403
    )


def test_target_pages(login, plan, planners):
    client = login(planners["county"])
    new = reverse("plans:target_new", args=[plan.pk])
    page = _body(client.get(new))
    taken = builtin("certified_social_workers_per_urban_community").pk
    assert f'value="{builtin("facility_coverage").pk}"' in page
    assert f'value="{taken}"' not in page  # it has its target already
    bad = client.post(
        new, {"indicator_id": builtin("facility_coverage").pk, "op": ">=", "value": "120"}
    )
    assert bad.status_code == 400 and "A percentage is at most 100." in _body(bad)
    assert 'id="target-value_error"' in _body(bad)
    done = client.post(
        new,
        {
            "indicator_id": builtin("facility_coverage").pk,
            "op": "=",
            "value": "100",
            "binding": "on",
        },
    )
    assert done.status_code == 302
    target = Target.objects.get(plan=plan, indicator__key="facility_coverage")
    assert (target.op, target.value, target.binding, target.due_year) == ("=", 100, True, 2025)
    edit = reverse("plans:target_edit", args=[plan.pk, target.pk])
    form = _body(client.get(edit))
    assert 'value="100"' in form and "indicator_id" not in form
    client.post(edit, {"op": ">=", "value": "95", "due_year": "2024"})
    target.refresh_from_db()
    assert (target.op, target.value, target.due_year, target.binding) == (">=", 95, 2024, False)
    remove = reverse("plans:target_remove", args=[plan.pk, target.pk])
    assert client.get(remove).status_code == 405
    assert client.post(remove).status_code == 302
    assert not Target.objects.filter(pk=target.pk).exists()
    assert client.get(reverse("plans:target_edit", args=[plan.pk, 99999])).status_code == 404
    town = login(planners["town_a"])
    assert town.get(new).status_code == 403
    assert login(planners["other"]).get(new).status_code == 404


def test_indicator_pages(login, tree, planners):
    own = make_indicator(tree["county"], "consultation_rate")
    neighbour = make_indicator(make_area("220402", "龙山区"), "other_rate", name="龙山区指标")
    client = login(planners["county"])
    page = client.get(reverse("plans:indicators"))
    body = _body(page)
    assert page.status_code == 200
    assert 'data-testid="indicator-facility_coverage"' in body
    assert "Coverage of community service facilities (urban and rural)" in body
    assert "社区议事协商开展率" in body and "龙山区指标" not in body
    assert reverse("plans:indicator_edit", args=[own.pk]) in body
    new = reverse("plans:indicator_new")
    assert client.get(new).status_code == 200
    bad = client.post(
        new,
        {
            "area_code": "220403000000",
            "key": "facility_coverage",
            "name": "重名",
            "unit": "percent",
            "scope": "all",
            "source": "reported",
            "aggregation": "ratio",
            "decimals": 1,
        },
    )
    assert bad.status_code == 400 and "belongs to a built-in indicator" in _body(bad)
    done = client.post(
        new,
        {
            "area_code": "220403000000",
            "key": "elder_canteens",
            "name": "社区老年食堂数",
            "unit": "count",
            "scope": "all",
            "source": "reported",
            "aggregation": "total",
            "factor": "",
            "decimals": 0,
        },
    )
    assert done.status_code == 302
    made = Indicator.objects.get(key="elder_canteens")
    assert (made.aggregation, made.factor, made.decimals) == ("total", 1, 0)
    edit = reverse("plans:indicator_edit", args=[own.pk])
    assert client.get(edit).status_code == 200
    client.post(
        edit,
        {
            "name": "议事协商率",
            "unit": "percent",
            "scope": "urban",
            "source": "computed",
            "function": "facility_coverage",
            "aggregation": "ratio",
            "decimals": 1,
        },
    )
    own.refresh_from_db()
    assert (own.name, own.scope, own.source, own.function) == (
        "议事协商率",
        "urban",
        "computed",
        "facility_coverage",
    )
    builtin_edit = reverse("plans:indicator_edit", args=[builtin("facility_coverage").pk])
    assert client.get(builtin_edit).status_code == 403
    assert client.get(reverse("plans:indicator_edit", args=[neighbour.pk])).status_code == 404
    assert login(planners["town_a"]).get(edit).status_code == 403
    assert login(planners["town_a"]).get(new).status_code == 403
    assert login(planners["resident"]).get(reverse("plans:indicators")).status_code == 403
