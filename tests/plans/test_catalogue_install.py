"""The built-in catalogue: the shipped files load and check, and catalogue_install (run after
every migrate) writes the 21 indicators and the five templates with their targets and task
tables — once: a second run writes nothing, a changed file changes the template and never an
adopted copy."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from django.db.models import F

from linli.core.areacodes import Level
from linli.core.models import AuditEvent
from linli.plans import builtin
from linli.plans.actions import catalogue as actions
from linli.plans.models import Indicator, Plan, PlanTask, ReportedValue, Target
from linli.plans.queries.sources import FUNCTIONS
from tests.plans.catalogue_fixtures import planners_fixture, template  # noqa: F401

REPORTED = {
    "social_orgs_per_urban_community",
    "social_orgs_per_rural_community",
    "fitness_circle_15min_coverage_urban",
    "satisfaction_survey_coverage",
}
TEMPLATES = {
    "changji": ("652300000000", 12, 23),
    "kashi": ("653100000000", 15, 11),
    "dingzhou": ("130682000000", 11, 14),
    "diqing": ("533400000000", 12, 30),
    "xian_qu": ("220403000000", 14, 13),
}


def _snapshot() -> dict:
    """Every row the catalogue writes, as plain values."""
    return {
        "indicators": list(Indicator.objects.order_by("pk").values()),
        "plans": list(Plan.objects.order_by("pk").values()),
        "targets": list(Target.objects.order_by("pk").values()),
        "tasks": list(PlanTask.objects.order_by("pk").values()),
    }


def test_every_shipped_file_loads():
    found = builtin.load()
    assert len(found.indicators) == 21
    assert [spec.key for spec in found.templates] == list(TEMPLATES)
    for spec in found.templates:
        area_code, targets, tasks = TEMPLATES[spec.key]
        assert (spec.area_code, len(spec.targets), len(spec.tasks)) == (area_code, targets, tasks)
        assert (spec.start_year, spec.end_year) == (2021, 2025)
        assert spec.source_document in builtin.TEMPLATE_KEYS
        assert all(task.lead_units for task in spec.tasks)


def test_install_after_migrate(db):
    """The test database was migrated: the catalogue is there, as the files say."""
    assert not AuditEvent.objects.exists()  # building the database leaves the trail empty
    builtins = Indicator.objects.filter(area_code="")
    assert builtins.count() == 21
    assert {i.key for i in builtins.filter(source="reported")} == REPORTED
    assert not builtins.filter(source="computed").exclude(function=F("key")).exists()
    computed = set(builtins.filter(source="computed").values_list("function", flat=True))
    assert computed <= set(FUNCTIONS)  # each bound to a function the engine has
    teams = builtins.get(key="volunteer_team_coverage")
    assert (teams.source, teams.function) == ("computed", "volunteer_team_coverage")
    coverage = builtins.get(key="facility_coverage")
    assert coverage.name == "城乡社区综合服务设施覆盖率"
    assert (coverage.unit, coverage.factor, coverage.decimals) == ("percent", 100, 1)
    orgs = builtins.get(key="social_orgs_per_urban_community")
    assert (orgs.source, orgs.aggregation, orgs.factor, orgs.function) == (
        "reported",
        "ratio",
        1,
        "",
    )
    talent = builtins.get(key="social_work_talent_total")
    assert (talent.factor, talent.decimals, talent.aggregation) == (1, 0, "total")
    assert builtins.get(key="facility_area_per_100_households").factor == 1
    templates = Plan.objects.filter(is_template=True)
    assert templates.count() == 5
    for key, (area_code, targets, tasks) in TEMPLATES.items():
        plan = templates.get(template_key=key)
        assert plan.area_code == area_code and plan.status == Plan.Status.ACTIVE
        assert (plan.start_year, plan.end_year) == (2021, 2025)
        assert plan.targets.count() == targets and plan.tasks.count() == tasks
        assert plan.source_document.startswith(("000", "001", "002", "003", "004"))


def test_template_targets_as_the_texts_set_them(db):
    xian = template("xian_qu")
    assert xian.title == "西安区“十四五”城乡社区服务体系建设规划"
    rows = {t.indicator.key: t for t in xian.targets.select_related("indicator")}
    social = rows["certified_social_workers_per_urban_community"]
    assert (social.op, social.value, social.binding) == (">=", 3, True)
    assert (social.baseline, social.baseline_year, social.due_year) == (1, 2020, 2025)
    workers = rows["workers_per_10k_urban"]
    assert (workers.value, workers.baseline, workers.binding) == (18, 9, False)
    area = rows["facility_area_per_100_households"]
    assert area.per_community and area.baseline == 30
    assert rows["new_facility_area_ratio"].baseline is None
    assert [t.indicator.key for t in xian.targets.order_by("position")][:2] == [
        "facility_coverage_rural",
        "facility_coverage_urban",
    ]
    kashi = {t.indicator.key: t for t in template("kashi").targets.select_related("indicator")}
    assert kashi["social_orgs_per_urban_community"].due_year == 2023
    assert kashi["workers_per_10k_urban"].op == ">"
    assert "≥10%" in kashi["activity_area_ratio"].note
    diqing = {t.indicator.key: t for t in template("diqing").targets.select_related("indicator")}
    assert diqing["facility_coverage_rural"].baseline == 65
    assert diqing["social_work_station_coverage"].note == "29个乡镇"
    assert "每年创建3个民族团结进步示范社区" in template("diqing").other_targets


def test_changji_task_table_has_every_row_of_the_annex(db):
    """附件 专项行动任务分工表 has rows 1 to 23 under four 重点项目."""
    tasks = list(template("changji").tasks.order_by("position"))
    assert [t.number for t in tasks] == [str(n) for n in range(1, 24)]
    groups = {t.group for t in tasks}
    assert groups == {
        "一、社会力量参与城乡社区服务行动",
        "二、新时代新社区新生活服务质量提升行动",
        "三、城乡社区服务设施补短板工程",
        "四、城乡社区服务数字化建设试点行动",
    }
    first, fifth = tasks[0], tasks[4]
    assert first.title == "培育发展城乡社区社会组织专项行动"
    assert (first.lead_units, first.co_units) == ("州民政局", "各县市人民政府")
    assert fifth.lead_units == "州民政局、住建局、卫健委、自然资源局"
    assert "特殊困难老年人月探访率达到100%" in fifth.requirement
    assert tasks[2].title == "城乡社区社会工作服务行动"  # the cell's line break is gone
    assert (
        tasks[13].lead_units == "州党委政法委" and tasks[13].co_units == "州公安局，各县市人民政府"
    )
    assert all(
        (t.frequency, t.due_month, t.due_day, t.first_year, t.last_year)
        == ("year", 12, 31, 2021, 2025)
        for t in tasks
    )
    assert {t.number for t in tasks if t.report_level == Level.COMMUNITY} == {"18"}


def test_other_task_tables(db):
    kashi = list(template("kashi").tasks.order_by("position"))
    assert all((t.due_month, t.due_day) == (10, 31) for t in kashi)  # 每年10月31日前
    assert (kashi[0].title, kashi[0].lead_units) == ("健全党建引领机制", "地区民政局")
    assert kashi[1].co_units == "地区住建局、文广旅局、体育局、团委，各县市人民政府"
    xian = list(template("xian_qu").tasks.order_by("position"))
    assert 8 <= len(xian) <= 20
    assert xian[0].title == "构建党建引领城乡社区服务格局"
    assert xian[0].lead_units == "区委组织部、区民政局、区住建局"
    assert all("责任单位" not in t.requirement for t in xian)
    diqing = template("diqing").tasks.order_by("position")
    assert {t.group.split(" ")[0] for t in diqing} == {f"专栏{n}" for n in range(2, 7)}
    volunteer = diqing.get(number="2.3")
    assert volunteer.lead_units == "州文明办、州民政局、州教育体育局、州妇联、团州委、州残联"
    assert template("dingzhou").tasks.get(number="2.3").title == "强化社区安民服务保障"


def test_a_second_install_changes_nothing(db):
    before = _snapshot()
    events = AuditEvent.objects.count()
    assert actions.catalogue_install() == {}
    assert _snapshot() == before
    assert AuditEvent.objects.count() == events


def test_install_restores_a_template_and_leaves_adoptions(db, tree, planners):
    xian = template("xian_qu")
    adopted = actions.plan_adopt(
        actor=planners["county"], template_id=xian.pk, area_code=tree["county"].code
    )
    adopted_rows = {
        "targets": list(adopted.targets.order_by("pk").values()),
        "tasks": list(adopted.tasks.order_by("pk").values()),
    }
    Plan.objects.filter(pk=xian.pk).update(title="改过的标题")
    xian.targets.filter(indicator__key="workers_per_10k_urban").update(value=Decimal(7))
    xian.targets.filter(indicator__key="facility_coverage_rural").delete()
    xian.tasks.filter(number="6").update(lead_units="别人")
    Indicator.objects.filter(area_code="", key="facility_coverage").update(decimals=3)
    Target.objects.filter(plan=adopted, indicator__key="facility_coverage_urban").update(value=90)
    adopted_rows["targets"] = list(adopted.targets.order_by("pk").values())
    counts = actions.catalogue_install()
    assert counts == {
        "indicators_updated": 1,
        "templates_updated": 1,
        "targets_updated": 1,
        "targets_created": 1,
        "tasks_updated": 1,
    }
    xian.refresh_from_db()
    assert xian.title == "西安区“十四五”城乡社区服务体系建设规划"
    assert xian.targets.get(indicator__key="workers_per_10k_urban").value == 18
    assert xian.targets.filter(indicator__key="facility_coverage_rural").exists()
    assert xian.tasks.get(number="6").lead_units == "区委组织部、区民政局、区住建局"
    assert Indicator.objects.get(area_code="", key="facility_coverage").decimals == 1
    assert list(adopted.targets.order_by("pk").values()) == adopted_rows["targets"]
    assert list(adopted.tasks.order_by("pk").values()) == adopted_rows["tasks"]
    event = AuditEvent.objects.filter(action="plans.catalogue.install").latest("pk")
    assert event.actor_label == "system" and event.extra["templates_updated"] == 1


def test_an_indicator_reported_before_becomes_computed(db, tree):
    """A database built when the volunteer team coverage was reported: the next install (after
    the next migrate) binds it to its function, keeps the values reported as records and
    leaves an audit event."""
    teams = Indicator.objects.get(area_code="", key="volunteer_team_coverage")
    Indicator.objects.filter(pk=teams.pk).update(source="reported", function="")
    kept = ReportedValue.objects.create(
        indicator=teams, area_code=tree["a1"].code, year=2024, numerator=1, denominator=1
    )
    assert actions.catalogue_install() == {"indicators_updated": 1}
    teams.refresh_from_db()
    assert (teams.source, teams.function) == ("computed", "volunteer_team_coverage")
    assert ReportedValue.objects.filter(pk=kept.pk).exists()
    event = AuditEvent.objects.get(action="plans.catalogue.install")
    assert event.extra == {"indicators_updated": 1}
    assert actions.catalogue_install() == {}


def test_a_changed_file_changes_the_template(db, tmp_path, monkeypatch):
    for path in builtin.CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    seed = tmp_path / "seed-plans.yaml"
    text = seed.read_text(encoding="utf-8")
    seed.write_text(
        text.replace("      - 每个网格至少配备1名专职网格长（员）；“一格三长”\n", ""),
        encoding="utf-8",
    )
    tasks = tmp_path / "tasks-xian_qu.yaml"
    tasks.write_text(
        tasks.read_text(encoding="utf-8").replace("title: 提升服务设施功能", "title: 提升设施功能"),
        encoding="utf-8",
    )
    monkeypatch.setattr(builtin, "catalogue", lambda: builtin.load(tmp_path))
    assert actions.catalogue_install() == {"templates_updated": 1, "tasks_updated": 1}
    xian = template("xian_qu")
    assert len(xian.other_targets) == 8
    assert xian.tasks.get(number="12").title == "提升设施功能"
    assert actions.catalogue_install() == {}


def _broken(tmp_path, old: str, new: str, name: str = "seed-plans.yaml"):
    for path in builtin.CATALOGUE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / name
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(builtin.CatalogueError) as caught:
        builtin.load(tmp_path)
    return " | ".join(caught.value.problems)


@pytest.mark.parametrize(
    ("old", "new", "name", "expected"),
    [
        (
            "{indicator: facility_coverage, op:",
            "{indicator: facility_cover, op:",
            "seed-plans.yaml",
            "unknown indicator 'facility_cover'",
        ),
        ('op: ">=", value: 10}', 'op: "=>", value: 10}', "seed-plans.yaml", "bad operator '=>'"),
        ("value: 90}", "value: 190}", "seed-plans.yaml", "percentage above 100"),
        ("unit: hours", "unit: minutes", "seed-plans.yaml", "unknown unit 'minutes'"),
        ('code: "220403"', 'code: "220499x"', "seed-plans.yaml", "bad jurisdiction code"),
        ("due: 2023}", "due: 2030}", "seed-plans.yaml", "must be a year from 2021 to 2025"),
        ("number: '2'", "number: '1'", "tasks-changji.yaml", "uses a number twice"),
        ("template: kashi", "template: kashgar", "tasks-kashi.yaml", "unknown template 'kashgar'"),
        ("due_day: 31", "due_day: 32", "tasks-kashi.yaml", "not a day of the year"),
        (
            "lead_units: 州民政局\n",
            "lead_units: ''\n",
            "tasks-changji.yaml",
            "lead_units: is missing",
        ),
    ],
)
def test_bad_files_are_refused(tmp_path, old, new, name, expected):
    assert expected in _broken(tmp_path, old, new, name)


def test_a_template_without_its_task_table_is_refused(tmp_path):
    for path in builtin.CATALOGUE_DIR.glob("*.yaml"):
        if path.name != "tasks-diqing.yaml":
            shutil.copy(path, tmp_path / path.name)
    with pytest.raises(builtin.CatalogueError, match="plan diqing has no task table"):
        builtin.load(tmp_path)


def test_install_on_an_empty_catalogue_creates_everything(db):
    """As on a fresh database (the test database had it from migrate: empty it first)."""
    Plan.objects.all().delete()
    Indicator.objects.all().delete()
    counts = actions.catalogue_install()
    assert counts == {
        "indicators_created": 21,
        "templates_created": 5,
        "targets_created": 64,
        "tasks_created": 91,
    }
    # building the catalogue of a new database is not an event of the trail
    assert not AuditEvent.objects.filter(action="plans.catalogue.install").exists()
