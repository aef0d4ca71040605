"""The alert fan-out at a size that needs several batches: every active resident of the subtree
once, the vulnerable marked from the care roster and the vulnerable groups (and their kinds),
each account notified once, progress counted, a rerun adding nothing; and on PostgreSQL, two
fan-outs of one alert racing (a lost task run again by the sweep while the first still runs)
still reach everyone exactly once.

Runs on SQLite and, with LINLI_TEST_POSTGRES_URL, on PostgreSQL (the set-based SQL is written
for both)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from linli.care.models import Subject
from linli.core.models import AuditEvent, Notification, User
from linli.notices.actions import alerts as actions
from linli.notices.actions.alerts import fanout as fanout_actions
from linli.notices.actions.alerts import issue as issue_actions
from linli.notices.models import Alert, AlertRecipient
from linli.registry.models import Household, Resident, ResidentTag

A1 = "220403001001"
A2 = "220403001002"
GRID = "220403001001001"
TOWN_A = "220403001000"

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent row locks need PostgreSQL"
)


def populate(tree, per_place: int = 800) -> dict:
    """``per_place`` residents in A1's grid, outside it, in A2 and in B1 (town B); every 10th
    disabled, every 15th special_elderly.empty_nest (a kind), every 20th on the care roster,
    every 7th in a group that is not vulnerable (dibao), every 30th moved out; every 3rd with
    an account, one in nine of those switched off."""
    places = [
        (tree["a1"], tree["grid_a1"], GRID),
        (tree["a1"], None, A1),
        (tree["a2"], None, A2),
        (tree["b1"], None, tree["b1"].code),
    ]
    expected = {"town_a": 0, "vulnerable": 0, "accounts": 0, "active_accounts": 0}
    n = 0
    for community, grid, code in places:
        home = Household.objects.create(
            community=community,
            grid=grid,
            area_code=code,
            address=f"{community.name}幸福路{n}号",
            residence_type="registered",
        )
        people = []
        for _ in range(per_place):
            n += 1
            moved = n % 30 == 0
            people.append(
                Resident(
                    area_code=code,
                    household=None if moved else home,
                    name=f"居民{n}",
                    status=Resident.Status.MOVED_OUT if moved else Resident.Status.ACTIVE,
                )
            )
        created = Resident.objects.bulk_create(people)
        tags, subjects, accounts = [], [], []
        for resident in created:
            i = int(resident.name[2:])
            active = resident.status == Resident.Status.ACTIVE
            vulnerable = i % 10 == 0 or i % 15 == 0 or i % 20 == 0
            if i % 10 == 0:
                tags.append(ResidentTag(resident=resident, tag_id="disability", area_code=code,
                                        started_on=dt.date(2024, 1, 1)))  # fmt: skip
            if i % 15 == 0:
                tags.append(ResidentTag(resident=resident, tag_id="special_elderly.empty_nest",
                                        area_code=code, started_on=dt.date(2024, 1, 1)))  # fmt: skip
            if i % 7 == 0:
                tags.append(ResidentTag(resident=resident, tag_id="dibao", area_code=code,
                                        started_on=dt.date(2024, 1, 1)))  # fmt: skip
            if i % 20 == 0:
                subjects.append(Subject(resident=resident, area_code=code, kind="elderly",
                                        frequency="monthly", started_on=dt.date(2024, 1, 1)))  # fmt: skip
            if i % 3 == 0:
                accounts.append((resident, User(username=f"fan{i}", is_active=i % 9 != 0)))
            if active and code.startswith("220403001"):
                expected["town_a"] += 1
                expected["vulnerable"] += vulnerable
                if i % 3 == 0:
                    expected["accounts"] += 1
                    expected["active_accounts"] += i % 9 != 0
        ResidentTag.objects.bulk_create(tags)
        Subject.objects.bulk_create(subjects)
        User.objects.bulk_create([user for _r, user in accounts])
        ids = dict(
            User.objects.filter(username__in=[u.username for _r, u in accounts]).values_list(
                "username", "pk"
            )
        )
        for resident, user in accounts:
            resident.account_id = ids[user.username]
        Resident.objects.bulk_update([r for r, _u in accounts], ["account"])
    return expected


def issue(users) -> Alert:
    return actions.alert_issue(
        actor=users["town_a"],
        area_code=TOWN_A,
        kind="rainstorm",
        severity="orange",
        title="暴雨橙色预警",
        instructions="请勿外出。",
    )


@pytest.mark.django_db
def test_a_fanout_in_batches_reaches_every_resident_once(tree, users):
    expected = populate(tree)
    alert = issue(users)
    result = actions.alert_fanout(alert_id=alert.pk, batch=500)
    alert.refresh_from_db()
    recipients = AlertRecipient.objects.filter(alert=alert)
    assert result["written"] == expected["town_a"] == recipients.count() == 2320
    assert alert.recipients_total == alert.recipients_done == expected["town_a"]
    assert alert.status == Alert.Status.ACTIVE
    assert recipients.filter(vulnerable=True).count() == expected["vulnerable"]
    assert recipients.filter(user__isnull=False).count() == expected["accounts"]
    assert not recipients.exclude(area_code__startswith="220403001").exists()
    assert not recipients.exclude(resident__status=Resident.Status.ACTIVE).exists()
    # A recipient's area is the resident's own (grid or community).
    assert recipients.filter(area_code=GRID).count() == 800 - 800 // 30
    notes = Notification.objects.filter(kind="alert.issued", target_id=str(alert.pk))
    assert result["notified"] == notes.count() == expected["active_accounts"]
    assert notes.values("user_id").distinct().count() == notes.count()
    again = actions.alert_fanout(alert_id=alert.pk, batch=500)
    assert (again["written"], again["notified"]) == (0, 0)
    assert recipients.count() == expected["town_a"]
    assert AuditEvent.objects.filter(action="alert.fanout").count() == 1


@pytest.mark.django_db
def test_progress_is_counted_after_each_batch(tree, users, monkeypatch):
    populate(tree, per_place=300)
    alert = issue(users)
    seen = []
    real = fanout_actions._insert_batch

    def watch(*args, **kwargs):
        seen.append(Alert.objects.values_list("recipients_done", flat=True).get(pk=alert.pk))
        return real(*args, **kwargs)

    monkeypatch.setattr(fanout_actions, "_insert_batch", watch)
    actions.alert_fanout(alert_id=alert.pk, batch=200)
    assert len(seen) == 5  # 870 residents of town A in batches of 200
    assert seen == sorted(seen) and seen[0] == 0 and seen[-1] == 800


# --- on PostgreSQL: two fan-outs at once ----------------------------------------------------


@pytest.fixture(scope="module")
def _audit_unguarded(django_db_setup, django_db_blocker):
    """The flush that ends a transactional test empties every table, and the database refuses
    that for the append-only audit table: the guard is lifted while this test runs."""
    if connection.vendor != "postgresql":
        yield
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
    yield
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
        connection.close()


@postgres_only
@pytest.mark.usefixtures("_audit_unguarded")
@pytest.mark.django_db(transaction=True)
def test_two_fanouts_at_once_reach_everyone_once(tree, users, monkeypatch):
    expected = populate(tree, per_place=600)
    # Real commits here: keep the task from running at the commit, the threads run it.
    monkeypatch.setattr(issue_actions, "_queue_fanout", lambda alert_id: None)
    alert = issue(users)
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index):
        try:
            barrier.wait(30)
            results[index] = actions.alert_fanout(alert_id=alert.pk, batch=150)
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(isinstance(r, dict) for r in results), results
    recipients = AlertRecipient.objects.filter(alert=alert)
    assert recipients.count() == expected["town_a"]
    assert sum(r["written"] for r in results) == expected["town_a"]
    notes = Notification.objects.filter(kind="alert.issued", target_id=str(alert.pk))
    assert notes.count() == expected["active_accounts"]
    assert notes.values("user_id").distinct().count() == notes.count()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACTIVE
    assert alert.recipients_done == expected["town_a"]
