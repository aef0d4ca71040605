"""The notices API under /api/v1/notices/: the reader's list, one notice (which records the
receipt), publishing, corrections, files, withdrawal and receipts — refusing the wrong actor
(403), the invisible notice (404) and the change a published notice cannot take (409) with
problem+json."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from linli.core import actions as core_actions
from linli.core import scoping
from linli.core.roles import Cap
from linli.notices import actions
from linli.notices.models import Notice, NoticeAttachment, NoticeRead
from linli.notices.schemas_notices import (
    AttachmentOut,
    NoticeDetailOut,
    NoticeOut,
    PublishedOut,
    ReceiptsOut,
)

from .conftest import fake, pdf, png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

BASE = "/api/v1/notices"
PROBLEM = "application/problem+json"


@pytest.fixture
def api(users, people):
    """``api(user)``: a client acting as that account, by token when its roles allow one, else
    by the site session."""
    clients: dict[int, Client] = {}

    def _client(user) -> Client:
        if user.pk not in clients:
            if scoping.has_cap(user, Cap.API_TOKEN):
                _token, plain = core_actions.token_create(actor=user, name="test")
                clients[user.pk] = Client(headers={"Authorization": f"Bearer {plain}"})
            else:
                client = Client()
                client.force_login(user, backend="linli.core.auth.PhoneOrUsernameBackend")
                clients[user.pk] = client
        return clients[user.pk]

    return _client


def url(path: str = "") -> str:
    return f"{BASE}/{path}"


def send(client: Client, method: str, path: str, data=None):
    body = json.dumps(data if data is not None else {})
    return getattr(client, method)(url(path), body, content_type="application/json")


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    return response.json()


def publish(actor, area, **overrides) -> Notice:
    data = {"area_code": area.code, "title": "消防演练", "body": "周五下午三点消防演练。"}
    data.update(overrides)
    return actions.notice_publish(actor=actor, **data)


def test_reader_list_and_detail_record_the_receipt(api, users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    publish(users["worker_a2"], tree["a2"])
    client = api(people["li"])
    body = ok(client.get(url()))
    assert body["count"] == 1
    row = NoticeOut.model_validate(body["items"][0])
    assert (row.id, row.read, row.has_attachments, row.area_name) == (
        notice.pk,
        False,
        True,
        "仙城社区",
    )
    detail = NoticeDetailOut.model_validate(ok(client.get(url(f"{notice.pk}"))))
    assert detail.for_reader and not detail.manageable
    assert detail.read_at is not None
    assert detail.status == "live"
    download = client.get(detail.attachments[0].url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert ok(client.get(url()))["items"][0]["read"] is True
    receipt = ok(send(client, "post", f"{notice.pk}/read"))
    assert receipt["notice_id"] == notice.pk
    assert NoticeRead.objects.count() == 1


def test_neighbours_get_404(api, users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    attachment = notice.attachments.get()
    for outsider in (people["zhao"], users["worker_a2"], users["town_b"]):
        client = api(outsider)
        problem(client.get(url(f"{notice.pk}")), 404)
        problem(send(client, "post", f"{notice.pk}/read"), 404)
        problem(client.get(url(f"attachments/{attachment.pk}")), 404)
        problem(client.get(url(f"{notice.pk}/receipts")), 404)
        problem(send(client, "put", f"{notice.pk}", {"title": "改"}), 404)
        problem(send(client, "post", f"{notice.pk}/withdraw"), 404)
    assert not NoticeRead.objects.exists()


def test_publishing_through_the_api(api, users, tree, people):
    client = api(users["head_a1"])
    start = timezone.now() + dt.timedelta(days=1)
    created = ok(
        send(
            client,
            "post",
            "",
            {
                "area_code": tree["a1"].code,
                "title": "低保年审",
                "body": "请低保家庭本月内到社区办理年审。",
                "tags": ["dibao"],
                "publish_at": start.isoformat(),
                "expires_at": (start + dt.timedelta(days=30)).isoformat(),
            },
        ),
        201,
    )
    detail = NoticeDetailOut.model_validate(created)
    assert detail.status == "scheduled" and detail.manageable and not detail.for_reader
    assert detail.tags == ["dibao"]
    listed = ok(client.get(url("published"), {"status": "scheduled"}))
    assert [PublishedOut.model_validate(r).id for r in listed["items"]] == [detail.id]
    assert ok(api(people["wang"]).get(url()))["count"] == 0  # not yet


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"tags": ["nope"]}, "tags"),
        ({"tags": ["community_correction"]}, "tags"),  # a community worker's role may not
        ({"roles": ["grid_worker"]}, "roles"),  # roles are for staff notices
        ({"expires_at": "2020-01-01T00:00:00+08:00"}, "expires_at"),
        ({"title": "题" * 101}, "title"),
        ({"area_code": "220403001099"}, "area_code"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, users, tree, data, field):
    body = {"area_code": tree["a1"].code, "title": "通知", "body": "内容", **data}
    found = problem(send(api(users["worker_a1"]), "post", "", body), 400)
    assert field in found["errors"], found
    assert not Notice.objects.exists()


def test_malformed_input_is_a_422(api, users, tree):
    client = api(users["worker_a1"])
    base = {"area_code": tree["a1"].code, "title": "通知", "body": "内容"}
    problem(send(client, "post", "", {**base, "audience": "visitors"}), 422)
    problem(
        send(client, "post", "", {**base, "roles": ["security_admin"], "audience": "staff"}), 422
    )
    problem(send(client, "post", "", {**base, "colour": "red"}), 422)
    problem(send(client, "post", "", {**base, "area_code": "12"[:1]}), 422)
    assert not Notice.objects.exists()


def test_refused_publishers_get_403(api, users, tree, people):
    body = {"area_code": tree["a1"].code, "title": "通知", "body": "内容"}
    problem(send(api(users["worker_a2"]), "post", "", body), 403)
    problem(send(api(people["li"]), "post", "", body), 403)
    notice = publish(users["worker_a1"], tree["a1"])
    problem(send(api(people["li"]), "put", f"{notice.pk}", {"title": "改"}), 403)
    assert not Notice.objects.exclude(pk=notice.pk).exists()


def test_corrections_and_conflicts(api, users, tree):
    notice = publish(users["worker_a1"], tree["a1"])
    client = api(users["worker_a1"])
    changed = ok(send(client, "put", f"{notice.pk}", {"title": "消防演练（改期）", "pinned": True}))
    assert changed["title"] == "消防演练（改期）" and changed["pinned"] is True
    problem(send(client, "put", f"{notice.pk}", {"audience": "staff"}), 409)
    withdrawn = ok(send(client, "post", f"{notice.pk}/withdraw"))
    assert withdrawn["status"] == "withdrawn"
    problem(send(client, "post", f"{notice.pk}/withdraw"), 409)
    problem(send(client, "put", f"{notice.pk}", {"title": "再改"}), 409)


def test_files_upload_and_refusals(api, users, tree, people, media):
    notice = publish(users["worker_a1"], tree["a1"])
    client = api(users["worker_a1"])
    response = client.post(url(f"{notice.pk}/attachments"), {"files": [pdf(), png()]})
    rows = [AttachmentOut.model_validate(r) for r in ok(response, 201)]
    assert [r.content_type for r in rows] == ["application/pdf", "image/png"]
    bad = problem(client.post(url(f"{notice.pk}/attachments"), {"files": [fake()]}), 400)
    assert "files" in bad["errors"]
    too_many = [pdf(f"{n}.pdf") for n in range(4)]
    problem(client.post(url(f"{notice.pk}/attachments"), {"files": too_many}), 400)
    problem(api(users["worker_a2"]).post(url(f"{notice.pk}/attachments"), {"files": [pdf()]}), 404)
    assert NoticeAttachment.objects.count() == 2
    removed = ok(send(client, "put", f"{notice.pk}", {"remove_attachments": [rows[0].id]}))
    assert [a["id"] for a in removed["attachments"]] == [rows[1].id]
    problem(api(people["zhao"]).get(url(f"attachments/{rows[1].id}")), 404)
    assert api(people["li"]).get(url(f"attachments/{rows[1].id}")).status_code == 200


def test_receipts(api, users, tree, people):
    notice = publish(users["town_a"], tree["town_a"], audience="everyone")
    ok(api(people["li"]).get(url(f"{notice.pk}")))
    ok(api(users["grid_a1"]).get(url(f"{notice.pk}")))
    ok(api(users["town_a"]).get(url(f"{notice.pk}")))  # the officer reads it too (staff of town A)
    found = ReceiptsOut.model_validate(ok(api(users["town_a"]).get(url(f"{notice.pk}/receipts"))))
    communities = {c.code: (c.online, c.offline, c.read) for c in found.residents.communities}
    assert communities == {tree["a1"].code: (3, 2, 1), tree["a2"].code: (1, 0, 0)}
    assert found.staff.reached == 5 and found.staff.read == 2
    assert {p.name for p in found.staff.not_read_yet} == {"worker_a1", "worker_a2", "head_a1"}
    assert found.total_reads == 3
    problem(api(users["grid_a1"]).get(url(f"{notice.pk}/receipts")), 404)


def test_paths_that_are_not_notices(api, users):
    client = api(users["county"])
    assert client.get(url("0")).status_code in (404, 422)
    assert client.get(url(str(2**63))).status_code in (404, 422)
    problem(client.get(url("published"), {"status": "gone"}), 422)
