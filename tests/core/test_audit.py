"""The audit trail: what an event records, that nothing can change it, who reads it, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.serializers import serialize
from django.db import DatabaseError, connection, transaction
from django.http import StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from linli.core import actions, audit, scoping
from linli.core.actions import personal
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.models import AuditEvent
from linli.core.queries import auditlog
from tests.conftest import PASSWORD, make_area, make_user

A1 = "220403001001"
REQUEST_ID = "test-req-0001-abcdef"
UTC = dt.UTC


@pytest.fixture
def auditor_b(tree):
    """An audit admin of the neighbouring county 220402."""
    from linli.core.roles import Role

    return make_user("auditor_b", Role.AUDIT_ADMIN, make_area("220402", "龙山区"))


@pytest.fixture
def a1_events(users):
    """Account creation in a1 through the actions: account.create and role.assign events."""
    user = actions.user_create(
        actor=users["secadmin"],
        username="newcomer_a1",
        full_name="林晓燕",
        password=PASSWORD,
        phone="13812345678",
        role="resident",
        area_code=A1,
    )
    return {"user": user, "events": list(AuditEvent.objects.filter(area_code=A1))}


def event(**kwargs) -> AuditEvent:
    values = {"actor_label": "someone", "action": "test.event", "area_code": A1}
    values.update(kwargs)
    return AuditEvent.objects.create(**values)


# --- what an event records ------------------------------------------------------------------


def test_record_through_a_request_keeps_actor_target_area_request_id_and_ip(login, users):
    client = login(users["secadmin"])
    response = client.post(
        "/api/v1/users",
        data={
            "username": "via_api",
            "full_name": "张三",
            "password": PASSWORD,
            "phone": "13912345678",
            "role": "resident",
            "area_code": A1,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = AuditEvent.objects.get(action="account.create")
    assert created.actor == users["secadmin"]
    assert created.actor_label == "secadmin"
    assert created.target_type == "core.user"
    assert created.target_id == str(response.json()["id"])
    assert created.area_code == A1
    assert created.ip == "127.0.0.1"
    assert created.request_id
    assert response["X-Request-ID"] == created.request_id
    assert created.extra == {"role": "resident"}
    # both events of the action carry the same request id
    assigned = AuditEvent.objects.get(action="role.assign")
    assert assigned.request_id == created.request_id


def test_an_incoming_request_id_is_kept(login, users):
    client = login(users["worker_a1"])
    response = client.post(
        reverse("web:toggle_elderly"), {"elderly": "1"}, HTTP_X_REQUEST_ID=REQUEST_ID
    )
    assert response.status_code == 302
    assert response["X-Request-ID"] == REQUEST_ID
    saved = AuditEvent.objects.get(action="account.preferences")
    assert saved.request_id == REQUEST_ID
    assert saved.actor == users["worker_a1"]
    assert saved.target_id == str(users["worker_a1"].pk)


def test_record_outside_a_request_names_system_or_anonymous(users):
    with transaction.atomic():
        by_system = audit.record(scoping.SYSTEM, "test.system", users["worker_a1"])
        anonymous = audit.record(None, "test.anonymous", target_type="x", target_id=7)
    assert (by_system.actor_id, by_system.actor_label) == (None, "system")
    assert (by_system.request_id, by_system.ip) == ("", None)
    assert anonymous.actor_label == "anonymous"
    assert anonymous.target_id == "7"


@pytest.mark.parametrize(
    "extra",
    [
        {"nested": {"a": 1}},
        {"items": [{"a": 1}]},
        {"items": [[1, 2]]},
        {"when": dt.date(2025, 1, 1)},
        {"ids": {1, 2}},
        {"ratio": float("nan")},
        {"phone": "13912345678"},
        {"who": ["ok", "220403199001011234"]},
        {1: "non-string key"},
    ],
)
def test_extra_refuses_non_scalars_and_personal_values(users, extra):
    before = AuditEvent.objects.count()
    with pytest.raises((TypeError, ValueError)):
        audit.record(users["worker_a1"], "test.extra", extra=extra)
    assert AuditEvent.objects.count() == before


def test_extra_takes_flat_scalars_and_lists(users):
    saved = audit.record(
        users["worker_a1"],
        "test.extra",
        extra={"user": 3, "roles": ["resident", "grid_worker"], "ok": True, "area": A1, "n": None},
    )
    saved.refresh_from_db()
    assert saved.extra["roles"] == ["resident", "grid_worker"]
    assert saved.extra["area"] == A1


def test_record_refuses_bad_action_and_area(users):
    for kwargs in ({"action": ""}, {"action": "x" * 61}, {"action": "ok", "area_code": "abc"}):
        with pytest.raises(ValueError):
            audit.record(users["worker_a1"], **kwargs)


# --- append-only ----------------------------------------------------------------------------


def test_orm_cannot_change_or_remove_events(db):
    saved = event(target_id="1")
    saved.action = "tampered"
    with pytest.raises(PermissionError):
        saved.save()
    with pytest.raises(PermissionError):
        saved.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=saved.pk).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=saved.pk).delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.bulk_update([saved], ["action"])
    assert AuditEvent.objects.get(pk=saved.pk).action == "test.event"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET action = 'tampered' WHERE id = %s",
        "UPDATE core_auditevent SET extra = '{}', area_code = '' WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_database_refuses_raw_update_and_delete(db, statement):
    saved = event(extra={"k": 1})
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [saved.pk])
    again = AuditEvent.objects.get(pk=saved.pk)
    assert (again.action, again.area_code, again.extra) == ("test.event", A1, {"k": 1})


def test_database_refuses_raw_delete_of_every_row(db):
    event()
    event()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL")
def test_postgresql_refuses_truncate(db):
    event()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.count() == 1


def test_inserting_is_still_allowed_at_the_database_level(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_auditevent (at, actor_label, action, target_type, target_id, "
            "area_code, request_id, extra) VALUES (%s, 'raw', 'raw.insert', '', '', '', '', '{}')",
            [dt.datetime(2025, 1, 1, tzinfo=UTC)],
        )
    assert AuditEvent.objects.filter(action="raw.insert").exists()


# --- who reads the trail --------------------------------------------------------------------


def test_county_auditor_sees_county_events_and_the_other_county_none(users, a1_events, auditor_b):
    mine = auditlog.audit_list(actor=users["auditor"])
    assert {e.action for e in mine} >= {"account.create", "role.assign"}
    assert {e.pk for e in a1_events["events"]} <= set(mine.values_list("pk", flat=True))
    assert not auditlog.audit_list(actor=auditor_b).filter(area_code__startswith="220403").exists()
    for e in a1_events["events"]:
        with pytest.raises(NotFound):
            auditlog.audit_get(actor=auditor_b, event_id=e.pk)


def test_events_without_area_follow_the_actor(users, auditor_b):
    saved = audit.record(users["worker_a1"], "test.no_area", target_type="x", target_id=1)
    assert saved.area_code == ""
    assert auditlog.audit_list(actor=users["auditor"]).filter(pk=saved.pk).exists()
    assert not auditlog.audit_list(actor=auditor_b).filter(pk=saved.pk).exists()
    # no account and no area: only the platform or a province-level auditor
    anonymous = event(area_code="", actor_label="anonymous", action="otp.send")
    assert not auditlog.audit_list(actor=users["auditor"]).filter(pk=anonymous.pk).exists()


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "county", "worker_a1", "resident_a1"])
def test_nobody_else_reads_the_trail(users, who):
    with pytest.raises(Forbidden):
        auditlog.audit_list(actor=users[who])
    with pytest.raises(Forbidden):
        personal.audit_export(actor=users[who], filters=auditlog.AuditFilters(), fmt="csv")
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_filters(users, a1_events):
    auditor = users["auditor"]
    created = a1_events["user"]

    def actions_for(**kwargs):
        return {e.action for e in auditlog.audit_list(actor=auditor, **kwargs)}

    assert actions_for(action="account.") == {"account.create"}
    assert actions_for(actor_name="secadmin") == {"account.create", "role.assign"}
    assert actions_for(actor_name="nobody") == set()
    assert actions_for(target_type="core.user", target_id=str(created.pk)) == {"account.create"}
    assert actions_for(area_code="220403001") == {"account.create", "role.assign"}
    assert actions_for(area_code="220403002") == set()
    with pytest.raises(ActionError) as exc:
        auditlog.audit_list(actor=auditor, area_code="abc")
    assert "area_code" in exc.value.errors
    with pytest.raises(ActionError) as exc:
        auditlog.audit_list(actor=auditor, since=dt.date(2025, 2, 1), until=dt.date(2025, 1, 1))
    assert "until" in exc.value.errors


def test_date_filters_are_whole_days_in_shanghai(users):
    auditor = users["auditor"]
    # 16:30 UTC on 1 January is 00:30 on 2 January in Shanghai
    late = event(at=dt.datetime(2025, 1, 1, 16, 30, tzinfo=UTC))
    early = event(at=dt.datetime(2025, 1, 1, 15, 59, tzinfo=UTC))  # 23:59 on 1 January

    def ids(**kwargs):
        return set(auditlog.audit_list(actor=auditor, **kwargs).values_list("pk", flat=True))

    jan2 = dt.date(2025, 1, 2)
    jan1 = dt.date(2025, 1, 1)
    assert ids(since=jan2, until=jan2) == {late.pk}
    assert ids(since=jan1, until=jan1) == {early.pk}
    assert ids(since=jan1) == {late.pk, early.pk}
    assert ids(until=jan1) == {early.pk}


def test_date_filter_is_a_range_on_the_indexed_column(users):
    qs = auditlog.audit_list(actor=users["auditor"], since=dt.date(2025, 1, 2))
    sql = str(qs.query).lower()
    assert "django_datetime_cast_date" not in sql
    assert "::date" not in sql
    assert '"core_auditevent"."at" >=' in sql


# --- pages ----------------------------------------------------------------------------------


def test_list_page_shows_events_in_shanghai_time(login, users, a1_events):
    late = event(at=dt.datetime(2025, 1, 1, 16, 30, 5, tzinfo=UTC), action="test.late")
    client = login(users["auditor"])
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "account.create" in body
    assert "role.assign" in body
    assert "secadmin" in body
    assert "仙城社区" in body  # the area's name beside its code
    assert "2025-01-02 00:30:05" in body
    assert reverse("core:audit_detail", args=[late.pk]) in body
    assert "13812345678" not in body


def test_list_page_filters_by_get_form(login, users, a1_events):
    client = login(users["auditor"])
    body = client.get(reverse("core:audit_list"), {"action": "role."}).content.decode()
    assert "role.assign" in body
    assert "account.create" not in body
    today = dt.date.today()
    body = client.get(
        reverse("core:audit_list"), {"until": (today - dt.timedelta(days=2)).isoformat()}
    ).content.decode()
    assert "role.assign" not in body
    assert "没有符合筛选条件的记录。" in body


def test_list_page_shows_filter_errors_next_to_fields(login, users):
    client = login(users["auditor"])
    response = client.get(reverse("core:audit_list"), {"area_code": "abc", "since": "nonsense"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["area_code"]
    assert form.errors["since"]
    assert response.context["page_obj"] is None
    response = client.get(
        reverse("core:audit_list"), {"since": "2025-02-01", "until": "2025-01-01"}
    )
    assert response.context["form"].errors["until"]


def test_list_page_is_paginated_without_extra_queries(login, users, django_assert_num_queries):
    for i in range(60):
        event(action=f"test.n{i:02d}")
    client = login(users["auditor"])
    client.get(reverse("core:audit_list"))  # warm caches (content types, sessions)
    # session, account, grants, count, page rows, area names, unread notifications; then the
    # session is saved (savepoint, update, release): the same for 50 rows as for one
    with django_assert_num_queries(10):
        response = client.get(reverse("core:audit_list"))
    page = response.context["page_obj"]
    assert len(page.object_list) == 50
    assert page.paginator.count == 60
    response = client.get(reverse("core:audit_list"), {"page": 2})
    assert len(response.context["page_obj"].object_list) == 10
    assert "test.n00" in response.content.decode()


def test_detail_page_shows_the_extra_json(login, users, a1_events):
    created = AuditEvent.objects.get(action="role.assign")
    client = login(users["auditor"])
    response = client.get(reverse("core:audit_detail", args=[created.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "&quot;role&quot;: &quot;resident&quot;" in body
    assert f"&quot;user&quot;: {a1_events['user'].pk}" in body
    assert created.request_id in body or not created.request_id
    missing = client.get(reverse("core:audit_detail", args=[created.pk + 1000]))
    assert missing.status_code == 404


def test_detail_page_of_another_county_is_not_found(client, users, a1_events, auditor_b):
    created = AuditEvent.objects.get(action="role.assign")
    client.force_login(auditor_b, backend="linli.core.auth.PhoneOrUsernameBackend")
    assert client.get(reverse("core:audit_detail", args=[created.pk])).status_code == 404
    body = client.get(reverse("core:audit_list")).content.decode()
    assert "role.assign" not in body


@pytest.mark.parametrize("who", ["sysadmin", "secadmin", "county", "town_a", "worker_a1"])
def test_pages_are_403_for_everyone_else(login, users, a1_events, who):
    created = AuditEvent.objects.get(action="role.assign")
    client = login(users[who])
    for url in (
        reverse("core:audit_list"),
        reverse("core:audit_detail", args=[created.pk]),
        reverse("core:audit_export", args=["csv"]),
        reverse("core:audit_export", args=["xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "role.assign" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_pages_send_visitors_to_the_login_page(client, users):
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:login"))


def test_list_page_links_exports_and_states_the_xlsx_cap(login, users):
    client = english(login(users["auditor"]))
    body = client.get(reverse("core:audit_list"), {"action": "x"}).content.decode()
    assert "/audit/export.csv?action=x" in body
    assert "/audit/export.xlsx?action=x" in body
    assert "at most the first 100,000 rows" in body


# --- exports --------------------------------------------------------------------------------


def english(client):
    client.cookies["linli_language"] = "en"
    return client


def _csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_streams_the_filtered_rows_and_is_audited(login, users, a1_events):
    event(at=dt.datetime(2025, 1, 1, 16, 30, tzinfo=UTC), action="account.old", target_id="=1+1")
    client = english(login(users["auditor"]))
    response = client.get(reverse("core:audit_export", args=["csv"]), {"action": "account."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Event", "Time", "Actor", "Action"]
    assert {r[3] for r in body} == {"account.create", "account.old"}
    old = next(r for r in body if r[3] == "account.old")
    assert old[1] == "2025-01-02 00:30:00"
    assert old[5] == "'=1+1"  # a formula is defused
    created = next(r for r in body if r[3] == "account.create")
    assert created[2] == "secadmin"
    assert created[6] == A1
    assert json.loads(created[9]) == {"role": "resident"}
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.actor == users["auditor"]
    assert exported.extra["format"] == "csv"
    assert exported.extra["rows"] == 2
    assert exported.extra["filter_action"] == "account."
    assert response["X-Request-ID"] == exported.request_id
    # the export is itself in the trail, and not in its own file
    assert str(exported.pk) not in {r[0] for r in body}
    assert auditlog.audit_list(actor=users["auditor"], action="audit.export").count() == 1


def test_xlsx_export_is_capped_and_says_so(login, users, monkeypatch):
    for i in range(5):
        event(action=f"test.x{i}")
    monkeypatch.setattr(personal, "XLSX_MAX_ROWS", 3)
    client = english(login(users["auditor"]))
    response = client.get(reverse("core:audit_export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Event", "Time")
    assert len(rows) == 1 + 3
    assert [r[3] for r in rows[1:]] == ["test.x4", "test.x3", "test.x2"]  # newest first
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.extra["format"] == "xlsx"
    assert exported.extra["rows"] == 3
    assert exported.extra["matched"] == 5


def test_export_filters_never_carry_personal_data_into_the_trail(login, users):
    client = login(users["auditor"])
    response = client.get(reverse("core:audit_export", args=["csv"]), {"target_id": "13912345678"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.extra["filter_target_id"] == "139****5678"


def test_export_with_bad_filters_goes_back_to_the_form(login, users):
    client = login(users["auditor"])
    response = client.get(reverse("core:audit_export", args=["csv"]), {"area_code": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("core:audit_list") + "?area_code=x")
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_export_action_bad_format(users):
    with pytest.raises(ActionError):
        personal.audit_export(actor=users["auditor"], filters=auditlog.AuditFilters(), fmt="pdf")
    assert not AuditEvent.objects.filter(action="audit.export").exists()


# --- API --------------------------------------------------------------------------------------


def test_api_list_detail_and_export(login, users, a1_events):
    client = login(users["auditor"])
    listed = client.get("/api/v1/audit-events", {"action": "role."}).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert item["action"] == "role.assign"
    assert item["actor"] == "secadmin"
    detail = client.get(f"/api/v1/audit-events/{item['id']}")
    assert detail.status_code == 200
    assert detail.json()["extra"] == {"role": "resident", "user": a1_events["user"].pk}
    assert client.get(f"/api/v1/audit-events/{item['id'] + 999}").status_code == 404
    response = client.get("/api/v1/audit-events/export.csv", {"area_code": A1})
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert {r[3] for r in rows[1:]} == {"account.create", "role.assign"}
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.extra["rows"] == 2
    assert exported.extra["filter_area_code"] == A1


def test_api_refuses_everyone_else(client, users, a1_events, auditor_b):
    created = AuditEvent.objects.get(action="role.assign")
    for who in ("sysadmin", "secadmin", "county"):
        client.force_login(users[who], backend="linli.core.auth.PhoneOrUsernameBackend")
        for url in (
            "/api/v1/audit-events",
            f"/api/v1/audit-events/{created.pk}",
            "/api/v1/audit-events/export.csv",
        ):
            response = client.get(url)
            assert response.status_code == 403, (who, url)
            assert response["Content-Type"] == "application/problem+json"
    client.force_login(auditor_b, backend="linli.core.auth.PhoneOrUsernameBackend")
    assert client.get(f"/api/v1/audit-events/{created.pk}").status_code == 404
    assert client.get("/api/v1/audit-events").json()["count"] == 0
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_api_filter_errors_are_problems(login, users):
    response = login(users["auditor"]).get("/api/v1/audit-events", {"area_code": "abc"})
    assert response.status_code == 400
    assert "area_code" in response.json()["errors"]


# --- no personal data in the trail --------------------------------------------------------------


def test_existing_actions_write_no_personal_data_into_the_trail(
    users, django_capture_on_commit_callbacks
):
    import re

    from linli.core import sms

    with django_capture_on_commit_callbacks(execute=True):
        actions.otp_send(phone="13612345678")
    code = re.search(r"\d{6}", sms.outbox[-1][1]).group(0)
    actions.resident_register(
        phone="13612345678",
        code=code,
        full_name="钱七",
        password=PASSWORD,
        community_code=A1,
    )
    phone = "13912345678"
    user = actions.user_create(
        actor=users["secadmin"],
        username="pii_check",
        full_name="赵六",
        password=PASSWORD,
        phone=phone,
        role="resident",
        area_code=A1,
    )
    actions.pii_reveal(actor=users["worker_a1"], instance=user, field_name="phone")
    actions.otp_send(phone="13712345678")
    actions.user_set_active(actor=users["secadmin"], user_id=user.pk, active=False)
    actions.user_reset_password(actor=users["secadmin"], user_id=user.pk, password=PASSWORD + "x")
    actions.token_create(actor=users["worker_a1"], name="t")
    assert AuditEvent.objects.count() >= 6
    dumped = serialize("json", AuditEvent.objects.all())
    assert AuditEvent.objects.filter(action="account.register").exists()
    for secret in (phone, "13712345678", "13612345678", "赵六", "钱七", PASSWORD):
        assert secret not in dumped


def test_control_characters_in_filters_are_refused(login, users):
    client = login(users["auditor"])
    response = client.get("/api/v1/audit-events", {"action": "a\x00b"})
    assert response.status_code == 400
    assert "action" in response.json()["errors"]
    with pytest.raises(ActionError):
        auditlog.audit_list(actor=users["auditor"], target_id="1\x002")
