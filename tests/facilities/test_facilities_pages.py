"""The facility pages: the list and its map (with or without map tiles), one facility with its
hours against the 8-hour rule, the form, photos and closing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from linli.facilities.models import Facility, FacilityPhoto
from tests.facilities.register_fixtures import (  # noqa: F401 (fixtures)
    centre_fixture,
    facility_data,
    hall_fixture,
    head_a2_fixture,
    jpeg,
    save,
)


def test_the_list_shows_facilities_with_their_hours_badge(login, users, tree, centre):
    save(
        users["head_a1"],
        tree["a1"],
        name="卫生服务站",
        kind="health_station",
        hours={"mon": "08:00-12:00"},
    )
    client = login(users["worker_a1"])
    response = client.get(reverse("facilities:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "仙城社区党群服务中心" in body and "卫生服务站" in body
    assert body.count('data-testid="short-hours"') == 1
    assert 'data-testid="facility-new"' not in body  # a worker reads, does not record
    filtered = client.get(reverse("facilities:list"), {"short_hours": "1"})
    assert "卫生服务站" in filtered.content.decode()
    assert "仙城社区党群服务中心" not in filtered.content.decode()


def test_a_bad_filter_is_a_message_not_an_error(login, users, centre):
    response = login(users["head_a1"]).get(reverse("facilities:list"), {"kind": "castle"})
    assert response.status_code == 400 and "Unknown kind." in response.content.decode()


def test_the_map_works_without_tiles(login, users, centre, settings):
    settings.LINLI_MAP_TILES = ""
    response = login(users["head_a1"]).get(reverse("facilities:list"), {"view": "map"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="map-no-tiles"' in body and 'data-tiles=""' in body
    assert "vendor/leaflet/leaflet.js" in body and "facilities/map.js" in body
    points = json.loads(
        body.split('id="fac-map-points" type="application/json">')[1].split("</script>")[0]
    )
    assert [(p["name"], p["lat"], p["short_hours"]) for p in points] == [
        ("仙城社区党群服务中心", 43.880512, False)
    ]
    assert points[0]["url"] == reverse("facilities:facility", args=[centre.pk])
    assert "tile.openstreetmap" not in body and "https://" not in body.split("data-tiles")[1][:20]


def test_the_map_gets_its_tiles_through_a_data_attribute(login, users, centre, settings):
    settings.LINLI_MAP_TILES = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.LINLI_MAP_ATTRIBUTION = "© 县测绘院"
    body = login(users["head_a1"]).get(reverse("facilities:list"), {"view": "map"}).content.decode()
    assert 'data-tiles="https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in body
    assert 'data-attribution="© 县测绘院"' in body and 'data-testid="map-no-tiles"' not in body


def test_pages_carry_no_inline_script_or_style(login, users, centre):
    client = login(users["head_a1"])
    for url in (
        reverse("facilities:list") + "?view=map",
        reverse("facilities:facility", args=[centre.pk]),
        reverse("facilities:facility_new"),
    ):
        body = client.get(url).content.decode()
        assert " style=" not in body and "onclick" not in body, url
        for chunk in body.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, (url, head)


def test_the_detail_shows_each_day_and_a_badge_for_short_days(login, users, tree):
    facility = save(
        users["head_a1"],
        tree["a1"],
        hours=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat"), "08:00-12:00, 13:00-17:00")
        | {"sun": "09:00-12:00"},
    )
    body = (
        login(users["worker_a1"])
        .get(reverse("facilities:facility", args=[facility.pk]))
        .content.decode()
    )
    assert 'data-testid="short-hours"' in body
    assert body.count('data-testid="day-short"') == 1
    assert 'data-day="sun" class="short"' not in body  # the class comes before data-day
    assert 'class="short" data-day="sun"' in body
    assert (
        '<span class="fac-range">08:00-12:00</span>, <span class="fac-range">13:00-17:00</span>'
        in body
    )
    assert ">ramp<" in body and ">accessible toilet<" in body and ">lift<" not in body
    assert 'data-testid="terminals">2<' in body


def test_a_full_week_shows_the_8_hour_badge(login, users, centre):
    body = (
        login(users["head_a1"])
        .get(reverse("facilities:facility", args=[centre.pk]))
        .content.decode()
    )
    assert 'data-testid="full-hours"' in body and 'data-testid="day-short"' not in body
    assert 'data-testid="facility-edit"' in body and 'data-testid="close-form"' in body


def test_a_neighbour_gets_nothing(login, users, centre, hall, head_a2):
    for user in (users["worker_a2"], head_a2, users["town_b"]):
        client = login(user)
        assert client.get(reverse("facilities:facility", args=[centre.pk])).status_code == 404
        assert client.get(reverse("facilities:facility_edit", args=[centre.pk])).status_code in (
            403,
            404,
        )
        listed = client.get(reverse("facilities:list")).content.decode()
        assert "仙城社区党群服务中心" not in listed
        mapped = client.get(reverse("facilities:list"), {"view": "map"}).content.decode()
        assert "仙城社区党群服务中心" not in mapped
        exported = client.get(reverse("facilities:export"))
        assert "仙城社区党群服务中心".encode() not in exported.content
    assert login(users["resident_a1"]).get(reverse("facilities:list")).status_code == 403


def _form(**more) -> dict:
    data = facility_data(**more)
    post = {key: value for key, value in data.items() if key not in ("hours", "accessibility")}
    post.update({f"hours_{day}": text for day, text in data["hours"].items()})
    post["accessibility"] = data["accessibility"]
    post.setdefault("status", "open")
    return post


def test_adding_a_facility_through_the_form(login, users, tree):
    client = login(users["head_a1"])
    assert client.get(reverse("facilities:facility_new")).status_code == 200
    response = client.post(reverse("facilities:facility_new"), _form(area_code=tree["a1"].code))
    facility = Facility.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "facilities:facility", args=[facility.pk]
    )
    assert facility.open_days == 7 and facility.accessibility == ["ramp", "toilet"]


def test_the_form_shows_errors_next_to_their_fields(login, users, tree):
    client = login(users["head_a1"])
    response = client.post(
        reverse("facilities:facility_new"),
        _form(
            area_code=tree["a1"].code,
            activity_area="5000",
            latitude="80",
            hours={"mon": "08:00-18:00", "tue": "25:00-26:00"},
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "cannot exceed the floor area" in body
    assert "latitude must lie in China" in body
    assert 'id="fac-hours_tue_error"' in body
    assert not Facility.objects.exists()


def test_changing_a_facility_through_the_form(login, users, tree, centre):
    client = login(users["head_a1"])
    page = client.get(reverse("facilities:facility_edit", args=[centre.pk])).content.decode()
    assert 'value="08:30-12:00, 13:30-18:30"' in page
    response = client.post(
        reverse("facilities:facility_edit", args=[centre.pk]),
        _form(area_code=tree["a1"].code, terminals="3"),
    )
    assert response.status_code == 302
    centre.refresh_from_db()
    assert centre.terminals == 3
    assert (
        login(users["worker_a1"])
        .get(reverse("facilities:facility_edit", args=[centre.pk]))
        .status_code
        == 403
    )


def test_photos_through_the_page(login, users, centre, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(users["head_a1"])
    response = client.post(
        reverse("facilities:facility_photos", args=[centre.pk]),
        {"photos": [jpeg(), jpeg((0, 0, 200))], "caption": "活动室"},
    )
    assert response.status_code == 302
    photo = FacilityPhoto.objects.first()
    image = client.get(reverse("facilities:facility_photo", args=[centre.pk, photo.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert (
        login(users["worker_a2"])
        .get(reverse("facilities:facility_photo", args=[centre.pk, photo.pk]))
        .status_code
        == 404
    )
    client = login(users["head_a1"])
    removed = client.post(reverse("facilities:facility_photo_remove", args=[centre.pk, photo.pk]))
    assert removed.status_code == 302 and FacilityPhoto.objects.count() == 1
    bad = client.post(reverse("facilities:facility_photos", args=[centre.pk]), {"photos": []})
    assert bad.status_code == 400


def test_closing_through_the_page(login, users, centre, hall):
    assert (
        login(users["worker_a1"])
        .post(reverse("facilities:facility_close", args=[centre.pk]))
        .status_code
        == 403
    )
    client = login(users["head_a1"])
    response = client.post(reverse("facilities:facility_close", args=[centre.pk]), follow=True)
    body = response.content.decode()
    assert "The facility is closed" in body and "1 venue stopped taking bookings" in body
    assert 'data-testid="closed-badge"' in body


@pytest.mark.parametrize("elderly", [False, True])
def test_the_list_works_in_elderly_mode(login, users, centre, client, elderly):
    client = login(users["head_a1"])
    if elderly:
        client.cookies["linli_elderly"] = "1"
    assert client.get(reverse("facilities:list")).status_code == 200


def _settings_with(tiles: str) -> subprocess.CompletedProcess:
    code = (
        "import linli.settings as s;"
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'][-1]);"
        "print(s.LINLI_MAP_TILES)"
    )
    env = {**os.environ, "LINLI_TESTING": "1", "LINLI_MAP_TILES": tiles}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("tiles", "origin"),
    [
        ("https://tiles.county.gov.cn/{z}/{x}/{y}.png", "https://tiles.county.gov.cn"),
        ("https://t{s}.tianditu.gov.cn/vec_w/{z}/{x}/{y}", "https://*.tianditu.gov.cn"),
        ("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
        ("/tiles/{z}/{x}/{y}.png", "blob:"),  # the site itself: nothing to add
    ],
)
def test_the_tile_origin_is_allowed_by_the_content_security_policy(tiles, origin):
    done = _settings_with(tiles)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [origin, tiles]


def test_a_tile_setting_that_is_not_a_template_stops_start_up():
    done = _settings_with("https://tiles.county.gov.cn/tile.png")
    assert done.returncode != 0 and "LINLI_MAP_TILES must be" in done.stderr
