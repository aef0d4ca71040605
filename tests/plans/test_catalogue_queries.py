"""The catalogue's reads: which plans, templates and indicators each actor sees, plan_get with
its targets, and the labels of indicators — scoped, and a constant number of queries."""

from __future__ import annotations

import pytest

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.plans.actions import catalogue as actions
from linli.plans.models import Plan
from linli.plans.queries import catalogue as queries
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
def plans(tree, planners):
    neighbour = make_area("220402", "龙山区")
    county = make_plan(tree["county"], "西安区社区服务体系建设规划", status=Plan.Status.ACTIVE)
    make_target(county, "facility_coverage")
    make_target(county, "workers_per_10k_urban", value="18")
    draft = actions.plan_adopt(
        actor=planners["county"], template_id=template("xian_qu").pk, area_code="220403"
    )
    return {
        "county": county,
        "draft": draft,
        "prefecture": make_plan(make_area("2204", "辽源市"), "辽源市规划"),
        "neighbour": make_plan(neighbour, "龙山区规划"),
    }


def _titles(qs) -> set[str]:
    return {plan.title for plan in qs}


def test_plan_list_by_actor(plans, planners):
    county = plans["county"]
    assert _titles(queries.plan_list(actor=planners["county"])) == {
        county.title,
        plans["draft"].title,
        "辽源市规划",  # the prefecture's plan contains the county
    }
    assert _titles(queries.plan_list(actor=planners["town_a"])) == _titles(
        queries.plan_list(actor=planners["county"])
    )
    assert _titles(queries.plan_list(actor=planners["prefecture"])) == {
        county.title,
        plans["draft"].title,
        "辽源市规划",
        "龙山区规划",
    }
    assert _titles(queries.plan_list(actor=planners["other"])) == {"龙山区规划", "辽源市规划"}
    assert not queries.plan_list(actor=planners["resident"]).exists()
    rows = {p.pk: p for p in queries.plan_list(actor=planners["county"])}
    assert (rows[county.pk].target_count, rows[county.pk].task_count) == (2, 0)
    assert (rows[plans["draft"].pk].target_count, rows[plans["draft"].pk].task_count) == (14, 13)
    assert rows[county.pk].area_name == "西安区"


def test_plan_list_filters(plans, planners):
    actor = planners["county"]
    assert _titles(queries.plan_list(actor=actor, status="active")) == {plans["county"].title}
    assert _titles(queries.plan_list(actor=actor, q="十四五")) == {plans["draft"].title}
    with pytest.raises(ActionError) as caught:
        queries.plan_list(actor=actor, status="finished")
    assert "status" in caught.value.errors
    with pytest.raises(ActionError):
        queries.plan_list(actor=actor, q="长" * 41)


def test_plan_list_queries_do_not_grow(tree, planners, django_assert_num_queries):
    actor = planners["county"]
    make_plan(tree["county"])
    queries.plan_list(actor=actor).count()  # the actor's roles are read once
    with django_assert_num_queries(1):
        assert len(list(queries.plan_list(actor=actor))) == 1
    for n in range(5):
        plan = make_plan(tree["county"], f"规划{n}")
        make_target(plan, "facility_coverage")
    with django_assert_num_queries(1):
        assert len(list(queries.plan_list(actor=actor))) == 6


def test_template_list(tree, planners, django_assert_num_queries):
    queries.template_list(actor=planners["head_a1"])
    with django_assert_num_queries(1):
        rows = queries.template_list(actor=planners["head_a1"])
    assert [p.template_key for p in rows] == ["changji", "kashi", "dingzhou", "diqing", "xian_qu"]
    names = {p.template_key: p.area_name for p in rows}
    assert names["changji"] == "昌吉回族自治州"  # not in the tree: the catalogue's name
    assert names["xian_qu"] == "西安区"  # in the tree
    assert {p.template_key: (p.target_count, p.task_count) for p in rows}["diqing"] == (12, 30)
    assert queries.template_list(actor=planners["resident"]) == []


def test_plan_get(plans, planners, django_assert_num_queries):
    actor = planners["town_a"]
    found = queries.plan_get(actor=actor, plan_id=plans["draft"].pk)
    assert found.area_name == "西安区" and found.task_count == 13
    assert found.template.template_key == "xian_qu"
    assert found.can_manage is False
    assert queries.plan_get(actor=planners["county"], plan_id=plans["draft"].pk).can_manage
    first = found.targets[0]
    assert first.indicator.key == "facility_coverage_rural"
    assert first.label == "Coverage of community service facilities in villages"
    with pytest.raises(NotFound):
        queries.plan_get(actor=planners["other"], plan_id=plans["county"].pk)
    with pytest.raises(NotFound):
        queries.plan_get(actor=planners["county"], plan_id=plans["neighbour"].pk)
    with pytest.raises(NotFound):
        queries.plan_get(actor=planners["county"], plan_id="x")
    with django_assert_num_queries(4):  # the plan, its targets, its area, its tasks
        small = queries.plan_get(actor=actor, plan_id=plans["county"].pk)
    with django_assert_num_queries(5):  # adopted: the template too
        big = queries.plan_get(actor=actor, plan_id=plans["draft"].pk)
    assert len(small.targets) == 2 and len(big.targets) == 14


def test_template_get_lists_tasks_and_adoptions(plans, planners):
    xian = template("xian_qu")
    found = queries.plan_get(actor=planners["county"], plan_id=xian.pk)
    assert [t.number for t in found.tasks][:3] == ["6", "7", "8"]
    assert found.adoptions == [plans["draft"]]
    assert found.can_manage is False and found.template is None
    assert queries.plan_get(actor=planners["other"], plan_id=xian.pk).adoptions == []


def test_indicator_list(tree, planners):
    county_own = make_indicator(tree["county"], "consultation_rate")
    prefecture_own = make_indicator(make_area("2204", "辽源市"), "party_rate")
    neighbour_own = make_indicator(make_area("220402", "龙山区"), "other_rate")
    builtins = 21
    county = queries.indicator_list(actor=planners["county"])
    assert county.count() == builtins + 2
    assert set(county.exclude(area_code="")) == {county_own, prefecture_own}
    assert set(queries.indicator_list(actor=planners["town_a"]).exclude(area_code="")) == {
        county_own,
        prefecture_own,
    }
    assert set(queries.indicator_list(actor=planners["prefecture"]).exclude(area_code="")) == {
        county_own,
        prefecture_own,
        neighbour_own,
    }
    assert set(
        queries.indicator_list(actor=planners["prefecture"], area_code="220402").exclude(
            area_code=""
        )
    ) == {prefecture_own, neighbour_own}
    with pytest.raises(NotFound):
        queries.indicator_list(actor=planners["county"], area_code="220402")
    with pytest.raises(ActionError):
        queries.indicator_list(actor=planners["county"], area_code="22x")
    with pytest.raises(Forbidden):
        queries.indicator_list(actor=planners["resident"])
    with pytest.raises(NotFound):
        queries.indicator_get(actor=planners["county"], indicator_id=neighbour_own.pk)
    assert queries.indicator_get(actor=planners["county"], indicator_id=county_own.pk) == county_own


def test_indicators_for_plan(tree, planners):
    plan = make_plan(tree["county"])
    own = make_indicator(tree["county"], "consultation_rate")
    make_indicator(tree["town_a"], "town_rate")  # a town's is not for the county's plan
    found = set(queries.indicators_for_plan(plan).values_list("key", flat=True))
    assert len(found) == 22 and own.key in found and "town_rate" not in found


def test_indicator_label(tree):
    assert (
        queries.indicator_label(builtin("workers_per_10k_urban"))
        == "Community workers per 10,000 urban residents"
    )
    own = make_indicator(tree["county"], "facility_coverage_own", name="本区设施覆盖率")
    assert queries.indicator_label(own) == "本区设施覆盖率"


def test_plan_areas(tree, planners):
    assert [a.code for a in queries.plan_areas(actor=planners["county"])] == ["220403000000"]
    assert queries.plan_areas(actor=planners["town_a"]) == []
    prefecture = {a.code for a in queries.plan_areas(actor=planners["prefecture"])}
    assert {"220400000000", "220403000000", "220402000000"} <= prefecture


def test_a_builtin_definition_is_shown_in_the_readers_language(db):
    from django.utils import translation

    from linli.plans.models import Indicator

    rural = Indicator.objects.get(area_code="", key="facility_coverage_rural")
    with translation.override("zh-hans"):
        assert queries.indicator_definition(rural) == "有综合服务设施的村数 ÷ 村总数"
        assert rural.shown_definition == "有综合服务设施的村数 ÷ 村总数"
    with translation.override("en"):
        assert rural.shown_definition == "villages with a comprehensive service facility / villages"
    own = Indicator(key="paths", area_code="220403000000", name="步道", definition="步道公里数")
    with translation.override("zh-hans"):
        assert queries.indicator_definition(own) == "步道公里数"  # as its jurisdiction wrote it
