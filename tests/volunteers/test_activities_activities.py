"""Activities and shifts: create with shifts, change while a draft, publish (the team is told),
cancel (every volunteer is told), finish (waiting lists closed, no-shows marked); shifts added,
changed (overflow to the waiting list, more spots confirm the waiting) and removed (refused
with sign-ups); the span follows the shifts."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.volunteers.actions import activities as actions
from linli.volunteers.models import Activity, Shift, Signup

from .fixtures_activities import *  # noqa: F403 (the fixtures)
from .fixtures_activities import (
    add_member,
    make_activity,
    one_shift,
    person,
    shift_of,
    sign_up,
    soon,
)

pytestmark = pytest.mark.django_db


def _create(actor, area, **more):
    data = {
        "title": "助老理发",
        "description": "为行动不便的老人上门理发。",
        "leader_name": "张师傅",
        "place": "3号楼活动室",
        "shifts": one_shift(),
    }
    data.update(more)
    return actions.activity_create(actor=actor, area_code=area.code, **data)


def test_a_worker_creates_a_draft_with_its_shifts(users, tree, team_a1, org_a1, hall_a1):
    first, second = soon(30), soon(54)
    activity = _create(
        users["worker_a1"],
        tree["a1"],
        team_id=team_a1.pk,
        venue_id=hall_a1.pk,
        place="",
        skills=["elderly_care", "repair"],
        target_group="elderly_alone",
        shifts=[
            {"starts_at": second, "ends_at": second + dt.timedelta(hours=3), "spots": 4},
            {"starts_at": first.isoformat(), "ends_at": first + dt.timedelta(hours=2), "spots": 2},
        ],
    )
    assert activity.status == "draft" and activity.organiser == users["worker_a1"]
    assert activity.place == "社区活动室"  # the venue's name
    assert activity.organisation == org_a1  # the team's organisation
    assert activity.starts_at == first and activity.ends_at == second + dt.timedelta(hours=3)
    assert Shift.objects.filter(activity=activity).count() == 2
    assert set(Shift.objects.values_list("area_code", flat=True)) == {tree["a1"].code}
    event = AuditEvent.objects.get(action="activity.create")
    assert event.extra == {"shifts": 2, "team": team_a1.pk, "project": None, "venue": hall_a1.pk}


def test_bad_input_names_every_problem_and_writes_nothing(users, tree, team_a1, counts):
    before = counts()
    with pytest.raises(ActionError) as refused:
        _create(
            users["worker_a1"],
            tree["a1"],
            title="",
            place="",
            leader_name="",
            target_group="martians",
            team_id=999999,
            shifts=[
                {"starts_at": soon(-1), "ends_at": soon(1), "spots": 0},
                {"starts_at": soon(10), "ends_at": soon(9), "spots": 3},
                {"starts_at": soon(10), "ends_at": soon(40), "spots": 3},
                {"starts_at": "tomorrow", "ends_at": soon(9), "spots": "many"},
            ],
        )
    errors = refused.value.errors
    assert errors["title"] == ["Please fill this in."]
    assert errors["leader_name"] == ["Please fill this in."]
    assert errors["target_group"] == ["Choose one of the options."]
    assert errors["team_id"] == ["Choose an active team of this community."]
    assert errors["place"] == ["Give the place, or choose a venue."]
    assert errors["shifts.0.starts_at"] == ["A shift starts in the future."]
    assert errors["shifts.0.spots"] == ["Give a number from 1 to 500."]
    assert errors["shifts.1.ends_at"] == ["The end must come after the start."]
    assert errors["shifts.2.ends_at"] == ["A shift lasts at most 24 hours."]
    assert errors["shifts.3.starts_at"] == ["Give a time as 2026-05-04T09:00."]
    assert errors["shifts.3.spots"] == ["Give a whole number."]
    assert counts() == before


def test_an_activity_needs_a_shift_and_a_community(users, tree, counts):
    before = counts()
    with pytest.raises(ActionError) as refused:
        _create(users["town_a"], tree["town_a"], shifts=[])
    assert refused.value.errors["area_code"] == ["Choose a community or village."]
    assert refused.value.errors["shifts"] == ["Add at least one shift."]
    assert counts() == before


def test_neighbours_and_residents_cannot_create_here(users, tree, counts):
    before = counts()
    for actor in (users["worker_a2"], users["town_b"], users["resident_a1"], users["grid_a1"]):
        with pytest.raises(Forbidden):
            _create(actor, tree["a1"])
    assert counts() == before


def test_venues_teams_and_projects_of_another_community_are_refused(users, tree, counts):
    from linli.volunteers.models import Project, Team

    other_team = Team.objects.create(area=tree["a2"], area_code=tree["a2"].code, name="新兴服务队")
    other_project = Project.objects.create(
        area=tree["a2"], area_code=tree["a2"].code, name="新兴助老", summary="…"
    )
    before = counts()
    with pytest.raises(ActionError) as refused:
        _create(users["town_a"], tree["a1"], team_id=other_team.pk, project_id=other_project.pk)
    assert set(refused.value.errors) == {"team_id", "project_id"}
    assert counts() == before


def test_a_draft_is_changed_a_published_one_is_not(users, tree, a1_activity, counts):
    draft = make_activity(users["worker_a1"], tree["a1"], publish=False)
    changed = actions.activity_update(
        actor=users["head_a1"], activity_id=draft.pk, title="陪伴独居老人（周末）", public=False
    )
    assert changed.title == "陪伴独居老人（周末）" and changed.public is False
    assert changed.description == draft.description  # not given: kept
    before = counts()
    with pytest.raises(Conflict):
        actions.activity_update(actor=users["head_a1"], activity_id=a1_activity.pk, title="新")
    with pytest.raises(NotFound):
        actions.activity_update(actor=users["worker_a2"], activity_id=draft.pk, title="新")
    with pytest.raises(ActionError) as refused:
        actions.activity_update(actor=users["head_a1"], activity_id=draft.pk, title=" ")
    assert refused.value.errors == {"title": ["Please fill this in."]}
    assert counts() == before


def test_publishing_tells_the_team_and_needs_a_shift_to_come(users, tree, team_a1, clock, counts):
    member = person(tree["a1"], name="刘洋")
    add_member(team_a1, member)
    draft = make_activity(users["worker_a1"], tree["a1"], publish=False, team_id=team_a1.pk)
    actions.activity_publish(actor=users["worker_a1"], activity_id=draft.pk)
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    told = Notification.objects.filter(kind="volunteer.activity.new")
    assert {n.user_id for n in told} == {member.user_id, users["resident_a1"].pk}

    late = make_activity(users["worker_a1"], tree["a1"], publish=False, shifts=one_shift(3))
    clock(soon(6))
    before = counts()
    with pytest.raises(Conflict) as refused:
        actions.activity_publish(actor=users["worker_a1"], activity_id=late.pk)
    assert refused.value.code == "no_shift"
    with pytest.raises(Conflict):
        actions.activity_publish(actor=users["worker_a1"], activity_id=draft.pk)
    assert counts() == before


def test_the_team_leader_cannot_publish_or_cancel(users, tree, team_a1, counts):
    draft = make_activity(users["worker_a1"], tree["a1"], publish=False, team_id=team_a1.pk)
    before = counts()
    with pytest.raises(Forbidden):
        actions.activity_publish(actor=users["resident_a1"], activity_id=draft.pk)
    with pytest.raises(Forbidden):
        actions.activity_cancel(actor=users["resident_a1"], activity_id=draft.pk, reason="雨")
    assert counts() == before


def test_cancelling_tells_everyone_signed_up(users, tree, a1_activity):
    shift = shift_of(a1_activity)
    people = [person(tree["a1"]) for _ in range(4)]  # 3 confirmed, 1 waiting
    for p in people:
        sign_up(p.user, shift)
    actions.activity_cancel(actor=users["head_a1"], activity_id=a1_activity.pk, reason="暴雨预警")
    a1_activity.refresh_from_db()
    assert a1_activity.status == "cancelled" and a1_activity.cancel_reason == "暴雨预警"
    assert set(Signup.objects.values_list("status", flat=True)) == {"cancelled"}
    told = Notification.objects.filter(kind="volunteer.activity.cancelled")
    assert {n.user_id for n in told} == {p.user_id for p in people}
    assert all("暴雨预警" in n.text for n in told)


def test_cancelling_needs_a_reason_and_is_refused_once_someone_attended(
    users, volunteer_a1, a1_activity, clock, counts
):
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.activity_cancel(actor=users["head_a1"], activity_id=a1_activity.pk, reason=" ")
    assert refused.value.errors == {"reason": ["Please fill this in."]}
    assert counts() == before
    signup = sign_up(users["resident_a1"], shift_of(a1_activity))
    clock(shift_of(a1_activity).starts_at)
    actions.attendance_mark(
        actor=users["worker_a1"],
        shift_id=signup.shift_id,
        marks=[{"signup_id": signup.pk, "status": "attended"}],
    )
    with pytest.raises(Conflict) as refused:
        actions.activity_cancel(actor=users["head_a1"], activity_id=a1_activity.pk, reason="雨")
    assert refused.value.code == "attended"


def test_finishing_closes_the_waiting_list_and_marks_the_absent(
    users, tree, a1_activity, clock, counts
):
    shift = shift_of(a1_activity)
    came, absent, also_absent, waiting = (person(tree["a1"]) for _ in range(4))
    signups = [sign_up(p.user, shift) for p in (came, absent, also_absent, waiting)]
    before = counts()
    with pytest.raises(Conflict) as refused:
        actions.activity_finish(actor=users["worker_a1"], activity_id=a1_activity.pk)
    assert refused.value.code == "not_begun"
    assert counts() == before
    clock(shift.starts_at + dt.timedelta(minutes=30))
    actions.attendance_mark(
        actor=users["worker_a1"],
        shift_id=shift.pk,
        marks=[{"signup_id": signups[0].pk, "status": "attended"}],
    )
    finished = actions.activity_finish(actor=users["worker_a1"], activity_id=a1_activity.pk)
    assert finished.status == "finished" and finished.finished_at is not None
    assert (finished.absent_count, finished.closed_count) == (2, 1)
    statuses = [Signup.objects.get(pk=s.pk).status for s in signups]
    assert statuses == ["attended", "no_show", "no_show", "cancelled"]


def test_a_shift_is_added_and_the_span_follows(users, a1_activity):
    later = soon(96)
    shift = actions.shift_add(
        actor=users["worker_a1"],
        activity_id=a1_activity.pk,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=1),
        spots=2,
        role="登记",
    )
    a1_activity.refresh_from_db()
    assert shift.area_code == a1_activity.area_code
    assert a1_activity.ends_at == later + dt.timedelta(hours=1)


def test_fewer_spots_move_the_latest_confirmed_to_the_waiting_list(users, tree, a1_activity):
    shift = shift_of(a1_activity)  # 3 spots
    people = [person(tree["a1"]) for _ in range(4)]
    signups = [sign_up(p.user, shift) for p in people]
    changed = actions.shift_update(actor=users["worker_a1"], shift_id=shift.pk, spots=1)
    assert (changed.moved_count, changed.promoted_count) == (2, 0)
    statuses = [Signup.objects.get(pk=s.pk).status for s in signups]
    assert statuses == ["confirmed", "waitlisted", "waitlisted", "waitlisted"]
    told = Notification.objects.filter(kind="volunteer.signup.waitlisted").order_by("user_id")
    texts = {n.user_id: n.text for n in told}
    assert "number 1 on the waiting list" in texts[people[1].user_id]
    assert "number 2 on the waiting list" in texts[people[2].user_id]

    more = actions.shift_update(actor=users["worker_a1"], shift_id=shift.pk, spots=3)
    assert more.promoted_count == 2
    statuses = [Signup.objects.get(pk=s.pk).status for s in signups]
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_a_new_time_is_sent_to_everyone_signed_up(users, volunteer_a1, a1_activity):
    shift = shift_of(a1_activity)
    sign_up(users["resident_a1"], shift)
    start = soon(60)
    actions.shift_update(
        actor=users["worker_a1"],
        shift_id=shift.pk,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    a1_activity.refresh_from_db()
    assert a1_activity.starts_at == start
    note = Notification.objects.get(kind="volunteer.shift.changed")
    assert note.user == users["resident_a1"] and start.strftime("%H:%M") in note.text


def test_bad_shift_changes_are_refused_and_nothing_is_written(
    users, tree, a1_activity, clock, counts
):
    shift = shift_of(a1_activity)
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.shift_update(actor=users["worker_a1"], shift_id=shift.pk, spots=0, ends_at=soon(1))
    assert set(refused.value.errors) == {"spots", "ends_at"}
    with pytest.raises(Forbidden):
        actions.shift_update(actor=users["resident_a1"], shift_id=shift.pk, spots=9)
    with pytest.raises(NotFound):
        actions.shift_update(actor=users["town_b"], shift_id=shift.pk, spots=9)
    clock(shift.starts_at)
    with pytest.raises(Conflict) as refused:
        actions.shift_update(actor=users["worker_a1"], shift_id=shift.pk, spots=9)
    assert refused.value.code == "begun"
    assert counts() == before


def test_a_shift_with_sign_ups_or_the_last_one_is_not_removed(
    users, tree, volunteer_a1, a1_activity, counts
):
    only = shift_of(a1_activity)
    later = soon(100)
    extra = actions.shift_add(
        actor=users["worker_a1"],
        activity_id=a1_activity.pk,
        starts_at=later,
        ends_at=later + dt.timedelta(hours=1),
        spots=2,
    )
    sign_up(users["resident_a1"], extra)
    before = counts()
    with pytest.raises(Conflict) as refused:
        actions.shift_remove(actor=users["worker_a1"], shift_id=extra.pk)
    assert refused.value.code == "signed_up"
    assert counts() == before
    Signup.objects.filter(shift=extra).update(status="cancelled")
    actions.shift_remove(actor=users["worker_a1"], shift_id=extra.pk)
    a1_activity.refresh_from_db()
    assert a1_activity.ends_at == only.ends_at
    with pytest.raises(ActionError) as refused:
        actions.shift_remove(actor=users["worker_a1"], shift_id=only.pk)
    assert refused.value.code == "last_shift"
    assert Shift.objects.filter(activity=a1_activity).count() == 1


def test_finished_and_cancelled_activities_keep_their_shifts(users, tree, a1_activity):
    actions.activity_cancel(actor=users["worker_a1"], activity_id=a1_activity.pk, reason="雨")
    with pytest.raises(Conflict):
        actions.shift_add(
            actor=users["worker_a1"],
            activity_id=a1_activity.pk,
            starts_at=soon(80),
            ends_at=soon(81),
            spots=2,
        )
    assert Activity.objects.get(pk=a1_activity.pk).status == "cancelled"
