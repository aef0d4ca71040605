"""The catalogue's actions: adopting a template, writing, changing, putting in force and closing
a plan, its targets, and a jurisdiction's own indicators — each for the happy path, the refused
actor (another county, a town officer, a template) and bad input that writes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.plans.actions import catalogue as actions
from linli.plans.models import Indicator, Milestone, Plan, PlanTask, Target
from tests.conftest import make_area
from tests.plans.catalogue_fixtures import (  # noqa: F401 (fixtures)
    builtin,
    make_indicator,
    make_plan,
    make_target,
    planners_fixture,
    template,
)


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def _rows() -> tuple[int, int, int, int]:
    return (
        Plan.objects.count(),
        Target.objects.count(),
        PlanTask.objects.count(),
        Indicator.objects.count(),
    )


# --- adopting -----------------------------------------------------------------------------------


def test_adopt_copies_targets_and_tasks(tree, planners):
    xian = template("xian_qu")
    task = xian.tasks.get(number="6")
    Milestone.objects.create(task=task, year=2023, title="建成议事协商示范点", due_on="2023-06-30")
    plan = actions.plan_adopt(
        actor=planners["county"], template_id=xian.pk, area_code=tree["county"].code
    )
    assert (plan.status, plan.template_id, plan.is_template, plan.template_key) == (
        Plan.Status.DRAFT,
        xian.pk,
        False,
        "",
    )
    assert plan.area_code == "220403000000" and plan.created_by == planners["county"]
    assert plan.title == "西安区“十四五”城乡社区服务体系建设规划"
    assert (plan.start_year, plan.end_year) == (2021, 2025)
    assert plan.other_targets == xian.other_targets and plan.section == xian.section
    fields = ("indicator_id", "op", "value", "binding", "due_year", "baseline", "per_community")

    def rows(p):
        return [tuple(getattr(t, f) for f in fields) for t in p.targets.order_by("position")]

    assert rows(plan) == rows(xian) and len(rows(plan)) == 14
    copied = plan.tasks.order_by("position")
    assert [(t.number, t.title, t.lead_units, t.report_level) for t in copied] == [
        (t.number, t.title, t.lead_units, t.report_level) for t in xian.tasks.order_by("position")
    ]
    milestone = Milestone.objects.get(task__plan=plan)
    assert (milestone.task.number, milestone.title) == ("6", "建成议事协商示范点")
    assert xian.targets.count() == 14  # the template keeps its own
    event = AuditEvent.objects.get(action="plans.plan.adopt")
    assert event.extra == {"template_id": xian.pk, "targets": 14, "tasks": 13, "milestones": 1}
    assert event.area_code == "220403000000"


def test_adopt_titles(tree, planners):
    kashi = actions.plan_adopt(
        actor=planners["prefecture"],
        template_id=template("kashi").pk,
        area_code="2204",
    )
    assert kashi.title == "辽源市“十四五”城乡社区服务体系建设规划"
    dingzhou = actions.plan_adopt(
        actor=planners["county"],
        template_id=template("dingzhou").pk,
        area_code=tree["county"].code,
        title="  西安区城乡社区服务体系建设实施方案 ",
    )
    assert dingzhou.title == "西安区城乡社区服务体系建设实施方案"
    diqing = actions.plan_adopt(
        actor=planners["county"], template_id=template("diqing").pk, area_code="220403"
    )
    assert diqing.title == "西安区“十四五”城乡社区服务体系建设规划"


def test_adopt_twice_is_refused_until_closed(tree, planners):
    actor, xian = planners["county"], template("xian_qu")
    first = actions.plan_adopt(actor=actor, template_id=xian.pk, area_code="220403")
    before = _rows()
    with pytest.raises(Conflict, match="already has a plan adopted from this template"):
        actions.plan_adopt(actor=actor, template_id=xian.pk, area_code="220403")
    assert _rows() == before
    # another template, or the prefecture, is fine
    actions.plan_adopt(actor=planners["prefecture"], template_id=xian.pk, area_code="2204")
    actions.plan_activate(actor=actor, plan_id=first.pk)
    with pytest.raises(Conflict):
        actions.plan_adopt(actor=actor, template_id=xian.pk, area_code="220403")
    actions.plan_close(actor=actor, plan_id=first.pk)
    again = actions.plan_adopt(actor=actor, template_id=xian.pk, area_code="220403")
    assert again.pk != first.pk and again.status == Plan.Status.DRAFT


@pytest.mark.parametrize(
    ("who", "area", "error"),
    [
        ("other", "220403", Forbidden),  # the neighbouring county's officer
        ("town_a", "220403", Forbidden),  # plan.view, not plan.manage
        ("dept", "220403", Forbidden),
        ("county", "2204", Forbidden),  # above the county officer's area
        ("county", "220403001", ActionError),  # a town holds no plan
        ("county", "220499", ActionError),  # not in the tree
        ("county", "abc", ActionError),
    ],
)
def test_adopt_refused(tree, planners, who, area, error):
    before = _rows()
    with pytest.raises(error):
        actions.plan_adopt(actor=planners[who], template_id=template("xian_qu").pk, area_code=area)
    assert _rows() == before and not _events("plans.plan.adopt")


def test_adopt_needs_a_template(tree, planners):
    own = make_plan(tree["county"])
    with pytest.raises(NotFound):
        actions.plan_adopt(actor=planners["county"], template_id=own.pk, area_code="220403")
    with pytest.raises(NotFound):
        actions.plan_adopt(actor=planners["county"], template_id=0, area_code="220403")
    with pytest.raises(NotFound):  # a resident sees no plan at all
        actions.plan_adopt(
            actor=planners["resident"], template_id=template("kashi").pk, area_code="220403"
        )
    with pytest.raises(ActionError) as caught:
        actions.plan_adopt(
            actor=planners["county"],
            template_id=template("kashi").pk,
            area_code="220403",
            title="长" * 201,
        )
    assert "title" in caught.value.errors
    assert not Plan.objects.filter(template__isnull=False).exists()


# --- writing, changing, status ------------------------------------------------------------------


def test_create_update_activate_close(tree, planners):
    actor = planners["county"]
    plan = actions.plan_create(
        actor=actor,
        area_code="220403",
        title="西安区社区服务提升方案",
        start_year="2024",
        end_year=2027,
        other_targets="每个社区一名法律顾问\n\n  社区食堂全覆盖 ",
    )
    assert (plan.status, plan.start_year, plan.end_year) == ("draft", 2024, 2027)
    assert plan.other_targets == ["每个社区一名法律顾问", "社区食堂全覆盖"]
    assert _events("plans.plan.create") == 1
    with pytest.raises(ActionError, match="at least one target"):
        actions.plan_activate(actor=actor, plan_id=plan.pk)
    make_target(plan, "facility_coverage", due_year=2026)
    updated = actions.plan_update(actor=actor, plan_id=plan.pk, title="西安区方案", end_year=2028)
    assert (updated.title, updated.end_year, updated.start_year) == ("西安区方案", 2028, 2024)
    event = AuditEvent.objects.get(action="plans.plan.update")
    assert event.extra == {"fields": ["end_year", "title"]}
    actions.plan_update(actor=actor, plan_id=plan.pk, title="西安区方案")  # nothing changed
    assert _events("plans.plan.update") == 1
    with pytest.raises(Conflict, match="due outside"):
        actions.plan_update(actor=actor, plan_id=plan.pk, end_year=2025)
    assert Plan.objects.get(pk=plan.pk).end_year == 2028
    assert actions.plan_activate(actor=actor, plan_id=plan.pk).status == "active"
    with pytest.raises(Conflict):
        actions.plan_activate(actor=actor, plan_id=plan.pk)
    assert actions.plan_close(actor=actor, plan_id=plan.pk).status == "closed"
    with pytest.raises(Conflict, match="closed"):
        actions.plan_close(actor=actor, plan_id=plan.pk)
    with pytest.raises(Conflict, match="closed"):
        actions.plan_update(actor=actor, plan_id=plan.pk, title="再改")
    assert [
        e.action for e in AuditEvent.objects.filter(action__startswith="plans.plan.").order_by("pk")
    ] == [
        "plans.plan.create",
        "plans.plan.update",
        "plans.plan.activate",
        "plans.plan.close",
    ]


def test_task_years_hold_the_plan_years(tree, planners):
    plan = actions.plan_adopt(
        actor=planners["county"], template_id=template("xian_qu").pk, area_code="220403"
    )
    Target.objects.filter(plan=plan).update(due_year=2024)
    with pytest.raises(Conflict, match="tasks run outside"):
        actions.plan_update(actor=planners["county"], plan_id=plan.pk, end_year=2024)


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"title": " "}, {"title"}),
        ({"start_year": 2026, "end_year": 2025}, {"end_year"}),
        ({"start_year": 1999}, {"start_year"}),
        ({"end_year": 2050}, {"end_year"}),  # more than 15 years
        ({"start_year": "twenty"}, {"start_year"}),
        ({"other_targets": ["长" * 301]}, {"other_targets"}),
        ({"other_targets": [f"目标{n}" for n in range(31)]}, {"other_targets"}),
    ],
)
def test_create_bad_input_writes_nothing(tree, planners, values, fields):
    wanted = {"title": "方案", "start_year": 2021, "end_year": 2025, **values}
    with pytest.raises(ActionError) as caught:
        actions.plan_create(actor=planners["county"], area_code="220403", **wanted)
    assert set(caught.value.errors) == fields
    assert not Plan.objects.filter(is_template=False).exists()


def test_plan_writes_refused(tree, planners):
    plan = make_plan(tree["county"])
    make_target(plan, "facility_coverage")
    for who, error in (("other", NotFound), ("town_a", Forbidden), ("head_a1", Forbidden)):
        with pytest.raises(error):
            actions.plan_update(actor=planners[who], plan_id=plan.pk, title="改")
        with pytest.raises(error):
            actions.plan_activate(actor=planners[who], plan_id=plan.pk)
    with pytest.raises(Forbidden):
        actions.plan_create(
            actor=planners["other"],
            area_code="220403",
            title="方案",
            start_year=2021,
            end_year=2025,
        )
    # the prefecture's officer manages the county's plan
    actions.plan_activate(actor=planners["prefecture"], plan_id=plan.pk)
    assert Plan.objects.get(pk=plan.pk).status == "active"


def test_templates_cannot_be_changed(tree, planners):
    xian = template("xian_qu")
    before = list(xian.targets.values())
    with pytest.raises(Forbidden, match="built-in templates"):
        actions.plan_update(actor=planners["county"], plan_id=xian.pk, title="改")
    with pytest.raises(Forbidden):
        actions.plan_close(actor=planners["county"], plan_id=xian.pk)
    with pytest.raises(Forbidden):
        actions.target_set(
            actor=planners["county"],
            plan_id=xian.pk,
            indicator_id=builtin("facility_coverage").pk,
            op=">=",
            value=90,
        )
    assert list(xian.targets.values()) == before


# --- targets ------------------------------------------------------------------------------------


def test_target_set_creates_then_changes(tree, planners):
    actor = planners["county"]
    plan = make_plan(tree["county"], years=(2021, 2025))
    make_target(plan, "facility_coverage", position=0)
    indicator = builtin("workers_per_10k_urban")
    target = actions.target_set(
        actor=actor,
        plan_id=plan.pk,
        indicator_id=str(indicator.pk),
        op=">=",
        value="18",
        binding="on",
        baseline="9",
        note="每万城镇常住人口",
    )
    assert (target.value, target.due_year, target.binding) == (18, 2025, True)
    assert (target.baseline, target.baseline_year, target.position) == (9, 2020, 1)
    assert target.per_community is False and target.at_risk_margin is None
    changed = actions.target_set(
        actor=actor,
        plan_id=plan.pk,
        indicator_id=indicator.pk,
        op=">",
        value=20.5,
        due_year=2024,
        baseline=9,
        baseline_year=2019,
        at_risk_margin="1.5",
    )
    assert changed.pk == target.pk and Target.objects.filter(plan=plan).count() == 2
    assert (changed.op, changed.value, changed.due_year, changed.binding) == (
        ">",
        Decimal("20.5"),
        2024,
        False,
    )
    assert (changed.baseline_year, changed.at_risk_margin, changed.note) == (2019, 1.5, "")
    events = AuditEvent.objects.filter(action__startswith="plans.target.").order_by("pk")
    assert [e.action for e in events] == ["plans.target.create", "plans.target.update"]
    assert events[1].extra["value"] == 20.5 and events[1].area_code == plan.area_code


def test_target_for_an_own_indicator(tree, planners):
    plan = make_plan(tree["county"])
    county_own = make_indicator(tree["county"], "consultation_rate")
    prefecture_own = make_indicator(make_area("2204", "辽源市"), "party_rate")
    neighbour_own = make_indicator(make_area("220402", "龙山区"), "other_rate")
    for indicator in (county_own, prefecture_own):
        actions.target_set(
            actor=planners["county"], plan_id=plan.pk, indicator_id=indicator.pk, op="=", value=100
        )
    with pytest.raises(ActionError) as caught:
        actions.target_set(
            actor=planners["county"],
            plan_id=plan.pk,
            indicator_id=neighbour_own.pk,
            op="=",
            value=100,
        )
    assert "indicator_id" in caught.value.errors
    assert plan.targets.count() == 2


@pytest.mark.parametrize(
    ("key", "values", "fields"),
    [
        ("facility_coverage", {"op": "≥"}, {"op"}),
        ("facility_coverage", {"value": 101}, {"value"}),
        ("facility_coverage", {"value": -1}, {"value"}),
        ("facility_coverage", {"value": "NaN"}, {"value"}),
        ("facility_coverage", {"value": "inf"}, {"value"}),
        ("facility_coverage", {"value": ""}, {"value"}),
        ("facility_coverage", {"value": "1.23456"}, {"value"}),
        ("social_work_talent_total", {"value": "1e11"}, {"value"}),
        ("facility_coverage", {"due_year": 2026}, {"due_year"}),
        ("facility_coverage", {"due_year": 2020}, {"due_year"}),
        ("facility_coverage", {"baseline": 120}, {"baseline"}),
        ("facility_coverage", {"baseline": 50, "baseline_year": 1990}, {"baseline_year"}),
        ("facility_coverage", {"at_risk_margin": -5}, {"at_risk_margin"}),
        ("facility_coverage", {"note": "注" * 301}, {"note"}),
    ],
)
def test_target_bad_input_writes_nothing(tree, planners, key, values, fields):
    plan = make_plan(tree["county"])
    wanted = {"op": ">=", "value": 90, **values}
    with pytest.raises(ActionError) as caught:
        actions.target_set(
            actor=planners["county"], plan_id=plan.pk, indicator_id=builtin(key).pk, **wanted
        )
    assert set(caught.value.errors) == fields
    assert not plan.targets.exists() and not _events("plans.target.create")


def test_target_refused(tree, planners):
    plan = make_plan(tree["county"])
    indicator = builtin("facility_coverage").pk
    for who, error in (("other", NotFound), ("town_a", Forbidden), ("resident", NotFound)):
        with pytest.raises(error):
            actions.target_set(
                actor=planners[who], plan_id=plan.pk, indicator_id=indicator, op="=", value=100
            )
    with pytest.raises(ActionError):
        actions.target_set(
            actor=planners["county"], plan_id=plan.pk, indicator_id=0, op="=", value=100
        )
    assert not plan.targets.exists()


def test_target_remove(tree, planners):
    actor = planners["county"]
    plan = make_plan(tree["county"])
    first = make_target(plan, "facility_coverage")
    second = make_target(plan, "workers_per_10k_urban", value="18")
    other = make_target(make_plan(tree["county"], "另一个规划"), "facility_coverage")
    with pytest.raises(NotFound):  # a target of another plan
        actions.target_remove(actor=actor, plan_id=plan.pk, target_id=other.pk)
    with pytest.raises(Forbidden):
        actions.target_remove(actor=planners["town_a"], plan_id=plan.pk, target_id=first.pk)
    with pytest.raises(NotFound):
        actions.target_remove(actor=planners["other"], plan_id=plan.pk, target_id=first.pk)
    actions.plan_activate(actor=actor, plan_id=plan.pk)
    actions.target_remove(actor=actor, plan_id=plan.pk, target_id=first.pk)
    with pytest.raises(Conflict, match="at least one target"):
        actions.target_remove(actor=actor, plan_id=plan.pk, target_id=second.pk)
    assert list(plan.targets.all()) == [second]
    event = AuditEvent.objects.get(action="plans.target.remove")
    assert event.extra == {"plan_id": plan.pk, "indicator_id": first.indicator_id}


# --- indicators ---------------------------------------------------------------------------------


def test_indicator_create_reported_and_computed(tree, planners):
    actor = planners["county"]
    reported = actions.indicator_create(
        actor=actor,
        area_code="220403",
        key="consultation_rate",
        name=" 社区议事协商开展率 ",
        unit="percent",
        source="reported",
        definition="开展议事协商的社区 / 社区",
    )
    assert (reported.area_code, reported.name, reported.factor) == (
        "220403000000",
        "社区议事协商开展率",
        100,
    )
    assert (reported.aggregation, reported.function, reported.decimals) == ("ratio", "", 1)
    assert reported.created_by == actor
    total = actions.indicator_create(
        actor=actor,
        area_code="220403",
        key="elder_canteens",
        name="社区老年食堂数",
        unit="count",
        source="reported",
        aggregation="total",
        decimals=0,
    )
    assert (total.aggregation, total.factor, total.decimals) == ("total", 1, 0)
    computed = actions.indicator_create(
        actor=actor,
        area_code="220403",
        key="own_coverage",
        name="本区设施覆盖率",
        unit="percent",
        source="computed",
        function="facility_coverage",
        factor=7,
    )
    assert (computed.function, computed.factor) == ("facility_coverage", 100)
    assert _events("plans.indicator.create") == 3


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"key": "facility_coverage"}, {"key"}),  # a built-in key
        ({"key": "Bad-Key"}, {"key"}),
        ({"key": ""}, {"key"}),
        ({"key": "k" * 61}, {"key"}),
        ({"name": ""}, {"name"}),
        ({"unit": "minutes"}, {"unit"}),
        ({"scope": "suburbs"}, {"scope"}),
        ({"source": "guessed"}, {"source"}),
        ({"source": "computed", "function": "no_such_function"}, {"function"}),
        ({"aggregation": "average"}, {"aggregation"}),
        ({"factor": 0}, {"factor"}),
        ({"factor": "x"}, {"factor"}),
        ({"decimals": 5}, {"decimals"}),
    ],
)
def test_indicator_bad_input_writes_nothing(tree, planners, values, fields):
    wanted = {
        "key": "consultation_rate",
        "name": "社区议事协商开展率",
        "unit": "percent",
        "source": "reported",
        **values,
    }
    before = Indicator.objects.count()
    with pytest.raises(ActionError) as caught:
        actions.indicator_create(actor=planners["county"], area_code="220403", **wanted)
    assert set(caught.value.errors) == fields
    assert Indicator.objects.count() == before


def test_indicator_key_unique_in_its_jurisdiction(tree, planners):
    make_indicator(tree["county"], "consultation_rate")
    with pytest.raises(ActionError) as caught:
        actions.indicator_create(
            actor=planners["county"],
            area_code="220403",
            key="consultation_rate",
            name="重复",
            unit="percent",
            source="reported",
        )
    assert "key" in caught.value.errors
    # the prefecture may use the same key for its own
    actions.indicator_create(
        actor=planners["prefecture"],
        area_code="2204",
        key="consultation_rate",
        name="市级议事协商开展率",
        unit="percent",
        source="reported",
    )


def test_indicator_writes_refused(tree, planners):
    for who, area in (("other", "220403"), ("town_a", "220403"), ("county", "2204")):
        with pytest.raises(Forbidden):
            actions.indicator_create(
                actor=planners[who],
                area_code=area,
                key="consultation_rate",
                name="社区议事协商开展率",
                unit="percent",
                source="reported",
            )
    with pytest.raises(ActionError):  # a town has no indicators of its own
        actions.indicator_create(
            actor=planners["county"],
            area_code="220403001",
            key="consultation_rate",
            name="社区议事协商开展率",
            unit="percent",
            source="reported",
        )
    own = make_indicator(tree["county"], "consultation_rate")
    with pytest.raises(NotFound):
        actions.indicator_update(actor=planners["other"], indicator_id=own.pk, name="改")
    with pytest.raises(Forbidden):
        actions.indicator_update(actor=planners["town_a"], indicator_id=own.pk, name="改")
    with pytest.raises(Forbidden, match="built-in"):
        actions.indicator_update(
            actor=planners["county"], indicator_id=builtin("facility_coverage").pk, name="改"
        )
    assert Indicator.objects.get(pk=own.pk).name == "社区议事协商开展率"
    assert builtin("facility_coverage").name == "城乡社区综合服务设施覆盖率"


def test_indicator_update(tree, planners):
    from linli.plans.models import ReportedValue

    actor = planners["county"]
    own = make_indicator(tree["county"], "consultation_rate", decimals=1)
    changed = actions.indicator_update(
        actor=actor, indicator_id=own.pk, name="议事协商率", factor="1", decimals=2
    )
    assert (changed.name, changed.factor, changed.decimals, changed.key) == (
        "议事协商率",
        1,
        2,
        "consultation_rate",
    )
    event = AuditEvent.objects.get(action="plans.indicator.update")
    assert event.extra["fields"] == ["decimals", "factor", "name"]
    with pytest.raises(ActionError) as caught:
        actions.indicator_update(actor=actor, indicator_id=own.pk, name="", unit="minutes")
    assert set(caught.value.errors) == {"name", "unit"}
    ReportedValue.objects.create(
        indicator=own, area_code=tree["a1"].code, year=2024, numerator=1, denominator=2
    )
    with pytest.raises(Conflict, match="stays reported"):
        actions.indicator_update(
            actor=actor, indicator_id=own.pk, source="computed", function="facility_coverage"
        )
    assert Indicator.objects.get(pk=own.pk).source == "reported"
    computed = actions.indicator_update(
        actor=actor,
        indicator_id=make_indicator(tree["county"], "spare").pk,
        source="computed",
        function="facility_coverage",
    )
    assert (computed.source, computed.function, computed.factor) == (
        "computed",
        "facility_coverage",
        100,
    )


def test_the_platform_adopts_for_the_demo(tree):
    """The demo adopts the 西安区 template as the platform itself (no signed-in person)."""
    from linli.core.scoping import SYSTEM

    plan = actions.plan_adopt(actor=SYSTEM, template_id=template("xian_qu").pk, area_code="220403")
    assert plan.created_by is None and plan.targets.count() == 14
    assert AuditEvent.objects.get(action="plans.plan.adopt").actor_label == "system"
