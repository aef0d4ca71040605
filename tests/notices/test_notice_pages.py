"""The notice pages through the Django test client: a resident's notices (opening one records
the receipt), files only for readers, the publisher's list, form, corrections, withdrawal and
receipts, and the home-page blocks — each within a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.notices import actions, queries
from linli.notices.models import Notice, NoticeAttachment, NoticeRead

from .conftest import fake, pdf, png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

BODY = "明天上午停水，请提前储水。"


def publish(actor, area, **overrides) -> Notice:
    data = {"area_code": area.code, "title": "停水通知", "body": BODY, "audience": "residents"}
    data.update(overrides)
    return actions.notice_publish(actor=actor, **data)


def view_url(notice) -> str:
    return reverse("notices:view", args=[notice.pk])


def html(response) -> str:
    return response.content.decode()


# --- the reader -----------------------------------------------------------------------------------


def test_resident_sees_their_notices_newest_first_unread_marked(login, users, tree, people):
    old = publish(users["worker_a1"], tree["a1"], title="旧的通知")
    new = publish(users["town_a"], tree["town_a"], title="新的通知")
    publish(users["worker_a2"], tree["a2"], title="新兴社区的通知")
    actions.notice_read(actor=people["li"], notice_id=old.pk)
    response = login(people["li"]).get(reverse("notices:mine"))
    assert response.status_code == 200
    page = html(response)
    assert page.index("新的通知") < page.index("旧的通知")
    assert "新兴社区的通知" not in page
    assert f'data-testid="notice-{new.pk}"' in page
    unread_part = page.split(f'data-testid="notice-{new.pk}"')[1].split("</li>")[0]
    read_part = page.split(f'data-testid="notice-{old.pk}"')[1].split("</li>")[0]
    assert 'data-testid="unread"' in unread_part
    assert 'data-testid="unread"' not in read_part
    assert "From 仙城街道" in page


def test_opening_a_notice_records_the_receipt(login, users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    client = login(people["li"])
    response = client.get(view_url(notice))
    assert response.status_code == 200
    assert BODY in html(response)
    assert 'data-testid="receipt"' in html(response)
    assert 'data-testid="manage"' not in html(response)
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    client.get(view_url(notice))
    receipt = NoticeRead.objects.get()
    assert (receipt.notice_id, receipt.user_id) == (notice.pk, people["li"].pk)


def test_neighbours_and_strangers_find_nothing(login, users, tree, people, client):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    attachment = notice.attachments.get()
    for outsider in (people["zhao"], users["resident_a2"], users["worker_a2"], users["town_b"]):
        c = login(outsider)
        assert c.get(view_url(notice)).status_code == 404
        assert c.get(reverse("notices:attachment", args=[attachment.pk])).status_code == 404
        assert c.get(reverse("notices:receipts", args=[notice.pk])).status_code == 404
    client.logout()
    response = client.get(view_url(notice))
    assert response.status_code == 302  # to the login page
    assert not NoticeRead.objects.exists()


def test_readers_download_files_by_their_shown_name(login, users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf("停水安排.pdf"), png()])
    first = notice.attachments.order_by("pk").first()
    response = login(people["li"]).get(reverse("notices:attachment", args=[first.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert "%E5%81%9C%E6%B0%B4" in response["Content-Disposition"]  # 停水, encoded
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "停水" not in first.file.name  # the stored name carries nothing of the upload


def test_withdrawn_files_stop_for_readers(login, users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    attachment = notice.attachments.get()
    actions.notice_withdraw(actor=users["worker_a1"], notice_id=notice.pk)
    url = reverse("notices:attachment", args=[attachment.pk])
    assert login(people["li"]).get(url).status_code == 404
    assert login(users["worker_a1"]).get(url).status_code == 200


def test_account_without_a_home_is_told_why(login, users):
    response = login(users["secadmin"]).get(reverse("notices:mine"))
    assert response.status_code == 200
    assert "not linked to a community" in html(response)


# --- the publisher --------------------------------------------------------------------------------


def test_publisher_list_shows_states_and_read_counts(login, users, tree, people):
    live = publish(users["worker_a1"], tree["a1"], title="今天的通知")
    later = publish(
        users["worker_a1"],
        tree["a1"],
        title="下周的通知",
        publish_at=timezone.now() + dt.timedelta(days=7),
    )
    actions.notice_read(actor=people["li"], notice_id=live.pk)
    client = login(users["worker_a1"])
    page = html(client.get(reverse("notices:list")))
    row = page.split(f'data-testid="notice-row-{live.pk}"')[1].split("</tr>")[0]
    assert "live" in row and ">1</a>" in row
    assert f'data-testid="notice-row-{later.pk}"' in page
    scheduled = html(client.get(reverse("notices:list"), {"status": "scheduled"}))
    assert "下周的通知" in scheduled and "今天的通知" not in scheduled
    assert client.get(reverse("notices:list"), {"status": "gone"}).status_code == 400


@pytest.mark.parametrize("who", ["resident_a1", "grid_a1", "auditor"])
def test_publisher_pages_are_refused_to_others(login, users, who):
    client = login(users[who])
    assert client.get(reverse("notices:list")).status_code == 403
    assert client.get(reverse("notices:new")).status_code == 403


def test_publishing_through_the_form(login, users, tree, people):
    client = login(users["head_a1"])
    form = html(client.get(reverse("notices:new")))
    assert tree["a1"].code in form and tree["grid_a1"].code in form
    assert tree["a2"].code not in form
    assert "community_correction" in form  # the head may address it
    response = client.post(
        reverse("notices:new"),
        {
            "area_code": tree["a1"].code,
            "audience": "residents",
            "title": "独居老人冬季关怀",
            "body": "社区将上门检查取暖设施。",
            "tags": ["special_elderly"],
            "pinned": "on",
            "attachments": [pdf(), png()],
        },
    )
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == view_url(notice)
    assert notice.tags == ["special_elderly"] and notice.pinned
    assert notice.attachments.count() == 2
    assert notice.pk in [n.pk for n in queries.notices_mine(actor=people["li"])]


def test_a_community_worker_is_not_offered_groups_beyond_their_role(login, users):
    form = html(login(users["worker_a1"]).get(reverse("notices:new")))
    assert "community_correction" not in form
    assert "dibao" in form


def test_bad_form_input_comes_back_beside_the_field(login, users, tree, media):
    client = login(users["worker_a1"])
    start = timezone.localtime() + dt.timedelta(days=1)
    response = client.post(
        reverse("notices:new"),
        {
            "area_code": tree["a1"].code,
            "audience": "residents",
            "title": "通知",
            "body": "内容",
            "publish_at": start.strftime("%Y-%m-%dT%H:%M"),
            "expires_at": (start - dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "attachments": [pdf()],
        },
    )
    assert response.status_code == 400
    assert "A notice must be shown until a time after it is published." in html(response)
    assert "please choose them again" in html(response)
    bad_file = client.post(
        reverse("notices:new"),
        {
            "area_code": tree["a1"].code,
            "audience": "residents",
            "title": "通知",
            "body": "内容",
            "attachments": [fake()],
        },
    )
    assert bad_file.status_code == 400
    assert "报告.pdf cannot be attached" in html(bad_file)
    outside = client.post(
        reverse("notices:new"),
        {"area_code": tree["a2"].code, "audience": "residents", "title": "通知", "body": "内容"},
    )
    assert outside.status_code == 400  # a2 is not among the choices
    assert not Notice.objects.exists() and not NoticeAttachment.objects.exists()
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


def test_correcting_a_published_notice(login, users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    attachment = notice.attachments.get()
    client = login(users["worker_a1"])
    page = html(client.get(reverse("notices:edit", args=[notice.pk])))
    assert 'data-testid="published-note"' in page
    response = client.post(
        reverse("notices:edit", args=[notice.pk]),
        {
            "title": "停水通知（更正时间）",
            "body": BODY,
            "audience": "staff",  # disabled on the form: ignored
            "area_code": tree["a2"].code,
            "remove_attachments": [str(attachment.pk)],
        },
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.title == "停水通知（更正时间）"
    assert (notice.audience, notice.area_code) == ("residents", tree["a1"].code)
    assert not notice.attachments.exists()
    assert AuditEvent.objects.get(action="notice.update").extra["changed"] == ["title"]


def test_changing_a_scheduled_notice_keeps_what_was_not_touched(login, users, tree):
    start = timezone.now() + dt.timedelta(days=2, seconds=17)
    notice = publish(users["worker_a1"], tree["a1"], publish_at=start, tags=["dibao"])
    client = login(users["worker_a1"])
    form = html(client.get(reverse("notices:edit", args=[notice.pk])))
    assert 'data-testid="published-note"' not in form
    shown = timezone.localtime(start).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{shown}"' in form
    response = client.post(
        reverse("notices:edit", args=[notice.pk]),
        {
            "area_code": tree["a1"].code,
            "audience": "residents",
            "title": "停水通知（改到后天）",
            "body": BODY,
            "tags": ["dibao"],
            "publish_at": shown,
        },
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.publish_at == start
    assert AuditEvent.objects.get(action="notice.update").extra["changed"] == ["title"]
    client.post(
        reverse("notices:edit", args=[notice.pk]),
        {"area_code": tree["grid_a1"].code, "audience": "everyone", "title": notice.title,
         "body": BODY, "publish_at": ""},
    )  # fmt: skip
    notice.refresh_from_db()
    assert (notice.area_code, notice.audience, notice.tags) == (
        tree["grid_a1"].code,
        "everyone",
        [],
    )
    assert notice.publish_at <= timezone.now()  # emptied: published now


def test_a_notice_to_a_group_beyond_ones_role_can_still_be_corrected(login, users, tree):
    notice = publish(users["head_a1"], tree["a1"], tags=["community_correction"])
    client = login(users["worker_a1"])
    form = html(client.get(reverse("notices:edit", args=[notice.pk])))
    assert "community_correction" in form  # shown, as it is named, though not offered
    response = client.post(
        reverse("notices:edit", args=[notice.pk]), {"title": "停水通知（更正）", "body": BODY}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.title, notice.tags) == ("停水通知（更正）", ["community_correction"])


def test_withdrawing_from_the_page(login, users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"])
    assert (
        login(users["worker_a2"]).post(reverse("notices:withdraw", args=[notice.pk])).status_code
        == 404
    )
    assert (
        login(people["li"]).post(reverse("notices:withdraw", args=[notice.pk])).status_code == 403
    )
    client = login(users["head_a1"])
    assert client.get(reverse("notices:withdraw", args=[notice.pk])).status_code == 405
    response = client.post(reverse("notices:withdraw", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_at is not None
    again = client.post(reverse("notices:withdraw", args=[notice.pk]), follow=True)
    assert "already withdrawn" in html(again)
    assert login(people["li"]).get(view_url(notice)).status_code == 404


def test_receipts_page_counts_per_community(login, users, tree, people):
    notice = publish(users["town_a"], tree["town_a"], audience="everyone")
    actions.notice_read(actor=people["li"], notice_id=notice.pk)
    actions.notice_read(actor=users["worker_a1"], notice_id=notice.pk)
    page = html(login(users["town_a"]).get(reverse("notices:receipts", args=[notice.pk])))
    a1 = page.split(f'data-testid="community-{tree["a1"].code}"')[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in a1.split("</td>")[:2]] == ["3", "1"]
    assert 'data-testid="offline">2<' in page
    assert 'data-testid="staff-reads">1<' in page
    unread = page.split('data-testid="unread-staff"')[1]
    assert "worker_a2" in unread and "worker_a1" not in unread


# --- home pages and query counts -------------------------------------------------------------------


def test_resident_home_shows_three_newest_unread(login, users, tree, people):
    notices = [publish(users["worker_a1"], tree["a1"], title=f"第{i}号通知") for i in range(5)]
    actions.notice_read(actor=people["li"], notice_id=notices[4].pk)
    page = html(login(people["li"]).get(reverse("web:home")))
    assert 'data-testid="home-notices"' in page
    shown = [n.pk for n in notices if f'data-testid="home-notice-{n.pk}"' in page]
    assert shown == [notices[1].pk, notices[2].pk, notices[3].pk]
    assert reverse("notices:mine") in page


def test_staff_home_shows_staff_notices(login, users, tree):
    notice = publish(users["town_a"], tree["town_a"], audience="staff", roles=["grid_worker"])
    page = html(login(users["grid_a1"]).get(reverse("web:home")))
    assert f'data-testid="home-notice-{notice.pk}"' in page
    other = html(login(users["worker_a1"]).get(reverse("web:home")))
    assert 'data-testid="home-staff-notices"' in other
    assert f'data-testid="home-notice-{notice.pk}"' not in other
    assert reverse("notices:new") in other  # a publisher


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url_name", ["notices:mine", "web:home"])
def test_reader_pages_do_not_grow_with_the_notices(
    login, users, tree, people, url_name, django_assert_num_queries
):
    publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    client = login(people["li"])
    url = reverse(url_name)
    few = _queries(client, url)
    for i in range(9):
        publish(users["town_a"], tree["town_a"], title=f"通知{i}", pinned=bool(i % 2))
    with django_assert_num_queries(few):
        client.get(url)


def test_publisher_list_does_not_grow_with_the_notices(
    login, users, tree, django_assert_num_queries
):
    publish(users["worker_a1"], tree["a1"])
    client = login(users["worker_a1"])
    few = _queries(client, reverse("notices:list"))
    for i in range(9):
        publish(users["worker_a1"], tree["grid_a1"], title=f"通知{i}")
    with django_assert_num_queries(few):
        client.get(reverse("notices:list"))
