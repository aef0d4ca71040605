"""Notices: publishing (who may, to whom, when, with which files), who reads what, read receipts
and their counts, changing and withdrawing — through the actions and queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, User
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.notices import actions, queries
from linli.notices.files import ATTACHMENT_MAX_BYTES
from linli.notices.models import Notice, NoticeAttachment, NoticeRead
from linli.registry import actions as registry_actions
from tests.appeals.test_concurrency import _audit_unguarded, race, races, slow  # noqa: F401

from .conftest import docx, fake, pdf, png, staff, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english", "media")]

BODY = "本周六上午九点在社区广场开展义诊，欢迎居民参加。"


def fresh(user) -> User:
    """The account as a new request sees it (no cached roles or reader)."""
    return User.objects.get(pk=user.pk)


def publish(actor, area, **overrides) -> Notice:
    data = {"area_code": area.code, "title": "义诊通知", "body": BODY, "audience": "residents"}
    data.update(overrides)
    return actions.notice_publish(actor=actor, **data)


def mine(user) -> list[int]:
    return [n.pk for n in queries.notices_mine(actor=fresh(user))]


def written() -> dict[str, int]:
    return {
        "notices": Notice.objects.count(),
        "files": NoticeAttachment.objects.count(),
        "reads": NoticeRead.objects.count(),
        "audit": AuditEvent.objects.filter(action__startswith="notice.").count(),
    }


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# --- publishing ---------------------------------------------------------------------------------


def test_worker_publishes_to_their_community(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], pinned=True)
    assert notice.created_by == users["worker_a1"]
    assert notice.area_code == tree["a1"].code
    assert notice.publish_at <= timezone.now()
    event = AuditEvent.objects.get(action="notice.publish")
    assert event.target_id == str(notice.pk)
    assert event.area_code == tree["a1"].code
    assert event.extra["audience"] == "residents"
    assert event.extra["pinned"] is True
    assert notice.pk in mine(people["li"])


def test_town_and_county_publish_to_their_subtrees(users, tree, people):
    town = publish(users["town_a"], tree["town_a"], audience="everyone")
    county = publish(users["county"], tree["county"])
    assert set(mine(people["zhao"])) == {town.pk, county.pk}
    assert set(mine(users["worker_a2"])) == {town.pk}


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("worker_a2", "a1"),  # the neighbouring community
        ("town_b", "a1"),  # another town
        ("resident_a1", "a1"),  # a resident
        ("grid_a1", "a1"),  # a grid worker publishes nothing
        ("worker_a1", "town_a"),  # a community worker does not publish to the whole town
        ("secadmin", "county"),  # an administrator
    ],
)
def test_publishing_is_refused_outside_ones_area(users, tree, who, where):
    before = written()
    with pytest.raises(Forbidden):
        publish(users[who], tree[where])
    assert written() == before


def test_anonymous_cannot_publish(tree):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden):
        publish(AnonymousUser(), tree["a1"])
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 101}, "title"),
        ({"body": ""}, "body"),
        ({"body": "字" * 5001}, "body"),
        ({"audience": "visitors"}, "audience"),
        ({"area_code": "220403001009"}, "area_code"),  # no such community
        ({"area_code": "abc"}, "area_code"),
        ({"tags": ["no_such_group"]}, "tags"),
        ({"tags": ["special_elderly"], "audience": "staff"}, "tags"),
        ({"roles": ["resident"], "audience": "staff"}, "roles"),
        ({"roles": ["system_admin"], "audience": "everyone"}, "roles"),
        ({"roles": ["grid_worker"], "audience": "residents"}, "roles"),
        ({"publish_at": "2020-01-01T08:00"}, "publish_at"),
        ({"publish_at": "tomorrow"}, "publish_at"),
        (
            {"expires_at": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14)))},
            "expires_at",
        ),
    ],
)
def test_bad_input_is_refused_with_nothing_written(users, tree, media, overrides, field):
    before = written()
    with pytest.raises(ActionError) as caught:
        publish(users["head_a1"], tree["a1"], **overrides)
    assert field in caught.value.errors, caught.value.errors
    assert written() == before
    assert stored_files(media) == []


def test_expiry_must_come_after_publication(users, tree):
    start = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(ActionError) as caught:
        publish(users["worker_a1"], tree["a1"], publish_at=start, expires_at=start)
    assert caught.value.errors == {
        "expires_at": ["A notice must be shown until a time after it is published."]
    }
    with pytest.raises(ActionError):
        publish(users["worker_a1"], tree["a1"], expires_at=timezone.now() - dt.timedelta(hours=1))
    assert not Notice.objects.exists()


def test_inactive_group_is_refused(users, tree):
    registry_actions.group_tag_set_active(actor=SYSTEM, code="veteran", active=False)
    with pytest.raises(ActionError) as caught:
        publish(users["worker_a1"], tree["a1"], tags=["veteran"])
    assert "tags" in caught.value.errors


def test_sensitive_group_only_for_the_roles_it_names(users, tree):
    # 社区矫正对象 is for community heads and officers, not community workers.
    with pytest.raises(ActionError) as caught:
        publish(users["worker_a1"], tree["a1"], tags=["community_correction"])
    assert caught.value.errors["tags"] == ["Your role may not address the group 社区矫正对象."]
    # 低保 names care roles: the department officer (who publishes county-wide) is not one.
    with pytest.raises(ActionError):
        publish(users["dept"], tree["county"], tags=["dibao"])
    assert not Notice.objects.exists()
    assert publish(users["head_a1"], tree["a1"], tags=["community_correction"]).tags == [
        "community_correction"
    ]
    assert publish(users["worker_a1"], tree["a1"], tags=["dibao"]).tags == ["dibao"]


def test_attachments_are_judged_by_content_and_stored_under_random_names(users, tree, media):
    notice = publish(
        users["worker_a1"], tree["a1"], attachments=[pdf(), png(), docx(), xlsx("名单")]
    )
    rows = list(notice.attachments.order_by("pk"))
    assert [r.content_type for r in rows] == [
        "application/pdf",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]
    assert [r.name for r in rows] == ["通知.pdf", "map.png", "安排.docx", "名单.xlsx"]
    stored = [r.file.name for r in rows]
    assert len(set(stored)) == 4
    assert all("通知" not in name and "." not in name.rsplit("/", 1)[-1] for name in stored)
    assert len(stored_files(media)) == 4
    assert AuditEvent.objects.get(action="notice.publish").extra["attachments"] == 4


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([fake()], "报告.pdf cannot be attached"),
        ([pdf("big.pdf", size=ATTACHMENT_MAX_BYTES + 1)], "at most 10 MB"),
        ([pdf(f"{n}.pdf") for n in range(6)], "at most 5 attachments"),
        ([png("empty.png").__class__("empty.png", b"", "image/png")], "empty"),
    ],
)
def test_bad_attachments_are_refused(users, tree, media, files, message):
    before = written()
    with pytest.raises(ActionError) as caught:
        publish(users["worker_a1"], tree["a1"], attachments=files)
    assert message in caught.value.errors["attachments"][0]
    assert written() == before
    assert stored_files(media) == []


def test_files_of_a_write_that_fails_are_removed(users, tree, media, monkeypatch):
    from linli.notices.actions import notices as notice_actions

    def broken(*args, **kwargs):
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(notice_actions.audit, "record", broken)
    with pytest.raises(RuntimeError):
        publish(users["worker_a1"], tree["a1"], attachments=[pdf(), png()])
    assert not Notice.objects.exists() and not NoticeAttachment.objects.exists()
    assert stored_files(media) == []


def test_a_renamed_executable_is_not_a_pdf(users, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
    with pytest.raises(ActionError):
        publish(users["worker_a1"], tree["a1"], attachments=[exe])
    zip_only = SimpleUploadedFile("a.docx", b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ActionError):
        publish(users["worker_a1"], tree["a1"], attachments=[zip_only])


# --- who reads what -------------------------------------------------------------------------------


def test_residents_read_notices_of_their_areas_only(users, tree, people):
    a1 = publish(users["worker_a1"], tree["a1"])
    a2 = publish(users["worker_a2"], tree["a2"])
    b1 = publish(users["town_b"], tree["b1"])
    grid = publish(users["head_a1"], tree["grid_a1"])
    assert set(mine(people["li"])) == {a1.pk, grid.pk}  # 李四 lives in the grid's building
    assert set(mine(people["wang"])) == {a1.pk}  # 王五's building is in no grid
    assert set(mine(people["zhao"])) == {a2.pk}
    assert b1.pk not in mine(people["li"])
    with pytest.raises(NotFound):
        queries.notice_get(actor=fresh(people["zhao"]), notice_id=a1.pk)


def test_an_account_not_linked_to_the_registry_reads_by_its_resident_role(users, tree):
    a1 = publish(users["worker_a1"], tree["a1"])
    town = publish(users["town_a"], tree["town_a"])
    tagged = publish(users["worker_a1"], tree["a1"], tags=["special_elderly"])
    publish(users["worker_a2"], tree["a2"])
    assert set(mine(users["resident_a1"])) == {a1.pk, town.pk}
    assert tagged.pk not in mine(users["resident_a1"])


def test_a_notice_to_a_group_reaches_its_members_and_kinds(users, tree, people):
    elderly = publish(users["worker_a1"], tree["a1"], tags=["special_elderly"])
    alone = publish(users["worker_a1"], tree["a1"], tags=["special_elderly.living_alone"])
    dibao = publish(users["worker_a1"], tree["a1"], tags=["dibao", "veteran"])
    assert set(mine(people["li"])) == {elderly.pk, alone.pk}  # 李四 lives alone
    assert set(mine(people["wang"])) == {dibao.pk}
    assert mine(people["zhang"]) == []


def test_an_ended_membership_no_longer_reaches(users, tree, people, homes):
    notice = publish(users["worker_a1"], tree["a1"], tags=["special_elderly"])
    registry_actions.resident_tag_end(
        actor=SYSTEM, membership_id=homes["tags"]["li_alone"].pk, ended_on=timezone.localdate()
    )
    assert notice.pk not in mine(people["li"])


def test_staff_read_notices_to_staff_of_their_areas_and_roles(users, tree, people):
    to_a1 = publish(users["head_a1"], tree["a1"], audience="staff")
    grid_only = publish(users["town_a"], tree["town_a"], audience="staff", roles=["grid_worker"])
    everyone = publish(users["county"], tree["county"], audience="everyone")
    assert set(mine(users["worker_a1"])) == {to_a1.pk, everyone.pk}
    assert set(mine(users["grid_a1"])) == {to_a1.pk, grid_only.pk, everyone.pk}
    assert set(mine(users["worker_a2"])) == {everyone.pk}
    assert set(mine(users["town_a"])) == {everyone.pk}  # a1's staff notice is below the town
    assert set(mine(people["li"])) == {everyone.pk}  # residents never get staff notices
    # The town officer manages a1's notice without reading it.
    found = queries.notice_get(actor=fresh(users["town_a"]), notice_id=to_a1.pk)
    assert found.for_reader is False
    assert queries.notice_get(actor=fresh(users["grid_a1"]), notice_id=to_a1.pk).for_reader


def test_a_scheduled_notice_appears_at_its_time(users, tree, people, monkeypatch):
    start = timezone.now() + dt.timedelta(hours=3)
    notice = publish(users["worker_a1"], tree["a1"], publish_at=start)
    assert AuditEvent.objects.get(action="notice.publish").extra["scheduled"] is True
    assert notice.pk not in mine(people["li"])
    with pytest.raises(NotFound):
        queries.notice_get(actor=fresh(people["li"]), notice_id=notice.pk)
    with pytest.raises(NotFound):
        actions.notice_read(actor=fresh(people["li"]), notice_id=notice.pk)
    later = start + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert notice.pk in mine(people["li"])


def test_an_expired_notice_disappears(users, tree, people, monkeypatch):
    end = timezone.now() + dt.timedelta(days=1)
    notice = publish(users["worker_a1"], tree["a1"], expires_at=end)
    assert notice.pk in mine(people["li"])
    later = end + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert notice.pk not in mine(people["li"])
    listed = queries.notice_list(
        actor=fresh(users["worker_a1"]), filters=queries.NoticeFilters(status="expired")
    )
    assert [n.pk for n in listed] == [notice.pk]


def test_a_withdrawn_notice_disappears_for_readers(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"])
    with NoticeFiles(notice) as attachment_id:
        assert queries.attachment_get(actor=fresh(people["li"]), attachment_id=attachment_id)
        actions.notice_withdraw(actor=fresh(users["head_a1"]), notice_id=notice.pk)
        assert notice.pk not in mine(people["li"])
        with pytest.raises(NotFound):
            queries.notice_get(actor=fresh(people["li"]), notice_id=notice.pk)
        with pytest.raises(NotFound):
            queries.attachment_get(actor=fresh(people["li"]), attachment_id=attachment_id)
        with pytest.raises(NotFound):
            actions.notice_read(actor=fresh(people["li"]), notice_id=notice.pk)
        # Its publishers keep it.
        assert queries.attachment_get(actor=fresh(users["worker_a1"]), attachment_id=attachment_id)
    event = AuditEvent.objects.get(action="notice.withdraw")
    assert event.extra == {"was": "live"}
    listed = queries.notice_list(
        actor=fresh(users["worker_a1"]), filters=queries.NoticeFilters(status="withdrawn")
    )
    assert [n.pk for n in listed] == [notice.pk]


class NoticeFiles:
    """Attach one PDF to ``notice`` for the block; yields its id."""

    def __init__(self, notice):
        self.notice = notice

    def __enter__(self) -> int:
        rows = actions.notice_attachments_add(
            actor=fresh(self.notice.created_by), notice_id=self.notice.pk, attachments=[pdf()]
        )
        return rows[0].pk

    def __exit__(self, *exc) -> None:
        return None


def test_pinned_first_then_newest(users, tree, people):
    old = publish(users["worker_a1"], tree["a1"], title="旧通知")
    pinned = publish(users["worker_a1"], tree["a1"], title="置顶", pinned=True)
    new = publish(users["worker_a1"], tree["a1"], title="新通知")
    Notice.objects.filter(pk=pinned.pk).update(publish_at=old.publish_at - dt.timedelta(days=1))
    assert mine(people["li"]) == [pinned.pk, new.pk, old.pk]


def test_publisher_list_filters_by_state_and_area(users, tree):
    live = publish(users["town_a"], tree["a1"])
    later = publish(users["town_a"], tree["a2"], publish_at=timezone.now() + dt.timedelta(days=1))
    other = publish(users["town_b"], tree["b1"])

    def listed(**filters):
        found = queries.notice_list(
            actor=fresh(users["town_a"]), filters=queries.NoticeFilters(**filters)
        )
        return [n.pk for n in found]

    assert listed() == [later.pk, live.pk]
    assert listed(status="scheduled") == [later.pk]
    assert listed(status="live") == [live.pk]
    assert listed(area=tree["a1"].code) == [live.pk]
    assert other.pk not in listed()
    with pytest.raises(ActionError):
        listed(status="deleted")
    assert [n.pk for n in queries.notice_list(actor=fresh(users["worker_a1"]))] == [live.pk]


# --- read receipts --------------------------------------------------------------------------------


def test_reading_twice_keeps_one_receipt(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"])
    first = actions.notice_read(actor=fresh(people["li"]), notice_id=notice.pk)
    second = actions.notice_read(actor=fresh(people["li"]), notice_id=notice.pk)
    assert first.pk == second.pk
    assert first.area_code == tree["a1"].code
    assert NoticeRead.objects.count() == 1
    assert AuditEvent.objects.filter(action="notice.read").count() == 1
    assert [n.is_read for n in queries.notices_mine(actor=fresh(people["li"]))] == [True]


@races
def test_two_tabs_opening_at_once_keep_one_receipt(users, tree, people, monkeypatch):
    from linli.notices.actions import notices as notice_actions

    notice = publish(users["worker_a1"], tree["a1"])
    # Both pass the look for an earlier receipt before either writes one.
    monkeypatch.setattr(notice_actions.q, "reading_place", slow(notice_actions.q.reading_place))

    def read():
        return actions.notice_read(actor=fresh(people["li"]), notice_id=notice.pk)

    first, second = race(read, read)
    assert isinstance(first, NoticeRead) and isinstance(second, NoticeRead), (first, second)
    assert first.pk == second.pk
    assert NoticeRead.objects.count() == 1
    assert AuditEvent.objects.filter(action="notice.read").count() == 1


def test_only_readers_get_a_receipt(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"])
    for outsider in (people["zhao"], users["town_a"], users["resident_a2"]):
        with pytest.raises(NotFound):
            actions.notice_read(actor=fresh(outsider), notice_id=notice.pk)
    assert not NoticeRead.objects.exists()


def test_receipts_count_residents_reached_per_community(users, tree, people):
    notice = publish(users["town_a"], tree["town_a"])
    actions.notice_read(actor=fresh(people["li"]), notice_id=notice.pk)
    actions.notice_read(actor=fresh(people["zhao"]), notice_id=notice.pk)
    actions.notice_read(actor=fresh(users["resident_a1"]), notice_id=notice.pk)  # not linked
    found = queries.notice_receipts(actor=fresh(users["town_a"]), notice_id=notice.pk)
    rows = {row.code: (row.online, row.offline, row.read) for row in found.rows}
    # A1: 张三, 李四 and 王五 have accounts; 刘芳 and 张小明 do not. A2: 赵六.
    assert rows == {tree["a1"].code: (3, 2, 1), tree["a2"].code: (1, 0, 1)}
    assert [row.name for row in found.rows] == ["仙城社区", "新兴社区"]
    assert (found.online, found.offline, found.resident_reads) == (4, 2, 2)
    assert found.resident_percent == 50
    assert found.other_reads == 1
    assert found.total_reads == 3
    assert not found.staff


def test_receipts_of_a_group_count_its_members_only(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], tags=["special_elderly"])
    actions.notice_read(actor=fresh(people["li"]), notice_id=notice.pk)
    found = queries.notice_receipts(actor=fresh(users["worker_a1"]), notice_id=notice.pk)
    assert [(r.code, r.online, r.offline, r.read) for r in found.rows] == [
        (tree["a1"].code, 1, 0, 1)
    ]
    assert found.rows[0].percent == 100


def test_receipts_of_staff_notices_list_who_has_not_read(users, tree):
    notice = publish(users["town_a"], tree["town_a"], audience="staff")
    actions.notice_read(actor=fresh(users["worker_a1"]), notice_id=notice.pk)
    found = queries.notice_receipts(actor=fresh(users["town_a"]), notice_id=notice.pk)
    # Staff of the town: the grid worker, the workers of A1 and A2, A1's head, the officer.
    assert found.staff_reached == 5
    assert found.staff_reads == 1
    assert found.staff_percent == 20
    assert {p["name"] for p in found.unread_staff} == {
        "grid_a1",
        "worker_a2",
        "head_a1",
        "town_a",
    }
    assert not found.residents and found.rows == []
    grid_only = publish(users["town_a"], tree["town_a"], audience="staff", roles=["grid_worker"])
    found = queries.notice_receipts(actor=fresh(users["town_a"]), notice_id=grid_only.pk)
    assert found.staff_reached == 1
    assert [p["role"] for p in found.unread_staff] == [Role.GRID_WORKER]


def test_receipts_are_for_publishers_of_the_area(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"])
    for outsider in (users["worker_a2"], users["town_b"], people["li"], users["grid_a1"]):
        with pytest.raises(NotFound):
            queries.notice_receipts(actor=fresh(outsider), notice_id=notice.pk)


def test_a_second_staff_of_many_roles_is_counted_once(users, tree):
    both = staff("both_a1", Role.COMMUNITY_WORKER, tree["a1"])
    from linli.core.models import RoleAssignment

    RoleAssignment.objects.create(
        user=both, role=Role.GRID_WORKER, area=tree["grid_a1"], area_code=tree["grid_a1"].code
    )
    notice = publish(users["head_a1"], tree["a1"], audience="staff")
    found = queries.notice_receipts(actor=fresh(users["head_a1"]), notice_id=notice.pk)
    # grid_a1, worker_a1, head_a1 and the new account (once).
    assert found.staff_reached == 4
    assert [p["name"] for p in found.unread_staff].count("both_a1") == 1


# --- changing and withdrawing ------------------------------------------------------------------


def test_a_scheduled_notice_may_change_everything(users, tree, people):
    notice = publish(users["town_a"], tree["a1"], publish_at=timezone.now() + dt.timedelta(days=1))
    changed = actions.notice_update(
        actor=fresh(users["town_a"]),
        notice_id=notice.pk,
        area_code=tree["a2"].code,
        audience="everyone",
        tags=["special_elderly"],
        publish_at=None,
    )
    assert changed.area_code == tree["a2"].code
    assert changed.publish_at <= timezone.now()
    event = AuditEvent.objects.get(action="notice.update")
    assert event.extra["changed"] == ["area_code", "audience", "publish_at", "tags"]
    assert event.extra["published"] is False


def test_a_published_notice_takes_corrections_only(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"])
    actions.notice_update(
        actor=fresh(users["head_a1"]),
        notice_id=notice.pk,
        title="义诊通知（更正）",
        expires_at=timezone.now() + dt.timedelta(days=3),
        pinned=True,
    )
    notice.refresh_from_db()
    assert notice.title == "义诊通知（更正）" and notice.pinned
    assert AuditEvent.objects.get(action="notice.update").extra["changed"] == [
        "expires_at",
        "pinned",
        "title",
    ]
    for change in ({"audience": "staff"}, {"tags": ["dibao"]}, {"area_code": tree["a2"].code}):
        with pytest.raises(Conflict):
            actions.notice_update(actor=fresh(users["town_a"]), notice_id=notice.pk, **change)
    # The same values again are no change.
    actions.notice_update(
        actor=fresh(users["head_a1"]),
        notice_id=notice.pk,
        audience="residents",
        area_code=tree["a1"].code,
        publish_at=notice.publish_at,
    )
    assert AuditEvent.objects.filter(action="notice.update").count() == 1


def test_changes_are_refused_to_outsiders_and_after_withdrawal(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"])
    with pytest.raises(NotFound):
        actions.notice_update(actor=fresh(users["worker_a2"]), notice_id=notice.pk, title="改")
    with pytest.raises(Forbidden):  # a reader sees it, so is told no
        actions.notice_update(actor=fresh(people["li"]), notice_id=notice.pk, title="改")
    with pytest.raises(NotFound):
        actions.notice_withdraw(actor=fresh(users["town_b"]), notice_id=notice.pk)
    actions.notice_withdraw(actor=fresh(users["worker_a1"]), notice_id=notice.pk)
    with pytest.raises(Conflict):
        actions.notice_withdraw(actor=fresh(users["worker_a1"]), notice_id=notice.pk)
    with pytest.raises(Conflict):
        actions.notice_update(actor=fresh(users["worker_a1"]), notice_id=notice.pk, title="改")
    with pytest.raises(Conflict):
        actions.notice_attachments_add(
            actor=fresh(users["worker_a1"]), notice_id=notice.pk, attachments=[pdf()]
        )
    notice.refresh_from_db()
    assert notice.title == "义诊通知"


def test_groups_already_named_stay_when_another_publisher_corrects(users, tree):
    later = timezone.now() + dt.timedelta(days=1)
    notice = publish(users["head_a1"], tree["a1"], tags=["community_correction"], publish_at=later)
    # The community worker may not address the group, but may correct the text around it.
    actions.notice_update(actor=fresh(users["worker_a1"]), notice_id=notice.pk, title="更正")
    notice.refresh_from_db()
    assert (notice.title, notice.tags) == ("更正", ["community_correction"])
    with pytest.raises(ActionError):  # …and may not move it to another place with the group
        actions.notice_update(
            actor=fresh(users["worker_a1"]), notice_id=notice.pk, area_code=tree["grid_a1"].code
        )
    other = publish(users["worker_a1"], tree["a1"], publish_at=later)
    with pytest.raises(ActionError):
        actions.notice_update(
            actor=fresh(users["worker_a1"]), notice_id=other.pk, tags=["community_correction"]
        )


def test_bad_changes_write_nothing(users, tree):
    notice = publish(
        users["worker_a1"], tree["a1"], publish_at=timezone.now() + dt.timedelta(days=1)
    )
    before = written()
    with pytest.raises(ActionError) as caught:
        actions.notice_update(
            actor=fresh(users["worker_a1"]),
            notice_id=notice.pk,
            title="新标题",
            expires_at=notice.publish_at - dt.timedelta(hours=1),
        )
    assert "expires_at" in caught.value.errors
    with pytest.raises(ActionError):
        actions.notice_update(
            actor=fresh(users["worker_a1"]), notice_id=notice.pk, roles=["grid_worker"]
        )
    with pytest.raises(Forbidden):
        actions.notice_update(
            actor=fresh(users["worker_a1"]), notice_id=notice.pk, area_code=tree["a2"].code
        )
    assert written() == before
    notice.refresh_from_db()
    assert notice.title == "义诊通知"


def test_files_are_added_and_removed(users, tree, media, django_capture_on_commit_callbacks):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf(), png()])
    rows = actions.notice_attachments_add(
        actor=fresh(users["worker_a1"]), notice_id=notice.pk, attachments=[docx(), xlsx()]
    )
    assert len(rows) == 2 and notice.attachments.count() == 4
    with pytest.raises(ActionError) as caught:
        actions.notice_attachments_add(
            actor=fresh(users["worker_a1"]), notice_id=notice.pk, attachments=[pdf(), pdf()]
        )
    assert "at most 5" in caught.value.errors["attachments"][0]
    first = notice.attachments.order_by("pk").first()
    with django_capture_on_commit_callbacks(execute=True):
        actions.notice_update(
            actor=fresh(users["worker_a1"]),
            notice_id=notice.pk,
            remove_attachments=[first.pk],
            attachments=[pdf("新.pdf"), pdf("再.pdf")],
        )
    assert notice.attachments.count() == 5
    assert not NoticeAttachment.objects.filter(pk=first.pk).exists()
    assert len(stored_files(media)) == 5  # the removed file is gone from storage too
    with pytest.raises(NotFound):
        actions.notice_attachment_remove(actor=fresh(users["worker_a2"]), attachment_id=rows[0].pk)
    actions.notice_attachment_remove(actor=fresh(users["head_a1"]), attachment_id=rows[0].pk)
    assert notice.attachments.count() == 4
    assert AuditEvent.objects.filter(action="notice.detach").count() == 1


def test_files_of_a_neighbours_notice_are_not_found(users, tree, people):
    notice = publish(users["worker_a1"], tree["a1"], attachments=[pdf()])
    attachment = notice.attachments.get()
    assert queries.attachment_get(actor=fresh(people["li"]), attachment_id=attachment.pk)
    for outsider in (people["zhao"], users["worker_a2"], users["town_b"], users["resident_a2"]):
        with pytest.raises(NotFound):
            queries.attachment_get(actor=fresh(outsider), attachment_id=attachment.pk)


# --- queries stay few --------------------------------------------------------------------------


def test_the_reader_list_is_two_queries_however_long(
    users, tree, people, django_assert_num_queries
):
    def count_for(n: int) -> int:
        Notice.objects.all().delete()
        for i in range(n):
            publish(
                users["worker_a1"],
                tree["a1"],
                title=f"通知{i}",
                attachments=[pdf()] if i % 2 else [],
            )
        reader = fresh(people["li"])
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            rows = list(queries.notices_mine(actor=reader)[:20])
        assert len(rows) == n
        return len(captured.captured_queries)

    few, many = count_for(1), count_for(8)
    assert few == many
    reader = fresh(people["li"])
    # The reader and their groups, the grants, then the list itself.
    with django_assert_num_queries(3):
        list(queries.notices_mine(actor=reader)[:20])
    with django_assert_num_queries(1):
        queries.notices_unread(actor=reader)
