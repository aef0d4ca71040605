"""Venues: rooms and fields of facilities and units' open resources — recording them, closing
them for bookings, who sees them, and which a resident may book."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.roles import Role
from linli.facilities import actions, queries
from linli.facilities.models import Booking, Venue
from tests.conftest import make_user
from tests.facilities.register_fixtures import (  # noqa: F401 (fixtures)
    centre_fixture,
    hall_fixture,
    head_a2_fixture,
    save,
    venue_data,
)


def _unit_resource(actor, area, **more):
    data = venue_data(name="第一中学操场", kind="sports", capacity=200, **more)
    return actions.venue_save(actor=actor, unit_name="第一中学", area_code=area.code, **data)


def _book(venue, user, *, days=2, status=Booking.Status.CONFIRMED):
    start = timezone.now() + dt.timedelta(days=days)
    return Booking.objects.create(
        venue=venue,
        area_code=venue.area_code,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        status=status,
        booker=user,
        booker_kind="resident",
        purpose="合唱排练",
        client_key=f"00000000-0000-4000-8000-{days:012d}",
    )


# --- recording ---------------------------------------------------------------------------------


def test_a_room_of_a_facility_sits_on_its_area(users, centre, hall):
    hall.refresh_from_db()
    assert hall.facility == centre and hall.area_code == centre.area_code and hall.unit_name == ""
    assert hall.hours["mon"] == [["08:00", "12:00"], ["14:00", "21:00"]]
    assert hall.active and hall.approval == "instant" and hall.for_residents
    event = AuditEvent.objects.get(action="venue.create")
    assert event.extra["facility"] == centre.pk and event.area_code == centre.area_code


def test_a_unit_opens_a_resource_on_a_community(users, tree):
    ground = _unit_resource(users["head_a1"], tree["a1"], approval="approval", for_staff=False)
    assert ground.facility is None and ground.unit_name == "第一中学"
    assert ground.area_code == tree["a1"].code and ground.approval == "approval"
    with pytest.raises(ActionError) as caught:
        actions.venue_save(
            actor=users["town_a"],
            unit_name="街道机关",
            area_code=tree["town_a"].code,
            **venue_data(name="机关会议室"),
        )
    assert "area_code" in caught.value.errors  # a unit's resource sits on a community


def test_a_venue_needs_a_facility_or_a_unit_not_both(users, tree, centre):
    with pytest.raises(ActionError) as caught:
        actions.venue_save(actor=users["head_a1"], **venue_data())
    assert "facility_id" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        actions.venue_save(
            actor=users["head_a1"], facility_id=centre.pk, unit_name="第一中学", **venue_data()
        )
    assert "unit_name" in caught.value.errors
    assert not Venue.objects.exists()


def test_bad_venue_input_is_refused_whole(users, centre):
    with pytest.raises(ActionError) as caught:
        actions.venue_save(
            actor=users["head_a1"],
            facility_id=centre.pk,
            **venue_data(
                name="",
                capacity=0,
                slot_minutes=62,
                hours={"tue": "21:00-08:00"},
                for_residents=False,
                for_organisations=False,
                for_staff=False,
                latitude="1",
                longitude="1",
            ),
        )
    assert {"name", "capacity", "slot_minutes", "hours.tue", "for_residents", "latitude"} <= set(
        caught.value.errors
    )
    with pytest.raises(ActionError) as caught:
        actions.venue_save(actor=users["head_a1"], facility_id=centre.pk, **venue_data(hours={}))
    assert "hours" in caught.value.errors
    assert not Venue.objects.exists()


def test_venue_names_are_unique_in_an_area(users, centre, hall):
    with pytest.raises(Conflict):
        actions.venue_save(actor=users["head_a1"], facility_id=centre.pk, **venue_data())


def test_only_managers_of_the_area_record_venues(users, tree, centre, hall, head_a2):
    with pytest.raises(Forbidden):
        actions.venue_save(actor=users["worker_a1"], facility_id=centre.pk, **venue_data(name="新"))
    with pytest.raises(ActionError) as caught:  # the neighbour does not see the facility
        actions.venue_save(actor=head_a2, facility_id=centre.pk, **venue_data(name="新"))
    assert "facility_id" in caught.value.errors
    with pytest.raises(Forbidden):
        _unit_resource(head_a2, tree["a1"])
    with pytest.raises(NotFound):
        actions.venue_close(actor=head_a2, venue_id=hall.pk)
    assert Venue.objects.count() == 1


def test_a_closed_facility_takes_no_new_venue(users, centre):
    actions.facility_close(actor=users["head_a1"], facility_id=centre.pk)
    with pytest.raises(ActionError) as caught:
        actions.venue_save(actor=users["head_a1"], facility_id=centre.pk, **venue_data())
    assert "facility_id" in caught.value.errors


def test_changing_a_venue(users, centre, hall):
    changed = actions.venue_save(
        actor=users["head_a1"],
        facility_id=centre.pk,
        venue_id=hall.pk,
        **venue_data(capacity=60, approval="approval"),
    )
    assert changed.pk == hall.pk and changed.capacity == 60 and changed.approval == "approval"
    assert AuditEvent.objects.filter(action="venue.update").count() == 1


def test_closing_a_venue_keeps_bookings_and_counts_them(users, hall):
    _book(hall, users["resident_a1"], days=1)
    _book(hall, users["resident_a1"], days=3, status=Booking.Status.PENDING)
    _book(hall, users["resident_a1"], days=4, status=Booking.Status.CANCELLED)
    closed = actions.venue_close(actor=users["head_a1"], venue_id=hall.pk)
    assert not closed.active and closed.bookings_affected == 2
    assert Booking.objects.filter(status__in=Booking.LIVE).count() == 2
    assert AuditEvent.objects.get(action="venue.close").extra == {"bookings_affected": 2}
    with pytest.raises(Conflict):
        actions.venue_close(actor=users["head_a1"], venue_id=hall.pk)
    with pytest.raises(Forbidden):
        actions.venue_reopen(actor=users["worker_a1"], venue_id=hall.pk)
    assert actions.venue_reopen(actor=users["head_a1"], venue_id=hall.pk).active


def test_a_venue_of_a_closed_facility_cannot_reopen(users, centre, hall):
    actions.facility_close(actor=users["head_a1"], facility_id=centre.pk)
    with pytest.raises(Conflict):
        actions.venue_reopen(actor=users["head_a1"], venue_id=hall.pk)


# --- reading -----------------------------------------------------------------------------------


def test_the_venue_list_filters_and_is_scoped(users, tree, centre, hall, head_a2):
    ground = _unit_resource(users["head_a1"], tree["a1"])
    worker = users["worker_a1"]

    def names(actor=worker, **filters):
        return sorted(v.name for v in queries.venue_list(actor=actor, filters=filters))

    assert names() == ["多功能活动室", "第一中学操场"]
    assert names(units="1") == ["第一中学操场"]
    assert names(kind="sports") == ["第一中学操场"]
    assert names(facility=str(centre.pk)) == ["多功能活动室"]
    assert names(q="中学") == ["第一中学操场"]
    actions.venue_close(actor=users["head_a1"], venue_id=ground.pk)
    assert names(active="1") == ["多功能活动室"] and names(active=False) == ["第一中学操场"]
    assert names(actor=users["worker_a2"]) == [] and names(actor=users["town_b"]) == []
    with pytest.raises(ActionError):
        names(active="maybe")
    with pytest.raises(NotFound):
        queries.venue_get(actor=head_a2, venue_id=hall.pk)


def test_the_venue_list_takes_a_fixed_number_of_queries(users, centre, django_assert_num_queries):
    for number in range(4):
        actions.venue_save(
            actor=users["head_a1"], facility_id=centre.pk, **venue_data(name=f"室{number}")
        )
    worker = type(users["worker_a1"]).objects.get(pk=users["worker_a1"].pk)
    with django_assert_num_queries(2):
        rows = list(queries.venue_list(actor=worker)[:20])
        assert all(row.facility.name and row.area.name for row in rows)


def test_residents_book_the_venues_of_their_community_and_town(users, tree, centre, hall, head_a2):
    town_station = save(users["town_a"], tree["town_a"], name="街道社会工作站", kind="social_work")
    town_room = actions.venue_save(
        actor=users["town_a"], facility_id=town_station.pk, **venue_data(name="街道议事厅")
    )
    ground = _unit_resource(users["head_a1"], tree["a1"])
    neighbour = save(head_a2, tree["a2"], name="新兴社区服务中心")
    actions.venue_save(actor=head_a2, facility_id=neighbour.pk, **venue_data(name="新兴活动室"))
    closed = actions.venue_save(
        actor=users["head_a1"], facility_id=centre.pk, **venue_data(name="停用室")
    )
    actions.venue_close(actor=users["head_a1"], venue_id=closed.pk)

    mine = queries.bookable_venues(actor=users["resident_a1"])
    assert {v.pk for v in mine} == {hall.pk, ground.pk, town_room.pk}
    # a resident of a2 gets a2's venues and the town's, none of a1's
    theirs = queries.bookable_venues(actor=users["resident_a2"])
    assert {v.name for v in theirs} == {"新兴活动室", "街道议事厅"}
    # an account whose home is a1 (no resident role) is a resident of a1
    homed = make_user("homed")
    homed.home_area = tree["a1"]
    homed.save()
    assert queries.bookable_venues(actor=homed).count() == 3
    # a closed facility's venues drop out
    actions.facility_close(actor=users["town_a"], facility_id=town_station.pk)
    assert {v.pk for v in queries.bookable_venues(actor=users["resident_a1"])} == {
        hall.pk,
        ground.pk,
    }


def test_a_resident_of_a_grid_finds_the_venues_of_its_community(users, tree, hall):
    user = make_user("registered", Role.RESIDENT, tree["grid_a1"])
    assert queries.bookable_venues(actor=user).get() == hall


# --- pages -------------------------------------------------------------------------------------


def test_venue_pages(login, users, tree, centre, hall):
    client = login(users["worker_a1"])
    listed = client.get(reverse("facilities:venues")).content.decode()
    assert "多功能活动室" in listed and 'data-testid="venue-new"' not in listed
    page = client.get(reverse("facilities:venue", args=[hall.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "请爱护公物" in body and "residents, organisations, staff" in body
    assert (
        '<span class="fac-range">14:00-21:00</span>' in body and 'data-testid="venue-hours"' in body
    )
    try:
        book = reverse("facilities:book_venue", args=[hall.pk])
    except NoReverseMatch:
        assert 'data-testid="book-link"' not in body
    else:
        assert f'href="{book}"' in body
    assert client.get(reverse("facilities:venue_new")).status_code == 403
    for user in (users["worker_a2"], users["town_b"]):
        other = login(user)
        assert other.get(reverse("facilities:venue", args=[hall.pk])).status_code == 404
        assert "多功能活动室" not in other.get(reverse("facilities:venues")).content.decode()


def test_adding_changing_and_closing_a_venue_through_the_pages(login, users, tree, centre):
    client = login(users["head_a1"])
    form = client.get(reverse("facilities:venue_new") + f"?facility={centre.pk}").content.decode()
    assert f'<option value="{centre.pk}" selected>' in form
    post = {
        "facility_id": str(centre.pk),
        "name": "舞蹈室",
        "kind": "activity",
        "capacity": "25",
        "approval": "approval",
        "for_residents": "on",
        "slot_minutes": "90",
        "max_slots": "2",
        "days_ahead": "7",
        "hours_mon": "18:00-21:00",
        "hours_wed": "18:00-21:00",
    }
    response = client.post(reverse("facilities:venue_new"), post)
    venue = Venue.objects.get()
    assert response.status_code == 302 and venue.slot_minutes == 90
    assert venue.for_residents and not venue.for_staff and venue.approval == "approval"
    bad = client.post(
        reverse("facilities:venue_edit", args=[venue.pk]), {**post, "hours_mon": "9-8"}
    )
    assert bad.status_code == 400 and 'id="venue-hours_mon_error"' in bad.content.decode()
    done = client.post(reverse("facilities:venue_close", args=[venue.pk]), follow=True)
    assert "The venue takes no more bookings." in done.content.decode()
    again = client.post(reverse("facilities:venue_reopen", args=[venue.pk]), follow=True)
    assert "takes bookings again" in again.content.decode()
    unit = client.post(
        reverse("facilities:venue_new"),
        {
            **post,
            "facility_id": "",
            "unit_name": "县图书馆",
            "area_code": tree["a1"].code,
            "name": "报告厅",
        },
    )
    assert unit.status_code == 302 and Venue.objects.get(name="报告厅").unit_name == "县图书馆"
