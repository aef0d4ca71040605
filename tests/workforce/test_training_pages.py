"""The training pages: coverage, who is due, courses, sessions with the attendance sheet (as a
plain form, without JavaScript), a worker's record and the cycle rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from linli.workforce.models import Attendance, Course, Session, TrainingRule, Worker
from tests.workforce.training_fixtures import (  # noqa: F401 (fixtures)
    make_course,
    make_rule,
    make_session,
    make_worker,
    mark,
    trainers_fixture,
)

SECRETARY = Worker.CommitteeRole.SECRETARY


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def world(tree):
    """A county course with a session three days ago: a1's secretary present, a1's member not
    marked, a2's member present; b1 has one worker never trained."""
    course = make_course(tree["county"], title="社区治理能力提升班")
    start = today() - dt.timedelta(days=3)
    session = make_session(course, start, hours="6")
    people = {
        "secretary": make_worker(tree["a1"], "张书记", role=SECRETARY),
        "member": make_worker(tree["a1"], "李委员", role=Worker.CommitteeRole.MEMBER),
        "a2": make_worker(tree["a2"], "王网格", post=Worker.Post.GRID),
        "b1": make_worker(tree["b1"], "赵新人"),
    }
    mark(session, people["secretary"])
    mark(session, people["a2"])
    return {"course": course, "session": session, **people}


def test_coverage_page_with_table_and_chart_data(login, tree, trainers, world):
    client = login(trainers["county"])
    response = client.get(reverse("workforce:training"), {"area": "220403"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="coverage-percent">50.0%' in body  # 2 of 4
    assert 'id="training-coverage-data"' in body and "workforce/training.js" in body
    assert "echarts.min.js" in body and "<script>" not in body  # no inline script
    assert f'data-row="{tree["town_a"].code}"' in body and tree["town_b"].name in body
    town = client.get(reverse("workforce:training"), {"area": tree["town_a"].code})
    assert town.status_code == 200 and tree["a1"].name in town.content.decode()
    assert 'data-testid="coverage-up"' in town.content.decode()
    bad = client.get(reverse("workforce:training"), {"as_of": "2025-02-30"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.content.decode()


def test_coverage_page_refusals(login, tree, trainers, world):
    assert login(trainers["resident"]).get(reverse("workforce:training")).status_code == 403
    neighbour = login(trainers["worker_a2"])
    assert (
        neighbour.get(reverse("workforce:training"), {"area": tree["a1"].code}).status_code == 404
    )
    mine = neighbour.get(reverse("workforce:training"))
    assert mine.status_code == 200 and tree["a2"].name in mine.content.decode()


def test_officer_home_shows_coverage(login, trainers, world):
    client = login(trainers["county"])
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    home = response.content.decode()
    assert 'data-testid="home-training-lazy"' in home  # filled after the page, by htmx
    assert reverse("workforce:training_home") in home
    block = client.get(reverse("workforce:training_home"), HTTP_HX_REQUEST="true")
    assert 'data-testid="home-training-percent">50.0%' in block.content.decode()
    assert login(trainers["resident"]).get(reverse("workforce:training_home")).status_code == 403


def test_due_list_filters(login, tree, trainers, world):
    client = login(trainers["county"])
    url = reverse("workforce:training_due")
    response = client.get(url, {"area": "220403", "status": "untrained"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "李委员" in body and "赵新人" in body and "张书记" not in body
    assert 'data-testid="due-count"' in body
    one = client.get(url, {"area": "220403", "community": tree["b1"].code})
    assert "赵新人" in one.content.decode() and "李委员" not in one.content.decode()
    assert client.get(url, {"status": "sleeping"}).status_code == 400
    assert client.get(url, {"area": "220403", "community": "220402001001"}).status_code == 400
    neighbour = login(trainers["worker_a2"]).get(url)
    assert "王网格" in neighbour.content.decode() and "张书记" not in neighbour.content.decode()


def test_worker_training_page(login, trainers, world):
    client = login(trainers["head_a1"])
    response = client.get(reverse("workforce:training_worker", args=[world["secretary"].pk]))
    body = response.content.decode()
    assert response.status_code == 200 and "社区治理能力提升班" in body
    assert 'data-testid="worker-status"' in body
    assert (
        client.get(reverse("workforce:training_worker", args=[world["a2"].pk])).status_code == 404
    )


def test_course_pages_add_and_change(login, tree, trainers, world):
    client = login(trainers["town_a"])
    listed = client.get(reverse("workforce:courses"))
    assert listed.status_code == 200 and "社区治理能力提升班" in listed.content.decode()
    form = client.get(reverse("workforce:course_new"))
    assert form.status_code == 200 and tree["town_a"].name in form.content.decode()
    bad = client.post(
        reverse("workforce:course_new"),
        {
            "title": "",
            "organiser": "街道",
            "area_code": tree["town_a"].code,
            "mode": "online",
            "hours": "2.55",
        },
    )
    assert bad.status_code == 400 and not Course.objects.filter(organiser="街道").exists()
    done = client.post(
        reverse("workforce:course_new"),
        {
            "title": "网格员业务培训",
            "organiser": "街道",
            "area_code": tree["town_a"].code,
            "mode": "online",
            "hours": "4",
        },
    )
    course = Course.objects.get(title="网格员业务培训")
    assert done.status_code == 302 and done["Location"] == reverse(
        "workforce:course", args=[course.pk]
    )
    page = client.get(reverse("workforce:course", args=[course.pk]))
    assert 'data-testid="session-add"' in page.content.decode()
    changed = client.post(
        reverse("workforce:course_edit", args=[course.pk]),
        {
            "title": "网格员业务培训（二期）",
            "organiser": "街道",
            "area_code": tree["town_a"].code,
            "mode": "in_person",
            "hours": "6",
        },
    )
    assert changed.status_code == 302
    course.refresh_from_db()
    assert course.hours == Decimal("6.0") and course.mode == "in_person"
    # the county's course is read, not changed, by the town
    county = client.get(reverse("workforce:course", args=[world["course"].pk]))
    assert county.status_code == 200 and 'data-testid="session-add"' not in county.content.decode()
    assert (
        client.get(reverse("workforce:course_edit", args=[world["course"].pk])).status_code == 403
    )
    assert login(trainers["head_a1"]).get(reverse("workforce:course_new")).status_code == 403
    client = login(trainers["town_a"])
    removed = client.post(reverse("workforce:course_remove", args=[course.pk]))
    assert removed.status_code == 302 and not Course.objects.filter(pk=course.pk).exists()


def test_session_pages_and_attendance_sheet(login, tree, trainers, world):
    client = login(trainers["town_a"])
    course = make_course(tree["town_a"], title="街道轮训", hours="3")
    start = today() - dt.timedelta(days=1)
    response = client.post(
        reverse("workforce:session_new", args=[course.pk]), {"starts_on": start.isoformat()}
    )
    session = Session.objects.get(course=course)
    assert response["Location"] == reverse("workforce:session", args=[session.pk])
    assert (session.ends_on, session.hours) == (start, Decimal("3.0"))
    url = reverse("workforce:session", args=[session.pk])
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="sheet-form"' in body and "张书记" in body and "王网格" in body
    assert "赵新人" not in body  # town B's worker is not in town A's course area
    only_a2 = client.get(url, {"community": tree["a2"].code}).content.decode()
    assert "王网格" in only_a2 and "张书记" not in only_a2
    shown = [world["secretary"].pk, world["member"].pk, world["a2"].pk]
    saved = client.post(
        f"{url}?community=",
        {"shown": shown, "present": shown[:2], "hours": "", "back": url},
    )
    assert saved.status_code == 302 and saved["Location"] == url
    marks = dict(Attendance.objects.filter(session=session).values_list("worker_id", "attended"))
    assert marks == {shown[0]: True, shown[1]: True}
    client.post(url, {"shown": shown, "present": shown[1:], "back": url})
    marks = dict(Attendance.objects.filter(session=session).values_list("worker_id", "attended"))
    assert marks == {shown[0]: False, shown[1]: True, shown[2]: True}
    bad = client.post(url, {"shown": shown, "present": shown, "hours": "99", "back": url})
    assert bad.status_code == 400 and "hours" in bad.content.decode().lower()
    removed = client.post(
        reverse("workforce:attendance_remove", args=[session.pk, shown[0]]), {"back": url}
    )
    assert removed.status_code == 302
    assert not Attendance.objects.filter(session=session, worker_id=shown[0]).exists()
    edit = client.post(
        reverse("workforce:session_edit", args=[session.pk]),
        {"starts_on": start.isoformat(), "ends_on": today().isoformat(), "place": "街道会议室"},
    )
    assert edit.status_code == 302
    assert set(Attendance.objects.filter(session=session).values_list("trained_on", flat=True)) == {
        today()
    }
    # readers see the sheet without the form; others of the county see nothing of town A
    head = login(trainers["head_a1"]).get(url).content.decode()
    assert "张书记" in head and 'data-testid="sheet-save"' not in head
    assert login(trainers["town_b"]).get(url).status_code == 404


def test_session_in_the_future_has_no_sheet_yet(login, tree, trainers, world):
    course = make_course(tree["county"])
    later = make_session(course, today() + dt.timedelta(days=7))
    body = (
        login(trainers["county"])
        .get(reverse("workforce:session", args=[later.pk]))
        .content.decode()
    )
    assert 'data-testid="sheet-not-started"' in body and 'name="present"' not in body


def test_rules_page(login, tree, trainers, world):
    client = login(trainers["county"])
    url = reverse("workforce:training_rules")
    page = client.get(url, {"area": "220403"})
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="rule-form"' in body
    assert 'data-testid="cycle-heads"' in body
    saved = client.post(
        url,
        {"area": tree["county"].code, "applies_to": "others", "cycle_months": "6", "min_hours": ""},
    )
    assert saved.status_code == 302
    rule = TrainingRule.objects.get()
    assert (rule.applies_to, rule.cycle_months, rule.min_hours) == ("others", 6, 0)
    bad = client.post(
        url, {"area": tree["county"].code, "applies_to": "heads", "cycle_months": "0"}
    )
    assert bad.status_code == 400
    town = login(trainers["town_a"]).get(url)
    assert town.status_code == 200 and 'data-testid="rule-form"' not in town.content.decode()
    assert (
        login(trainers["town_a"])
        .post(url, {"area": tree["town_a"].code, "applies_to": "heads", "cycle_months": "3"})
        .status_code
        == 403
    )
    client = login(trainers["county"])
    removed = client.post(reverse("workforce:training_rule_remove", args=[rule.pk]))
    assert removed.status_code == 302 and not TrainingRule.objects.exists()


def test_rule_page_names_where_the_rule_comes_from(login, tree, trainers):
    make_rule(tree["county"], "heads", 6)
    body = login(trainers["head_a1"]).get(reverse("workforce:training_rules")).content.decode()
    assert tree["county"].name in body and "6" in body
