"""Certificates under concurrency (PostgreSQL: row locks and concurrent connections): a
volunteer who presses "get my certificate" twice at once gets one certificate, and two
officers revoking the same certificate at once revoke it once."""

from __future__ import annotations

from linli.core.errors import Conflict
from linli.core.models import AuditEvent
from linli.volunteers.actions import certificates as actions
from linli.volunteers.models import Certificate
from tests.appeals.test_concurrency import (  # noqa: F401 (a fixture)
    _audit_unguarded,
    race,
    races,
    slow,
)

from .fixtures_certificates import *  # noqa: F403 (the fixtures)


@races
def test_asking_twice_at_once_gives_one_certificate(users, served_a1, monkeypatch):
    monkeypatch.setattr(actions.audit, "record", slow(actions.audit.record))

    def ask():
        return actions.certificate_request(actor=users["resident_a1"])

    results = race(ask, ask)
    assert all(isinstance(r, Certificate) for r in results), results
    assert results[0].pk == results[1].pk
    assert sorted(r.written_now for r in results) == [False, True]
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="volunteers.certificate.issue").count() == 1


@races
def test_two_officers_revoking_at_once_revoke_once(users, org_a1, served_a1, monkeypatch):
    issued = actions.certificate_issue(
        actor=users["head_a1"], volunteer_id=served_a1.pk, organisation_id=org_a1.pk
    )
    monkeypatch.setattr(actions.audit, "record", slow(actions.audit.record))
    results = race(
        lambda: actions.certificate_revoke(
            actor=users["head_a1"], certificate_id=issued.pk, reason="记录更正"
        ),
        lambda: actions.certificate_revoke(
            actor=users["town_a"], certificate_id=issued.pk, reason="重复出具"
        ),
    )
    won = [r for r in results if isinstance(r, Certificate)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Conflict) and "already revoked" in str(lost[0].message)
    issued.refresh_from_db()
    assert issued.status == Certificate.Status.REVOKED
    assert issued.revoke_reason == won[0].revoke_reason
    assert AuditEvent.objects.filter(action="volunteers.certificate.revoke").count() == 1
