"""Intake (actions.intake, actions.photos): a resident's own appeal, a worker's on a resident's
behalf; every bad input refused before anything is written; photos re-encoded without EXIF."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image

from linli.appeals import actions, queries
from linli.appeals.models import (
    Appeal,
    Category,
    Dispatch,
    Photo,
    State,
    Unit,
    add_workdays,
    warn_from,
)
from linli.core.errors import ActionError, Forbidden
from linli.core.models import AuditEvent, Notification
from linli.core.roles import Role
from linli.core.scoping import SYSTEM

from ..conftest import make_area, make_user


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refused(counts, exc_type, field, call):
    """Run ``call``; it must raise ``exc_type`` naming ``field`` and write nothing."""
    before = counts()
    with pytest.raises(exc_type) as info:
        call()
    if field is not None:
        assert field in info.value.errors, info.value.errors
    assert counts() == before
    return info.value


def community_unit(tree, key="a1") -> Unit:
    return queries.unit_for_area(tree[key].code, Unit.Kind.COMMUNITY)


# --- the resident's own appeal -----------------------------------------------------------------


def test_resident_submits_online_and_it_goes_straight_to_the_community(
    tree, users, catalogue, submit, clock
):
    now = clock()
    appeal = submit(attributes={"when": "night"})
    appeal.refresh_from_db()
    a1 = community_unit(tree)
    assert appeal.channel == "online"
    assert appeal.state == State.DISPATCHED
    assert appeal.unit == a1 and appeal.accountable_unit == a1
    assert appeal.submitter == users["resident_a1"] and appeal.entered_by is None
    assert appeal.contact_name == "王秀兰" and appeal.contact_phone == "13900000001"
    assert appeal.title == "楼上每天深夜装修，电钻声音很大"
    assert appeal.attributes == {"when": "night"}
    assert appeal.number == f"20261118-{appeal.pk}"
    # General tier: accept within a day, resolve within 7 working days.
    assert appeal.respond_due == now + dt.timedelta(days=1)
    assert appeal.resolve_due == add_workdays(now, 7, {})
    assert appeal.resolve_due.date() == dt.date(2026, 11, 27)
    assert appeal.due_at == appeal.respond_due
    assert appeal.warn_at == warn_from(now, appeal.respond_due)
    dispatch = Dispatch.objects.get(appeal=appeal)
    assert (dispatch.unit, dispatch.live, dispatch.accepted_at) == (a1, True, None)
    assert list(appeal.events.values_list("kind", flat=True)) == ["submitted", "dispatched"]
    assert all(e.public and e.at == now for e in appeal.events.all())
    audit = AuditEvent.objects.get(action="appeal.submit")
    assert audit.actor == users["resident_a1"] and audit.target_id == str(appeal.pk)
    assert audit.extra == {
        "state": "dispatched",
        "category": catalogue["noise"].pk,
        "channel": "online",
        "unit": a1.pk,
        "photos": 0,
    }
    told = Notification.objects.filter(kind="appeal.dispatched", target_id=str(appeal.pk))
    assert set(told.values_list("user__username", flat=True)) == {"worker_a1", "head_a1"}


def test_each_intake_event_records_its_own_step(submit):
    appeal = submit()
    steps = list(appeal.events.values_list("kind", "from_state", "to_state"))
    assert steps == [("submitted", "", "submitted"), ("dispatched", "submitted", "dispatched")]


def test_the_tier_of_the_category_sets_the_clocks(tree, users, catalogue, submit, clock):
    now = clock()
    lift = submit(category_id=catalogue["property.lift"].pk, attributes={"trapped": "no"})
    assert lift.respond_due == now + dt.timedelta(minutes=120)
    assert lift.resolve_due == now + dt.timedelta(hours=24)
    urgent = submit(category_id=catalogue["urgent"].pk)
    assert urgent.respond_due == now + dt.timedelta(minutes=30)
    assert urgent.resolve_due == now + dt.timedelta(hours=2)


def test_a_long_first_line_makes_a_short_title(submit):
    appeal = submit(
        description="小区东门外的路灯已经坏了两个多星期，晚上出门特别黑，老人摔倒过一次。\n请尽快修理"
    )
    assert appeal.title == "小区东门外的路灯已经坏了两个多星期，晚上出门特别黑，老人摔倒…"
    assert len(appeal.title) == 31
    titled = submit(title="  东门路灯坏了  ")
    assert titled.title == "东门路灯坏了"


def test_a_private_category_is_never_public(submit, catalogue):
    assert submit(public=True).public is True
    assert submit(public=True, category_id=catalogue["dispute"].pk).public is False


def test_a_grid_appeal_keeps_its_grid_code(tree, submit):
    appeal = submit(area_code=tree["grid_a1"].code)
    assert appeal.area_code == tree["grid_a1"].code
    assert appeal.unit == community_unit(tree)


def test_contact_details_given_by_the_resident_win_over_the_account(submit):
    appeal = submit(contact_name="王阿姨", contact_phone="+86 139-0000-0009")
    assert (appeal.contact_name, appeal.contact_phone) == ("王阿姨", "13900000009")


def test_a_landline_is_accepted(submit):
    assert submit(contact_phone="0431-8888 1234").contact_phone == "043188881234"


def test_a_map_point_in_china_is_kept(submit):
    appeal = submit(lat="43.8868", lng="125.3245")
    assert (str(appeal.lat), str(appeal.lng)) == ("43.886800", "125.324500")


# --- refused -----------------------------------------------------------------------------------


def test_a_category_of_another_county_is_refused(tree, users, submit, counts):
    other = make_area("220402", "龙山区")
    actions.appeal_defaults_load(actor=SYSTEM, county_code=other.code)
    foreign = Category.objects.get(area_code=other.code, key="noise")
    refused(counts, ActionError, "category", lambda: submit(category_id=foreign.pk))


def test_an_inactive_or_unknown_category_is_refused(catalogue, submit, counts):
    Category.objects.filter(pk=catalogue["noise"].pk).update(active=False)
    refused(counts, ActionError, "category", lambda: submit())
    refused(counts, ActionError, "category", lambda: submit(category_id="noise"))
    refused(counts, ActionError, "category", lambda: submit(category_id=None))


@pytest.mark.parametrize("where", ["town_a", "county", "missing", "letters", "short"])
def test_the_place_must_be_a_community_or_grid(tree, submit, counts, where):
    code = {
        "town_a": tree["town_a"].code,
        "county": tree["county"].code,
        "missing": "220403001099",
        "letters": "22040300100a",
        "short": "220403001",
    }[where]
    refused(counts, ActionError, "area_code", lambda: submit(area_code=code))


@pytest.mark.parametrize("text", ["", "   ", "太吵了", "x" * 2001])
def test_the_description_must_say_enough(submit, counts, text):
    refused(counts, ActionError, "description", lambda: submit(description=text))


def test_too_long_a_title_or_address_is_refused(submit, counts):
    refused(counts, ActionError, "title", lambda: submit(title="标" * 81))
    refused(counts, ActionError, "address", lambda: submit(address="址" * 201))


@pytest.mark.parametrize("phone", ["12345", "2390000000", "139000000011", "0431-123", "电话"])
def test_a_bad_phone_is_refused(submit, counts, phone):
    refused(counts, ActionError, "contact_phone", lambda: submit(contact_phone=phone))


@pytest.mark.parametrize(
    ("lat", "lng"),
    [("51.5", "-0.12"), ("-33.9", "151.2"), ("39.9", "150"), ("abc", "116"), ("39.9", None)],
)
def test_a_map_point_outside_china_or_malformed_is_refused(submit, counts, lat, lng):
    refused(counts, ActionError, "lat", lambda: submit(lat=lat, lng=lng))


def test_a_map_point_that_is_not_a_number_is_refused(submit, counts):
    refused(counts, ActionError, "lat", lambda: submit(lat="NaN", lng="NaN"))


def test_the_category_s_questions_are_checked(catalogue, submit, counts):
    lift = catalogue["property.lift"].pk
    refused(counts, ActionError, "attributes.trapped", lambda: submit(category_id=lift))
    refused(
        counts,
        ActionError,
        "attributes.trapped",
        lambda: submit(category_id=lift, attributes={"trapped": "  "}),
    )
    refused(
        counts,
        ActionError,
        "attributes.trapped",
        lambda: submit(category_id=lift, attributes={"trapped": "maybe"}),
    )
    refused(
        counts,
        ActionError,
        "attributes",
        lambda: submit(category_id=lift, attributes={"trapped": "no", "colour": "red"}),
    )
    refused(counts, ActionError, "attributes", lambda: submit(attributes=["night"]))
    refused(counts, ActionError, "attributes.when", lambda: submit(attributes={"when": "noon"}))
    leak = catalogue["property.leak"].pk
    refused(
        counts,
        ActionError,
        "attributes.floor",
        lambda: submit(category_id=leak, attributes={"floor": "third"}),
    )
    assert submit(category_id=lift, attributes={"trapped": "yes"}).attributes == {"trapped": "yes"}
    assert submit(category_id=leak, attributes={"floor": "6"}).attributes == {"floor": 6}


def test_a_visitor_who_is_not_logged_in_cannot_submit(submit, counts):
    refused(counts, Forbidden, None, lambda: submit(actor=AnonymousUser()))


def test_an_unknown_channel_is_refused(submit, counts):
    refused(counts, ActionError, "channel", lambda: submit(channel="fax"))


@pytest.mark.parametrize("channel", ["window", "phone", "patrol", "care_visit"])
def test_a_resident_cannot_use_a_staff_channel(users, submit, counts, channel):
    refused(counts, Forbidden, None, lambda: submit(channel=channel))


def test_a_worker_cannot_take_an_appeal_in_the_neighbouring_community(users, submit, counts):
    refused(counts, Forbidden, None, lambda: submit(actor=users["worker_a2"], channel="window"))


# --- staff intake (首问负责) -------------------------------------------------------------------


def test_window_intake_records_the_worker_and_makes_their_unit_accountable(
    tree, users, submit, catalogue
):
    appeal = submit(
        actor=users["worker_a1"],
        channel="window",
        contact_name="李大爷",
        contact_phone="0431-88881234",
    )
    assert appeal.channel == "window"
    assert appeal.entered_by == users["worker_a1"]
    assert appeal.submitter is None  # a landline links no account
    assert appeal.accountable_unit == community_unit(tree)
    assert appeal.contact_name == "李大爷"
    assert AuditEvent.objects.get(action="appeal.submit").extra["channel"] == "window"


def test_staff_intake_links_the_resident_account_with_that_phone(users, submit):
    appeal = submit(actor=users["worker_a1"], channel="phone", contact_phone="139 0000 0001")
    assert appeal.submitter == users["resident_a1"]
    assert appeal.entered_by == users["worker_a1"]
    assert list(queries.appeals_mine(actor=users["resident_a1"])) == [appeal]
    assert queries.appeal_get(actor=users["resident_a1"], appeal_id=appeal.pk) == appeal


def test_staff_intake_does_not_link_an_inactive_account(users, submit):
    users["resident_a1"].is_active = False
    users["resident_a1"].save()
    appeal = submit(actor=users["worker_a1"], channel="phone", contact_phone="13900000001")
    assert appeal.submitter is None


def test_a_grid_worker_s_patrol_finding_is_their_grid_s(tree, users, submit):
    appeal = submit(actor=users["grid_a1"], channel="patrol", area_code=tree["grid_a1"].code)
    grid = queries.unit_for_area(tree["grid_a1"].code, Unit.Kind.GRID)
    assert appeal.accountable_unit == grid
    assert appeal.unit == community_unit(tree)  # routed by the category's kind


def test_a_community_worker_s_window_appeal_in_a_grid_stays_with_the_community(tree, users, submit):
    # 首问负责: the worker's own unit is the community's, not the grid below it.
    appeal = submit(actor=users["worker_a1"], channel="window", area_code=tree["grid_a1"].code)
    assert appeal.accountable_unit == community_unit(tree)


def test_a_town_officer_s_phone_intake_is_the_town_s(tree, users, submit):
    appeal = submit(actor=users["town_a"], channel="phone")
    town = queries.unit_for_area(tree["a1"].code, Unit.Kind.TOWN)
    assert appeal.accountable_unit == town
    assert appeal.unit == community_unit(tree)


def test_a_building_head_takes_an_appeal_for_a_neighbour(tree, users, submit):
    head = make_user("building_head_a1", Role.BUILDING_HEAD, tree["a1"])
    appeal = submit(actor=head, channel="window")
    assert appeal.entered_by == head
    # A building head acts for no unit: the routed unit answers for it.
    assert appeal.accountable_unit == community_unit(tree)
    assert queries.appeal_get(actor=head, appeal_id=appeal.pk) == appeal


def test_window_intake_for_a_registered_resident_records_the_household(tree, users, submit):
    from linli.registry import actions as registry

    home = registry.household_create(
        actor=SYSTEM,
        community_code=tree["a1"].code,
        residence_type="registered",
        address="仙城路8号",
    )
    li = registry.resident_add(
        actor=SYSTEM, household_id=home.pk, name="李桂兰", relationship="head"
    )
    appeal = submit(actor=users["worker_a1"], channel="window", resident_id=li.pk)
    assert (appeal.resident, appeal.household_id) == (li, home.pk)
    assert appeal.contact_name == "李桂兰"


def test_a_resident_of_the_registry_the_worker_cannot_see_is_refused(tree, users, submit, counts):
    from linli.registry import actions as registry

    home = registry.household_create(
        actor=SYSTEM,
        community_code=tree["a1"].code,
        residence_type="registered",
        address="仙城路8号",
    )
    li = registry.resident_add(
        actor=SYSTEM, household_id=home.pk, name="李桂兰", relationship="head"
    )
    refused(
        counts,
        ActionError,
        "resident",
        lambda: submit(
            actor=users["worker_a2"], channel="window", area_code=tree["a2"].code, resident_id=li.pk
        ),
    )
    refused(
        counts,
        ActionError,
        "resident",
        lambda: submit(actor=users["worker_a1"], channel="window", resident_id="李"),
    )


def test_staff_may_submit_online_as_themselves(users, submit):
    appeal = submit(actor=users["worker_a2"])
    assert appeal.submitter == users["worker_a2"] and appeal.entered_by is None


# --- photos ------------------------------------------------------------------------------------


def png(width=120, height=80, name="photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def jpeg_with_gps(name="gps.jpg") -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Linli Test Camera"
    exif[ExifTags.Base.Orientation] = 6  # taken sideways: stored upright
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 53.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (125.0, 19.0, 28.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    data = buf.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the upload really carries a location
        assert check.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_a_png_is_stored_as_a_jpeg(users, submit, media):
    appeal = submit(photos=[png()])
    photo = Photo.objects.get(appeal=appeal)
    assert (photo.width, photo.height, photo.by_staff) == (120, 80, False)
    assert photo.uploaded_by == users["resident_a1"]
    assert photo.file.name.endswith(".jpg")
    assert str(media) in photo.file.path
    with Image.open(photo.file.path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (120, 80)
    assert photo.size == Path(photo.file.path).stat().st_size
    assert AuditEvent.objects.get(action="appeal.submit").extra["photos"] == 1


def test_camera_and_location_data_are_removed(submit, media):
    appeal = submit(photos=[jpeg_with_gps()])
    photo = Photo.objects.get(appeal=appeal)
    data = Path(photo.file.path).read_bytes()
    assert b"Exif" not in data and b"Linli Test Camera" not in data
    with Image.open(photo.file.path) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info
        assert stored.size == (48, 64)  # the orientation was applied before it was dropped


def test_a_large_photo_is_scaled_down(submit, media):
    appeal = submit(photos=[png(3200, 1000)])
    photo = Photo.objects.get(appeal=appeal)
    assert (photo.width, photo.height) == (1600, 500)


def test_photos_taken_in_at_the_window_are_the_staff_s(users, submit, media):
    appeal = submit(actor=users["worker_a1"], channel="window", photos=[png(), png()])
    assert list(appeal.photos.values_list("by_staff", flat=True)) == [True, True]


def test_a_text_file_is_refused_clearly(submit, counts, media):
    text = SimpleUploadedFile("notes.jpg", b"this is not a photo at all", content_type="image/jpeg")
    error = refused(counts, ActionError, "photos", lambda: submit(photos=[png(), text]))
    assert "JPEG, PNG or WebP" in str(error.message)
    assert not any(media.rglob("*.jpg"))


def test_too_many_photos_are_refused(submit, counts, media):
    error = refused(counts, ActionError, "photos", lambda: submit(photos=[png() for _ in range(7)]))
    assert "6" in str(error.message)
    assert len(submit(photos=[png() for _ in range(6)]).photos.all()) == 6


def test_too_large_a_photo_file_is_refused(submit, counts, media):
    big = SimpleUploadedFile("big.png", b"\0" * (8 * 1024 * 1024 + 1), content_type="image/png")
    refused(counts, ActionError, "photos", lambda: submit(photos=[big]))


def test_a_photo_over_the_pixel_limit_is_refused(submit, counts, media, monkeypatch):
    from linli.appeals.actions import photos

    # A small file can still decode to a huge picture: the limit is on pixels, not bytes.
    monkeypatch.setattr(photos, "PHOTO_MAX_PIXELS", 10_000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # restored after
    refused(counts, ActionError, "photos", lambda: submit(photos=[png(150, 100)]))
    assert submit(photos=[png(100, 100)]).photos.count() == 1


# --- duplicates --------------------------------------------------------------------------------


def test_likely_duplicates_are_open_recent_same_category_same_community(
    tree, users, catalogue, submit
):
    noise = catalogue["noise"].pk
    first = submit()
    second = submit()
    submit(category_id=catalogue["order"].pk)  # another category
    submit(actor=users["resident_a2"], area_code=tree["a2"].code)  # another community
    old = submit()
    Appeal.objects.filter(pk=old.pk).update(submitted_at=old.submitted_at - dt.timedelta(days=31))
    ended = submit()
    Appeal.objects.filter(pk=ended.pk).update(state=State.CLOSED)
    found = queries.appeal_duplicates(area_code=tree["a1"].code, category_id=noise)
    assert found == [second, first]
    grid = queries.appeal_duplicates(area_code=tree["grid_a1"].code, category_id=noise)
    assert grid == [second, first]
    assert queries.appeal_duplicates(
        area_code=tree["a1"].code, category_id=noise, exclude_id=second.pk
    ) == [first]


def test_with_a_map_pin_only_nearby_appeals_are_duplicates(tree, users, catalogue, submit):
    noise = catalogue["noise"].pk
    here = submit(lat="43.880000", lng="125.320000")
    near = submit(lat="43.881500", lng="125.321000")  # ~190 m away
    submit(lat="43.890000", lng="125.320000")  # ~1.1 km away, same community
    across = submit(
        actor=users["resident_a2"], area_code=tree["a2"].code, lat="43.880500", lng="125.320500"
    )
    unpinned = submit()
    found = queries.appeal_duplicates(
        area_code=tree["a1"].code, category_id=noise, lat="43.880200", lng="125.320100"
    )
    assert set(found) == {here, near, across, unpinned}
