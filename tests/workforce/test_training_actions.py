"""Writes of training: rules, courses, sessions and attendance — the happy path, the refused
actor and bad input with nothing half-written, for each action."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.workforce.actions import training as actions
from linli.workforce.models import Attendance, Course, Session, TrainingRule, Worker
from tests.workforce.training_fixtures import (  # noqa: F401 (fixtures)
    make_course,
    make_session,
    make_worker,
    mark,
    trainers_fixture,
)

HEADS = TrainingRule.AppliesTo.HEADS


def today() -> dt.date:
    return timezone.localdate()


def _events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- rules --------------------------------------------------------------------------------------


def test_rule_save_replaces_the_areas_rule(tree, trainers):
    rule = actions.training_rule_save(
        actor=trainers["county"],
        area_code="220403",
        applies_to=HEADS,
        cycle_months=6,
        min_hours="12.5",
    )
    assert (rule.area_code, rule.cycle_months, rule.min_hours) == (
        tree["county"].code,
        6,
        Decimal("12.5"),
    )
    again = actions.training_rule_save(
        actor=trainers["county"],
        area_code=tree["county"].code,
        applies_to=HEADS,
        cycle_months=9,
    )
    assert again.pk == rule.pk and again.cycle_months == 9 and again.min_hours == 0
    assert TrainingRule.objects.count() == 1
    assert (_events("training.rule_create"), _events("training.rule_update")) == (1, 1)
    event = AuditEvent.objects.get(action="training.rule_update")
    assert event.area_code == tree["county"].code and event.extra["months"] == 9


def test_rule_save_refused_and_bad_input(tree, trainers):
    with pytest.raises(Forbidden):  # a town officer holds no county
        actions.training_rule_save(
            actor=trainers["town_a"], area_code="220403", applies_to=HEADS, cycle_months=6
        )
    with pytest.raises(Forbidden):
        actions.training_rule_save(
            actor=trainers["other_county"], area_code="220403", applies_to=HEADS, cycle_months=6
        )
    with pytest.raises(ActionError) as caught:  # rules are set for a county or above
        actions.training_rule_save(
            actor=trainers["county"], area_code="220403001", applies_to=HEADS, cycle_months=6
        )
    assert "area_code" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        actions.training_rule_save(
            actor=trainers["county"],
            area_code="220403",
            applies_to="everyone",
            cycle_months=121,
            min_hours="2.25",
        )
    assert set(caught.value.errors) == {"applies_to", "cycle_months", "min_hours"}
    assert not TrainingRule.objects.exists() and not _events("training.rule_create")


def test_rule_remove(tree, trainers):
    rule = actions.training_rule_save(
        actor=trainers["county"], area_code="220403", applies_to=HEADS, cycle_months=6
    )
    with pytest.raises(NotFound):
        actions.training_rule_remove(actor=trainers["other_county"], rule_id=rule.pk)
    with pytest.raises(Forbidden):  # reads it, may not change it
        actions.training_rule_remove(actor=trainers["town_a"], rule_id=rule.pk)
    actions.training_rule_remove(actor=trainers["county"], rule_id=rule.pk)
    assert not TrainingRule.objects.exists() and _events("training.rule_remove") == 1


# --- courses and sessions -----------------------------------------------------------------------


def _course(actor, area_code="220403", **changes):
    values = {
        "title": "  社区工作者 素质提升班 ",
        "organiser": "区民政局",
        "mode": Course.Mode.MIXED,
        "hours": "16",
        "area_code": area_code,
        "description": "政策法规、群众工作方法",
    }
    values.update(changes)
    return actions.course_save(actor=actor, **values)


def test_course_save_and_change(tree, trainers):
    course = _course(trainers["county"])
    assert course.title == "社区工作者 素质提升班" and course.area_code == tree["county"].code
    assert course.hours == Decimal("16.0") and course.created_by == trainers["county"]
    town = _course(trainers["town_a"], "220403001", title="街道轮训")
    assert town.area_code == tree["town_a"].code
    changed = _course(trainers["county"], course_id=course.pk, hours="12", mode="online")
    assert (changed.pk, changed.hours, changed.mode) == (course.pk, Decimal("12.0"), "online")
    assert _events("training.course_create") == 2 and _events("training.course_update") == 1
    make_session(course, today())
    with pytest.raises(Conflict):  # a course with sessions stays in its area
        _course(trainers["county"], "220403001", course_id=course.pk)


def test_course_save_refused_and_bad_input(tree, trainers):
    with pytest.raises(Forbidden):
        _course(trainers["town_a"], "220403")  # the county is above the town officer
    with pytest.raises(Forbidden):
        _course(trainers["head_a1"], "220403001")
    with pytest.raises(ActionError) as caught:  # a course is for a town or above
        _course(trainers["county"], tree["a1"].code)
    assert "area_code" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        _course(trainers["county"], title=" ", hours="2.55", mode="radio", organiser="x" * 101)
    assert set(caught.value.errors) == {"title", "hours", "mode", "organiser"}
    with pytest.raises(ActionError) as caught:
        _course(trainers["county"], hours="0")
    assert "hours" in caught.value.errors
    assert not Course.objects.exists() and not _events("training.course_create")
    course = _course(trainers["county"])
    with pytest.raises(NotFound):
        _course(trainers["other_county"], "220402", course_id=course.pk)
    with pytest.raises(Forbidden):  # sees the county's course, may not change it
        _course(trainers["town_b"], "220403002", course_id=course.pk)


def test_course_remove_only_without_sessions(tree, trainers):
    course = _course(trainers["county"])
    session = make_session(course, today())
    with pytest.raises(Conflict):
        actions.course_remove(actor=trainers["county"], course_id=course.pk)
    session.delete()
    actions.course_remove(actor=trainers["county"], course_id=course.pk)
    assert not Course.objects.exists() and _events("training.course_remove") == 1


def test_session_save_defaults_and_moving_dates(tree, trainers):
    course = _course(trainers["county"])
    start = today() - dt.timedelta(days=10)
    session = actions.session_save(actor=trainers["county"], course_id=course.pk, starts_on=start)
    assert (session.ends_on, session.hours, session.area_code) == (
        start,
        Decimal("16.0"),
        course.area_code,
    )
    worker = make_worker(tree["a1"], "张敏")
    mark(session, worker)
    end = start + dt.timedelta(days=2)
    actions.session_save(
        actor=trainers["county"],
        session_id=session.pk,
        starts_on=start,
        ends_on=end,
        place="区委党校",
        hours="8",
    )
    row = Attendance.objects.get()
    assert row.trained_on == end  # the training date follows the session
    assert _events("training.session_create") == 1 and _events("training.session_update") == 1
    with pytest.raises(ActionError) as caught:  # attendance cannot move into the future
        actions.session_save(
            actor=trainers["county"], session_id=session.pk, starts_on=today() + dt.timedelta(3)
        )
    assert "starts_on" in caught.value.errors


def test_session_save_refused_and_bad_input(tree, trainers):
    course = _course(trainers["county"])
    with pytest.raises(Forbidden):
        actions.session_save(actor=trainers["head_a1"], course_id=course.pk, starts_on=today())
    with pytest.raises(NotFound):
        actions.session_save(actor=trainers["other_county"], course_id=course.pk, starts_on=today())
    with pytest.raises(ActionError) as caught:
        actions.session_save(
            actor=trainers["county"],
            course_id=course.pk,
            starts_on=today(),
            ends_on=today() - dt.timedelta(days=1),
            hours="-1",
            place="x" * 201,
        )
    assert set(caught.value.errors) == {"ends_on", "hours", "place"}
    with pytest.raises(ActionError) as caught:
        actions.session_save(actor=trainers["county"], course_id=course.pk, starts_on="2026-13-01")
    assert "starts_on" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        actions.session_save(
            actor=trainers["county"],
            course_id=course.pk,
            starts_on="1999-12-31",
            ends_on="2001-01-01",
        )
    assert set(caught.value.errors) == {"starts_on", "ends_on"}
    assert not Session.objects.exists()


def test_session_remove(tree, trainers):
    course = _course(trainers["county"])
    session = make_session(course, today())
    mark(session, make_worker(tree["a1"], "张敏"))
    with pytest.raises(Conflict):
        actions.session_remove(actor=trainers["county"], session_id=session.pk)
    Attendance.objects.all().delete()
    with pytest.raises(Forbidden):
        actions.session_remove(actor=trainers["town_a"], session_id=session.pk)
    actions.session_remove(actor=trainers["county"], session_id=session.pk)
    assert not Session.objects.exists()


# --- attendance ---------------------------------------------------------------------------------


@pytest.fixture
def sitting(tree, trainers):
    course = _course(trainers["county"])
    start = today() - dt.timedelta(days=3)
    session = make_session(course, start, start + dt.timedelta(days=1), hours="8")
    people = {
        "a1": make_worker(tree["a1"], "张敏", role=Worker.CommitteeRole.SECRETARY),
        "a2": make_worker(tree["a2"], "李强"),
        "b1": make_worker(tree["b1"], "王芳"),
        "left": make_worker(
            tree["a1"],
            "赵静",
            left_on=start - dt.timedelta(days=1),
            hired_on=start - dt.timedelta(days=400),
        ),
    }
    return session, people


def test_attendance_record_is_bulk_and_idempotent(tree, trainers, sitting):
    session, people = sitting
    ids = [people["a1"].pk, people["a2"].pk]
    assert (
        actions.attendance_record(actor=trainers["town_a"], session_id=session.pk, worker_ids=ids)
        == 2
    )
    rows = {row.worker_id: row for row in Attendance.objects.all()}
    assert set(rows) == set(ids)
    first = rows[people["a1"].pk]
    assert (first.trained_on, first.hours, first.attended, first.area_code) == (
        session.ends_on,
        Decimal("8.0"),
        True,
        tree["a1"].code,
    )
    assert first.recorded_by == trainers["town_a"]
    # again, the same: nothing changes
    assert (
        actions.attendance_record(
            actor=trainers["town_a"], session_id=session.pk, worker_ids=[str(i) for i in ids]
        )
        == 0
    )
    # again, with hours: updated in place
    assert (
        actions.attendance_record(
            actor=trainers["county"], session_id=session.pk, worker_ids=ids[:1], hours="6.5"
        )
        == 1
    )
    assert Attendance.objects.count() == 2
    assert Attendance.objects.get(worker=people["a1"]).hours == Decimal("6.5")
    # absent: no hours credited
    actions.attendance_record(
        actor=trainers["county"], session_id=session.pk, worker_ids=ids[1:], attended=False
    )
    absent = Attendance.objects.get(worker=people["a2"])
    assert (absent.attended, absent.hours) == (False, Decimal("0"))
    event = AuditEvent.objects.filter(action="training.attendance_record").first()
    assert event.target_id == str(session.pk) and event.extra["updated"] == 1


def test_attendance_record_all_or_nothing(tree, trainers, sitting):
    session, people = sitting
    with pytest.raises(ActionError) as caught:  # b1 is not town A's; one who left before
        actions.attendance_record(
            actor=trainers["town_a"],
            session_id=session.pk,
            worker_ids=[people["a1"].pk, people["b1"].pk, people["left"].pk, 2**62],
        )
    messages = caught.value.errors["worker_ids"]
    assert len(messages) == 3
    assert any("赵静" in m for m in messages) and any(str(2**62) in m for m in messages)
    assert not Attendance.objects.exists()
    with pytest.raises(ActionError) as caught:
        actions.attendance_record(
            actor=trainers["county"],
            session_id=session.pk,
            worker_ids=[people["a1"].pk],
            hours="9",
        )
    assert "hours" in caught.value.errors  # more than the session's hours
    with pytest.raises(ActionError):
        actions.attendance_record(actor=trainers["county"], session_id=session.pk, worker_ids=[])
    with pytest.raises(ActionError):
        actions.attendance_record(actor=trainers["county"], session_id=session.pk, worker_ids=["x"])
    with pytest.raises(NotFound):
        actions.attendance_record(
            actor=trainers["other_county"], session_id=session.pk, worker_ids=[people["a1"].pk]
        )
    town_course = make_course(tree["town_a"])
    town_session = make_session(town_course, today() - dt.timedelta(days=1))
    with pytest.raises(ActionError) as caught:  # outside the area the course is for
        actions.attendance_record(
            actor=trainers["county"], session_id=town_session.pk, worker_ids=[people["b1"].pk]
        )
    assert "王芳" in caught.value.errors["worker_ids"][0]
    later = make_session(town_course, today() + dt.timedelta(days=5))
    with pytest.raises(ActionError) as caught:
        actions.attendance_record(
            actor=trainers["county"], session_id=later.pk, worker_ids=[people["a1"].pk]
        )
    assert "session" in caught.value.errors
    assert not Attendance.objects.exists() and not _events("training.attendance_record")


def test_attendance_sheet_marks_present_and_absent(tree, trainers, sitting):
    session, people = sitting
    shown = [people["a1"].pk, people["a2"].pk]
    assert (
        actions.attendance_sheet_save(
            actor=trainers["town_a"], session_id=session.pk, worker_ids=shown, present_ids=shown
        )
        == 2
    )
    actions.attendance_sheet_save(
        actor=trainers["town_a"],
        session_id=session.pk,
        worker_ids=shown,
        present_ids=shown[:1],
        hours="4",
    )
    marks = {row.worker_id: (row.attended, row.hours) for row in Attendance.objects.all()}
    assert marks == {shown[0]: (True, Decimal("4.0")), shown[1]: (False, Decimal("0"))}
    with pytest.raises(ActionError):  # ticked but not on the sheet
        actions.attendance_sheet_save(
            actor=trainers["town_a"],
            session_id=session.pk,
            worker_ids=shown[:1],
            present_ids=shown,
        )


def test_attendance_remove(tree, trainers, sitting):
    session, people = sitting
    mark(session, people["a1"])
    mark(session, people["b1"])
    with pytest.raises(NotFound):  # town A's officer does not see b1's mark
        actions.attendance_remove(
            actor=trainers["town_a"], session_id=session.pk, worker_id=people["b1"].pk
        )
    with pytest.raises(Forbidden):  # a community head reads it, may not remove it
        actions.attendance_remove(
            actor=trainers["head_a1"], session_id=session.pk, worker_id=people["a1"].pk
        )
    actions.attendance_remove(
        actor=trainers["town_a"], session_id=session.pk, worker_id=people["a1"].pk
    )
    assert list(Attendance.objects.values_list("worker_id", flat=True)) == [people["b1"].pk]
    assert _events("training.attendance_remove") == 1
