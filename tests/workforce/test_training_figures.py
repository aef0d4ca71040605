"""The training coverage figure (培训覆盖率), the cycle rules and the list of who is due: exact
numbers, the figure and the list agreeing worker by worker, and a bounded number of queries."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linli.core.errors import Forbidden, NotFound
from linli.workforce import queries as q
from linli.workforce import rules
from linli.workforce.models import TrainingRule, Worker
from linli.workforce.queries.training import live_q
from linli.workforce.queries.training_due import DUE_SOON_DAYS
from tests.workforce.training_fixtures import (  # noqa: F401 (fixtures)
    AS_OF,
    make_course,
    make_rule,
    make_session,
    make_worker,
    mark,
    months_ago,
    trained_at,
    trainers_fixture,
)

HEADS = TrainingRule.AppliesTo.HEADS
OTHERS = TrainingRule.AppliesTo.OTHERS
SECRETARY = Worker.CommitteeRole.SECRETARY
MEMBER = Worker.CommitteeRole.MEMBER


# --- the date rule ------------------------------------------------------------------------------


@given(
    st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2090, 12, 31)),
    st.integers(min_value=1, max_value=120),
)
def test_window_start_is_the_first_day_that_keeps_a_worker_trained(as_of, months):
    start = rules.window_start(as_of, months)
    assert rules.due_date(start, months) >= as_of
    assert rules.due_date(start - dt.timedelta(days=1), months) < as_of


def test_due_dates_follow_calendar_months():
    assert rules.due_date(dt.date(2024, 6, 15), 12) == dt.date(2025, 6, 15)
    assert rules.due_date(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert rules.window_start(dt.date(2025, 6, 15), 12) == dt.date(2024, 6, 15)
    assert rules.window_start(dt.date(2024, 3, 31), 1) == dt.date(2024, 3, 1)


def test_cycles_come_from_the_nearest_rule_per_kind(tree):
    assert rules.cycles_for(tree["a1"].code)[HEADS].months == 12
    assert rules.cycles_for(tree["a1"].code)[OTHERS].months == 24
    province = tree["county"].parent.parent
    make_rule(province, OTHERS, 18)
    make_rule(tree["county"], HEADS, 6, "10")
    found = rules.cycles_for(tree["a1"].code)
    assert (found[HEADS].months, found[HEADS].area_code) == (6, tree["county"].code)
    assert found[HEADS].min_hours == Decimal("10")
    assert (found[OTHERS].months, found[OTHERS].area_code) == (18, province.code)
    book = rules.RuleBook.under(tree["town_a"].prefix)
    assert book.cycle(tree["a1"].code, HEADS) == found[HEADS]
    assert book.cycle(tree["a1"].code, OTHERS) == found[OTHERS]


# --- exact numbers ------------------------------------------------------------------------------


@pytest.fixture
def staff(tree):
    """a1: a secretary and a member both trained 13 months ago, a director never trained, a
    member who left, one hired after the day; a2: a member trained last month."""
    county = make_course(tree["county"])
    a1, a2 = tree["a1"], tree["a2"]
    people = {
        "secretary": make_worker(a1, "书记甲", role=SECRETARY),
        "member": make_worker(a1, "委员乙", role=MEMBER),
        "director": make_worker(a1, "主任丙", role=Worker.CommitteeRole.DIRECTOR),
        "left": make_worker(a1, "离职丁", left_on=months_ago(1)),
        "new": make_worker(a1, "新人戊", hired_on=AS_OF + dt.timedelta(days=1)),
        "a2_member": make_worker(a2, "网格员己", post=Worker.Post.GRID),
    }
    trained_at(county, people["secretary"], months_ago(13))
    trained_at(county, people["member"], months_ago(13))
    trained_at(county, people["left"], months_ago(2))
    trained_at(county, people["a2_member"], months_ago(1))
    return people


def test_secretary_overdue_after_a_year_member_fine_for_two(tree, staff):
    counts = q.trained_counts(prefix="220403", as_of=AS_OF)
    assert counts == {tree["a1"].code: (1, 3), tree["a2"].code: (1, 1)}
    assert q.trained_counts(prefix=tree["a1"].code, as_of=AS_OF) == {tree["a1"].code: (1, 3)}
    assert q.trained_counts(prefix="220403002", as_of=AS_OF) == {}


def test_a_county_rule_of_six_months_overrides(tree, staff):
    make_rule(tree["county"], OTHERS, 6)
    counts = q.trained_counts(prefix="220403", as_of=AS_OF)
    assert counts == {tree["a1"].code: (0, 3), tree["a2"].code: (1, 1)}
    # a rule of another county changes nothing here
    make_rule(_other_county(), OTHERS, 1)
    assert q.trained_counts(prefix="220403", as_of=AS_OF) == counts


def _other_county():
    from tests.conftest import make_area

    return make_area("220402", "龙山区")


def test_minimum_hours_in_the_cycle(tree, staff):
    make_rule(tree["county"], HEADS, 12, "10")
    course = make_course(tree["county"], hours="4")
    secretary = staff["secretary"]
    trained_at(course, secretary, months_ago(5), hours="4")
    trained_at(course, secretary, months_ago(3), hours="4")
    assert q.trained_counts(prefix="220403001", as_of=AS_OF)[tree["a1"].code] == (1, 3)
    status = _status_of(tree, secretary)
    assert status.status == "short" and status.hours == Decimal("8.0")
    assert status.due_on is None
    absent = make_session(course, months_ago(2), hours="4")
    mark(absent, secretary, hours="0", attended=False)  # an absence credits nothing
    assert q.trained_counts(prefix="220403001", as_of=AS_OF)[tree["a1"].code] == (1, 3)
    trained_at(course, secretary, months_ago(1), hours="2")
    assert q.trained_counts(prefix="220403001", as_of=AS_OF)[tree["a1"].code] == (2, 3)
    status = _status_of(tree, secretary)
    # 2 + 4 + 4 hours reach 10 with the training of 5 months ago: due a year after it
    assert status.status == "ok" and status.hours == Decimal("10.0")
    assert status.due_on == rules.due_date(months_ago(5), 12)


def _status_of(tree, worker, as_of=AS_OF):
    from linli.core.scoping import SYSTEM

    rows = q.training_status(actor=SYSTEM, area_code=tree["county"].code, as_of=as_of)[:100]
    return next(row for row in rows if row.worker.pk == worker.pk)


def test_status_list_says_who_is_due(tree, staff, trainers):
    listed = q.training_status(actor=trainers["county"], area_code="220403", as_of=AS_OF)
    rows = listed[:10]
    assert listed.count() == 4  # the one who left and the one not hired yet are not listed
    by_name = {row.worker.name: row for row in rows}
    assert [row.status for row in rows] == ["overdue", "never", "ok", "ok"]
    secretary = by_name["书记甲"]
    assert (secretary.kind, secretary.cycle.months, secretary.cycle.area_code) == (HEADS, 12, None)
    assert secretary.last_on == months_ago(13)
    assert secretary.due_on == rules.due_date(months_ago(13), 12)
    assert secretary.community_name == tree["a1"].name
    assert by_name["委员乙"].due_on == rules.due_date(months_ago(13), 24)
    assert by_name["主任丙"].last_on is None and by_name["主任丙"].due_on is None
    untrained = q.training_status(
        actor=trainers["county"], area_code="220403", as_of=AS_OF, filters={"status": "untrained"}
    )
    assert [row.worker.name for row in untrained[:10]] == ["书记甲", "主任丙"]
    # due soon: the member's two years end within 60 days of a later day
    later = rules.due_date(months_ago(13), 24) - dt.timedelta(days=30)
    soon = q.training_status(
        actor=trainers["county"], area_code="220403001", as_of=later, filters={"status": "due_soon"}
    )
    assert [row.worker.name for row in soon[:10]] == ["委员乙"]
    heads = q.training_status(
        actor=trainers["county"], area_code="220403", as_of=AS_OF, filters={"kind": HEADS}
    )
    assert {row.worker.name for row in heads[:10]} == {"书记甲", "主任丙"}


def test_due_date_is_the_last_trained_day(tree, staff):
    """On the due date a worker still counts as trained; the day after, not."""
    due = rules.due_date(months_ago(13), 12)
    secretary = staff["secretary"]
    assert _status_of(tree, secretary, due).status == "due_soon"
    assert q.trained_counts(prefix=tree["a1"].code, as_of=due)[tree["a1"].code][0] >= 1
    after = due + dt.timedelta(days=1)
    assert _status_of(tree, secretary, after).status == "overdue"


def test_coverage_table_per_child_area(tree, staff, trainers):
    table = q.training_coverage(actor=trainers["county"], area_code="220403", as_of=AS_OF)
    assert (table.total.trained, table.total.workers, table.total.percent) == (2, 4, 50.0)
    rows = {row.code: row for row in table.rows}
    assert set(rows) == {tree["town_a"].code, tree["town_b"].code}
    assert (rows[tree["town_a"].code].trained, rows[tree["town_a"].code].workers) == (2, 4)
    assert rows[tree["town_b"].code].workers == 0 and rows[tree["town_b"].code].rate is None
    town = q.training_coverage(actor=trainers["town_a"], area_code="220403001", as_of=AS_OF)
    assert [(r.code, r.trained, r.workers) for r in town.rows] == [
        (tree["a1"].code, 1, 3),
        (tree["a2"].code, 1, 1),
    ]
    community = q.training_coverage(actor=trainers["head_a1"], as_of=AS_OF)
    assert community.area == tree["a1"] and community.rows == []
    assert (community.total.trained, community.total.workers) == (1, 3)


def test_coverage_and_status_are_scoped(tree, staff, trainers):
    with pytest.raises(NotFound):
        q.training_coverage(actor=trainers["worker_a2"], area_code=tree["a1"].code)
    with pytest.raises(NotFound):
        q.training_coverage(actor=trainers["town_b"], area_code="220403001")
    with pytest.raises(NotFound):
        q.training_status(actor=trainers["other_county"], area_code="220403")
    with pytest.raises(Forbidden):
        q.training_coverage(actor=trainers["resident"])
    mine = q.training_status(actor=trainers["worker_a2"], as_of=AS_OF)
    assert [row.worker.name for row in mine[:10]] == ["网格员己"]
    with pytest.raises(NotFound):
        q.worker_training(actor=trainers["worker_a2"], worker_id=staff["secretary"].pk)


# --- the figure and the list agree --------------------------------------------------------------


def _reference(worker, attendances, as_of):
    """Trained on ``as_of`` by the rule written out in Python, one worker at a time."""
    cycle = rules.cycles_for(worker.area_code)[rules.applies_to(worker)]
    start = rules.window_start(as_of, cycle.months)
    counted = [a for a in attendances if a.attended and start <= a.trained_on <= as_of]
    return bool(counted) and sum(a.hours for a in counted) >= cycle.min_hours


def test_figure_equals_the_list_and_the_rule_written_out(tree, trainers):
    from linli.core.scoping import SYSTEM
    from linli.workforce.models import Attendance

    rng = random.Random(20251)
    communities = [tree["a1"], tree["a2"], tree["b1"]]
    make_rule(tree["county"], HEADS, 9, "6")
    make_rule(tree["county"].parent, OTHERS, 18, "0")
    course = make_course(tree["county"], hours="3")
    sessions = [
        make_session(course, AS_OF - dt.timedelta(days=rng.randint(0, 900)), hours="3")
        for _ in range(25)
    ]
    roles = [SECRETARY, MEMBER, Worker.CommitteeRole.BOTH, "", Worker.CommitteeRole.DIRECTOR]
    for number in range(40):
        hired = AS_OF - dt.timedelta(days=rng.randint(-30, 2000))
        left = hired + dt.timedelta(days=rng.randint(0, 2000)) if rng.random() < 0.2 else None
        worker = make_worker(
            rng.choice(communities),
            f"工作者{number}",
            role=rng.choice(roles),
            hired_on=hired,
            left_on=left,
        )
        for session in rng.sample(sessions, rng.randint(0, 4)):
            mark(session, worker, hours=rng.choice(["1", "2", "3"]), attended=rng.random() < 0.85)
    for as_of in (AS_OF, AS_OF - dt.timedelta(days=200), AS_OF + dt.timedelta(days=45)):
        counts = q.trained_counts(prefix="220403", as_of=as_of)
        listed = q.training_status(actor=SYSTEM, area_code="220403", as_of=as_of)
        rows = listed[:1000]
        expected: dict[str, list[int]] = {}
        for worker in Worker.objects.filter(live_q(as_of)):
            mine = list(Attendance.objects.filter(worker=worker))
            pair = expected.setdefault(worker.community_id, [0, 0])
            pair[0] += _reference(worker, mine, as_of)
            pair[1] += 1
        assert counts == {code: tuple(pair) for code, pair in expected.items()}
        assert q.trained_counts(prefix="22", as_of=as_of) == counts  # rules below the prefix
        assert q.trained_counts(prefix="", as_of=as_of) == counts
        from_list: dict[str, list[int]] = {}
        for row in rows:
            pair = from_list.setdefault(row.worker.community_id, [0, 0])
            pair[0] += row.trained
            pair[1] += 1
            if row.trained:
                assert row.due_on is not None and row.due_on >= as_of
                soon = row.due_on <= as_of + dt.timedelta(days=DUE_SOON_DAYS)
                assert row.status == ("due_soon" if soon else "ok")
        assert {code: tuple(pair) for code, pair in from_list.items()} == counts


# --- queries ------------------------------------------------------------------------------------


def test_trained_counts_is_two_queries_whatever_the_size(tree, staff, django_assert_num_queries):
    make_rule(tree["county"], HEADS, 6, "4")
    make_rule(tree["county"].parent, OTHERS, 30)
    with django_assert_num_queries(2):
        q.trained_counts(prefix="22", as_of=AS_OF)
    with django_assert_num_queries(2):
        q.trained_counts(prefix="", as_of=AS_OF)


def test_status_page_reads_a_fixed_number_of_queries(
    tree, staff, trainers, django_assert_num_queries
):
    make_rule(tree["county"], HEADS, 12, "4")
    for number in range(12):
        worker = make_worker(tree["a2"], f"新增{number}", role=SECRETARY)
        trained_at(make_course(tree["town_a"]), worker, months_ago(2))
    listed = q.training_status(actor=trainers["county"], area_code="220403", as_of=AS_OF)
    with django_assert_num_queries(4):  # count, page, hours of the page, community names
        assert listed.count() == 16
        assert len(listed[0:20]) == 16
