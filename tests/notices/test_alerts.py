"""Emergency alerts through their actions and queries: issuing (who may, what is checked), the
answers of residents, the grid workers' check list and checks (with the urgent appeal for
someone needing help), ending, the sweep, the live counts per area, the information officers,
and what each kind of user may see.

World (tests/conftest.py and tests/registry/conftest.py): in A1, 张三's family (3) and 李四 (lives
alone: special_elderly.living_alone) in grid 220403001001001, 王五 outside any grid and on the
care roster here; 赵六 in A2; 孙七 in B1. 李四, 张三 and 赵六 have accounts. The grid worker
``grid_a1`` serves the grid (GridStaff).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from linli.care.models import Subject
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, Notification
from linli.core.roles import Role
from linli.core.scoping import SYSTEM
from linli.notices.actions import alerts as actions
from linli.notices.actions.alerts import fanout as fanout_actions
from linli.notices.models import Alert, AlertRecipient, InfoOfficer
from linli.notices.queries import alerts as queries
from linli.registry import actions as registry_actions
from linli.registry.models import Resident
from tests.conftest import make_user
from tests.registry.conftest import homes  # noqa: F401

pytestmark = pytest.mark.django_db

A1 = "220403001001"
A2 = "220403001002"
B1 = "220403002001"
GRID = "220403001001001"
TOWN_A = "220403001000"
COUNTY = "220403000000"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(tree, users, homes):  # noqa: F811
    """Accounts for 李四, 张三 and 赵六; 王五 on the care roster; the grid worker on duty."""
    people = homes["people"]
    accounts = {
        "li": make_user("alert_li", Role.RESIDENT, tree["a1"], full_name="李四"),
        "zhang": make_user("alert_zhang", Role.RESIDENT, tree["a1"], full_name="张三"),
        "zhao": make_user("alert_zhao", Role.RESIDENT, tree["a2"], full_name="赵六"),
    }
    for key, user in accounts.items():
        Resident.objects.filter(pk=people[key].pk).update(account=user)
    Subject.objects.create(
        resident=people["wang"],
        area_code=people["wang"].area_code,
        kind="elderly",
        tags=["special_elderly"],
        frequency="monthly",
        started_on=dt.date(2025, 1, 1),
    )
    registry_actions.grid_staff_assign(
        actor=SYSTEM, grid_code=GRID, duty="grid_worker", user_id=users["grid_a1"].pk
    )
    return {"people": people, "accounts": accounts, "users": users, "tree": tree}


@pytest.fixture
def issue(world, django_capture_on_commit_callbacks):
    """``issue(actor=None, **overrides)``: an alert issued (by town A's officer to A1 unless told
    otherwise), with its fan-out run as the task would after the commit."""

    def _issue(actor=None, **overrides):
        data = {
            "area_code": A1,
            "kind": "rainstorm",
            "severity": "red",
            "title": "暴雨红色预警",
            "instructions": "请立即转移到安全地带，远离河道。",
            "shelters": [{"name": "仙城小学体育馆", "address": "仙城路8号"}],
            "check_after": 30,
        }
        data.update(overrides)
        with django_capture_on_commit_callbacks(execute=True):
            alert = actions.alert_issue(actor=actor or world["users"]["town_a"], **data)
        alert.refresh_from_db()
        return alert

    return _issue


def due(alert: Alert, minutes: int | None = None) -> Alert:
    """Move the alert's issue time back so its check time has come."""
    minutes = minutes if minutes is not None else alert.check_after + 1
    Alert.objects.filter(pk=alert.pk).update(
        issued_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    alert.refresh_from_db()
    return alert


def rows(alert: Alert) -> dict[str, AlertRecipient]:
    return {
        r.resident.name: r
        for r in AlertRecipient.objects.filter(alert=alert).select_related("resident")
    }


# --- issuing -------------------------------------------------------------------------------


def test_a_town_officer_issues_an_alert_that_reaches_the_community(world, issue):
    alert = issue()
    assert alert.status == Alert.Status.ACTIVE
    assert alert.area_code == A1
    assert alert.shelters == [{"name": "仙城小学体育馆", "address": "仙城路8号"}]
    assert alert.recipients_total == alert.recipients_done == 5
    assert alert.fanout_started_at and alert.fanout_finished_at
    assert set(rows(alert)) == {"张三", "刘芳", "张小明", "李四", "王五"}
    events = list(
        AuditEvent.objects.filter(target_type="notices.alert", target_id=str(alert.pk)).order_by(
            "id"
        )
    )
    assert [e.action for e in events] == ["alert.issue", "alert.fanout"]
    assert events[0].extra == {
        "kind": "rainstorm",
        "severity": "red",
        "shelters": 1,
        "check_after": 30,
    }
    assert events[1].actor_label == "system"


def test_issuing_returns_before_the_fanout(world):
    alert = actions.alert_issue(
        actor=world["users"]["county"],
        area_code="220403",
        kind="earthquake",
        severity="orange",
        title="地震预警",
        instructions="就近避险。",
    )
    # Without the commit the task has not run: the alert is one row, reaching nobody yet.
    assert alert.status == Alert.Status.SENDING
    assert alert.area_code == COUNTY
    assert not AlertRecipient.objects.filter(alert=alert).exists()


@pytest.mark.parametrize(
    ("who", "area"),
    [
        ("worker_a1", A1),  # a community worker does not issue alerts
        ("head_a1", A1),
        ("grid_a1", A1),
        ("resident_a1", A1),
        ("town_b", A1),  # another town's officer
        ("town_a", COUNTY),  # a town officer does not issue to the whole county
    ],
)
def test_issuing_is_refused_to_others_and_writes_nothing(world, who, area):
    with pytest.raises(Forbidden):
        actions.alert_issue(
            actor=world["users"][who],
            area_code=area,
            kind="fire",
            severity="red",
            title="火灾",
            instructions="撤离。",
        )
    assert not Alert.objects.exists()
    assert not AuditEvent.objects.filter(action="alert.issue").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "tsunami"}, "kind"),
        ({"severity": "purple"}, "severity"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 101}, "title"),
        ({"instructions": ""}, "instructions"),
        ({"check_after": 4}, "check_after"),
        ({"check_after": 1441}, "check_after"),
        ({"check_after": "soon"}, "check_after"),
        ({"ends_at": "2001-01-01T00:00:00+08:00"}, "ends_at"),
        ({"ends_at": "tomorrow"}, "ends_at"),
        ({"shelters": [{"name": "", "address": "仙城路8号"}]}, "shelters"),
        ({"shelters": [{"name": f"点{i}", "address": ""} for i in range(51)]}, "shelters"),
        ({"shelters": "体育馆"}, "shelters"),
        ({"area_code": GRID}, "area_code"),  # a grid is not an alert's area
        ({"area_code": "220403009009"}, "area_code"),  # no such community
        ({"area_code": "22x"}, "area_code"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(world, overrides, field):
    data = {
        "area_code": A1,
        "kind": "rainstorm",
        "severity": "red",
        "title": "暴雨",
        "instructions": "转移。",
        **overrides,
    }
    with pytest.raises(ActionError) as caught:
        actions.alert_issue(actor=world["users"]["county"], **data)
    assert not isinstance(caught.value, Forbidden)
    assert field in caught.value.errors
    assert not Alert.objects.exists()


def test_an_end_time_must_lie_within_a_month(world):
    with pytest.raises(ActionError) as caught:
        actions.alert_issue(
            actor=world["users"]["county"],
            area_code=A1,
            kind="cold_wave",
            severity="blue",
            title="寒潮",
            instructions="注意保暖。",
            ends_at=timezone.now() + dt.timedelta(days=40),
        )
    assert "ends_at" in caught.value.errors


def test_shelters_are_read_one_a_line():
    assert actions.parse_shelter_lines("体育馆 — 仙城路8号\n\n 村委会|东山路1号 \n礼堂") == [
        {"name": "体育馆", "address": "仙城路8号"},
        {"name": "村委会", "address": "东山路1号"},
        {"name": "礼堂", "address": ""},
    ]


# --- the fan-out ---------------------------------------------------------------------------


def test_the_fanout_marks_the_vulnerable_and_links_accounts(world, issue):
    alert = issue(area_code=TOWN_A)
    found = rows(alert)
    assert set(found) == {"张三", "刘芳", "张小明", "李四", "王五", "赵六"}  # not 孙七 of town B
    assert {name for name, r in found.items() if r.vulnerable} == {"李四", "王五"}
    accounts = world["accounts"]
    assert found["李四"].user_id == accounts["li"].pk
    assert found["赵六"].user_id == accounts["zhao"].pk
    assert found["刘芳"].user_id is None
    assert found["李四"].area_code == GRID
    assert found["王五"].area_code == A1


def test_each_resident_with_an_account_is_notified_once(world, issue):
    alert = issue()
    notes = Notification.objects.filter(kind="alert.issued")
    assert sorted(n.user.username for n in notes) == ["alert_li", "alert_zhang"]
    note = notes.first()
    assert note.text == "Emergency alert (red (extremely serious)): 暴雨红色预警"
    assert note.url == f"/notices/alerts/{alert.pk}/mine/"
    assert (note.target_type, note.target_id) == ("notices.alert", str(alert.pk))


def test_residents_who_left_or_whose_group_ended_are_treated_so(world, issue):
    people = world["people"]
    registry_actions.resident_move_out(actor=SYSTEM, resident_id=people["zhang_child"].pk)
    membership = people["li"].tags.get(tag_id="special_elderly.living_alone")
    registry_actions.resident_tag_end(actor=SYSTEM, membership_id=membership.pk)
    Subject.objects.filter(resident=people["wang"]).update(ended_on=dt.date(2025, 6, 1))
    alert = issue()
    found = rows(alert)
    assert "张小明" not in found
    assert not any(r.vulnerable for r in found.values())


def test_running_the_fanout_again_adds_nothing(world, issue):
    alert = issue()
    before = (AlertRecipient.objects.count(), Notification.objects.count())
    result = actions.alert_fanout(alert_id=alert.pk)
    assert result["written"] == 0 and result["notified"] == 0
    assert (AlertRecipient.objects.count(), Notification.objects.count()) == before
    assert AuditEvent.objects.filter(action="alert.fanout").count() == 1


def test_a_stopped_fanout_resumes_where_it_stopped(world, monkeypatch):
    alert = actions.alert_issue(
        actor=world["users"]["town_a"],
        area_code=TOWN_A,
        kind="gas",
        severity="orange",
        title="燃气泄漏",
        instructions="关闭燃气阀门。",
    )
    real = fanout_actions._insert_batch
    calls = {"n": 0}

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker stopped")
        return real(*args, **kwargs)

    monkeypatch.setattr(fanout_actions, "_insert_batch", crash_on_second)
    with pytest.raises(RuntimeError):
        actions.alert_fanout(alert_id=alert.pk, batch=2)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENDING
    assert alert.recipients_total == 6
    assert alert.recipients_done == AlertRecipient.objects.filter(alert=alert).count() == 2
    monkeypatch.setattr(fanout_actions, "_insert_batch", real)
    result = actions.alert_fanout(alert_id=alert.pk, batch=2)
    alert.refresh_from_db()
    assert result["written"] == 4
    assert alert.status == Alert.Status.ACTIVE
    assert alert.recipients_done == alert.recipients_total == 6
    users = list(Notification.objects.filter(kind="alert.issued").values_list("user_id", flat=True))
    assert sorted(users) == sorted(a.pk for a in world["accounts"].values())  # each once


def test_an_alert_ended_while_sending_stops_its_fanout(world):
    alert = actions.alert_issue(
        actor=world["users"]["town_a"],
        area_code=A1,
        kind="gas",
        severity="orange",
        title="燃气泄漏",
        instructions="关闭燃气阀门。",
    )
    actions.alert_end(actor=world["users"]["town_a"], alert_id=alert.pk)
    result = actions.alert_fanout(alert_id=alert.pk)
    assert result["status"] == Alert.Status.ENDED
    assert not AlertRecipient.objects.exists()


# --- answers ---------------------------------------------------------------------------------


def test_a_resident_acknowledges(world, issue):
    alert = issue()
    li = world["accounts"]["li"]
    row = actions.alert_ack(actor=li, alert_id=alert.pk, answer="known")
    assert row.ack == "known" and row.ack_at is not None
    event = AuditEvent.objects.get(action="alert.ack")
    assert event.extra == {"alert": alert.pk, "answer": "known", "before": ""}
    assert not Notification.objects.filter(kind="alert.help").exists()


def test_asking_for_help_tells_the_grid_worker_at_once(world, issue):
    alert = issue()
    actions.alert_ack(actor=world["accounts"]["li"], alert_id=alert.pk, answer="help")
    told = Notification.objects.get(kind="alert.help")
    assert told.user == world["users"]["grid_a1"]
    assert told.url == f"/notices/alerts/checks/?alert={alert.pk}"
    assert "李四" not in told.text  # no names in notifications
    # Answering help again does not tell them twice.
    actions.alert_ack(actor=world["accounts"]["li"], alert_id=alert.pk, answer="help")
    assert Notification.objects.filter(kind="alert.help").count() == 1


def test_help_outside_any_grid_tells_the_community_staff(world, issue):
    alert = issue()
    wang = world["people"]["wang"]
    user = make_user("alert_wang", Role.RESIDENT, world["tree"]["a1"])
    Resident.objects.filter(pk=wang.pk).update(account=user)
    AlertRecipient.objects.filter(alert=alert, resident=wang).update(user=user)
    actions.alert_ack(actor=user, alert_id=alert.pk, answer="help")
    told = {n.user.username for n in Notification.objects.filter(kind="alert.help")}
    assert told == {"worker_a1", "head_a1"}


def test_nobody_answers_for_someone_else(world, issue):
    alert = issue()
    with pytest.raises(NotFound):
        actions.alert_ack(actor=world["accounts"]["zhao"], alert_id=alert.pk, answer="known")
    with pytest.raises(NotFound):
        actions.alert_ack(actor=world["users"]["worker_a1"], alert_id=alert.pk, answer="known")
    with pytest.raises(ActionError) as caught:
        actions.alert_ack(actor=world["accounts"]["li"], alert_id=alert.pk, answer="maybe")
    assert "answer" in caught.value.errors
    assert not AlertRecipient.objects.exclude(ack="").exists()


def test_an_ended_alert_takes_no_answer(world, issue):
    alert = issue()
    actions.alert_end(actor=world["users"]["town_a"], alert_id=alert.pk)
    with pytest.raises(Conflict):
        actions.alert_ack(actor=world["accounts"]["li"], alert_id=alert.pk, answer="known")


# --- the check list --------------------------------------------------------------------------


def names(qs) -> list[str]:
    return [row.resident.name for row in qs]


def test_before_the_check_time_only_those_asking_for_help_are_listed(world, issue):
    alert = issue()
    grid_worker = world["users"]["grid_a1"]
    assert names(queries.check_list(actor=grid_worker)) == []
    actions.alert_ack(actor=world["accounts"]["zhang"], alert_id=alert.pk, answer="help")
    assert names(queries.check_list(actor=grid_worker)) == ["张三"]


def test_after_the_check_time_silent_vulnerable_residents_are_listed_help_first(world, issue):
    alert = due(issue())
    worker = world["users"]["worker_a1"]
    assert names(queries.check_list(actor=worker)) == ["王五", "李四"]  # by area code
    actions.alert_ack(actor=world["accounts"]["zhang"], alert_id=alert.pk, answer="help")
    assert names(queries.check_list(actor=worker, alert_id=alert.pk)) == ["张三", "王五", "李四"]
    # Acknowledged residents leave the list; those not reached stay, last, to try again.
    actions.alert_ack(actor=world["accounts"]["li"], alert_id=alert.pk, answer="known")
    wang_row = rows(alert)["王五"]
    actions.alert_check(actor=worker, recipient_id=wang_row.pk, result="unreached")
    listed = list(queries.check_list(actor=worker))
    assert names(listed) == ["张三", "王五"]
    assert listed[-1].checked == "unreached"
    actions.alert_check(actor=worker, recipient_id=wang_row.pk, result="safe")
    assert names(queries.check_list(actor=worker)) == ["张三"]


def test_the_check_list_is_the_workers_own_areas(world, issue):
    due(issue(area_code=TOWN_A))
    users = world["users"]
    assert names(queries.check_list(actor=users["grid_a1"])) == ["李四"]  # 王五 is outside the grid
    assert names(queries.check_list(actor=users["worker_a2"])) == []
    assert names(queries.check_list(actor=users["town_a"])) == []  # officers do not check
    assert names(queries.check_list(actor=users["resident_a1"])) == []


def test_the_check_list_of_an_ended_alert_is_empty(world, issue):
    alert = due(issue())
    actions.alert_end(actor=world["users"]["town_a"], alert_id=alert.pk)
    assert names(queries.check_list(actor=world["users"]["worker_a1"])) == []
    with pytest.raises(NotFound):
        queries.check_list(actor=world["users"]["worker_a1"], alert_id=alert.pk)


def test_check_list_rows_carry_name_address_and_a_masked_phone(world, issue):
    due(issue())
    row = queries.check_list(actor=world["users"]["grid_a1"]).get()
    assert row.resident.name == "李四"
    assert row.resident.household.address.endswith("502室")
    assert row.resident.phone == "13698765432"  # masked by the pages and the API


# --- checks ----------------------------------------------------------------------------------


@pytest.fixture
def catalogue(tree):
    from linli.appeals import actions as appeal_actions

    appeal_actions.appeal_defaults_load(actor=SYSTEM, county_code=tree["county"].code)


def test_needs_help_raises_an_urgent_appeal_for_them(world, issue, catalogue):
    from linli.appeals.models import Appeal

    alert = due(issue())
    row = rows(alert)["李四"]
    grid_worker = world["users"]["grid_a1"]
    checked = actions.alert_check(
        actor=grid_worker, recipient_id=row.pk, result="help", note="腿脚不便，需要转移"
    )
    assert checked.checked == "help" and checked.checked_by == grid_worker
    appeal = Appeal.objects.get(pk=checked.appeal_id)
    assert appeal.channel == "patrol"
    assert appeal.category.key == "urgent"
    assert appeal.tier.code == "emergency"
    assert appeal.resident_id == row.resident_id
    assert appeal.area_code == GRID
    assert "暴雨红色预警" in appeal.description and "腿脚不便" in appeal.description
    assert appeal.entered_by == grid_worker
    # Checking again updates the record without a second appeal.
    again = actions.alert_check(actor=grid_worker, recipient_id=row.pk, result="help")
    assert again.appeal_id == appeal.pk
    assert Appeal.objects.count() == 1
    again = actions.alert_check(
        actor=grid_worker, recipient_id=row.pk, result="safe", note="已转移"
    )
    assert (again.checked, again.check_note, again.appeal_id) == ("safe", "已转移", appeal.pk)
    checks = AuditEvent.objects.filter(action="alert.check").order_by("id")
    assert [e.extra["result"] for e in checks] == ["help", "help", "safe"]
    assert checks[0].extra["appeal"] == appeal.pk


def test_needs_help_without_an_appeal_catalogue_is_still_recorded(world, issue):
    alert = due(issue())
    row = rows(alert)["李四"]
    checked = actions.alert_check(
        actor=world["users"]["grid_a1"], recipient_id=row.pk, result="help"
    )
    assert checked.checked == "help" and checked.appeal_id is None


def test_checks_are_refused_outside_the_workers_areas(world, issue):
    alert = due(issue())
    row = rows(alert)["李四"]
    for who in ("worker_a2", "town_a", "town_b", "resident_a1"):
        with pytest.raises(NotFound):
            actions.alert_check(actor=world["users"][who], recipient_id=row.pk, result="safe")
    wang = rows(alert)["王五"]
    with pytest.raises(NotFound):  # outside the grid worker's grid
        actions.alert_check(actor=world["users"]["grid_a1"], recipient_id=wang.pk, result="safe")
    with pytest.raises(ActionError) as caught:
        actions.alert_check(actor=world["users"]["grid_a1"], recipient_id=row.pk, result="fine")
    assert "result" in caught.value.errors
    with pytest.raises(ActionError) as caught:
        actions.alert_check(
            actor=world["users"]["grid_a1"], recipient_id=row.pk, result="safe", note="x" * 501
        )
    assert "note" in caught.value.errors
    assert not AlertRecipient.objects.exclude(checked="").exists()


# --- ending ----------------------------------------------------------------------------------


def test_ending_an_alert(world, issue):
    alert = issue()
    users = world["users"]
    with pytest.raises(NotFound):
        actions.alert_end(actor=users["town_b"], alert_id=alert.pk)
    with pytest.raises(Forbidden):  # they follow it but do not issue alerts
        actions.alert_end(actor=users["worker_a1"], alert_id=alert.pk)
    ended = actions.alert_end(actor=users["county"], alert_id=alert.pk)
    assert ended.status == Alert.Status.ENDED and ended.ended_at
    with pytest.raises(Conflict):
        actions.alert_end(actor=users["town_a"], alert_id=alert.pk)
    assert AuditEvent.objects.filter(action="alert.end").count() == 1
    assert queries.active_alerts_for_resident(actor=world["accounts"]["li"]) == []


# --- the sweep -------------------------------------------------------------------------------


def test_the_sweep_tells_each_worker_once_when_the_check_time_comes(world, issue):
    alert = issue()
    assert actions.alerts_sweep()["workers_told"] == 0  # not yet
    due(alert)
    assert actions.alerts_sweep()["workers_told"] == 3
    told = {
        n.user.username: n.text
        for n in Notification.objects.filter(kind="alert.check_due", target_id=str(alert.pk))
    }
    # 李四 in the grid (its worker); 王五 outside grids (the community's checking staff).
    text = "1 resident of your area awaits your check after the alert “暴雨红色预警”."
    assert told == {"grid_a1": text, "worker_a1": text, "head_a1": text}
    assert actions.alerts_sweep()["workers_told"] == 0  # once per alert


def test_the_sweep_ends_alerts_whose_time_is_up_and_finishes_lost_fanouts(world, issue):
    alert = issue(ends_at=timezone.now() + dt.timedelta(hours=1))
    lost = actions.alert_issue(
        actor=world["users"]["town_a"],
        area_code=A2,
        kind="fire",
        severity="yellow",
        title="山火",
        instructions="远离山林。",
    )  # never fanned out: no commit ran its task
    later = timezone.now() + dt.timedelta(hours=2)
    result = actions.alerts_sweep(now=later)
    assert result["ended"] == 1 and result["fanouts_resumed"] == 1
    alert.refresh_from_db()
    lost.refresh_from_db()
    assert alert.status == Alert.Status.ENDED and alert.ended_at == alert.ends_at
    assert lost.status == Alert.Status.ACTIVE and lost.recipients_done == 1


# --- the live counts -------------------------------------------------------------------------


def test_live_counts_per_community_and_drilling_down(world, issue):
    alert = due(issue(area_code=TOWN_A))
    users = world["users"]
    actions.alert_ack(actor=world["accounts"]["zhang"], alert_id=alert.pk, answer="known")
    actions.alert_ack(actor=world["accounts"]["zhao"], alert_id=alert.pk, answer="help")
    found = rows(alert)
    actions.alert_check(actor=users["grid_a1"], recipient_id=found["李四"].pk, result="safe")
    actions.alert_check(actor=users["worker_a1"], recipient_id=found["王五"].pk, result="unreached")

    live = queries.alert_live(actor=users["town_a"], alert_id=alert.pk)
    assert live.area.code == TOWN_A
    by_code = {row.code: row for row in live.rows}
    assert set(by_code) == {A1, A2}
    a1, a2 = by_code[A1], by_code[A2]
    assert (a1.reached, a1.acknowledged, a1.need_help, a1.vulnerable) == (5, 1, 0, 2)
    assert (a1.checked_safe, a1.checked_help, a1.not_reached, a1.awaiting) == (1, 0, 1, 0)
    assert (a2.reached, a2.acknowledged, a2.need_help, a2.awaiting) == (1, 1, 1, 1)
    assert live.total.reached == 6 and live.total.awaiting == 1
    assert a1.name == "仙城社区" and a1.drill

    grids = queries.alert_live(actor=users["town_a"], alert_id=alert.pk, area_code=A1)
    by_code = {row.code: row for row in grids.rows}
    assert by_code[GRID].reached == 4 and by_code[GRID].checked_safe == 1
    assert by_code[A1].outside_grids and by_code[A1].reached == 1
    assert [c.code for c in grids.crumbs] == [TOWN_A, A1]


def test_live_counts_show_only_the_viewers_own_areas(world, issue):
    alert = issue(area_code=COUNTY, actor=world["users"]["county"])
    users = world["users"]
    live = queries.alert_live(actor=users["worker_a1"], alert_id=alert.pk)
    assert live.area.code == A1  # a community worker starts at their community
    assert live.total.reached == 5
    other = queries.alert_live(actor=users["worker_a2"], alert_id=alert.pk)
    assert other.total.reached == 1
    with pytest.raises(NotFound):
        queries.alert_live(actor=users["worker_a2"], alert_id=alert.pk, area_code=A1)
    county = queries.alert_live(actor=users["county"], alert_id=alert.pk)
    assert {r.code: r.reached for r in county.rows} == {TOWN_A: 6, "220403002000": 1}
    with pytest.raises(NotFound):
        queries.alert_live(actor=users["resident_a1"], alert_id=alert.pk)


def test_the_unaccounted_list_puts_help_first(world, issue):
    alert = due(issue(area_code=TOWN_A))
    actions.alert_ack(actor=world["accounts"]["zhao"], alert_id=alert.pk, answer="help")
    found = rows(alert)
    actions.alert_check(
        actor=world["users"]["worker_a1"], recipient_id=found["王五"].pk, result="unreached"
    )
    town = world["users"]["town_a"]
    assert names(queries.alert_unaccounted(actor=town, alert_id=alert.pk)) == [
        "赵六",
        "王五",
        "李四",
    ]
    assert names(
        queries.alert_unaccounted(actor=world["users"]["worker_a2"], alert_id=alert.pk)
    ) == ["赵六"]


# --- who sees which alert ------------------------------------------------------------------------


def test_alerts_are_seen_within_and_above_ones_areas(world, issue):
    users = world["users"]
    a1_alert = issue(title="仙城社区燃气")
    town_alert = issue(area_code=TOWN_A, title="街道暴雨")
    county_alert = issue(area_code=COUNTY, actor=users["county"], title="全区寒潮")

    def seen(who) -> set[str]:
        return {a.title for a in queries.alert_list(actor=who)}

    everything = {"仙城社区燃气", "街道暴雨", "全区寒潮"}
    assert seen(users["county"]) == everything
    assert seen(users["town_a"]) == everything
    assert seen(users["worker_a1"]) == everything
    assert seen(users["worker_a2"]) == {"街道暴雨", "全区寒潮"}
    assert seen(users["town_b"]) == {"全区寒潮"}
    assert seen(users["grid_a1"]) == everything
    assert seen(users["dept"]) == set()
    assert seen(world["accounts"]["zhao"]) == {"街道暴雨", "全区寒潮"}  # those that reached them
    assert seen(users["resident_a1"]) == set()
    with pytest.raises(NotFound):
        queries.alert_get(actor=users["town_b"], alert_id=a1_alert.pk)
    assert (
        queries.alert_get(actor=users["worker_a2"], alert_id=town_alert.pk).area_name == "仙城街道"
    )
    assert queries.alert_list(actor=users["town_a"], filters={"area": A1}).get() == a1_alert
    assert county_alert in queries.alert_list(actor=users["town_b"], filters={"status": "in_force"})
    with pytest.raises(ActionError):
        queries.alert_list(actor=users["town_b"], filters={"status": "lost"})


def test_the_residents_alerts_in_force_most_severe_first(world, issue):
    issue(severity="yellow", title="黄色")
    issue(severity="red", title="红色")
    ended = issue(severity="orange", title="橙色")
    actions.alert_end(actor=world["users"]["town_a"], alert_id=ended.pk)
    li = world["accounts"]["li"]
    assert [r.alert.title for r in queries.active_alerts_for_resident(actor=li)] == ["红色", "黄色"]
    assert queries.active_alerts_for_resident(actor=world["accounts"]["zhao"]) == []
    with pytest.raises(NotFound):
        queries.alert_recipient_for_resident(actor=world["accounts"]["zhao"], alert_id=ended.pk)


def test_the_staff_check_counts(world, issue):
    alert = due(issue())
    counts = queries.check_counts(actor=world["users"]["worker_a1"])
    assert counts == [(alert, 2)]
    assert queries.check_counts(actor=world["users"]["grid_a1"]) == [(alert, 1)]
    assert queries.check_counts(actor=world["users"]["worker_a2"]) == []


# --- information officers ------------------------------------------------------------------------


def test_a_community_head_designates_an_officer_and_the_missing_list_shrinks(world):
    users = world["users"]
    assert [a.code for a in queries.officers_missing(actor=users["town_a"])] == [A1, A2]
    officer = actions.info_officer_set(
        actor=users["head_a1"],
        community_code=A1,
        name="陈明",
        phone="13812345678",
        trained_on="2025-03-15",
        user_id=users["worker_a1"].pk,
    )
    assert officer.area_code == A1 and officer.user == users["worker_a1"]
    assert officer.trained_on == dt.date(2025, 3, 15)
    assert [a.code for a in queries.officers_missing(actor=users["town_a"])] == [A2]
    assert [a.code for a in queries.officers_missing(actor=users["county"])] == [A2, B1]
    assert list(queries.officers_missing(actor=users["worker_a2"])) == [world["tree"]["a2"]]
    assert list(queries.officers_missing(actor=users["town_b"])) == [world["tree"]["b1"]]
    event = AuditEvent.objects.get(action="alert.officer_set")
    assert event.extra == {"community": A1, "previous": None, "user": users["worker_a1"].pk}


def test_designating_again_replaces_the_officer(world):
    users = world["users"]
    first = actions.info_officer_set(
        actor=users["town_a"], community_code=A1, name="陈明", phone="13812345678"
    )
    second = actions.info_officer_set(
        actor=users["town_a"], community_code=A1, name="刘洋", phone="0437-3216543"
    )
    first.refresh_from_db()
    assert first.ended_on == timezone.localdate()
    assert second.ended_on is None and second.phone == "04373216543"
    assert list(queries.officer_list(actor=users["town_a"])) == [second]
    assert list(queries.officer_list(actor=users["town_b"])) == []
    ended = actions.info_officer_end(actor=users["head_a1"], officer_id=second.pk)
    assert ended.ended_on == timezone.localdate()
    with pytest.raises(Conflict):
        actions.info_officer_end(actor=users["head_a1"], officer_id=second.pk)
    assert [a.code for a in queries.officers_missing(actor=users["town_a"])] == [A1, A2]


@pytest.mark.parametrize(
    ("who", "community"),
    [("head_a1", A2), ("worker_a1", A1), ("town_b", A1), ("grid_a1", A1)],
)
def test_designating_is_refused_to_others(world, who, community):
    with pytest.raises(Forbidden):
        actions.info_officer_set(
            actor=world["users"][who], community_code=community, name="陈明", phone="13812345678"
        )
    assert not InfoOfficer.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"community_code": TOWN_A}, "community_code"),
        ({"name": ""}, "name"),
        ({"phone": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"trained_on": "2099-01-01"}, "trained_on"),
        ({"trained_on": "last spring"}, "trained_on"),
        ({"user_id": 10**9}, "user_id"),
    ],
)
def test_bad_officer_input_is_named(world, overrides, field):
    data = {"community_code": A1, "name": "陈明", "phone": "13812345678", **overrides}
    with pytest.raises(ActionError) as caught:
        actions.info_officer_set(actor=world["users"]["county"], **data)
    assert field in caught.value.errors
    assert not InfoOfficer.objects.exists()


def test_an_officer_account_must_belong_to_the_community(world):
    with pytest.raises(ActionError) as caught:
        actions.info_officer_set(
            actor=world["users"]["county"],
            community_code=A1,
            name="陈明",
            phone="13812345678",
            user_id=world["users"]["worker_a2"].pk,
        )
    assert "user_id" in caught.value.errors


def test_ending_an_officer_of_another_area_is_not_found(world):
    officer = actions.info_officer_set(
        actor=world["users"]["county"], community_code=A1, name="陈明", phone="13812345678"
    )
    with pytest.raises(NotFound):
        actions.info_officer_end(actor=world["users"]["town_b"], officer_id=officer.pk)
    with pytest.raises(NotFound):
        queries.officer_get(actor=world["users"]["town_b"], officer_id=officer.pk)


def test_choices_and_overviews_are_scoped(world, issue):
    users = world["users"]
    town_alert = issue(area_code=TOWN_A)
    assert [a.code for a in queries.alert_area_choices(actor=users["town_a"])] == [TOWN_A, A1, A2]
    assert len(queries.alert_area_choices(actor=users["county"])) == 6  # county, 2 towns, 3
    assert queries.alert_area_choices(actor=users["worker_a1"]) == []
    assert [a.code for a in queries.alert_officer_communities(actor=users["head_a1"])] == [A1]
    assert queries.alert_officer_communities(actor=users["worker_a1"]) == []
    assert queries.alerts_overview(actor=users["worker_a2"]) == [town_alert]
    assert queries.alerts_overview(actor=users["town_b"]) == []
    assert queries.alerts_overview(actor=world["accounts"]["li"]) == []  # received, not followed
    assert queries.alerts_for_checking(actor=users["grid_a1"]) == [town_alert]
    assert queries.alerts_for_checking(actor=users["county"]) == []
