"""Reads of courses, sessions and the attendance sheet: who sees which course, counts of the
reader's own workers only, and a fixed number of queries for each list."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.workforce.models import Course, Worker
from linli.workforce.queries import training as q
from tests.workforce.training_fixtures import (  # noqa: F401 (fixtures)
    AS_OF,
    make_course,
    make_session,
    make_worker,
    mark,
    trainers_fixture,
)


@pytest.fixture
def courses(tree):
    county = make_course(tree["county"], title="全区轮训")
    town_a = make_course(tree["town_a"], title="仙城街道培训")
    town_b = make_course(tree["town_b"], title="东山街道培训")
    a1 = make_worker(tree["a1"], "张敏")
    a2 = make_worker(tree["a2"], "李强")
    b1 = make_worker(tree["b1"], "王芳")
    first = make_session(county, AS_OF - dt.timedelta(days=20))
    second = make_session(county, AS_OF - dt.timedelta(days=10), AS_OF - dt.timedelta(days=9))
    for worker in (a1, a2, b1):
        mark(first, worker)
    mark(second, a1)
    mark(make_session(town_b, AS_OF - dt.timedelta(days=5)), b1)
    return {
        "county": county,
        "town_a": town_a,
        "town_b": town_b,
        "first": first,
        "second": second,
        "a1": a1,
        "a2": a2,
        "b1": b1,
    }


def test_courses_seen_at_under_and_above(tree, trainers, courses):
    def titles(actor, **filters):
        return {c.title for c in q.course_list(actor=actor, filters=filters)}

    assert titles(trainers["county"]) == {"全区轮训", "仙城街道培训", "东山街道培训"}
    assert titles(trainers["town_a"]) == {"全区轮训", "仙城街道培训"}
    assert titles(trainers["head_a1"]) == {"全区轮训", "仙城街道培训"}
    assert titles(trainers["other_county"]) == set()
    assert titles(trainers["county"], area="220403002") == {"东山街道培训"}
    assert titles(trainers["county"], q="街道", mode="in_person") == {
        "仙城街道培训",
        "东山街道培训",
    }
    with pytest.raises(ActionError):
        q.course_list(actor=trainers["county"], filters={"mode": "radio"})
    with pytest.raises(Forbidden):
        q.course_list(actor=trainers["resident"])
    with pytest.raises(NotFound):
        q.course_get(actor=trainers["town_a"], course_id=courses["town_b"].pk)
    with pytest.raises(NotFound):
        q.session_get(actor=trainers["other_county"], session_id=courses["first"].pk)


def test_counts_are_of_the_readers_workers(tree, trainers, courses):
    by_title = {c.title: c for c in q.course_list(actor=trainers["county"])}
    county = by_title["全区轮训"]
    assert (county.session_count, county.attended) == (2, 4)
    assert county.first_on == courses["first"].starts_on
    assert county.last_on == courses["second"].ends_on
    mine = {c.title: c for c in q.course_list(actor=trainers["worker_a2"])}
    assert mine["全区轮训"].attended == 1  # only a2's own worker
    course = q.course_get(actor=trainers["town_a"], course_id=courses["county"].pk)
    assert [s.attended for s in course.sessions.all()] == [2, 1]
    session = q.session_get(actor=trainers["head_a1"], session_id=courses["first"].pk)
    assert session.attended == 1 and session.course.area == tree["county"]


def test_attendance_sheet_is_the_readers_workers_of_the_course_area(tree, trainers, courses):
    first = courses["first"]
    sheet = q.attendance_sheet(actor=trainers["county"], session=first)
    assert [(w.name, w.mark_attended) for w in sheet] == [
        ("张敏", True),
        ("李强", True),
        ("王芳", True),
    ]
    late = make_worker(tree["a1"], "新来的", hired_on=AS_OF)  # hired after the session
    gone = make_worker(
        tree["a1"], "走了的", hired_on=dt.date(2010, 1, 1), left_on=AS_OF - dt.timedelta(days=30)
    )
    names = [w.name for w in q.attendance_sheet(actor=trainers["town_a"], session=first)]
    assert names == ["张敏", "李强"] and late.name not in names and gone.name not in names
    only = q.attendance_sheet(actor=trainers["county"], session=first, community=tree["a2"].code)
    assert [w.name for w in only] == ["李强"]
    second = q.attendance_sheet(actor=trainers["worker_a2"], session=courses["second"])
    assert [(w.name, w.mark_attended) for w in second] == [("李强", None)]
    marks = q.attendance_list(actor=trainers["worker_a2"], session=first)
    assert [m.worker.name for m in marks] == ["李强"]
    communities = q.training_communities(actor=trainers["town_a"], prefix="220403")
    assert [c.code for c in communities] == [tree["a1"].code, tree["a2"].code]


def test_lists_read_a_fixed_number_of_queries(tree, trainers, courses, django_assert_num_queries):
    for number in range(15):
        course = make_course(tree["county"], title=f"专题{number}")
        session = make_session(course, AS_OF - dt.timedelta(days=number))
        mark(session, make_worker(tree["a1"], f"工作者{number}", role=Worker.CommitteeRole.MEMBER))
    actor = trainers["county"]
    q.course_list(actor=actor).count()  # the grants are read once per request
    with django_assert_num_queries(2):
        qs = q.course_list(actor=actor)
        assert qs.count() == 18 and len([c.area.name for c in qs[:20]]) == 18
    with django_assert_num_queries(2):
        course = q.course_get(actor=actor, course_id=courses["county"].pk)
        assert len(list(course.sessions.all())) == 2
    with django_assert_num_queries(2):
        sheet = q.attendance_sheet(actor=actor, session=courses["first"])
        assert sheet.count() == 18 and len(list(sheet[:50])) == 18


def test_rules_view(tree, trainers):
    from tests.workforce.training_fixtures import make_rule

    make_rule(tree["county"], "heads", 6, "4")
    found = q.training_rules(actor=trainers["head_a1"])
    assert found.area == tree["a1"] and not found.can_manage
    assert found.cycles["heads"].months == 6 and found.cycles["others"].months == 24
    assert found.sources[tree["county"].code] == tree["county"].name
    county = q.training_rules(actor=trainers["county"], area_code="220403")
    assert county.can_manage and [r.cycle_months for r in county.rules] == [6]
    assert not q.training_rules(actor=trainers["town_a"]).can_manage  # a town sets no rule
    assert Course.objects.count() == 0
