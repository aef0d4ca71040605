"""The county visit policy and the care roster derived from the registry."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.care import actions, queries
from linli.care.defaults import grade_matches
from linli.care.models import Frequency, Plan, Policy, Risk, Subject
from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM
from linli.registry import actions as registry_actions

from ..registry.conftest import make_id

COUNTY = "220403000000"


def _open(resident) -> Subject | None:
    return Subject.objects.filter(resident=resident, ended_on__isnull=True).first()


def _refresh(tree, **kwargs):
    return actions.care_roster_refresh(actor=SYSTEM, area_code=tree["county"].code, **kwargs)


# --- the policy table ----------------------------------------------------------------------------


def test_defaults_give_the_builtin_rows_once(tree, users):
    added = actions.care_policy_defaults(actor=users["county"], county_code=COUNTY)
    rows = {p.tag_id: p for p in Policy.objects.filter(area_code=COUNTY)}
    assert added == 4
    assert set(rows) == {
        "special_elderly",
        "disability",
        "left_behind_child",
        "child_in_difficulty",
    }
    assert rows["special_elderly"].kind == Policy.Kind.ELDERLY
    assert rows["special_elderly"].frequency == Frequency.MONTHLY
    assert rows["special_elderly"].high_risk_frequency == Frequency.WEEKLY
    assert rows["disability"].grades == ["一级", "二级"]
    assert rows["left_behind_child"].kind == Policy.Kind.CHILD
    assert AuditEvent.objects.filter(action="care.policy_defaults").count() == 1
    # Idempotent: nothing added, the county's own edits kept.
    actions.care_policy_set(
        actor=users["county"],
        county_code=COUNTY,
        tag_code="disability",
        kind="disability",
        frequency="fortnightly",
        high_risk_frequency="weekly",
        grades=["一级"],
    )
    assert actions.care_policy_defaults(actor=users["county"], county_code="220403") == 0
    assert Policy.objects.get(area_code=COUNTY, tag_id="disability").grades == ["一级"]


def test_defaults_refused_below_the_county_and_outside_it(tree, users, care_counts):
    before = care_counts()
    with pytest.raises(Forbidden):
        actions.care_policy_defaults(actor=users["town_a"], county_code=COUNTY)
    other = tree["county"].parent  # a prefecture, not a county
    with pytest.raises(NotFound):
        actions.care_policy_defaults(actor=users["county"], county_code="220402")
    with pytest.raises(ActionError) as exc:
        actions.care_policy_defaults(actor=SYSTEM, county_code=other.code)
    assert exc.value.errors == {"county_code": ["Choose a county."]}
    with pytest.raises(ActionError):
        actions.care_policy_defaults(actor=users["county"], county_code="22x4")
    assert care_counts() == before


def test_policy_set_adds_and_changes_a_row(tree, users, policy):
    row = actions.care_policy_set(
        actor=users["county"],
        county_code=COUNTY,
        tag_code="special_elderly.advanced_age",
        kind="elderly",
        frequency="fortnightly",
        high_risk_frequency="weekly",
    )
    assert (row.tag_id, row.frequency, row.active) == (
        "special_elderly.advanced_age",
        "fortnightly",
        True,
    )
    again = actions.care_policy_set(
        actor=users["county"],
        county_code=COUNTY,
        tag_code="special_elderly.advanced_age",
        kind="elderly",
        frequency="monthly",
        high_risk_frequency="fortnightly",
        active=False,
    )
    assert again.pk == row.pk
    assert (again.frequency, again.high_risk_frequency, again.active) == (
        "monthly",
        "fortnightly",
        False,
    )
    event = AuditEvent.objects.filter(action="care.policy_set").latest("id")
    assert event.extra["changed"] == ["active", "frequency", "high_risk_frequency"]
    assert event.extra["tag"] == "special_elderly.advanced_age"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"tag_code": "no_such_group"}, "tag_code", "Choose a group from the list."),
        ({"kind": "pets"}, "kind", "Choose a visit kind from the list."),
        ({"frequency": "daily"}, "frequency", "Choose a visit frequency from the list."),
        (
            {"frequency": "weekly", "high_risk_frequency": "monthly"},
            "high_risk_frequency",
            "People at high risk are visited at least as often as the others.",
        ),
        ({"tag_code": "left_behind_child", "grades": ["一级"]}, "grades", None),
        ({"grades": ["x" * 51]}, "grades", None),
        ({"active": "maybe"}, "active", "Answer yes or no."),
    ],
)
def test_policy_set_refuses_bad_input(tree, users, policy, care_counts, change, field, message):
    before = care_counts()
    data = {
        "county_code": COUNTY,
        "tag_code": "disability",
        "kind": "disability",
        "frequency": "monthly",
        "high_risk_frequency": "weekly",
        "grades": ["一级"],
        **change,
    }
    with pytest.raises(ActionError) as exc:
        actions.care_policy_set(actor=users["county"], **data)
    assert set(exc.value.errors) == {field}
    if message:
        assert exc.value.errors[field] == [message]
    assert care_counts() == before


def test_policy_set_needs_care_policy_over_the_county(tree, users, policy, care_counts):
    before = care_counts()
    data = {
        "county_code": COUNTY,
        "tag_code": "disability",
        "kind": "disability",
        "frequency": "weekly",
        "high_risk_frequency": "weekly",
    }
    for who in ("town_a", "head_a1", "worker_a1"):
        with pytest.raises(Forbidden):
            actions.care_policy_set(actor=users[who], **data)
    with pytest.raises(NotFound):
        actions.care_policy_set(actor=users["resident_a1"], **data)
    assert care_counts() == before


def test_policy_list_is_read_by_care_staff_of_the_county(tree, users, policy):
    rows = queries.policy_list(actor=users["worker_a2"], county_code="220403")
    assert [p.tag_id for p in rows] == [
        "special_elderly",
        "disability",
        "left_behind_child",
        "child_in_difficulty",
    ]
    with pytest.raises(NotFound):
        queries.policy_list(actor=users["resident_a1"], county_code=COUNTY)
    with pytest.raises(NotFound):
        queries.policy_list(actor=users["county"], county_code="220402")


def test_grades_match_exactly_or_as_the_end_of_a_kind_and_grade():
    assert grade_matches("肢体一级", ["一级", "二级"])
    assert grade_matches("二级", ["一级", "二级"])
    assert not grade_matches("肢体三级", ["一级", "二级"])
    assert not grade_matches("", ["一级"])
    assert grade_matches("", [])


# --- who is on the roster ------------------------------------------------------------------------


def test_refresh_puts_care_groups_on_the_roster(tree, homes, policy, care_tags):
    counts = _refresh(tree)
    assert counts == {"added": 3, "updated": 0, "ended": 0, "plans_dropped": 0}
    people = homes["people"]
    li, wang, zhao = _open(people["li"]), _open(people["wang"]), _open(people["zhao"])
    assert (li.kind, li.frequency, li.tags, li.area_code) == (
        "elderly",
        "monthly",
        ["special_elderly.living_alone"],
        tree["grid_a1"].code,
    )
    assert (wang.kind, wang.tags, wang.area_code) == ("disability", ["disability"], tree["a1"].code)
    assert (zhao.kind, zhao.area_code) == ("elderly", tree["a2"].code)
    # Neither the dibao member nor the family nor community correction are care groups.
    assert Subject.objects.count() == 3
    assert _refresh(tree) == {"added": 0, "updated": 0, "ended": 0, "plans_dropped": 0}


def test_refresh_keeps_mild_disability_off_the_roster(tree, homes, policy):
    registry_actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=homes["people"]["zhang"].pk,
        tag_code="disability",
        grade="听力四级",
        started_on="2020-01-01",
    )
    assert _refresh(tree)["added"] == 1  # 李四 only
    assert _open(homes["people"]["zhang"]) is None


def test_a_kind_row_wins_over_its_parent_and_can_keep_the_kind_off(tree, users, homes, policy):
    actions.care_policy_set(
        actor=users["county"],
        county_code=COUNTY,
        tag_code="special_elderly.living_alone",
        kind="elderly",
        frequency="fortnightly",
        high_risk_frequency="weekly",
    )
    _refresh(tree)
    assert _open(homes["people"]["li"]).frequency == Frequency.FORTNIGHTLY
    actions.care_policy_set(
        actor=users["county"],
        county_code=COUNTY,
        tag_code="special_elderly.living_alone",
        kind="elderly",
        frequency="monthly",
        high_risk_frequency="weekly",
        active=False,
    )
    assert _refresh(tree)["ended"] == 1
    ended = Subject.objects.get(resident=homes["people"]["li"])
    assert ended.end_reason == Subject.EndReason.POLICY  # still living alone: the policy changed


def test_several_groups_give_the_most_frequent_visits_and_its_kind(tree, users, homes, policy):
    li = homes["people"]["li"]
    registry_actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=li.pk,
        tag_code="disability",
        grade="二级",
        started_on="2020-01-01",
    )
    _refresh(tree)
    subject = _open(li)
    assert subject.kind == Policy.Kind.ELDERLY  # tie: elderly before disability
    assert subject.tags == ["disability", "special_elderly.living_alone"]
    actions.care_policy_set(
        actor=users["county"],
        county_code=COUNTY,
        tag_code="disability",
        kind="disability",
        frequency="fortnightly",
        high_risk_frequency="weekly",
        grades=["一级", "二级"],
    )
    assert _refresh(tree)["updated"] == 1
    subject.refresh_from_db()
    assert (subject.kind, subject.frequency) == ("disability", "fortnightly")


def test_people_leave_the_roster_with_the_reason(tree, homes, policy, care_tags):
    people = homes["people"]
    # A child in difficulty joins, to lose the tag later.
    registry_actions.resident_tag_add(
        actor=SYSTEM,
        resident_id=people["zhang_child"].pk,
        tag_code="child_in_difficulty",
        grade="低保家庭儿童",
        started_on="2024-01-01",
    )
    _refresh(tree)
    assert _open(people["zhang_child"]).kind == Policy.Kind.CHILD
    today = dt.date.today()
    registry_actions.resident_record_death(actor=SYSTEM, resident_id=people["li"].pk, on=today)
    registry_actions.resident_move_out(actor=SYSTEM, resident_id=people["zhao"].pk, on=today)
    registry_actions.resident_tag_end(
        actor=SYSTEM, membership_id=care_tags["wang"].pk, ended_on=today
    )
    child_tag = people["zhang_child"].tags.get(tag_id="child_in_difficulty")
    registry_actions.resident_tag_end(actor=SYSTEM, membership_id=child_tag.pk, ended_on=today)
    counts = _refresh(tree)
    assert counts["ended"] == 4 and counts["added"] == 0
    reasons = {
        name: Subject.objects.get(resident=people[name]).end_reason
        for name in ("li", "zhao", "wang", "zhang_child")
    }
    assert reasons == {
        "li": "died",
        "zhao": "moved",
        "wang": "tag_ended",
        "zhang_child": "tag_ended",
    }
    assert Subject.objects.get(resident=people["li"]).ended_on == today


@pytest.mark.parametrize("lookups", [10, 0], ids=["by-id", "by-scan"])
def test_moving_within_the_county_updates_the_place(
    tree, homes, policy, care_tags, duty, monkeypatch, lookups
):
    # Newcomers are looked up by id, or (many of them, as in a first refresh) by one scan.
    from linli.care.actions import plans, roster

    monkeypatch.setattr(roster, "LOOKUPS", lookups)
    monkeypatch.setattr(plans, "LOOKUPS", lookups)
    people = homes["people"]
    _refresh(tree)
    registry_actions.resident_move(
        actor=SYSTEM, resident_id=people["zhao"].pk, household_id=homes["households"]["li"].pk
    )
    # A refresh of A1 alone finds 赵六, who came from A2, and moves the entry.
    counts = actions.care_roster_refresh(actor=SYSTEM, area_code=tree["a1"].code)
    assert counts == {"added": 0, "updated": 1, "ended": 0, "plans_dropped": 0}
    subject = _open(people["zhao"])
    assert subject.area_code == tree["grid_a1"].code
    assert Subject.objects.filter(resident=people["zhao"]).count() == 1


def test_moving_out_of_the_area_refreshed_keeps_them_in_the_county(tree, homes, policy, care_tags):
    people = homes["people"]
    _refresh(tree)
    registry_actions.resident_move(
        actor=SYSTEM, resident_id=people["li"].pk, household_id=homes["households"]["zhao"].pk
    )
    counts = actions.care_roster_refresh(actor=SYSTEM, area_code=tree["a1"].code)
    assert counts["updated"] == 1 and counts["ended"] == 0
    assert _open(people["li"]).area_code == tree["a2"].code


def test_refresh_ignores_memberships_not_yet_begun_and_future_ends(tree, homes, policy):
    people = homes["people"]
    later = dt.date.today() + dt.timedelta(days=30)
    h = registry_actions.household_create(
        actor=SYSTEM,
        community_code=tree["a2"].code,
        residence_type="registered",
        address="新兴街9号",
    )
    old = registry_actions.resident_add(
        actor=SYSTEM,
        household_id=h.pk,
        name="周八",
        id_number=make_id("19380303", 8),
        relationship="head",
    )
    from linli.registry.models import ResidentTag

    ResidentTag.objects.create(
        resident=old, tag_id="special_elderly.empty_nest", area_code=old.area_code, started_on=later
    )
    assert _refresh(tree)["added"] == 1  # 李四 only: 周八's membership begins next month
    ResidentTag.objects.filter(resident=people["li"]).update(ended_on=later)
    assert _refresh(tree) == {"added": 0, "updated": 0, "ended": 0, "plans_dropped": 0}


def test_refresh_is_scoped_and_checked(tree, users, homes, policy, care_counts):
    before = care_counts()
    with pytest.raises(Forbidden):  # community workers do visits, they do not plan them
        actions.care_roster_refresh(actor=users["worker_a1"], area_code=tree["a1"].code)
    with pytest.raises(NotFound):
        actions.care_roster_refresh(actor=users["head_a1"], area_code=tree["a2"].code)
    with pytest.raises(NotFound):
        actions.care_roster_refresh(actor=users["town_b"], area_code=tree["a1"].code)
    with pytest.raises(ActionError) as exc:
        actions.care_roster_refresh(actor=users["head_a1"], area_code="12ab")
    assert "area_code" in exc.value.errors
    assert care_counts() == before
    counts = actions.care_roster_refresh(actor=users["head_a1"], area_code=tree["a1"].code)
    assert counts["added"] == 1  # 李四; 赵六 of A2 is not theirs
    event = AuditEvent.objects.get(action="care.roster_refresh")
    assert event.extra["added"] == 1 and event.area_code == tree["a1"].code


# --- risk ----------------------------------------------------------------------------------------


def test_high_risk_means_weekly_visits_from_this_month(roster, users, month):
    subject = roster["subjects"]["li"]
    changed = actions.care_subject_set_risk(
        actor=users["head_a1"], subject_id=subject.pk, risk="high"
    )
    assert (changed.risk, changed.frequency) == (Risk.HIGH, Frequency.WEEKLY)
    plan = Plan.objects.get(subject=subject, month=month)
    assert (plan.frequency, plan.required, plan.status) == ("weekly", 4, "open")
    event = AuditEvent.objects.get(action="care.subject_risk")
    assert event.extra == {"from": "normal", "to": "high", "frequency": "weekly", "plan": plan.pk}
    # Back to normal: a plan that already holds a visit is met at once.
    Plan.objects.filter(pk=plan.pk).update(done=1)
    actions.care_subject_set_risk(actor=users["head_a1"], subject_id=subject.pk, risk="normal")
    plan.refresh_from_db()
    assert (plan.required, plan.status) == (1, "done")
    # The rerun keeps the risk: the frequency stays what the risk gives.
    actions.care_subject_set_risk(actor=users["head_a1"], subject_id=subject.pk, risk="high")
    assert _refresh_counts(roster)["updated"] == 0
    assert Subject.objects.get(pk=subject.pk).frequency == Frequency.WEEKLY


def _refresh_counts(roster):
    return actions.care_roster_refresh(actor=SYSTEM, area_code=COUNTY)


def test_risk_refused_and_bad_input(roster, users, care_counts):
    subject = roster["subjects"]["li"]
    before = care_counts()
    with pytest.raises(Forbidden):  # may see, may not plan
        actions.care_subject_set_risk(actor=users["grid_a1"], subject_id=subject.pk, risk="high")
    with pytest.raises(NotFound):
        actions.care_subject_set_risk(actor=users["worker_a2"], subject_id=subject.pk, risk="high")
    with pytest.raises(NotFound):
        actions.care_subject_set_risk(actor=users["town_b"], subject_id=subject.pk, risk="high")
    with pytest.raises(ActionError) as exc:
        actions.care_subject_set_risk(actor=users["head_a1"], subject_id=subject.pk, risk="extreme")
    assert exc.value.errors == {"risk": ["Choose a risk level from the list."]}
    with pytest.raises(NotFound):
        actions.care_subject_set_risk(actor=users["head_a1"], subject_id="abc", risk="high")
    assert care_counts() == before


# --- reading the roster --------------------------------------------------------------------------


def test_subject_list_is_scoped_and_filtered(roster, users, django_assert_num_queries):
    scoping.grants(users["town_a"])  # the actor's roles, read once per request
    with django_assert_num_queries(2):  # the count and the page
        page = queries.subject_list(actor=users["town_a"])
        rows = list(page.object_list)
    assert [s.resident.name for s in rows] == ["王五", "李四", "赵六"]  # by place, then name
    li = rows[1]
    assert (li.plan_status, li.plan_done, li.plan_required) == ("open", 0, 1)
    assert li.plan_worker_id == users["grid_a1"].pk
    assert rows[0].plan_worker_id is None  # 王五 lives in no grid
    names = lambda actor, **kw: [  # noqa: E731
        s.resident.name for s in queries.subject_list(actor=actor, **kw).object_list
    ]
    assert names(users["worker_a1"]) == ["王五", "李四"]
    assert names(users["worker_a2"]) == ["赵六"]
    assert names(users["town_b"]) == []
    assert names(users["grid_a1"]) == ["李四"]
    assert names(users["town_a"], kind="disability") == ["王五"]
    assert names(users["town_a"], q="李") == ["李四"]
    assert names(users["town_a"], q="ls") == ["李四"]
    assert names(users["town_a"], worker_id=users["grid_a1"].pk) == ["李四"]
    assert names(users["town_a"], area_code=tree_code("a2")) == ["赵六"]
    with pytest.raises(ActionError):
        queries.subject_list(actor=users["town_a"], kind="pets")
    with pytest.raises(ActionError):
        queries.subject_list(actor=users["town_a"], risk="extreme")


def tree_code(name: str) -> str:
    return {"a1": "220403001001", "a2": "220403001002"}[name]


def test_subject_get_is_not_found_outside_scope(roster, users):
    subject = roster["subjects"]["li"]
    found = queries.subject_get(actor=users["grid_a1"], subject_id=subject.pk)
    assert found.resident.name == "李四"
    assert "health_notes" in found.get_deferred_fields()
    for who in ("worker_a2", "town_b", "resident_a1", "dept"):
        with pytest.raises((NotFound, Forbidden)):
            queries.subject_get(actor=users[who], subject_id=subject.pk)
