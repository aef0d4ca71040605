"""The notices demo: notices to residents, groups and staff with read receipts, information
officers with a few communities missing one, a past rainstorm alert fanned out, answered and
checked, and a loader that changes nothing when run again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.appeals.demo import load_appeals_demo
from linli.appeals.models import Channel
from linli.care.demo import HOME_GRID, load_care_demo
from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.demo import load_core_demo
from linli.core.models import Area, AuditEvent, Notification, User
from linli.core.roles import Cap
from linli.notices import queries
from linli.notices.demo import (
    NO_OFFICER,
    OFFICER_LEFT,
    load_notices_demo,
    release_demo_alert,
)
from linli.notices.models import Alert, AlertRecipient, InfoOfficer, Notice, NoticeRead
from linli.registry.demo import load_registry_demo
from linli.registry.models import GridStaff, Resident

N = 1500


@pytest.fixture
def demo(db):
    load_core_demo()
    load_registry_demo(residents=N)
    load_appeals_demo(residents=N, appeals=60)  # resident accounts and appeal categories
    load_care_demo()  # the grid workers on duty and the care roster
    return load_notices_demo()


def test_notices_for_residents_groups_and_staff_with_receipts(demo):
    now = timezone.now()
    assert "notices" in demo and "read receipts" in demo
    notices = Notice.objects.all()
    assert 6 <= notices.count() <= 10
    audiences = set(notices.values_list("audience", flat=True))
    assert audiences == {"residents", "staff", "everyone"}
    assert notices.filter(tags=["special_elderly"]).count() == 1
    assert notices.exclude(roles=[]).count() >= 2
    scheduled = notices.get(publish_at__gt=now)
    assert (scheduled.publish_at - now).days in (5, 6, 7)
    assert AuditEvent.objects.filter(action="notice.publish", target_id=str(scheduled.pk)).exists()
    assert notices.filter(expires_at__lt=now).count() == 1
    assert notices.filter(pinned=True).exists()

    reads = NoticeRead.objects.select_related("notice", "user")
    assert reads.count() > 50
    assert not reads.filter(notice=scheduled).exists()
    homes = dict(
        Resident.objects.filter(account__isnull=False).values_list("account_id", "area_code")
    )
    for read in reads:
        notice = read.notice
        assert notice.publish_at <= read.read_at <= min(now, notice.expires_at or now)
        assert len(read.area_code) == 12
        prefix = areacodes.prefix_of(notice.area_code)
        assert read.area_code.startswith(prefix)
        if notice.audience == "residents":
            assert homes[read.user_id].startswith(prefix)
    staff_reads = reads.filter(notice__audience="staff")
    assert staff_reads.exists()
    for read in staff_reads:
        assert scoping.roles(read.user) & set(read.notice.roles)
    # The demo resident has read some, and has new ones waiting.
    resident = User.objects.get(username="resident")
    assert reads.filter(user=resident).exists()
    unread = queries.notices_unread(actor=resident, limit=10)
    assert len(unread) == 2 and all(n.publish_at > now - dt.timedelta(days=11) for n in unread)


def test_information_officers_with_some_communities_missing(demo):
    today = timezone.localdate()
    communities = set(
        Area.objects.filter(
            code__startswith="220403", level=Level.COMMUNITY, is_demo=True
        ).values_list("code", flat=True)
    )
    current = InfoOfficer.objects.filter(ended_on=None)
    covered = set(current.values_list("area_code", flat=True))
    assert covered == communities - {*NO_OFFICER, OFFICER_LEFT}
    assert current.count() == len(covered)  # one each
    left = InfoOfficer.objects.get(area_code=OFFICER_LEFT)
    assert left.started_on < left.ended_on < today
    for officer in InfoOfficer.objects.all():
        assert officer.name and officer.phone and officer.phone_bidx
        assert officer.started_on < today
        if officer.trained_on:
            assert officer.trained_on < today
    assert current.exclude(user=None).exists() and current.filter(user=None).exists()


def test_a_past_rainstorm_alert_reached_answered_and_checked(demo):
    now = timezone.now()
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == ("rainstorm", "orange", "ended")
    assert alert.issued_at < alert.ended_at < now
    assert alert.area_code == "220403000000" and alert.shelters
    recipients = AlertRecipient.objects.filter(alert=alert)
    active = Resident.objects.filter(status=Resident.Status.ACTIVE).count()
    assert recipients.count() == active == alert.recipients_total == alert.recipients_done
    assert alert.issued_at <= alert.fanout_started_at <= alert.fanout_finished_at < alert.ended_at
    # The residents with an account were told when it was issued; most answered.
    told = Notification.objects.filter(kind="alert.issued", target_id=str(alert.pk))
    with_account = recipients.exclude(user=None)
    assert told.count() == with_account.count() > 20
    assert not told.exclude(at__lt=alert.issued_at + dt.timedelta(minutes=1)).exists()
    answered = with_account.exclude(ack="")
    assert answered.count() >= 0.7 * with_account.count()
    assert recipients.filter(user=None).exclude(ack="").count() == 0
    assert answered.filter(ack="help").count() == 2
    for r in answered:
        assert alert.issued_at < r.ack_at < alert.ended_at
    # Every vulnerable resident who did not answer, and who asked for help, was checked.
    vulnerable = recipients.filter(vulnerable=True)
    assert vulnerable.count() > 10
    due = recipients.filter(vulnerable=True, ack="") | recipients.filter(ack="help")
    assert not due.filter(checked="").exists()
    assert not recipients.filter(vulnerable=False, ack="known").exclude(checked="").exists()
    results = {r: due.filter(checked=r).count() for r in ("safe", "help", "unreached")}
    assert results["help"] == 1 and results["unreached"] == 1
    assert results["safe"] == due.count() - 2
    for r in due.select_related("checked_by"):
        assert r.checked_by is not None
        if r.checked_by.is_active:
            assert scoping.has_cap(r.checked_by, Cap.ALERT_CHECK, r.area_code)
    # The one needing help: checked through the action, which raised an urgent appeal.
    helped = recipients.select_related("appeal").get(checked="help")
    on_duty = GridStaff.objects.get(grid_id=helped.area_code, ended_on=None)
    assert helped.checked_by == on_duty.user
    if recipients.filter(area_code=HOME_GRID, vulnerable=True, ack="").exists():
        assert helped.area_code == HOME_GRID and helped.checked_by.username == "grid"
    assert helped.appeal.channel == Channel.PATROL
    assert helped.appeal.resident_id == helped.resident_id
    assert AuditEvent.objects.filter(action="alert.check", target_id=str(helped.pk)).exists()
    assert AuditEvent.objects.filter(action="alert.fanout", target_id=str(alert.pk)).exists()


def test_loading_again_changes_nothing_and_the_alert_can_be_made_again(demo):
    def snapshot():
        return (
            Notice.objects.count(),
            NoticeRead.objects.count(),
            InfoOfficer.objects.count(),
            Alert.objects.count(),
            AlertRecipient.objects.count(),
            AuditEvent.objects.count(),
            Notification.objects.count(),
        )

    first = snapshot()
    assert "kept" in load_notices_demo()
    assert snapshot() == first
    assert release_demo_alert() == 1
    assert not Notification.objects.filter(kind="alert.issued").exists()
    assert "rainstorm alert" in load_notices_demo()
    assert Alert.objects.count() == 1
    assert AlertRecipient.objects.count() == first[4]
    assert (Notice.objects.count(), NoticeRead.objects.count()) == first[:2]
