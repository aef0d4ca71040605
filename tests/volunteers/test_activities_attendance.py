"""Attendance on the day: check-in and check-out with the shift's QR code (its window, the
waiting list, walk-ins while spots are free), the organiser's sheet (each or all, attended or
not come; not after hours were recorded) and walk-ins added by number or phone."""

from __future__ import annotations

import datetime as dt

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.volunteers.actions import activities as actions
from linli.volunteers.models import ServiceRecord, Signup

from .fixtures_activities import *  # noqa: F403 (the fixtures)
from .fixtures_activities import add_member, person, shift_of, sign_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift(a1_activity):
    return shift_of(a1_activity)


def _in(actor, shift):
    return actions.checkin_by_token(actor=actor, token=shift.token)


def test_a_confirmed_volunteer_checks_in_and_out_with_the_code(users, volunteer_a1, shift, clock):
    signup = sign_up(users["resident_a1"], shift)
    clock(shift.starts_at - dt.timedelta(minutes=20))
    done = _in(users["resident_a1"], shift)
    assert done.pk == signup.pk and done.status == "attended"
    assert done.checked_in_at == shift.starts_at - dt.timedelta(minutes=20)
    assert _in(users["resident_a1"], shift).pk == signup.pk  # twice: the same
    clock(shift.starts_at + dt.timedelta(hours=2))
    out = actions.checkout_by_token(actor=users["resident_a1"], token=shift.token)
    assert out.checked_out_at == shift.starts_at + dt.timedelta(hours=2)
    actions.checkout_by_token(actor=users["resident_a1"], token=shift.token)
    actions_seen = list(AuditEvent.objects.values_list("action", flat=True))
    assert (
        actions_seen.count("signup.check_in") == 1 and actions_seen.count("signup.check_out") == 1
    )


def test_the_code_works_from_an_hour_before_to_the_end(users, volunteer_a1, shift, clock, counts):
    sign_up(users["resident_a1"], shift)
    before = counts()
    clock(shift.starts_at - dt.timedelta(minutes=61))
    with pytest.raises(Conflict) as refused:
        _in(users["resident_a1"], shift)
    assert refused.value.code == "too_early"
    clock(shift.ends_at + dt.timedelta(minutes=1))
    with pytest.raises(Conflict) as refused:
        _in(users["resident_a1"], shift)
    assert refused.value.code == "over"
    assert counts() == before


def test_a_walk_in_is_taken_while_spots_are_free(users, tree, shift, clock):
    confirmed = [person(tree["a1"]) for _ in range(2)]
    for p in confirmed:
        sign_up(p.user, shift)
    clock(shift.starts_at)
    walker = person(tree["a2"])  # the activity is public: a neighbour may come
    signup = _in(walker.user, shift)
    assert signup.walk_in and signup.status == "attended"
    late = person(tree["a1"])
    with pytest.raises(Conflict) as refused:
        _in(late.user, shift)
    assert refused.value.code == "full"


def test_the_waiting_list_checks_in_only_into_a_free_spot(users, tree, shift, clock):
    people = [person(tree["a1"]) for _ in range(4)]
    signups = [sign_up(p.user, shift) for p in people]
    clock(shift.starts_at)
    with pytest.raises(Conflict):
        _in(people[3].user, shift)
    actions.attendance_mark(
        actor=users["worker_a1"],
        shift_id=shift.pk,
        marks=[{"signup_id": signups[0].pk, "status": "no_show"}],
    )
    assert _in(people[3].user, shift).status == "attended"


def test_refused_at_the_code(users, tree, shift, clock, counts):
    clock(shift.starts_at)
    before = counts()
    with pytest.raises(Forbidden):  # not a volunteer
        _in(users["resident_a2"], shift)
    with pytest.raises(NotFound):
        actions.checkin_by_token(actor=users["resident_a1"], token="not-a-token")
    with pytest.raises(Conflict):  # check out before checking in
        actions.checkout_by_token(actor=person(tree["a1"]).user, token=shift.token)
    assert counts() == before


def test_the_sheet_marks_each_or_all(users, tree, shift, clock):
    people = [person(tree["a1"]) for _ in range(3)]
    signups = [sign_up(p.user, shift) for p in people]
    clock(shift.starts_at + dt.timedelta(minutes=10))
    changed = actions.attendance_mark(
        actor=users["worker_a1"],
        shift_id=shift.pk,
        marks=[
            {"signup_id": signups[0].pk, "status": "attended"},
            {"signup_id": signups[1].pk, "status": "attended"},
            {"signup_id": signups[2].pk, "status": "no_show"},
        ],
    )
    assert len(changed) == 3
    rows = {s.pk: s for s in Signup.objects.all()}
    assert rows[signups[0].pk].checked_in_at == shift.starts_at  # present from the start
    assert rows[signups[2].pk].status == "no_show" and rows[signups[2].pk].checked_in_at is None
    # a correction later the same week
    clock(shift.ends_at + dt.timedelta(days=6))
    actions.attendance_mark(
        actor=users["head_a1"], shift_id=shift.pk, marks={signups[2].pk: "attended"}
    )
    assert Signup.objects.get(pk=signups[2].pk).status == "attended"
    event = AuditEvent.objects.filter(action="attendance.mark").latest("id")
    assert event.extra == {"activity": shift.activity_id, "attended": 1, "no_show": 0}


def test_the_team_leader_keeps_the_sheet(users, tree, team_a1, shift, clock):
    member = person(tree["a1"])
    add_member(team_a1, member)
    signup = sign_up(member.user, shift)
    clock(shift.starts_at)
    actions.attendance_mark(
        actor=users["resident_a1"], shift_id=shift.pk, marks={signup.pk: "attended"}
    )
    assert Signup.objects.get(pk=signup.pk).status == "attended"


def test_the_sheet_refuses_bad_marks_others_and_late_changes(
    users, tree, reader_a1, shift, clock, counts
):
    people = [person(tree["a1"]) for _ in range(2)]
    signups = [sign_up(p.user, shift) for p in people]
    clock(shift.starts_at - dt.timedelta(minutes=30))
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.attendance_mark(
            actor=users["worker_a1"],
            shift_id=shift.pk,
            marks=[
                {"signup_id": signups[0].pk, "status": "attended"},
                {"signup_id": signups[1].pk, "status": "no_show"},
                {"signup_id": 999999, "status": "attended"},
                {"signup_id": signups[0].pk, "status": "asleep"},
            ],
        )
    errors = refused.value.errors
    assert errors["marks.3.status"] == ["Mark attended or did not come."]
    assert counts() == before
    with pytest.raises(ActionError) as refused:
        actions.attendance_mark(
            actor=users["worker_a1"],
            shift_id=shift.pk,
            marks=[
                {"signup_id": signups[0].pk, "status": "attended"},
                {"signup_id": signups[1].pk, "status": "no_show"},
                {"signup_id": 999999, "status": "attended"},
            ],
        )
    errors = refused.value.errors
    assert errors["marks.1.status"] == ["Someone is marked not come once the shift began."]
    assert errors["marks.2.signup_id"] == [
        "This sign-up is not on this shift's list (or was cancelled)."
    ]
    assert Signup.objects.get(pk=signups[0].pk).status == "confirmed"  # nothing half-written
    with pytest.raises(ActionError) as refused:
        actions.attendance_mark(actor=users["worker_a1"], shift_id=shift.pk, marks=[])
    assert refused.value.errors == {"marks": ["Mark at least one volunteer."]}
    for actor, error in (
        (users["worker_a2"], NotFound),
        (users["town_b"], NotFound),
        (reader_a1, Forbidden),
        (people[0].user, NotFound),
    ):
        with pytest.raises(error):
            actions.attendance_mark(
                actor=actor, shift_id=shift.pk, marks={signups[0].pk: "attended"}
            )
    clock(shift.ends_at + dt.timedelta(days=8))
    with pytest.raises(Conflict) as refused:
        actions.attendance_mark(
            actor=users["worker_a1"], shift_id=shift.pk, marks={signups[0].pk: "attended"}
        )
    assert refused.value.code == "closed"
    assert counts() == before


def test_a_mark_with_hours_recorded_is_not_changed(users, tree, shift, clock):
    volunteer = person(tree["a1"])
    signup = sign_up(volunteer.user, shift)
    clock(shift.starts_at)
    actions.attendance_mark(
        actor=users["worker_a1"], shift_id=shift.pk, marks={signup.pk: "attended"}
    )
    ServiceRecord.objects.create(
        volunteer=volunteer,
        area_code=shift.area_code,
        activity=shift.activity,
        signup=signup,
        activity_name=shift.activity.title,
        served_on=shift.starts_at.date(),
        place="活动室",
        beneficiaries="独居老人",
        content="陪伴",
        hours=2,
        leader_name="张",
        recorder=users["worker_a1"],
        recorder_name="worker",
    )
    with pytest.raises(ActionError) as refused:
        actions.attendance_mark(
            actor=users["worker_a1"], shift_id=shift.pk, marks={signup.pk: "no_show"}
        )
    assert refused.value.errors == {
        "marks.0.signup_id": [
            "Hours were recorded for this sign-up: correct the service record instead."
        ]
    }


def test_walk_ins_by_number_or_phone(users, tree, volunteer_a1, shift, clock):
    clock(shift.starts_at + dt.timedelta(minutes=15))
    by_phone = actions.walkin_add(
        actor=users["worker_a1"], shift_id=shift.pk, phone="139 0000 0001"
    )
    assert by_phone.volunteer == volunteer_a1 and by_phone.walk_in
    assert by_phone.checked_in_at == shift.starts_at
    other = person(tree["a1"])
    by_number = actions.walkin_add(
        actor=users["worker_a1"], shift_id=shift.pk, number=other.number.lower()
    )
    assert by_number.volunteer == other
    event = AuditEvent.objects.filter(action="signup.walk_in").latest("id")
    assert event.extra == {"shift": shift.pk, "volunteer": other.pk, "new": True}
    with pytest.raises(Conflict):
        actions.walkin_add(actor=users["worker_a1"], shift_id=shift.pk, number=other.number)


def test_a_signed_up_volunteer_added_at_the_door_keeps_their_sign_up(
    users, volunteer_a1, shift, clock
):
    signup = sign_up(users["resident_a1"], shift)
    clock(shift.starts_at)
    added = actions.walkin_add(
        actor=users["head_a1"], shift_id=shift.pk, number=volunteer_a1.number
    )
    assert added.pk == signup.pk and added.status == "attended" and not added.walk_in


def test_walk_ins_are_scoped_and_checked(users, tree, team_a1, shift, clock, counts):
    far = person(tree["b1"], phone="13700000009")
    member = person(tree["a2"], phone="13700000008")
    add_member(team_a1, member)
    clock(shift.starts_at)
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.walkin_add(actor=users["worker_a1"], shift_id=shift.pk, phone="13700000009")
    assert refused.value.errors == {
        "phone": ["No volunteer with this number among those you may add."]
    }
    with pytest.raises(ActionError) as refused:
        actions.walkin_add(actor=users["worker_a1"], shift_id=shift.pk)
    assert refused.value.errors == {
        "number": ["Give the volunteer number or the mobile phone number."]
    }
    with pytest.raises(ActionError) as refused:
        actions.walkin_add(actor=users["worker_a1"], shift_id=shift.pk, phone="12345")
    assert refused.value.errors == {"phone": ["Enter an 11-digit mobile phone number."]}
    with pytest.raises(NotFound):
        actions.walkin_add(actor=users["worker_a2"], shift_id=shift.pk, number=far.number)
    assert counts() == before
    # the team's leader adds a member of the team, from another community
    added = actions.walkin_add(actor=users["resident_a1"], shift_id=shift.pk, phone="13700000008")
    assert added.volunteer == member
