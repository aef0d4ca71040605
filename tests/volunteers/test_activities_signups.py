"""Signing up for shifts: confirmed while spots last, then the waiting list with its places;
once per form; no overlapping sign-ups; the rules of who may sign up whom; cancelling, which
gives the spot to the first waiting."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.volunteers.actions import activities as actions
from linli.volunteers.models import Signup, Volunteer

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


def test_a_volunteer_signs_up_and_is_confirmed(users, volunteer_a1, a1_activity):
    shift = shift_of(a1_activity)
    signup = sign_up(users["resident_a1"], shift)
    assert signup.status == "confirmed" and signup.place is None and signup.written_now
    assert signup.volunteer == volunteer_a1 and signup.area_code == a1_activity.area_code
    event = AuditEvent.objects.get(action="signup.create")
    assert event.extra["volunteer"] == volunteer_a1.pk and event.extra["on_behalf"] is False


def test_past_the_spots_the_waiting_list_tells_each_their_place(users, tree, a1_activity):
    shift = shift_of(a1_activity)  # 3 spots
    people = [person(tree["a1"]) for _ in range(5)]
    results = [sign_up(p.user, shift) for p in people]
    assert [r.status for r in results] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert [r.place for r in results[3:]] == [1, 2]


def test_the_same_form_sent_twice_signs_up_once(users, volunteer_a1, a1_activity):
    shift = shift_of(a1_activity)
    key = uuid.uuid4()
    first = sign_up(users["resident_a1"], shift, client_key=key)
    again = sign_up(users["resident_a1"], shift, client_key=key)
    assert again.pk == first.pk and again.written_now is False
    assert Signup.objects.count() == 1


def test_a_second_form_for_the_same_shift_is_refused(users, volunteer_a1, a1_activity, counts):
    shift = shift_of(a1_activity)
    sign_up(users["resident_a1"], shift)
    before = counts()
    with pytest.raises(Conflict) as refused:
        sign_up(users["resident_a1"], shift)
    assert refused.value.code == "already"
    assert str(refused.value.message) == "You are signed up for this shift already."
    assert counts() == before


def test_overlapping_sign_ups_are_refused(users, tree, volunteer_a1, a1_activity, counts):
    start = shift_of(a1_activity).starts_at
    other = make_activity(
        users["worker_a1"],
        tree["a1"],
        title="垃圾分类宣传",
        shifts=[
            {
                "starts_at": start + dt.timedelta(hours=1),
                "ends_at": start + dt.timedelta(hours=3),
                "spots": 5,
            }
        ],
    )
    sign_up(users["resident_a1"], shift_of(a1_activity))
    before = counts()
    with pytest.raises(Conflict) as refused:
        sign_up(users["resident_a1"], shift_of(other))
    assert refused.value.code == "overlap"
    assert "陪伴独居老人" in str(refused.value.message)
    assert counts() == before


def test_an_unpublished_activity_or_a_begun_shift_takes_no_sign_up(
    users, tree, volunteer_a1, a1_activity, clock, counts
):
    draft = make_activity(users["worker_a1"], tree["a1"], publish=False)
    before = counts()
    with pytest.raises((Conflict, NotFound)):
        sign_up(users["resident_a1"], shift_of(draft))
    shift = shift_of(a1_activity)
    clock(shift.starts_at + dt.timedelta(minutes=1))
    with pytest.raises(Conflict) as refused:
        sign_up(users["resident_a1"], shift)
    assert refused.value.code == "begun"
    assert counts() == before


def test_someone_who_is_not_a_volunteer_is_told_to_register(users, a1_activity, counts):
    before = counts()
    with pytest.raises(Forbidden) as refused:
        sign_up(users["resident_a2"], shift_of(a1_activity))
    assert refused.value.code == "not_volunteer"
    assert counts() == before


def test_a_paused_volunteer_cannot_sign_up(users, volunteer_a1, a1_activity, counts):
    Volunteer.objects.filter(pk=volunteer_a1.pk).update(status="paused")
    before = counts()
    with pytest.raises(Conflict) as refused:
        sign_up(users["resident_a1"], shift_of(a1_activity))
    assert refused.value.code == "inactive"
    assert counts() == before


def test_public_activities_are_open_to_the_county_private_ones_to_the_community(
    users, tree, a1_activity, team_a1, counts
):
    neighbour = person(tree["a2"], name="李四")
    far = person(tree["b1"], name="赵六")
    assert sign_up(neighbour.user, shift_of(a1_activity)).status == "confirmed"
    assert sign_up(far.user, shift_of(a1_activity)).status == "confirmed"

    private = make_activity(
        users["worker_a1"], tree["a1"], public=False, team_id=team_a1.pk, shifts=one_shift(72)
    )
    before = counts()
    with pytest.raises(NotFound):
        sign_up(neighbour.user, shift_of(private))
    assert counts() == before
    add_member(team_a1, neighbour)  # a member of the activity's team may
    assert sign_up(neighbour.user, shift_of(private)).status == "confirmed"
    local = person(tree["a1"])
    assert sign_up(local.user, shift_of(private)).status == "confirmed"


def test_staff_sign_up_a_volunteer_on_their_behalf_who_is_told(users, volunteer_a1, a1_activity):
    signup = sign_up(users["worker_a1"], shift_of(a1_activity), volunteer_id=volunteer_a1.pk)
    assert signup.status == "confirmed"
    assert AuditEvent.objects.get(action="signup.create").extra["on_behalf"] is True
    note = Notification.objects.get(user=users["resident_a1"], kind="volunteer.signup.made")
    assert "陪伴独居老人" in note.text


def test_staff_of_a_neighbour_community_cannot_sign_anyone_up(
    users, reader_a1, volunteer_a1, a1_activity, counts
):
    before = counts()
    for actor in (users["worker_a2"], users["town_b"]):
        with pytest.raises(NotFound):
            sign_up(actor, shift_of(a1_activity), volunteer_id=volunteer_a1.pk)
    # a grid worker reads A1's volunteers but does not manage them
    with pytest.raises(Forbidden):
        sign_up(reader_a1, shift_of(a1_activity), volunteer_id=volunteer_a1.pk)
    assert counts() == before


def test_staff_cannot_sign_up_a_volunteer_they_do_not_read(users, tree, a1_activity, counts):
    far = person(tree["b1"])
    before = counts()
    with pytest.raises(NotFound) as refused:
        sign_up(users["worker_a1"], shift_of(a1_activity), volunteer_id=far.pk)
    assert refused.value.errors == {
        "volunteer_id": ["There is no such volunteer among those you may sign up."]
    }
    assert counts() == before


def test_the_team_leader_signs_up_members_only(users, tree, team_a1, a1_activity, counts):
    member = person(tree["a2"])
    add_member(team_a1, member)
    stranger = person(tree["a1"])
    leader = users["resident_a1"]  # volunteer_a1 leads team_a1
    assert sign_up(leader, shift_of(a1_activity), volunteer_id=member.pk).status == "confirmed"
    before = counts()
    with pytest.raises(NotFound):
        sign_up(leader, shift_of(a1_activity), volunteer_id=stranger.pk)
    with pytest.raises(NotFound):  # another resident leads nothing
        sign_up(stranger.user, shift_of(a1_activity), volunteer_id=member.pk)
    assert counts() == before


def test_a_bad_form_key_is_refused_with_a_clear_message(users, volunteer_a1, a1_activity):
    with pytest.raises(ActionError) as refused:
        sign_up(users["resident_a1"], shift_of(a1_activity), client_key="not-a-key")
    assert refused.value.errors == {"client_key": ["This form has lost its key: open it again."]}
    assert Signup.objects.count() == 0


def test_cancelling_gives_the_spot_to_the_first_waiting_who_is_told(users, tree, a1_activity):
    shift = shift_of(a1_activity)
    first, *others = [person(tree["a1"]) for _ in range(5)]
    mine = sign_up(first.user, shift)
    waiting = [sign_up(p.user, shift) for p in others]
    assert [w.status for w in waiting] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    actions.signup_cancel(actor=first.user, signup_id=mine.pk)
    statuses = dict(Signup.objects.values_list("pk", "status"))
    assert statuses[mine.pk] == "cancelled"
    assert statuses[waiting[2].pk] == "confirmed" and statuses[waiting[3].pk] == "waitlisted"
    told = Notification.objects.get(kind="volunteer.signup.confirmed")
    assert told.user == others[2].user


def test_an_organiser_cancels_a_sign_up_and_the_volunteer_is_told(users, volunteer_a1, a1_activity):
    signup = sign_up(users["resident_a1"], shift_of(a1_activity))
    actions.signup_cancel(actor=users["head_a1"], signup_id=signup.pk, reason="名额调整")
    note = Notification.objects.get(kind="volunteer.signup.cancelled")
    assert note.user == users["resident_a1"] and "名额调整" in note.text


def test_cancelling_is_refused_to_others_and_after_the_start(
    users, tree, reader_a1, volunteer_a1, a1_activity, clock, counts
):
    signup = sign_up(users["resident_a1"], shift_of(a1_activity))
    stranger = person(tree["a1"])
    before = counts()
    with pytest.raises(NotFound):
        actions.signup_cancel(actor=stranger.user, signup_id=signup.pk)
    with pytest.raises(NotFound):
        actions.signup_cancel(actor=users["worker_a2"], signup_id=signup.pk)
    with pytest.raises(Forbidden):
        actions.signup_cancel(actor=reader_a1, signup_id=signup.pk)
    clock(shift_of(a1_activity).starts_at + dt.timedelta(minutes=5))
    with pytest.raises(Conflict):
        actions.signup_cancel(actor=users["resident_a1"], signup_id=signup.pk)
    assert counts() == before


def test_signing_up_again_after_cancelling(users, volunteer_a1, a1_activity):
    shift = shift_of(a1_activity)
    first = sign_up(users["resident_a1"], shift)
    actions.signup_cancel(actor=users["resident_a1"], signup_id=first.pk)
    again = sign_up(users["resident_a1"], shift)
    assert again.pk != first.pk and again.status == "confirmed"


def test_overlap_ignores_cancelled_sign_ups(users, tree, volunteer_a1, a1_activity):
    start = soon()
    same_time = make_activity(
        users["worker_a1"],
        tree["a1"],
        shifts=[{"starts_at": start, "ends_at": start + dt.timedelta(hours=1), "spots": 2}],
    )
    first = sign_up(users["resident_a1"], shift_of(a1_activity))
    actions.signup_cancel(actor=users["resident_a1"], signup_id=first.pk)
    assert sign_up(users["resident_a1"], shift_of(same_time)).status == "confirmed"
