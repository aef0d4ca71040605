"""Recording the hours of an activity (谁组织谁记录) and service without an activity: the sheet
offered, one record per attended sign-up written in one go, a resubmit writing nothing new,
who may record, every row checked before anything is written, points and star levels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from linli.core.errors import ActionError, Conflict, NotFound
from linli.core.models import AuditEvent, Notification
from linli.volunteers.actions import records as actions
from linli.volunteers.actions._common import refresh_totals
from linli.volunteers.models import Activity, PointsEntry, ServiceRecord
from linli.volunteers.queries import records as q

from .conftest import make_volunteer
from .fixtures_records import *  # noqa: F403 (the fixtures)
from .fixtures_records import (
    attend,
    counts,
    make_activity,
    make_shift,
    record_manually,
    volunteer_row,
    write_record,
    yesterday_at,
)

pytestmark = pytest.mark.django_db


def _rows(came, **hours):
    return [
        {"signup_id": came[name].pk, "hours": value, "quality": "good"}
        for name, value in hours.items()
    ]


# --- the sheet ----------------------------------------------------------------------------------


def test_the_sheet_offers_each_attended_signup_with_the_hours_it_served(
    users, activity_a1, came, morning, org_a1
):
    attend(morning, make_volunteer(activity_a1.area, name="没来的"), status="no_show")
    sheet = q.activity_hours(actor=users["worker_a1"], activity_id=activity_a1.pk)
    assert sheet.organisation == org_a1 and sheet.recorded == []
    assert sheet.beneficiaries == "社区独居老人"
    offered = {row.signup.pk: row for row in sheet.rows}
    assert set(offered) == {came["a1_morning"].pk, came["neighbour_afternoon"].pk}
    # Checked in only: the shift's two hours.
    assert offered[came["a1_morning"].pk].hours == Decimal("2.00")
    # 3-hour shift, in 14:10 and out 15:20: 1 h 10 min → 1 h to the nearest half hour.
    assert offered[came["neighbour_afternoon"].pk].hours == Decimal("1.00")
    assert offered[came["neighbour_afternoon"].pk].shift_hours == Decimal(3)
    assert offered[came["a1_morning"].pk].served_on == yesterday_at(9).date()


@pytest.mark.parametrize(
    ("start", "end", "check_in", "check_out", "offered"),
    [
        ((9, 0), (11, 15), None, None, "2.00"),  # 2.25 h → 2.5 would pass the shift: 2
        ((9, 0), (12, 0), (9, 0), (10, 45), "2.00"),  # 1.75 h → 2
        ((9, 0), (12, 0), (9, 0), (9, 40), "0.50"),  # 0.67 h → 0.5
        ((9, 0), (12, 0), (9, 0), (9, 5), "0.50"),  # a few minutes: at least half an hour
        ((9, 0), (9, 20), None, None, "0.33"),  # a shift shorter than half an hour: its length
        ((9, 0), (12, 0), (8, 0), (13, 0), "3.00"),  # more than the shift: the shift
    ],
)
def test_the_hours_offered_are_rounded_to_half_hours_within_the_shift(
    activity_a1, volunteer_a1, start, end, check_in, check_out, offered
):
    shift = make_shift(activity_a1, yesterday_at(*start), yesterday_at(*end))
    signup = attend(
        shift,
        volunteer_a1,
        checked_in=yesterday_at(*check_in) if check_in else None,
        checked_out=yesterday_at(*check_out) if check_out else None,
    )
    assert q.default_hours(shift, signup) == Decimal(offered)


def test_the_sheet_is_read_in_the_same_number_of_queries_for_more_volunteers(
    users, activity_a1, morning, came, django_assert_num_queries
):
    actions.activity_hours_record(
        actor=users["worker_a1"],
        activity_id=activity_a1.pk,
        rows=_rows(came, neighbour_afternoon="1"),
    )
    fresh = type(users["worker_a1"]).objects.get  # a new request reads the grants again
    actor = fresh(pk=users["worker_a1"].pk)
    with django_assert_num_queries(5):
        q.activity_hours(actor=actor, activity_id=activity_a1.pk)
    for n in range(6):
        attend(morning, make_volunteer(activity_a1.area, name=f"志愿者{n}"))
    actor = fresh(pk=users["worker_a1"].pk)
    with django_assert_num_queries(5):
        sheet = q.activity_hours(actor=actor, activity_id=activity_a1.pk)
    assert len(sheet.rows) == 7 and len(sheet.recorded) == 1


# --- recording ----------------------------------------------------------------------------------


def test_the_organiser_records_the_sheet_once_one_record_per_signup(
    users, activity_a1, came, org_a1, volunteer_a1, neighbour_a1
):
    result = actions.activity_hours_record(
        actor=users["worker_a1"],
        activity_id=activity_a1.pk,
        rows=[
            {"signup_id": came["a1_morning"].pk, "hours": "2", "quality": "excellent"},
            {"signup_id": came["neighbour_afternoon"].pk, "hours": 1.5, "quality": ""},
        ],
    )
    assert len(result.written) == 2 and result.already == []
    morning_record = ServiceRecord.objects.get(signup=came["a1_morning"])
    assert morning_record.kind == "service" and morning_record.hours == Decimal("2.00")
    assert morning_record.organisation == org_a1 and morning_record.activity == activity_a1
    assert morning_record.activity_name == "独居老人助餐送餐"
    assert morning_record.place == "社区长者食堂"  # the shift has no place of its own
    assert morning_record.beneficiaries == "社区独居老人"
    assert morning_record.content == "为独居老人送午餐并陪伴聊天"
    assert morning_record.leader_name == "赵队长" and morning_record.quality == "excellent"
    assert morning_record.recorder == users["worker_a1"]
    assert morning_record.recorder_name == "worker_a1"
    assert morning_record.served_on == yesterday_at(9).date()
    afternoon_record = ServiceRecord.objects.get(signup=came["neighbour_afternoon"])
    assert afternoon_record.place == "社区活动室"  # the shift's own place
    # Totals and points follow at once: 10 points an hour.
    assert volunteer_row(volunteer_a1).hours_total == Decimal("2.00")
    assert volunteer_row(volunteer_a1).points_balance == 20
    assert volunteer_row(neighbour_a1).points_balance == 15
    earned = PointsEntry.objects.get(record=afternoon_record)
    assert (earned.kind, earned.delta, earned.balance) == ("earned", 15, 15)
    event = AuditEvent.objects.get(action="service_record.record_hours")
    assert event.target_id == str(activity_a1.pk) and event.extra["records"] == 2
    assert event.extra["hours"] == "3.50"


def test_sending_the_sheet_again_writes_nothing_new(users, activity_a1, came):
    rows = _rows(came, a1_morning="2", neighbour_afternoon="1")
    actions.activity_hours_record(actor=users["worker_a1"], activity_id=activity_a1.pk, rows=rows)
    before = counts()
    again = actions.activity_hours_record(
        actor=users["worker_a1"], activity_id=activity_a1.pk, rows=rows
    )
    assert again.written == [] and sorted(again.already) == sorted(r["signup_id"] for r in rows)
    assert counts() == before
    sheet = q.activity_hours(actor=users["worker_a1"], activity_id=activity_a1.pk)
    assert sheet.rows == [] and len(sheet.recorded) == 2


def test_the_team_leader_records_the_hours_of_the_teams_activity(users, activity_a1, came):
    # resident_a1 is volunteer_a1, who leads team_a1.
    result = actions.activity_hours_record(
        actor=users["resident_a1"],
        activity_id=activity_a1.pk,
        rows=_rows(came, neighbour_afternoon="1"),
        leader_name="王秀兰",
    )
    assert [r.leader_name for r in result.written] == ["王秀兰"]
    assert result.written[0].recorder == users["resident_a1"]


@pytest.mark.parametrize("who", ["worker_a2", "town_b", "resident_a2", "grid_a1"])
def test_those_who_do_not_organise_it_find_no_such_activity(users, activity_a1, came, who):
    before = counts()
    with pytest.raises(NotFound):
        actions.activity_hours_record(
            actor=users[who], activity_id=activity_a1.pk, rows=_rows(came, a1_morning="2")
        )
    with pytest.raises(NotFound):
        q.activity_hours(actor=users[who], activity_id=activity_a1.pk)
    assert counts() == before


def test_every_row_is_checked_before_anything_is_written(users, activity_a1, came, morning):
    absent = attend(morning, make_volunteer(activity_a1.area, name="没来的"), status="no_show")
    before = counts()
    with pytest.raises(ActionError) as refused:
        actions.activity_hours_record(
            actor=users["worker_a1"],
            activity_id=activity_a1.pk,
            rows=[
                {"signup_id": came["a1_morning"].pk, "hours": "2.5", "quality": "great"},
                {"signup_id": came["neighbour_afternoon"].pk, "hours": "0"},
                {"signup_id": absent.pk, "hours": "1"},
            ],
            place="  ",
        )
    errors = refused.value.errors
    a1, neighbour = came["a1_morning"].pk, came["neighbour_afternoon"].pk
    assert errors[f"hours-{a1}"] == ["At most 2 hours: the length of the shift, without travel."]
    assert errors[f"quality-{a1}"] == ["Choose a quality rating from the list."]
    assert errors[f"hours-{neighbour}"] == ["Give more than 0 hours."]
    assert errors[f"hours-{absent.pk}"] == [
        "Only volunteers who came (checked in) have hours to record."
    ]
    assert errors["place"] == ["Please fill this in."]
    assert counts() == before


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("abc", "Give the hours as a number, for example 2.5."),
        ("1.255", "Give the hours with at most two decimals, for example 1.25."),
        ("NaN", "Give the hours as a number, for example 2.5."),
        ("", "Give the hours."),
        ("-1", "Give more than 0 hours."),
    ],
)
def test_hours_that_are_not_a_number_of_hours_are_refused(users, activity_a1, came, hours, message):
    with pytest.raises(ActionError) as refused:
        actions.activity_hours_record(
            actor=users["worker_a1"],
            activity_id=activity_a1.pk,
            rows=_rows(came, a1_morning=hours),
        )
    assert refused.value.errors[f"hours-{came['a1_morning'].pk}"] == [message]
    assert counts() == (0, 0)


def test_rows_that_are_not_signups_of_the_activity_are_refused(
    users, tree, activity_a1, came, team_a1
):
    other = make_activity(tree["a1"], users["worker_a1"], title="另一个活动")
    stranger = attend(
        make_shift(other, yesterday_at(9), yesterday_at(10)), make_volunteer(tree["a1"])
    )
    for rows in ([], "x", [{"signup_id": stranger.pk, "hours": 1}], [{"hours": 1}]):
        with pytest.raises(ActionError) as refused:
            actions.activity_hours_record(
                actor=users["worker_a1"], activity_id=activity_a1.pk, rows=rows
            )
        assert "rows" in refused.value.errors
    assert counts() == (0, 0)


def test_an_activity_not_held_has_no_hours(users, activity_a1, came):
    Activity.objects.filter(pk=activity_a1.pk).update(status=Activity.Status.CANCELLED)
    with pytest.raises(Conflict):
        actions.activity_hours_record(
            actor=users["worker_a1"],
            activity_id=activity_a1.pk,
            rows=_rows(came, a1_morning="2"),
        )
    assert counts() == (0, 0)


def test_without_an_organisation_the_communitys_station_records(users, tree, org_a1, volunteer_a1):
    activity = make_activity(tree["a1"], users["worker_a1"])
    signup = attend(make_shift(activity, yesterday_at(9), yesterday_at(10)), volunteer_a1)
    result = actions.activity_hours_record(
        actor=users["worker_a1"],
        activity_id=activity.pk,
        rows=[{"signup_id": signup.pk, "hours": "1"}],
    )
    assert result.written[0].organisation == org_a1


def test_a_volunteer_whose_star_level_rises_is_told(users, activity_a1, came, volunteer_a1):
    write_record(volunteer_a1, users["worker_a1"], hours="24")
    for _ in range(3):
        write_record(volunteer_a1, users["worker_a1"], hours="24")
    write_record(volunteer_a1, users["worker_a1"], hours="3")  # 99 hours
    refresh_totals([volunteer_a1.pk])
    assert volunteer_row(volunteer_a1).star == 0
    actions.activity_hours_record(
        actor=users["worker_a1"],
        activity_id=activity_a1.pk,
        rows=_rows(came, a1_morning="2", neighbour_afternoon="1"),
    )
    assert volunteer_row(volunteer_a1).star == 1
    told = Notification.objects.filter(user=users["resident_a1"], kind="volunteer.star")
    assert [n.text for n in told] == ["You are now a ★ volunteer: thank you for your service."]
    assert told.get().url == "/volunteers/me/hours/"
    # The neighbour's level did not rise: no message.
    assert Notification.objects.filter(kind="volunteer.star").count() == 1


# --- a record without an activity ---------------------------------------------------------------


def test_a_worker_records_service_without_an_activity(users, volunteer_a1, org_a1):
    record = record_manually(users["worker_a1"], volunteer_a1)
    assert record.kind == "service" and record.signup is None and record.activity is None
    assert record.organisation == org_a1  # the station of the volunteer's community
    assert record.area_code == volunteer_a1.area_code and record.hours == Decimal("3.00")
    assert volunteer_row(volunteer_a1).points_balance == 30
    assert AuditEvent.objects.filter(action="service_record.create").count() == 1


def test_the_same_manual_record_sent_twice_is_written_once(users, volunteer_a1):
    record_manually(users["worker_a1"], volunteer_a1)
    with pytest.raises(Conflict):
        record_manually(users["worker_a1"], volunteer_a1)
    assert counts() == (1, 1)


def test_manual_records_are_for_volunteers_of_the_workers_communities(
    users, volunteer_a1, volunteer_a2
):
    with pytest.raises(NotFound):
        record_manually(users["worker_a2"], volunteer_a1)
    with pytest.raises(NotFound):
        record_manually(users["town_b"], volunteer_a1)
    with pytest.raises(NotFound):  # a grid worker reads their grid only, and records nothing
        record_manually(users["grid_a1"], volunteer_a1)
    with pytest.raises(NotFound):  # a resident records no one
        record_manually(users["resident_a1"], volunteer_a2)
    assert counts() == (0, 0)


def test_a_manual_record_with_bad_fields_names_each_and_writes_nothing(users, volunteer_a1, org_b1):
    with pytest.raises(ActionError) as refused:
        record_manually(
            users["worker_a1"],
            volunteer_a1,
            hours="25",
            served_on="2999-01-01",
            activity_name="",
            quality="so-so",
            organisation_id=org_b1.pk,
        )
    assert refused.value.errors == {
        "activity_name": ["Please fill this in."],
        "quality": ["Choose a quality rating from the list."],
        "served_on": ["The service date cannot be in the future."],
        "hours": ["Give more than 0 and at most 24 hours."],
        "organisation_id": ["Choose an organisation from the list."],
    }
    assert counts() == (0, 0)
