"""The appeals API under /api/v1/appeals/: lists scoped as the pages are, submission, one appeal
with its contact masked for staff only, the timeline without internal notes for the resident,
and every step of handling — refusing the wrong actor (403), the invisible appeal (404) and the
move that is not possible now (409) with problem+json."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone, translation

from linli.appeals import actions, queries
from linli.appeals.models import Appeal, Callback, Dispatch, State, Unit
from linli.appeals.schemas import AppealDetailOut, AppealOut, EventOut
from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.models import AuditEvent, User
from linli.core.roles import Cap

BASE = "/api/v1/appeals"
PROBLEM = "application/problem+json"
PHONE = "13900000001"  # resident_a1's mobile, the contact of their appeals
NAME = "王秀兰"  # resident_a1's name


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(users, office):
    return {**users, "dept_head": User.objects.get(username="dept_head")}


@pytest.fixture
def api(people):
    """``api(name)``: a client acting as that user, by API token when the role may hold one,
    else by the site session."""
    clients: dict[str, Client] = {}

    def _client(name: str) -> Client:
        if name not in clients:
            user = people[name]
            if scoping.has_cap(user, Cap.API_TOKEN):
                _token, plain = core_actions.token_create(actor=user, name="test")
                clients[name] = Client(headers={"Authorization": f"Bearer {plain}"})
            else:
                client = Client()
                client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
                clients[name] = client
        return clients[name]

    return _client


def post(client: Client, url: str, data=None):
    path = f"{BASE}/{url}" if url else f"{BASE}/"
    return client.post(path, json.dumps(data if data is not None else {}), "application/json")


def get(client: Client, url: str = "", params=None):
    path = f"{BASE}/{url}" if url else f"{BASE}/"
    return client.get(path, params or {})


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json()


def detail(response, status: int = 200) -> dict:
    """The answer of a step or of the detail: an appeal detail that fits its schema."""
    body = ok(response, status)
    AppealDetailOut.model_validate(body)
    return body


def ids(response) -> list[int]:
    body = ok(response)
    for item in body["items"]:
        AppealOut.model_validate(item)
    return sorted(item["id"] for item in body["items"])


def assert_problem(response, status: int, *fields: str, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    for field in fields:
        assert field in body["errors"], body
    if code is not None:
        assert body["type"].endswith(f"/{code}"), body
    return body


def assert_no_contact(response) -> None:
    text = response.content.decode()
    assert PHONE not in text and NAME not in text, text


@pytest.fixture
def community_a1(tree, catalogue):
    """A1's own unit, where its noise appeals go (created on first use)."""
    return queries.unit_for_area(tree["a1"].code, Unit.Kind.COMMUNITY)


@pytest.fixture
def two(submit, users, tree, catalogue):
    """An appeal of resident_a1 in A1 and one of resident_a2 in A2, both with their community."""
    a1 = submit()
    a2 = submit(
        actor=users["resident_a2"],
        area_code=tree["a2"].code,
        category_id=catalogue["environment.rubbish"].pk,
        description="垃圾桶三天没有清运了",
    )
    return a1, a2


def accepted(submit, users) -> Appeal:
    appeal = submit()
    return actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)


def resolved(submit, users) -> Appeal:
    appeal = accepted(submit, users)
    return actions.appeal_resolve(
        actor=users["worker_a1"], appeal_id=appeal.pk, resolution="已上门协调，停止夜间施工"
    )


def waiting(submit, users, **overrides) -> Appeal:
    """An appeal its community returned: it waits for a dispatcher."""
    appeal = submit(**overrides)
    return actions.appeal_return(actor=users["worker_a1"], appeal_id=appeal.pk, reason="非本社区")


# --- lists, scoped ------------------------------------------------------------------------


def test_lists_are_scoped_like_the_pages(api, two, people, office):
    a1, a2 = two
    assert ids(get(api("worker_a1"))) == [a1.pk]
    assert ids(get(api("worker_a2"))) == [a2.pk]
    assert ids(get(api("town_a"))) == [a1.pk, a2.pk]
    assert ids(get(api("town_b"))) == []
    assert ids(get(api("resident_a1"))) == [a1.pk]
    assert ids(get(api("resident_a2"))) == [a2.pk]
    assert ids(get(api("dept"))) == []
    actions.appeal_accept(actor=people["worker_a1"], appeal_id=a1.pk)
    actions.appeal_transfer(
        actor=people["worker_a1"], appeal_id=a1.pk, unit_id=office.pk, reason="需住建局处理"
    )
    assert ids(get(api("dept"))) == [a1.pk]
    assert ids(get(api("dept_head"))) == [a1.pk]
    assert ids(get(api("worker_a2"))) == [a2.pk]


def test_a_neighbour_cannot_read_or_touch_an_appeal(api, two, people):
    a1, _a2 = two
    client = api("worker_a2")
    assert_problem(get(client, f"{a1.pk}"), 404)
    assert_problem(get(client, f"{a1.pk}/timeline"), 404)
    assert_problem(get(client, f"{a1.pk}/duplicates"), 404)
    assert_problem(post(client, f"{a1.pk}/accept"), 404)
    assert_problem(post(client, f"{a1.pk}/progress", {"note": "看看"}), 404)
    assert_problem(post(client, f"{a1.pk}/supervise", {"note": "催办"}), 404)
    assert_problem(get(api("resident_a2"), f"{a1.pk}"), 404)
    assert get(client, "counts").json()["to_accept"] == 1  # their own community's only
    a1.refresh_from_db()
    assert a1.state == State.DISPATCHED
    assert not AuditEvent.objects.filter(actor=people["worker_a2"]).exclude(action="token.create")


def test_list_items_carry_no_personal_data(api, two, community_a1):
    a1, _a2 = two
    response = get(api("town_a"))
    assert_no_contact(response)
    item = next(i for i in response.json()["items"] if i["id"] == a1.pk)
    assert set(item) == set(AppealOut.model_fields)
    assert item["number"] == a1.number and item["title"] == a1.title
    assert item["category"] == {"id": a1.category_id, "name": "Noise"}
    assert item["state"] == "dispatched" and item["state_label"] == "已派单"
    assert item["unit"] == {"id": community_a1.pk, "name": "仙城社区", "kind": "community"}
    assert item["accountable_unit"] == item["unit"]
    assert item["channel"] == "online" and item["area_code"] == a1.area_code
    assert item["overdue"] is False and item["rating"] is None
    assert item["due_at"] is not None


def test_list_filters(api, two, submit, users, catalogue, tree, community_a1):
    a1, a2 = two
    lift = submit(
        category_id=catalogue["property.lift"].pk,
        description="电梯停在三楼不动了",
        attributes={"trapped": "no"},
    )
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=lift.pk)
    client = api("town_a")
    assert ids(get(client, "", {"state": "accepted"})) == [lift.pk]
    assert ids(get(client, "", {"state": ["accepted", "dispatched"]})) == [a1.pk, a2.pk, lift.pk]
    assert ids(get(client, "", {"state": "open"})) == [a1.pk, a2.pk, lift.pk]
    assert ids(get(client, "", {"state": "ended"})) == []
    assert ids(get(client, "", {"category": catalogue["property"].pk})) == [lift.pk]
    assert ids(get(client, "", {"category": catalogue["noise"].pk})) == [a1.pk]
    assert ids(get(client, "", {"unit": community_a1.pk})) == [a1.pk, lift.pk]
    assert ids(get(client, "", {"area": tree["a2"].code})) == [a2.pk]
    assert ids(get(client, "", {"channel": "window"})) == []
    assert ids(get(client, "", {"q": a2.number})) == [a2.pk]
    assert ids(get(client, "", {"q": "电梯"})) == [lift.pk]
    Appeal.objects.filter(pk=a2.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert ids(get(client, "", {"overdue": "true"})) == [a2.pk]
    Appeal.objects.filter(pk=a1.pk).update(
        warn_at=timezone.now() - dt.timedelta(hours=1),
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert ids(get(client, "", {"due_soon": "true"})) == [a1.pk]
    Appeal.objects.filter(pk=lift.pk).update(escalation_level=1, callback_due=True)
    assert ids(get(client, "", {"escalated": "true"})) == [lift.pk]
    assert ids(get(client, "", {"callback": "true"})) == [lift.pk]
    assert ids(get(api("worker_a1"), "", {"mine": "true"})) == [a1.pk, lift.pk]
    assert ids(get(api("county"), "", {"mine": "true"})) == []
    today = timezone.localdate()
    assert len(ids(get(client, "", {"since": today.isoformat()}))) == 3
    assert ids(get(client, "", {"until": (today - dt.timedelta(days=2)).isoformat()})) == []
    newest = get(client, "", {"order": "newest"}).json()["items"]
    assert [i["id"] for i in newest] == [lift.pk, a2.pk, a1.pk]
    page = ok(get(client, "", {"limit": 1, "offset": 1}))
    assert page["count"] == 3 and len(page["items"]) == 1


def test_list_refuses_bad_filters_with_field_errors(api, two):
    client = api("town_a")
    assert_problem(get(client, "", {"state": "lost"}), 400, "state")
    assert_problem(get(client, "", {"area": "A1"}), 400, "area")
    assert_problem(get(client, "", {"area": "1234567"}), 400, "area")
    assert_problem(get(client, "", {"category": 0}), 422, "category")
    assert_problem(get(client, "", {"q": "a\x00b"}), 422, "q")
    assert_problem(get(client, "", {"order": "oldest"}), 422, "order")


def test_counts(api, two, submit, users):
    lift = accepted(submit, users)
    Appeal.objects.filter(pk=lift.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    counts = ok(get(api("town_a"), "counts"))
    assert counts == {
        "to_dispatch": 0,
        "to_accept": 2,
        "in_hand": 1,
        "overdue": 1,
        "due_soon": 0,
        "escalated": 0,
        "callbacks": 0,
        "awaiting_resident": 0,
    }
    assert ok(get(api("worker_a2"), "counts"))["to_accept"] == 1
    assert ok(get(api("town_b"), "counts"))["to_accept"] == 0


def test_mine_lists_the_residents_own_appeals(api, two, submit, users, tree):
    a1, _a2 = two
    taken = submit(
        actor=users["worker_a1"],
        channel="window",
        contact_phone=PHONE,
        description="老人在窗口反映噪音",
    )
    assert ids(get(api("resident_a1"), "mine")) == [a1.pk, taken.pk]
    assert ids(get(api("worker_a1"), "mine")) == []
    assert_no_contact(get(api("resident_a1"), "mine"))


# --- submitting ---------------------------------------------------------------------------


def test_submit_routes_and_answers_201_with_the_detail(api, catalogue, tree, community_a1, people):
    body = detail(
        post(
            api("resident_a1"),
            "",
            {
                "category_id": catalogue["noise"].pk,
                "area_code": tree["a1"].code,
                "description": "楼上每天深夜装修，电钻声音很大",
                "address": "仙城路1号1号楼",
                "lat": 43.9,
                "lng": 125.3,
                "attributes": {"when": "night"},
            },
        ),
        201,
    )
    appeal = Appeal.objects.get()
    assert body["id"] == appeal.pk and body["number"] == appeal.number
    assert body["state"] == "dispatched" and body["unit"]["id"] == community_a1.pk
    assert body["channel"] == "online" and body["attributes"] == {"when": "night"}
    assert body["lat"] == 43.9 and body["lng"] == 125.3
    assert body["title"] == "楼上每天深夜装修，电钻声音很大"
    assert body["photos"] == body["ratings"] == body["supervisions"] == []
    assert "contact_phone" not in body and "contact_name" not in body
    assert appeal.submitter == people["resident_a1"] and appeal.contact_phone == PHONE
    assert list(appeal.events.values_list("kind", flat=True)) == ["submitted", "dispatched"]
    assert AuditEvent.objects.filter(action="appeal.submit", target_id=str(appeal.pk)).exists()


def test_bad_submissions_are_400_with_field_errors_and_nothing_written(
    api, catalogue, tree, counts
):
    client = api("resident_a1")
    before = counts()
    good = {
        "category_id": catalogue["noise"].pk,
        "area_code": tree["a1"].code,
        "description": "楼上每天深夜装修，电钻声音很大",
    }
    cases = [
        ({"description": "太吵"}, "description"),
        ({"area_code": "220403001"}, "area_code"),
        ({"category_id": 999999}, "category_id"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"lat": 10.0, "lng": 10.0}, "lat"),
        ({"attributes": {"color": "red"}}, "attributes"),
        ({"attributes": {"when": "noon"}}, "attributes.when"),
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"title": "长" * 81}, "title"),
    ]
    for change, field in cases:
        assert_problem(post(client, "", {**good, **change}), 400, field)
    assert_problem(post(client, "", {**good, "colour": "red"}), 422, "colour")
    assert_problem(post(client, "", {**good, "category_id": 2**64}), 422, "category_id")
    assert_problem(post(client, "", {**good, "description": "a\x00bcdef"}), 422, "description")
    assert counts() == before


def test_staff_channels_are_refused_to_a_resident(api, catalogue, tree):
    data = {
        "category_id": catalogue["noise"].pk,
        "area_code": tree["a1"].code,
        "description": "楼上每天深夜装修，电钻声音很大",
        "channel": "window",
    }
    assert_problem(post(api("resident_a1"), "", data), 403)
    assert_problem(post(api("worker_a2"), "", data), 403)  # not their community
    assert_problem(post(api("resident_a1"), "", {**data, "channel": "open311"}), 403)
    assert not Appeal.objects.exists()


def test_a_worker_takes_an_appeal_in_for_a_resident(api, catalogue, tree, people):
    body = detail(
        post(
            api("worker_a1"),
            "",
            {
                "category_id": catalogue["noise"].pk,
                "area_code": tree["a1"].code,
                "description": "老人来窗口反映楼上噪音",
                "channel": "window",
                "contact_name": "王秀兰",
                "contact_phone": PHONE,
            },
        ),
        201,
    )
    assert body["channel"] == "window"
    assert body["contact_phone"] == "139****0001" and body["contact_name"] == "王**"
    appeal = Appeal.objects.get()
    assert appeal.entered_by == people["worker_a1"]
    assert appeal.submitter == people["resident_a1"]  # the account with that mobile number


def test_one_submission_costs_a_bounded_number_of_queries(
    api, catalogue, tree, django_assert_max_num_queries
):
    client = api("resident_a1")
    data = {
        "category_id": catalogue["noise"].pk,
        "area_code": tree["a1"].code,
        "description": "楼上每天深夜装修，电钻声音很大",
    }
    ok(post(client, "", data), 201)  # the community's unit is created on first use
    # session (read, save) and user; a token probe; area, category, holidays, routing rule,
    # unit; appeal, two events, dispatch, audit; the unit's recipients and their notifications;
    # the viewer's grants and units; savepoint and release of the test transaction.
    with django_assert_max_num_queries(22):
        ok(post(client, "", data), 201)


# --- one appeal -------------------------------------------------------------------------------


def test_detail_masks_the_contact_for_staff_and_hides_it_from_others(api, submit):
    appeal = submit()
    staff = get(api("worker_a1"), f"{appeal.pk}")
    body = detail(staff)
    assert body["contact_phone"] == "139****0001" and body["contact_name"] == "王**"
    assert body["description"] == appeal.description and body["address"] == appeal.address
    assert_no_contact(staff)
    assert detail(get(api("town_a"), f"{appeal.pk}"))["contact_phone"] == "139****0001"
    mine = get(api("resident_a1"), f"{appeal.pk}")
    body = detail(mine)
    assert "contact_phone" not in body and "contact_name" not in body
    assert body["description"] == appeal.description
    assert_no_contact(mine)


def test_detail_photo_urls_do_not_depend_on_the_page(api, submit):
    from linli.appeals.models import Photo

    appeal = submit()
    photo = Photo.objects.create(appeal=appeal, file="appeals/x.jpg", width=4, height=3, size=10)
    body = detail(get(api("worker_a1"), f"{appeal.pk}"))
    assert [(p["id"], p["width"], p["by_staff"]) for p in body["photos"]] == [(photo.pk, 4, False)]
    assert isinstance(body["photos"][0]["url"], str)


def test_timeline_hides_internal_notes_from_the_resident(api, submit, users):
    appeal = submit()
    actions.appeal_accept(actor=users["worker_a1"], appeal_id=appeal.pk)
    detail(post(api("worker_a1"), f"{appeal.pk}/progress", {"note": "业主电话未接通"}))
    detail(
        post(
            api("worker_a1"),
            f"{appeal.pk}/progress",
            {"message": "已联系物业，明天上门", "note": "物业经理姓李"},
        )
    )
    staff = ok(get(api("worker_a1"), f"{appeal.pk}/timeline"))
    for item in staff:
        EventOut.model_validate(item)
    assert [e["kind"] for e in staff] == ["submitted", "dispatched", "accepted", "note", "progress"]
    assert staff[3]["note"] == "业主电话未接通" and staff[3]["public"] is False
    assert staff[3]["by"] == "worker_a1"
    response = get(api("resident_a1"), f"{appeal.pk}/timeline")
    mine = ok(response)
    assert [e["kind"] for e in mine] == ["submitted", "dispatched", "accepted", "progress"]
    assert all("note" not in e and "by" not in e for e in mine)
    assert mine[3]["message"] == "已联系物业，明天上门"
    text = response.content.decode()
    assert "业主电话未接通" not in text and "物业经理姓李" not in text


def test_duplicates_for_staff_and_the_check_before_submitting(api, submit, catalogue, tree):
    first = submit(lat=43.9, lng=125.3)
    second = submit(lat=43.9001, lng=125.3001, description="又是楼上装修的噪音")
    submit(category_id=catalogue["environment.rubbish"].pk, description="垃圾没人收")
    found = ok(get(api("worker_a1"), f"{second.pk}/duplicates"))
    assert [d["id"] for d in found] == [first.pk]
    assert found[0]["number"] == first.number and found[0]["state"] == "dispatched"
    assert_problem(get(api("resident_a1"), f"{second.pk}/duplicates"), 403)
    response = post(
        api("resident_a2"),
        "duplicates-check",
        {"category_id": catalogue["noise"].pk, "area_code": tree["a1"].code},
    )
    check = ok(response)
    assert [d["number"] for d in check] == [second.number, first.number]
    assert set(check[0]) == {"number", "title", "state", "state_label", "submitted_at"}
    assert_no_contact(response)
    near = {"category_id": catalogue["noise"].pk, "area_code": tree["a1"].code}
    assert len(
        ok(post(api("resident_a2"), "duplicates-check", {**near, "lat": 43.9, "lng": 125.3}))
    )
    far = {**near, "lat": 45.0, "lng": 127.0}
    assert ok(post(api("resident_a2"), "duplicates-check", far)) == []
    assert_problem(post(api("resident_a2"), "duplicates-check", {**near, "area_code": "x"}), 400)


# --- handling: happy paths ------------------------------------------------------------------


def test_accept_start_progress_resolve_confirm_and_close(api, submit, users):
    appeal = submit()
    body = detail(post(api("worker_a1"), f"{appeal.pk}/accept", {"message": "马上处理"}))
    assert body["state"] == "accepted" and body["due_at"] is not None
    assert detail(post(api("worker_a1"), f"{appeal.pk}/start"))["state"] == "in_progress"
    body = detail(post(api("worker_a1"), f"{appeal.pk}/progress", {"message": "明天上门"}))
    assert body["state"] == "in_progress"
    body = detail(post(api("worker_a1"), f"{appeal.pk}/resolve", {"resolution": "已协调停工"}))
    assert body["state"] == "resolved" and body["resolution"] == "已协调停工"
    assert body["due_at"] is None
    body = detail(post(api("resident_a1"), f"{appeal.pk}/confirm", {"solved": True}))
    assert body["state"] == "confirmed" and "contact_phone" not in body
    body = detail(post(api("head_a1"), f"{appeal.pk}/close", {"note": "归档"}))
    assert body["state"] == "closed"
    assert list(Appeal.objects.get(pk=appeal.pk).events.values_list("kind", flat=True)) == [
        "submitted",
        "dispatched",
        "accepted",
        "started",
        "progress",
        "resolved",
        "confirmed",
        "closed",
    ]


def test_return_then_dispatch_to_an_office(api, submit, office):
    appeal = submit()
    body = detail(post(api("worker_a1"), f"{appeal.pk}/return", {"reason": "属住建局职责"}))
    assert body["state"] == "submitted" and body["unit"] is None
    assert ok(get(api("town_a"), "counts"))["to_dispatch"] == 1
    body = detail(
        post(api("head_a1"), f"{appeal.pk}/dispatch", {"unit_id": office.pk, "note": "请处理"})
    )
    assert body["state"] == "dispatched"
    assert body["unit"] == {"id": office.pk, "name": "区住建局", "kind": "department"}
    # the office's member now sees it and accepts it
    body = detail(post(api("dept"), f"{appeal.pk}/accept"))
    assert body["state"] == "accepted" and body["accountable_unit"]["id"] == office.pk


def test_transfer_to_another_unit(api, submit, users, office):
    appeal = accepted(submit, users)
    body = detail(
        post(
            api("worker_a1"),
            f"{appeal.pk}/transfer",
            {"unit_id": office.pk, "reason": "涉及房屋结构"},
        )
    )
    assert body["state"] == "dispatched" and body["unit"]["id"] == office.pk
    assert Dispatch.objects.filter(appeal_id=appeal.pk, live=True).get().unit == office


def test_merge_and_reject(api, submit, users):
    main = submit()
    duplicate = waiting(submit, users, description="楼上装修太吵了，晚上也不停")
    body = detail(
        post(api("head_a1"), f"{duplicate.pk}/merge", {"into_id": main.pk, "reason": "同一事项"})
    )
    assert body["state"] == "merged" and body["merged_into"] == main.number
    other = waiting(submit, users, description="有人打架，需要报警")
    body = detail(post(api("head_a1"), f"{other.pk}/reject", {"reason": "请拨打110报警"}))
    assert body["state"] == "rejected" and body["due_at"] is None


def test_good_rating_closes_and_bad_rating_reopens_with_callback(api, submit, users):
    good = resolved(submit, users)
    body = detail(post(api("resident_a1"), f"{good.pk}/rate", {"level": 5, "comment": "很及时"}))
    assert body["state"] == "closed" and body["rating"] == 5
    assert [(r["level"], r["efficiency"], r["level_label"]) for r in body["ratings"]] == [
        (5, 5, "非常满意")
    ]
    phoned = resolved(submit, users)
    assert_problem(post(api("head_a1"), f"{phoned.pk}/rate", {"level": 4}), 403)
    body = detail(post(api("head_a1"), f"{phoned.pk}/rate", {"level": 4, "on_behalf": True}))
    assert body["rating"] == 4 and body["state"] == "closed"
    bad = resolved(submit, users)
    body = detail(
        post(
            api("resident_a1"),
            f"{bad.pk}/rate",
            {"level": 1, "efficiency": 2, "comment": "根本没解决"},
        )
    )
    assert body["state"] == "in_progress" and body["callback_due"] is True
    assert [r["done"] for r in body["rectifications"]] == [False]
    assert ok(get(api("head_a1"), "", {"callback": "true"}))["count"] == 1
    body = detail(
        post(
            api("head_a1"),
            f"{bad.pk}/callback",
            {"outcome": "satisfied", "note": "电话回访，已接受解释"},
        )
    )
    assert body["callback_due"] is False
    assert Callback.objects.get(appeal_id=bad.pk).outcome == "satisfied"


def test_supervise_raises_an_open_appeal(api, submit):
    appeal = submit()
    body = detail(post(api("town_a"), f"{appeal.pk}/supervise", {"note": "请今天内签收"}))
    assert body["escalation_level"] == 1
    assert [(s["level"], s["reason"], s["note"]) for s in body["supervisions"]] == [
        (1, "manual", "请今天内签收")
    ]
    mine = detail(get(api("resident_a1"), f"{appeal.pk}"))
    assert [(s["level"], "note" in s) for s in mine["supervisions"]] == [(1, False)]


def test_not_solved_reopens(api, submit, users):
    appeal = resolved(submit, users)
    assert_problem(
        post(api("resident_a1"), f"{appeal.pk}/confirm", {"solved": False}), 400, "comment"
    )
    body = detail(
        post(api("resident_a1"), f"{appeal.pk}/confirm", {"solved": False, "comment": "还在响"})
    )
    assert body["state"] == "in_progress"


# --- handling: refusals -------------------------------------------------------------------


def test_accepting_twice_is_a_conflict(api, submit, users):
    appeal = submit()
    detail(post(api("worker_a1"), f"{appeal.pk}/accept"))
    assert_problem(post(api("town_a"), f"{appeal.pk}/accept"), 409, code="already-accepted")
    assert_problem(post(api("worker_a1"), f"{appeal.pk}/accept"), 409, code="already-accepted")
    assert Dispatch.objects.get(appeal_id=appeal.pk).accepted_by == users["worker_a1"]


def test_the_wrong_actor_is_refused(api, submit, users):
    appeal = submit()
    assert_problem(post(api("county"), f"{appeal.pk}/accept"), 403)  # sees, does not handle
    assert_problem(post(api("resident_a1"), f"{appeal.pk}/accept"), 403)
    assert_problem(post(api("worker_a1"), f"{appeal.pk}/supervise", {"note": "催"}), 403)
    assert_problem(post(api("worker_a1"), f"{appeal.pk}/reject", {"reason": "不管"}), 403)
    done = resolved(submit, users)
    assert_problem(post(api("worker_a1"), f"{done.pk}/confirm", {"solved": True}), 403)
    assert_problem(post(api("worker_a1"), f"{done.pk}/rate", {"level": 5}), 403)
    assert_problem(
        post(api("worker_a1"), f"{done.pk}/callback", {"outcome": "satisfied", "note": "好"}), 403
    )
    appeal.refresh_from_db()
    assert appeal.state == State.DISPATCHED


def test_illegal_transitions_are_conflicts(api, submit, users):
    appeal = submit()
    assert_problem(
        post(api("worker_a1"), f"{appeal.pk}/resolve", {"resolution": "好了"}),
        409,
        code="illegal-transition",
    )
    assert_problem(post(api("worker_a1"), f"{appeal.pk}/start"), 409, code="illegal-transition")
    assert_problem(post(api("resident_a1"), f"{appeal.pk}/rate", {"level": 5}), 409)
    assert_problem(post(api("resident_a1"), f"{appeal.pk}/confirm", {"solved": True}), 409)
    taken = accepted(submit, users)
    assert_problem(
        post(api("worker_a1"), f"{taken.pk}/return", {"reason": "不是我们的"}),
        409,
        code="illegal-transition",
    )
    appeal.refresh_from_db()
    assert appeal.state == State.DISPATCHED


def test_steps_refuse_bad_input_with_json_field_names(api, submit, users, office):
    appeal = accepted(submit, users)
    assert_problem(
        post(api("worker_a1"), f"{appeal.pk}/transfer", {"unit_id": 999999, "reason": "x"}),
        400,
        "unit_id",
    )
    assert_problem(
        post(api("worker_a1"), f"{appeal.pk}/transfer", {"unit_id": office.pk, "reason": ""}),
        400,
        "reason",
    )
    assert_problem(post(api("worker_a1"), f"{appeal.pk}/progress", {}), 400, "message")
    assert_problem(post(api("worker_a1"), f"{appeal.pk}/resolve", {}), 422, "resolution")
    assert_problem(post(api("worker_a1"), f"{appeal.pk}/accept", {"mesage": "x"}), 422, "mesage")
    other = waiting(submit, users)
    assert_problem(post(api("head_a1"), f"{other.pk}/merge", {"into_id": other.pk}), 400, "into_id")
    done = resolved(submit, users)
    assert_problem(post(api("resident_a1"), f"{done.pk}/rate", {"level": 9}), 400, "level")
    assert_problem(post(api("resident_a1"), f"{done.pk}/rate", {"level": 1}), 400, "comment")
    assert_problem(
        post(api("head_a1"), f"{done.pk}/callback", {"outcome": "maybe", "note": "x"}),
        400,
        "outcome",
    )
    assert_problem(get(api("worker_a1"), "0"), 422, "appeal_id")
    assert_problem(get(api("worker_a1"), f"{2**64}"), 422, "appeal_id")
    assert_problem(get(api("worker_a1"), "999999"), 404)
    appeal.refresh_from_db()
    assert appeal.state == State.ACCEPTED


# --- bulk dispatch ----------------------------------------------------------------------------


def test_bulk_dispatch_dispatches_all(api, submit, users, office):
    one = waiting(submit, users)
    two = waiting(submit, users, description="楼道里的灯坏了很久")
    body = ok(
        post(
            api("town_a"),
            "bulk-dispatch",
            {"appeal_ids": [one.pk, two.pk], "unit_id": office.pk, "note": "请处理"},
        )
    )
    assert body["dispatched"] == 2
    assert sorted(a["id"] for a in body["appeals"]) == [one.pk, two.pk]
    assert {a["unit"]["id"] for a in body["appeals"]} == {office.pk}
    assert set(Appeal.objects.values_list("state", flat=True)) == {State.DISPATCHED}


def test_bulk_dispatch_is_all_or_nothing(api, submit, users, office, counts):
    free = waiting(submit, users)
    taken = accepted(submit, users)
    api("town_a")  # its token is made before counting
    before = counts()
    response = post(
        api("town_a"),
        "bulk-dispatch",
        {"appeal_ids": [free.pk, taken.pk], "unit_id": office.pk},
    )
    assert_problem(response, 409)
    free.refresh_from_db()
    assert free.state == State.SUBMITTED and free.unit_id is None
    assert not Dispatch.objects.filter(unit=office).exists()
    assert counts() == before
    assert_problem(
        post(api("town_a"), "bulk-dispatch", {"appeal_ids": [], "unit_id": office.pk}),
        400,
        "appeal_ids",
    )
    assert_problem(
        post(api("worker_a1"), "bulk-dispatch", {"appeal_ids": [free.pk], "unit_id": office.pk}),
        403,
    )
