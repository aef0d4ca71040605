"""Open311 GeoReport v2 at /open311/v2/: the catalogue as services, posting with a client key,
reading public appeals only, tokens, discovery — in JSON and in XML."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone, translation

from linli.appeals import actions
from linli.appeals.models import Appeal, Category, Channel, Open311Client, State, Unit
from linli.core.models import AuditEvent
from linli.core.scoping import SYSTEM

from ..conftest import make_area

KEY = "o311_testkey"
BASE = "/open311/v2"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def county(tree):
    return tree["county"].code


@pytest.fixture
def o311(tree):
    """A client of the whole county, with the key ``KEY``."""
    return Open311Client.objects.create(
        name="12345 热线对接",
        area_code=tree["county"].code,
        prefix=KEY[:8],
        digest=Open311Client.digest_of(KEY),
    )


def get(client, path, **params):
    return client.get(f"{BASE}/{path}", params, HTTP_ACCEPT_LANGUAGE="en")


def post(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data, HTTP_ACCEPT_LANGUAGE="en")


def body(response):
    return json.loads(response.content.decode("utf-8"))


def xml(response):
    text = response.content.decode("utf-8")
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def error_texts(response) -> list[str]:
    items = body(response)
    assert all(item["code"] == response.status_code for item in items)
    return [item["description"] for item in items]


def good_post(tree, catalogue, **overrides):
    data = {
        "api_key": KEY,
        "jurisdiction_id": tree["county"].code,
        "service_code": str(catalogue["noise"].pk),
        "area_code": tree["a1"].code,
        "address_string": "仙城路1号1号楼",
        "lat": "43.92",
        "long": "125.32",
        "description": "楼上每天深夜装修，电钻声音很大",
        "first_name": "秀兰",
        "last_name": "王",
        "phone": "13911112222",
        "email": "wang@example.com",
        "media_url": "https://example.com/noise.jpg",
        "attribute[when]": "night",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def resolve(users, appeal, text="已协调施工方，夜间停工"):
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk, message="我们明天上门查看")
    return actions.appeal_resolve(actor=users["worker_a1"], appeal_id=appeal.pk, resolution=text)


# --- services ---------------------------------------------------------------------------------


def test_services_list_the_countys_active_categories_in_json(client, county, catalogue):
    catalogue["other"].active = False
    catalogue["other"].save()
    response = get(client, "services.json", jurisdiction_id=county)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    rows = {row["service_code"]: row for row in body(response)}
    active = Category.objects.filter(area_code=county, active=True)
    assert set(rows) == {str(c.pk) for c in active}
    assert str(catalogue["other"].pk) not in rows
    noise = rows[str(catalogue["noise"].pk)]
    assert noise["service_name"] == "Noise"
    assert noise["metadata"] is True
    assert noise["type"] == "realtime"
    assert noise["group"] == "Noise"
    assert noise["keywords"] == "Noise"
    leak = rows[str(catalogue["property.leak"].pk)]
    assert leak["service_name"] == "Leaks and building repairs"
    assert leak["group"] == "Property and repairs"
    assert leak["keywords"] == "Leaks and building repairs, Property and repairs"
    assert rows[str(catalogue["order"].pk)]["metadata"] is False


def test_a_renamed_category_keeps_its_built_in_name_as_a_keyword(client, county, catalogue):
    leak = catalogue["property.leak"]
    leak.name = "漏水报修"
    leak.save()
    rows = {
        r["service_code"]: r for r in body(get(client, "services.json", jurisdiction_id=county))
    }
    row = rows[str(leak.pk)]
    assert row["service_name"] == "漏水报修"
    assert row["keywords"] == "漏水报修, Leaks and building repairs, Property and repairs"


def test_services_in_xml_use_the_specifications_elements(client, county, catalogue):
    response = get(client, "services.xml", jurisdiction_id=county)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = xml(response)
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == Category.objects.filter(area_code=county, active=True).count()
    noise = next(s for s in services if s.findtext("service_code") == str(catalogue["noise"].pk))
    assert noise.findtext("service_name") == "Noise"
    assert noise.findtext("metadata") == "true"
    assert noise.findtext("type") == "realtime"


def test_service_definition_gives_the_questions(client, county, catalogue):
    noise = catalogue["noise"]
    response = get(client, f"services/{noise.pk}.json", jurisdiction_id=county)
    assert response.status_code == 200
    document = body(response)
    assert document["service_code"] == str(noise.pk)
    [when] = document["attributes"]
    assert when["code"] == "when"
    assert when["variable"] is True
    assert when["datatype"] == "singlevaluelist"
    assert when["required"] is False
    assert when["order"] == 1
    assert when["description"] == "When does it happen?"
    assert when["datatype_description"]
    assert [v["key"] for v in when["values"]] == ["day", "evening", "night"]
    assert when["values"][2]["name"] == "At night (22:00 to 06:00)"

    lift = catalogue["property.lift"]
    root = xml(get(client, f"services/{lift.pk}.xml", jurisdiction_id=county))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == str(lift.pk)
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "trapped"
    assert attribute.findtext("required") == "true"
    assert attribute.findtext("variable") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["yes", "no"]


def test_a_category_without_questions_has_an_empty_definition(client, county, catalogue):
    response = get(client, f"services/{catalogue['order'].pk}.json", jurisdiction_id=county)
    assert body(response) == {"service_code": str(catalogue["order"].pk), "attributes": []}


def test_unknown_service_code_is_404(client, tree, county, catalogue):
    response = get(client, "services/999999.json", jurisdiction_id=county)
    assert response.status_code == 404
    assert "service_code" in error_texts(response)[0]
    # another county's category is not a service here
    other = make_area("220402", "龙山区")
    actions.appeal_defaults_load(actor=SYSTEM, county_code=other.code)
    foreign = Category.objects.filter(area_code=other.code, key="noise").get()
    assert get(client, f"services/{foreign.pk}.json", jurisdiction_id=county).status_code == 404
    inactive = catalogue["other"]
    inactive.active = False
    inactive.save()
    assert get(client, f"services/{inactive.pk}.json", jurisdiction_id=county).status_code == 404


@pytest.mark.parametrize(
    "path",
    ["services.json", "services/1.json", "requests.json", "requests/1.json", "tokens/a.json"],
)
def test_jurisdiction_id_is_required_and_must_be_known(client, catalogue, path):
    missing = get(client, path)
    assert missing.status_code == 400
    assert "jurisdiction_id" in error_texts(missing)[0]
    for unknown in ("220499000000", "nonsense", "220000000000"):
        response = get(client, path, jurisdiction_id=unknown)
        assert response.status_code == 404, unknown
        assert "jurisdiction_id" in error_texts(response)[0]


def test_errors_in_xml_follow_the_specification(client, catalogue):
    response = get(client, "services.xml", jurisdiction_id="220499000000")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = xml(response)
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "404"
    assert "220499000000" in root.find("error").findtext("description")


def test_a_county_without_a_catalogue_is_no_jurisdiction(client, tree):
    response = get(client, "services.json", jurisdiction_id=tree["county"].code)
    assert response.status_code == 404


def test_a_town_code_selects_its_countys_catalogue(client, tree, catalogue):
    response = get(client, "services.json", jurisdiction_id=tree["town_a"].code)
    assert response.status_code == 200
    assert str(catalogue["noise"].pk) in {row["service_code"] for row in body(response)}


# --- posting ----------------------------------------------------------------------------------


def test_posting_with_a_valid_key_creates_a_routed_appeal(client, tree, catalogue, o311):
    response = post(client, **good_post(tree, catalogue))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [row] = body(response)
    appeal = Appeal.objects.get(pk=int(row["service_request_id"]))
    assert row["token"] == appeal.token
    assert row["account_id"] is None
    assert appeal.number in row["service_notice"]
    assert "7 working days" in row["service_notice"]
    # routed like any other appeal: straight to A1's community unit
    assert appeal.state == State.DISPATCHED
    assert appeal.unit.kind == Unit.Kind.COMMUNITY
    assert appeal.unit.area_code == tree["a1"].code
    assert appeal.channel == Channel.OPEN311
    assert appeal.client == o311
    assert appeal.submitter is None
    assert appeal.category == catalogue["noise"]
    assert appeal.area_code == tree["a1"].code
    assert appeal.attributes == {"when": "night"}
    assert appeal.contact_name == "王秀兰"
    assert appeal.contact_phone == "13911112222"
    assert appeal.address == "仙城路1号1号楼"
    assert float(appeal.lat) == pytest.approx(43.92)
    assert appeal.public is False  # not listed unless the client says the resident agreed
    assert "example.com" not in appeal.description  # media_url is not kept
    assert AuditEvent.objects.filter(action="appeal.submit", target_id=str(appeal.pk)).exists()
    o311.refresh_from_db()
    assert o311.last_used_at is not None


def test_posting_answers_in_xml_and_ignores_csrf(tree, catalogue, o311):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"{BASE}/requests.xml", good_post(tree, catalogue))
    assert response.status_code == 200, response.content
    root = xml(response)
    assert root.tag == "service_requests"
    request = root.find("request")
    appeal = Appeal.objects.get(pk=int(request.findtext("service_request_id")))
    assert request.findtext("token") == appeal.token
    assert request.find("account_id") is not None and not request.findtext("account_id")


def test_the_timeline_is_written_in_the_sites_language(client, tree, catalogue, o311, monkeypatch):
    seen_languages = []
    original = actions.appeal_submit

    def spy(**kwargs):
        seen_languages.append(translation.get_language())
        return original(**kwargs)

    monkeypatch.setattr(actions, "appeal_submit", spy)
    response = post(client, **good_post(tree, catalogue))  # the client asks for English
    assert response.status_code == 200
    assert seen_languages == ["zh-hans"]
    assert "working days" in body(response)[0]["service_notice"]  # its answer is in English


def test_key_use_is_recorded_at_most_every_five_minutes(client, tree, catalogue, o311):
    earlier = timezone.now() - dt.timedelta(minutes=2)
    Open311Client.objects.filter(pk=o311.pk).update(last_used_at=earlier)
    assert post(client, **good_post(tree, catalogue)).status_code == 200
    o311.refresh_from_db()
    assert o311.last_used_at == earlier
    long_ago = timezone.now() - dt.timedelta(minutes=6)
    Open311Client.objects.filter(pk=o311.pk).update(last_used_at=long_ago)
    assert post(client, **good_post(tree, catalogue)).status_code == 200
    o311.refresh_from_db()
    assert o311.last_used_at > long_ago


@pytest.mark.parametrize("key", [None, "", "o311_wrongkey"])
def test_missing_or_bad_key_is_403(client, tree, catalogue, o311, key):
    response = post(client, **good_post(tree, catalogue, api_key=key))
    assert response.status_code == 403
    assert "api_key" in error_texts(response)[0]
    assert not Appeal.objects.exists()


def test_revoked_key_is_403_in_xml_too(client, tree, catalogue, o311):
    o311.active = False
    o311.save()
    response = post(client, "xml", **good_post(tree, catalogue))
    assert response.status_code == 403
    root = xml(response)
    assert root.find("error").findtext("code") == "403"
    assert "api_key" in root.find("error").findtext("description")
    assert not Appeal.objects.exists()


def test_a_key_posts_only_inside_its_own_area(client, tree, catalogue, o311):
    town_key = "o311_townkey"
    Open311Client.objects.create(
        name="仙城街道小程序",
        area_code=tree["town_a"].code,
        prefix=town_key[:8],
        digest=Open311Client.digest_of(town_key),
    )
    # the town's key cannot speak for the whole county, nor for town B
    for jurisdiction in (tree["county"].code, tree["town_b"].code):
        response = post(
            client, **good_post(tree, catalogue, api_key=town_key, jurisdiction_id=jurisdiction)
        )
        assert response.status_code == 403, jurisdiction
        assert "jurisdiction" in error_texts(response)[0]
    # within town A it may
    response = post(
        client, **good_post(tree, catalogue, api_key=town_key, jurisdiction_id=tree["town_a"].code)
    )
    assert response.status_code == 200
    # an unknown jurisdiction is 404, another county (with a catalogue) is not the key's
    response = post(client, **good_post(tree, catalogue, jurisdiction_id="220499000000"))
    assert response.status_code == 404
    other = make_area("220402", "龙山区")
    actions.appeal_defaults_load(actor=SYSTEM, county_code=other.code)
    response = post(client, **good_post(tree, catalogue, jurisdiction_id=other.code))
    assert response.status_code == 403
    assert Appeal.objects.count() == 1


def test_the_place_must_lie_inside_the_jurisdiction(client, tree, catalogue, o311):
    response = post(
        client,
        **good_post(
            tree, catalogue, jurisdiction_id=tree["town_a"].code, area_code=tree["b1"].code
        ),
    )
    assert response.status_code == 400
    assert tree["b1"].code in error_texts(response)[0]
    assert not Appeal.objects.exists()


def test_missing_service_code_is_400_and_unknown_is_404(client, tree, catalogue, o311):
    response = post(client, **good_post(tree, catalogue, service_code=None))
    assert response.status_code == 400
    assert "service_code" in error_texts(response)[0]
    response = post(client, **good_post(tree, catalogue, service_code="424242"))
    assert response.status_code == 404
    assert "service_code" in error_texts(response)[0]
    assert not Appeal.objects.exists()


def test_a_place_is_required_and_a_map_point_alone_will_not_do(client, tree, catalogue, o311):
    response = post(client, **good_post(tree, catalogue, area_code=None))
    assert response.status_code == 400
    [text] = error_texts(response)
    assert "area_code" in text and "address_id" in text
    # address_id may carry the community or grid code instead
    response = post(
        client, **good_post(tree, catalogue, area_code=None, address_id=tree["grid_a1"].code)
    )
    assert response.status_code == 200
    assert Appeal.objects.get().area_code == tree["grid_a1"].code
    # a town is not a place an appeal can be
    response = post(client, **good_post(tree, catalogue, area_code=tree["town_a"].code))
    assert response.status_code == 400
    assert error_texts(response)[0].startswith("area_code: ")
    response = post(client, **good_post(tree, catalogue, long=None))
    assert response.status_code == 400
    assert "lat" in error_texts(response)[0]


@pytest.mark.parametrize(
    ("key", "overrides", "parameter"),
    [
        ("noise", {"attribute[when]": "always"}, "attribute[when]"),
        ("noise", {"attribute[volume]": "loud"}, "attribute"),
        ("property.lift", {"attribute[when]": None}, "attribute[trapped]"),
        ("noise", {"description": "吵"}, "description"),
        ("noise", {"phone": "12345"}, "phone"),
        ("noise", {"lat": "0", "long": "0"}, "lat/long"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(
    client, tree, catalogue, o311, key, overrides, parameter
):
    data = good_post(tree, catalogue, service_code=str(catalogue[key].pk), **overrides)
    response = post(client, **data)
    assert response.status_code == 400
    assert error_texts(response)[0].startswith(f"{parameter}: ")
    assert not Appeal.objects.exists()


def test_multivaluelist_answers_arrive_as_repeated_parameters(client, tree, catalogue, o311):
    category = Category.objects.create(
        area_code=tree["county"].code,
        name="井盖问题",
        tier=catalogue["noise"].tier,
        unit_kind="community",
        attributes=[
            {
                "code": "kind",
                "datatype": "multivaluelist",
                "required": True,
                "description": "什么问题",
                "values": [
                    {"key": "missing", "name": "缺失"},
                    {"key": "broken", "name": "破损"},
                    {"key": "noisy", "name": "响动"},
                ],
            }
        ],
    )
    data = good_post(tree, catalogue, service_code=str(category.pk))
    data.pop("attribute[when]")
    data["attribute[kind][]"] = ["broken", "noisy"]
    response = post(client, **data)
    assert response.status_code == 200, response.content
    assert Appeal.objects.get().attributes == {"kind": "broken,noisy"}


# --- reading ------------------------------------------------------------------------------------


@pytest.fixture
def seen(tree, users, catalogue, submit):
    """Appeals of A1: two public ones, one private, one of a private category, one old."""
    now = timezone.now()
    return {
        "noise": submit(public=True, contact_name="王秀兰", contact_phone="13900000001"),
        "leak": submit(
            public=True,
            category_id=catalogue["property.leak"].pk,
            description="楼顶漏水，雨天更严重",
            attributes={"floor": "6"},
            now=now - dt.timedelta(days=3),
        ),
        "private": submit(public=False, description="邻居家狗每天夜里叫"),
        "dispute": submit(
            public=True, category_id=catalogue["dispute"].pk, description="和邻居因停车发生纠纷"
        ),
        "old": submit(
            public=True, description="去年的噪声问题，早已处理", now=now - dt.timedelta(days=120)
        ),
    }


def listed(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {int(row["service_request_id"]) for row in body(response)}


def test_requests_list_only_public_appeals_of_the_last_90_days(client, county, seen):
    ids = listed(get(client, "requests.json", jurisdiction_id=county))
    assert ids == {seen["noise"].pk, seen["leak"].pk}


def test_non_public_appeals_are_404_by_id(client, county, seen):
    for name in ("private", "dispute"):
        response = get(client, f"requests/{seen[name].pk}.json", jurisdiction_id=county)
        assert response.status_code == 404, name
    response = get(client, f"requests/{seen['noise'].pk}.json", jurisdiction_id=county)
    assert response.status_code == 200
    assert [int(r["service_request_id"]) for r in body(response)] == [seen["noise"].pk]


def test_requests_outside_the_jurisdiction_are_not_shown(client, tree, seen):
    town_b = tree["town_b"].code
    assert listed(get(client, "requests.json", jurisdiction_id=town_b)) == set()
    response = get(client, f"requests/{seen['noise'].pk}.json", jurisdiction_id=town_b)
    assert response.status_code == 404
    a1 = tree["a1"].code
    assert seen["noise"].pk in listed(get(client, "requests.json", jurisdiction_id=a1))


def test_request_fields(client, users, county, seen):
    noise = resolve(users, seen["leak"])
    actions.appeal_progress(
        actor=users["worker_a1"], appeal_id=seen["noise"].pk, note="内部：施工方是业主亲戚"
    )
    actions.appeal_accept(
        actor=users["worker_a1"], appeal_id=seen["noise"].pk, message="已安排明天上门"
    )
    response = get(client, "requests.json", jurisdiction_id=county)
    rows = {int(row["service_request_id"]): row for row in body(response)}
    row = rows[seen["noise"].pk]
    appeal = Appeal.objects.get(pk=seen["noise"].pk)
    assert row["status"] == "open"
    assert row["status_notes"] == "已安排明天上门"
    assert row["service_code"] == str(appeal.category_id)
    assert row["service_name"] == "Noise"
    assert row["description"] == appeal.description
    assert row["agency_responsible"] == appeal.unit.name
    assert row["service_notice"] == "To be resolved within 7 working days."
    local = timezone.localtime(appeal.submitted_at, SHANGHAI)
    assert row["requested_datetime"] == local.isoformat(timespec="seconds")
    assert row["requested_datetime"].endswith("+08:00")
    updated = dt.datetime.fromisoformat(row["updated_datetime"])
    assert updated >= appeal.submitted_at.replace(microsecond=0)
    assert updated >= appeal.events.filter(public=True).latest("at").at.replace(microsecond=0)
    assert dt.datetime.fromisoformat(row["expected_datetime"]) == appeal.resolve_due
    assert row["address"] == appeal.address
    assert row["address_id"] == appeal.area_code
    assert row["zipcode"] is None
    assert row["media_url"] is None
    assert set(row) == {
        "service_request_id", "status", "status_notes", "service_name", "service_code",
        "description", "agency_responsible", "service_notice", "requested_datetime",
        "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat",
        "long", "media_url",
    }  # fmt: skip
    closed = rows[noise.pk]
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "已协调施工方，夜间停工"
    assert closed["expected_datetime"] is None
    closed_at = dt.datetime.fromisoformat(closed["updated_datetime"])
    assert closed_at == noise.resolved_at.replace(microsecond=0)
    assert "内部" not in response.content.decode()


def test_requests_in_xml(client, county, seen):
    response = get(client, "requests.xml", jurisdiction_id=county)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = xml(response)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert {int(r.findtext("service_request_id")) for r in requests} == {
        seen["noise"].pk,
        seen["leak"].pk,
    }
    first = requests[0]
    assert first.findtext("status") == "open"
    assert first.find("zipcode") is not None and not first.findtext("zipcode")
    assert first.findtext("requested_datetime").endswith("+08:00")


def test_filter_by_status(client, users, county, seen):
    resolve(users, seen["leak"])
    assert listed(get(client, "requests.json", jurisdiction_id=county, status="closed")) == {
        seen["leak"].pk
    }
    assert listed(get(client, "requests.json", jurisdiction_id=county, status="open")) == {
        seen["noise"].pk
    }
    both = listed(get(client, "requests.json", jurisdiction_id=county, status="open,closed"))
    assert both == {seen["noise"].pk, seen["leak"].pk}
    response = get(client, "requests.json", jurisdiction_id=county, status="pending")
    assert response.status_code == 400
    assert "status" in error_texts(response)[0]


def test_filter_by_service_code_includes_the_categories_under_it(client, county, catalogue, seen):
    def codes(value):
        return listed(get(client, "requests.json", jurisdiction_id=county, service_code=value))

    assert codes(str(catalogue["noise"].pk)) == {seen["noise"].pk}
    assert codes(str(catalogue["property.leak"].pk)) == {seen["leak"].pk}
    assert codes(str(catalogue["property"].pk)) == {seen["leak"].pk}
    both = f"{catalogue['noise'].pk},{catalogue['property.leak'].pk}"
    assert codes(both) == {seen["noise"].pk, seen["leak"].pk}
    response = get(client, "requests.json", jurisdiction_id=county, service_code="noise")
    assert response.status_code == 400


def test_filter_by_dates(client, county, seen):
    def window(**dates):
        return listed(get(client, "requests.json", jurisdiction_id=county, **dates))

    now = timezone.localtime(timezone.now(), SHANGHAI)
    old_day = timezone.localtime(seen["old"].submitted_at, SHANGHAI).date()
    start = (now - dt.timedelta(days=2)).isoformat(timespec="seconds")
    assert window(start_date=start) == {seen["noise"].pk}
    end = (now - dt.timedelta(days=1)).isoformat(timespec="seconds")
    assert window(end_date=end) == {seen["leak"].pk}
    utc = (now - dt.timedelta(days=130)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert window(start_date=utc, end_date=old_day.isoformat()) == {seen["old"].pk}
    # an unencoded "+" of the offset arrives as a space and is still understood
    spaced = (now - dt.timedelta(days=2)).isoformat(timespec="seconds").replace("+", " ")
    assert window(start_date=spaced) == {seen["noise"].pk}
    for bad in ({"start_date": "yesterday"}, {"end_date": "2026-13-01T00:00:00Z"}):
        response = get(client, "requests.json", jurisdiction_id=county, **bad)
        assert response.status_code == 400
        assert "W3C" in error_texts(response)[0]
    too_long = get(
        client,
        "requests.json",
        jurisdiction_id=county,
        start_date="2026-01-01T00:00:00+08:00",
        end_date="2026-06-01T00:00:00+08:00",
    )
    assert too_long.status_code == 400
    assert "90 days" in error_texts(too_long)[0]
    backwards = get(client, "requests.json", jurisdiction_id=county, start_date=end, end_date=start)
    assert backwards.status_code == 400


def test_service_request_ids_override_the_other_filters(client, county, seen):
    ids = f"{seen['noise'].pk},{seen['old'].pk},{seen['private'].pk}"
    found = listed(
        get(
            client, "requests.json", jurisdiction_id=county, service_request_id=ids, status="closed"
        )
    )
    assert found == {seen["noise"].pk, seen["old"].pk}  # never the private one
    response = get(client, "requests.json", jurisdiction_id=county, service_request_id="1,x")
    assert response.status_code == 400


def test_paging_extension_links_the_next_page(client, county, seen):
    first = get(client, "requests.json", jurisdiction_id=county, page_size="1")
    assert len(body(first)) == 1
    assert 'rel="next"' in first["Link"]
    next_url = first["Link"].split(">")[0].lstrip("<")
    assert "page=2" in next_url
    second = client.get(next_url)
    assert len(body(second)) == 1
    assert "Link" not in second
    assert listed(first) | listed(second) == {seen["noise"].pk, seen["leak"].pk}
    assert get(client, "requests.json", jurisdiction_id=county, page_size="5000").status_code == 400


def test_a_client_key_also_shows_the_clients_own_appeals(client, tree, county, catalogue, o311):
    response = post(client, **good_post(tree, catalogue))
    appeal_id = int(body(response)[0]["service_request_id"])
    path = f"requests/{appeal_id}.json"
    assert get(client, path, jurisdiction_id=county).status_code == 404
    assert appeal_id not in listed(get(client, "requests.json", jurisdiction_id=county))
    mine = client.get(f"{BASE}/{path}", {"jurisdiction_id": county}, HTTP_X_API_KEY=KEY)
    assert mine.status_code == 200
    assert body(mine)[0]["status"] == "open"
    listed_mine = get(client, "requests.json", jurisdiction_id=county, api_key=KEY)
    assert appeal_id in listed(listed_mine)
    assert "api_key" not in listed_mine.get("Link", "")
    other_key = "o311_otherkey"
    Open311Client.objects.create(
        name="other",
        area_code=county,
        prefix=other_key[:8],
        digest=Open311Client.digest_of(other_key),
    )
    theirs = client.get(f"{BASE}/{path}", {"jurisdiction_id": county}, HTTP_X_API_KEY=other_key)
    assert theirs.status_code == 404
    bad = client.get(f"{BASE}/{path}", {"jurisdiction_id": county}, HTTP_X_API_KEY="o311_nope")
    assert bad.status_code == 403


def test_a_posted_appeal_the_resident_agreed_to_publish_is_listed(
    client, tree, county, catalogue, o311
):
    response = post(client, **good_post(tree, catalogue, public="true"))
    appeal_id = int(body(response)[0]["service_request_id"])
    assert appeal_id in listed(get(client, "requests.json", jurisdiction_id=county))


def test_no_personal_data_in_any_answer(client, tree, users, county, catalogue, o311, submit):
    posted = post(
        client,
        **good_post(tree, catalogue, public="true", description="半夜施工太吵，请回电13911112222"),
    )
    assert posted.status_code == 200
    submit(
        public=True,
        contact_name="赵大妈",
        contact_phone="13800138000",
        description="楼下烧烤油烟很大，身份证220403195001011234",
    )
    secrets = ["王秀兰", "秀兰", "13911112222", "赵大妈", "13800138000", "wang@example.com",
               "220403195001011234", "王秀兰"[:2], users["resident_a1"].username]  # fmt: skip
    appeal_ids = Appeal.objects.values_list("pk", flat=True)
    answers = []
    for fmt in ("json", "xml"):
        answers.append(get(client, f"requests.{fmt}", jurisdiction_id=county))
        answers.append(get(client, f"requests.{fmt}", jurisdiction_id=county, api_key=KEY))
        for pk in appeal_ids:
            answers.append(get(client, f"requests/{pk}.{fmt}", jurisdiction_id=county))
            answers.append(get(client, f"requests/{pk}.{fmt}", jurisdiction_id=county, api_key=KEY))
    assert any(a.status_code == 200 for a in answers)
    for answer in answers:
        text = answer.content.decode("utf-8")
        for secret in secrets:
            assert secret not in text, (secret, answer.request["PATH_INFO"])
    listing = get(client, "requests.json", jurisdiction_id=county).content.decode()
    assert "139****2222" in listing  # the number a resident typed is masked, not dropped
    assert "2204**********1234" in listing


# --- tokens, discovery, the rest ----------------------------------------------------------------


def test_token_gives_the_service_request_id(client, tree, county, catalogue, o311):
    [row] = body(post(client, **good_post(tree, catalogue)))
    response = get(client, f"tokens/{row['token']}.json", jurisdiction_id=county)
    assert response.status_code == 200
    assert body(response) == [
        {"service_request_id": row["service_request_id"], "token": row["token"]}
    ]
    root = xml(get(client, f"tokens/{row['token']}.xml", jurisdiction_id=county))
    assert root.tag == "service_requests"
    assert root.find("request").findtext("service_request_id") == row["service_request_id"]
    assert get(client, "tokens/" + "0" * 32 + ".json", jurisdiction_id=county).status_code == 404
    elsewhere = get(client, f"tokens/{row['token']}.json", jurisdiction_id=tree["town_b"].code)
    assert elsewhere.status_code == 404


def test_discovery_in_json_and_xml(client, catalogue):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    document = body(response)
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(document)
    assert dt.datetime.fromisoformat(document["changeset"]).tzinfo is not None
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    # loading the catalogue just now moved the changeset on
    loaded = AuditEvent.objects.filter(action="appeal.defaults_load").latest("at").at
    assert dt.datetime.fromisoformat(document["changeset"]) >= loaded.replace(microsecond=0)
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == endpoint["specification"]
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint[
        "formats"
    ]
    assert xml(client.get(f"{BASE}/")).tag == "discovery"


def test_unknown_paths_and_methods_answer_in_the_specifications_error_format(
    client, county, catalogue
):
    response = client.get(f"{BASE}/nothing.json")
    assert response.status_code == 404
    assert error_texts(response)
    assert xml(client.get(f"{BASE}/services.csv.xml")).tag == "errors"
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"{BASE}/services.json", {"jurisdiction_id": county})
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert error_texts(response)
