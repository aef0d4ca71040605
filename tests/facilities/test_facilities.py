"""The facility register: recording, changing and closing facilities, their photos, and who
sees what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.facilities import actions, queries
from linli.facilities.models import Booking, Facility, FacilityPhoto, Venue
from tests.facilities.register_fixtures import (  # noqa: F401 (fixtures)
    centre_fixture,
    facility_data,
    hall_fixture,
    head_a2_fixture,
    jpeg,
    save,
    venue_data,
)

# --- recording ---------------------------------------------------------------------------------


def test_a_community_head_records_a_facility_with_its_figures(users, tree):
    facility = save(users["head_a1"], tree["a1"])
    facility.refresh_from_db()
    assert facility.area_code == "220403001001" and facility.area == tree["a1"]
    assert facility.floor_area == Decimal("1200.50") and facility.activity_area == Decimal("800")
    assert facility.accessibility == ["ramp", "toilet"] and facility.terminals == 2
    assert facility.hours["mon"] == [["08:30", "12:00"], ["13:30", "18:30"]]
    assert facility.open_days == 7 and facility.min_daily_hours == Decimal("8.00")
    assert facility.latitude == Decimal("43.880512") and facility.created_by == users["head_a1"]
    event = AuditEvent.objects.get(action="facility.create")
    assert event.target_id == str(facility.pk) and event.area_code == "220403001001"
    assert event.extra["kind"] == "comprehensive"


def test_a_town_records_its_own_facility_on_the_town(users, tree):
    station = save(users["town_a"], tree["town_a"], name="仙城街道社会工作站", kind="social_work")
    assert station.area_code == "220403001000"
    listed = queries.facility_list(actor=users["town_a"])
    assert list(listed) == [station]
    assert not queries.facility_list(actor=users["worker_a1"]).exists()


def test_short_days_are_measured(users, tree):
    facility = save(
        users["head_a1"],
        tree["a1"],
        hours={"mon": "08:30-12:00", "tue": [["08:00", "18:00"]], "sat": ""},
    )
    assert facility.open_days == 2 and facility.min_daily_hours == Decimal("3.50")
    assert list(queries.facility_list(actor=users["head_a1"], filters={"short_hours": "1"})) == [
        facility
    ]


def test_the_activity_area_cannot_exceed_the_floor_area(users, tree):
    with pytest.raises(ActionError) as caught:
        save(users["head_a1"], tree["a1"], floor_area="100", activity_area="120")
    assert "activity_area" in caught.value.errors
    assert (
        not Facility.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="facility").exists()
    )


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        ("60.1", "125.3", "latitude"),
        ("43.9", "150", "longitude"),
        ("-10", "10", "latitude"),
        ("43.9", "", "longitude"),
    ],
)
def test_map_points_outside_china_are_refused(users, tree, lat, lng, field):
    with pytest.raises(ActionError) as caught:
        save(users["head_a1"], tree["a1"], latitude=lat, longitude=lng)
    assert field in caught.value.errors
    assert not Facility.objects.exists()


def test_bad_hours_name_their_day_and_nothing_is_written(users, tree):
    with pytest.raises(ActionError) as caught:
        save(users["head_a1"], tree["a1"], hours={"mon": "08:30-12:00", "wed": "18:00-09:00"})
    assert list(caught.value.errors) == ["hours.wed"]
    assert "Wednesday" in caught.value.errors["hours.wed"][0]
    with pytest.raises(ActionError) as caught:
        save(users["head_a1"], tree["a1"], hours={"monday": "08:30-12:00"})
    assert "hours" in caught.value.errors
    assert not Facility.objects.exists()


def test_every_problem_is_named_at_once(users, tree):
    with pytest.raises(ActionError) as caught:
        actions.facility_save(
            actor=users["head_a1"],
            area_code=tree["a1"].code,
            name="",
            kind="castle",
            floor_area="0",
            year_built=1800,
            terminals=-1,
            phone="call me",
            new_build=True,
        )
    assert {
        "name",
        "kind",
        "floor_area",
        "year_built",
        "terminals",
        "phone",
        "residential_area",
    } <= set(caught.value.errors)


def test_a_new_build_gives_the_housing_it_serves(users, tree):
    facility = save(
        users["head_a1"],
        tree["a1"],
        new_build=True,
        residential_area="85000",
        commercial_area="1200",
    )
    assert facility.new_build and facility.residential_area == Decimal("85000.00")
    plain = save(users["head_a1"], tree["a1"], name="另一处", residential_area="500")
    assert plain.residential_area is None  # only kept for a new build


def test_a_facility_being_built_may_give_the_year_it_will_be_finished(users, tree):
    next_year = timezone.localdate().year + 1
    facility = save(users["head_a1"], tree["a1"], status="building", year_built=next_year)
    assert facility.year_built == next_year
    with pytest.raises(ActionError) as caught:
        save(users["head_a1"], tree["a1"], name="已建成", year_built=next_year)
    assert "year_built" in caught.value.errors


def test_names_are_unique_in_an_area(users, tree, centre, head_a2):
    with pytest.raises(Conflict):
        save(users["head_a1"], tree["a1"])
    other = save(head_a2, tree["a2"])  # the same name in the neighbour community is fine
    assert other.area_code == tree["a2"].code


def test_only_facility_managers_of_the_area_record(users, tree, centre):
    for who in ("worker_a1", "resident_a1", "town_b", "grid_a1"):
        with pytest.raises(ActionError) as caught:
            save(users[who], tree["a1"], name="不该有的")
        assert isinstance(caught.value, Forbidden), who
    with pytest.raises(Forbidden):
        save(users["head_a1"], tree["a2"], name="邻居的")
    with pytest.raises(ActionError):
        save(users["head_a1"], tree["county"], name="县里的")  # a county is not a place for it
    assert Facility.objects.count() == 1


def test_changing_a_facility_replaces_its_record(users, tree, centre):
    changed = actions.facility_save(
        actor=users["head_a1"],
        area_code=tree["a1"].code,
        facility_id=centre.pk,
        **facility_data(terminals=0, hours={"mon": "09:00-17:00"}, accessibility=[]),
    )
    assert changed.pk == centre.pk and changed.terminals == 0 and changed.open_days == 1
    assert changed.accessibility == []
    event = AuditEvent.objects.get(action="facility.update")
    assert set(event.extra["fields"]) == {"terminals", "hours", "accessibility"}


def test_a_neighbour_cannot_change_or_see_a_facility(users, tree, centre, head_a2):
    with pytest.raises(NotFound):
        actions.facility_save(
            actor=head_a2, area_code=tree["a2"].code, facility_id=centre.pk, **facility_data()
        )
    with pytest.raises(NotFound):
        queries.facility_get(actor=head_a2, facility_id=centre.pk)
    with pytest.raises(NotFound):
        actions.facility_close(actor=users["worker_a2"], facility_id=centre.pk)
    assert not queries.facility_list(actor=users["worker_a2"]).exists()
    assert not queries.facility_list(actor=users["town_b"]).exists()
    assert queries.facility_map_points(actor=users["town_b"]).points == []


def test_a_viewer_may_not_close(users, centre):
    with pytest.raises(Forbidden):
        actions.facility_close(actor=users["worker_a1"], facility_id=centre.pk)
    centre.refresh_from_db()
    assert centre.status == "open"


def test_closing_keeps_the_record_and_stops_its_venues(users, centre, hall):
    booker = users["resident_a1"]
    start = timezone.now() + dt.timedelta(days=2)
    Booking.objects.create(
        venue=hall,
        area_code=hall.area_code,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        status=Booking.Status.CONFIRMED,
        booker=booker,
        booker_kind="resident",
        purpose="书法兴趣小组",
        client_key="3f1b6a3e-6a57-4c1b-9d0e-2d3c4b5a6f70",
    )
    closed = actions.facility_close(actor=users["head_a1"], facility_id=centre.pk)
    assert closed.status == "closed" and closed.venues_closed == 1 and closed.bookings_affected == 1
    assert Facility.objects.filter(pk=centre.pk).exists()
    assert not Venue.objects.get(pk=hall.pk).active
    assert Booking.objects.get().status == "confirmed"  # kept for the bookings desk
    event = AuditEvent.objects.get(action="facility.close")
    assert event.extra == {"venues_closed": 1, "bookings_affected": 1}
    with pytest.raises(Conflict):
        actions.facility_close(actor=users["head_a1"], facility_id=centre.pk)


# --- photos ------------------------------------------------------------------------------------


def test_photos_are_added_reencoded_and_removed(users, centre, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    added = actions.facility_photo_add(
        actor=users["head_a1"],
        facility_id=centre.pk,
        photos=[jpeg(), jpeg((0, 90, 0))],
        caption="正门",
    )
    assert [p.caption for p in added] == ["正门", "正门"] and added[0].width == 64
    assert added[0].file.name.endswith(".jpg")
    name = added[0].file.name
    assert (tmp_path / name).exists()
    assert (
        queries.facility_photo_get(
            actor=users["worker_a1"], facility_id=centre.pk, photo_id=added[0].pk
        )
        == added[0]
    )
    actions.facility_photo_remove(
        actor=users["head_a1"], facility_id=centre.pk, photo_id=added[0].pk
    )
    assert FacilityPhoto.objects.count() == 1
    assert AuditEvent.objects.filter(action="facility.photo_remove").count() == 1


def test_a_facility_keeps_six_photos_at_most(users, centre, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actions.facility_photo_add(actor=users["head_a1"], facility_id=centre.pk, photos=[jpeg()] * 5)
    with pytest.raises(ActionError) as caught:
        actions.facility_photo_add(
            actor=users["head_a1"], facility_id=centre.pk, photos=[jpeg(), jpeg()]
        )
    assert "photos" in caught.value.errors and FacilityPhoto.objects.count() == 5


def test_a_file_that_is_not_a_photo_is_refused(users, centre, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    import io

    fake = io.BytesIO(b"not a picture at all")
    fake.name = "x.jpg"
    with pytest.raises(ActionError):
        actions.facility_photo_add(actor=users["head_a1"], facility_id=centre.pk, photos=[fake])
    with pytest.raises(Forbidden):
        actions.facility_photo_add(actor=users["worker_a1"], facility_id=centre.pk, photos=[jpeg()])
    assert not FacilityPhoto.objects.exists()


# --- reading -----------------------------------------------------------------------------------


def test_the_list_filters_and_counts(users, tree, centre):
    head = users["head_a1"]
    save(head, tree["a1"], name="卫生服务站", kind="health_station", terminals=0, accessibility=[])
    save(
        head,
        tree["a1"],
        name="健身广场",
        kind="fitness",
        terminals=0,
        accessibility=[],
        latitude="",
        longitude="",
        status="building",
    )

    def names(**filters):
        return sorted(f.name for f in queries.facility_list(actor=head, filters=filters))

    assert names(kind="health_station") == ["卫生服务站"]
    assert names(no_terminal="1") == ["健身广场", "卫生服务站"]
    assert names(accessible=True) == ["仙城社区党群服务中心"]
    assert names(q="仙城路") == ["仙城社区党群服务中心", "健身广场", "卫生服务站"]
    assert names(status="building") == ["健身广场"]
    assert names(area="220403001") == names()
    counts = queries.facility_counts(actor=head)
    assert (counts.total, counts.open, counts.no_terminal, counts.accessible) == (3, 2, 2, 1)
    with pytest.raises(ActionError):
        queries.facility_list(actor=head, filters={"kind": "castle"})
    with pytest.raises(ActionError):
        queries.facility_list(actor=head, filters={"area": "abc"})
    points = queries.facility_map_points(actor=head)
    assert len(points.points) == 2 and points.without_point == 1 and not points.truncated
    assert {p.name for p in points.points} == {"仙城社区党群服务中心", "卫生服务站"}


def test_the_list_takes_a_fixed_number_of_queries(users, tree, centre, django_assert_num_queries):
    head = users["head_a1"]
    for number in range(5):
        save(head, tree["a1"], name=f"站点{number}")
    head = type(head).objects.get(pk=head.pk)
    with django_assert_num_queries(2):  # the grants, then the page with its areas
        rows = list(queries.facility_list(actor=head)[:20])
        assert [row.area.name for row in rows]
    with django_assert_num_queries(3):  # facility, photos, venues
        found = queries.facility_get(actor=head, facility_id=centre.pk)
        list(found.photos.all()), list(found.venues.all())


def test_area_choices_are_the_towns_and_communities_one_manages(users, tree):
    assert [a.code for a in queries.facility_area_choices(actor=users["head_a1"])] == [
        tree["a1"].code
    ]
    codes = [a.code for a in queries.facility_area_choices(actor=users["town_a"])]
    assert codes == [tree["town_a"].code, tree["a1"].code, tree["a2"].code]
    assert queries.facility_area_choices(actor=users["worker_a1"]) == []
