"""Resident self-registration by SMS one-time code: the journey and every way it can fail."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from linli.core import actions, sms
from linli.core.actions import accounts as account_actions
from linli.core.errors import ActionError, Conflict
from linli.core.models import AuditEvent, OneTimeCode, RoleAssignment, User
from linli.core.roles import Role

PHONE = "13712345678"
A1 = "220403001001"
NEW_PASSWORD = "Quiet-River-2026"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """``send(phone)`` asks for a code, delivers it, and returns the message text."""

    def _send(phone: str = PHONE) -> str:
        before = len(sms.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            actions.otp_send(phone=phone)
        assert len(sms.outbox) == before + 1
        return sms.outbox[-1][1]

    return _send


def code_in(message: str) -> str:
    found = re.search(r"\b(\d{6})\b", message)
    assert found, message
    return found.group(1)


def register(code: str = "", **overrides):
    fields = {
        "phone": PHONE,
        "code": code,
        "full_name": "赵大妈",
        "password": NEW_PASSWORD,
        "community_code": A1,
    }
    fields.update(overrides)
    return actions.resident_register(**fields)


def snapshot():
    return (User.objects.count(), RoleAssignment.objects.count())


def age_codes(seconds: int, phone_bidx: str | None = None) -> None:
    qs = OneTimeCode.objects.all()
    if phone_bidx:
        qs = qs.filter(phone_bidx=phone_bidx)
    for otp in qs:
        OneTimeCode.objects.filter(pk=otp.pk).update(
            created_at=otp.created_at - dt.timedelta(seconds=seconds)
        )


def test_registration_journey(tree, send):
    message = send("137 1234 5678")
    assert sms.outbox[-1][0] == PHONE
    user = register(code_in(message), language="bo", elderly_mode=True)
    user.refresh_from_db()
    assert user.phone == PHONE and user.full_name == "赵大妈" and user.home_area_id == A1
    assert (user.language, user.elderly_mode) == ("bo", True)
    assert user.check_password(NEW_PASSWORD)
    assert list(user.assignments.values_list("role", "area_code")) == [(Role.RESIDENT, A1)]
    assert OneTimeCode.objects.get().used_at is not None
    assert set(AuditEvent.objects.values_list("action", flat=True)) == {
        "otp.send",
        "account.register",
        "role.assign",
    }
    assert not AuditEvent.objects.filter(extra__icontains=PHONE[3:]).exists()
    with pytest.raises(ActionError):  # a code works once
        register(code_in(message), full_name="别人")


def test_the_code_is_stored_as_a_digest_only(tree, send):
    code = code_in(send())
    otp = OneTimeCode.objects.get()
    assert code not in otp.code_digest and PHONE not in otp.phone_bidx


def test_wrong_codes_are_counted_and_limited(tree, send):
    code = code_in(send())
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(ActionError, match=f"{left} tries left"):
            register(wrong)
    with pytest.raises(ActionError, match="Ask for a new code"):
        register(wrong)
    assert OneTimeCode.objects.get().attempts == 5
    assert AuditEvent.objects.filter(action="otp.wrong").count() == 5
    with pytest.raises(ActionError, match="Too many wrong codes") as caught:
        register(code)  # even the right code is refused now
    assert caught.value.errors == {"code": [caught.value.message]}
    assert snapshot() == (0, 0)


def test_wrong_codes_per_number_per_day_are_limited(tree, send):
    for _round in range(account_actions.OTP_MAX_WRONG_PER_DAY // account_actions.OTP_MAX_ATTEMPTS):
        send()
        for _try in range(account_actions.OTP_MAX_ATTEMPTS):
            with pytest.raises(ActionError):
                register("999999" if _try % 2 else "888888")
        age_codes(120)
    code = code_in(send())
    with pytest.raises(account_actions.Throttled, match="today"):
        register(code)
    assert snapshot() == (0, 0)


def test_expired_code(tree, send):
    code = code_in(send())
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ActionError, match="expired") as caught:
        register(code)
    assert "code" in caught.value.errors
    assert snapshot() == (0, 0)


def test_resend_only_after_the_wait_and_the_new_code_replaces_the_old(tree, send, settings):
    first = code_in(send())
    with pytest.raises(account_actions.Throttled, match="seconds") as caught:
        actions.otp_send(phone=PHONE)
    assert caught.value.code == "too_soon" and caught.value.status == 429
    assert account_actions.otp_wait_seconds(phone=PHONE) > settings.OTP_RESEND_SECONDS - 5
    age_codes(settings.OTP_RESEND_SECONDS + 1)
    assert account_actions.otp_wait_seconds(phone=PHONE) == 0
    second = code_in(send())
    if first != second:
        with pytest.raises(ActionError):
            register(first)
    assert register(second).phone == PHONE


def test_codes_per_number_per_day_are_limited(tree, send):
    for _round in range(account_actions.OTP_MAX_SENDS_PER_DAY):
        send()
        age_codes(3600)
    with pytest.raises(account_actions.Throttled, match="today"):
        actions.otp_send(phone=PHONE)
    age_codes(24 * 3600)
    send()  # a day later it works again


def test_a_number_with_an_account_gets_a_notice_not_a_code(users, send):
    message = send("139 0000 0001")  # resident_a1's number; the answer looks the same
    assert "already has an account" in message
    assert not re.search(r"\d{6}", message)
    before = snapshot()
    for guess in ("123456", "654321"):
        with pytest.raises(ActionError):
            register(guess, phone="13900000001")
    assert snapshot() == before


def test_an_account_made_meanwhile_for_the_number_is_a_conflict(users, send):
    code = code_in(send())
    actions.user_create(
        actor=users["secadmin"],
        username="zhao",
        full_name="赵",
        password=NEW_PASSWORD,
        phone=PHONE,
        role=Role.RESIDENT,
        area_code=A1,
    )
    before = snapshot()
    with pytest.raises(Conflict) as caught:
        register(code)
    assert "phone" in caught.value.errors
    assert snapshot() == before
    assert OneTimeCode.objects.get().used_at is None


@pytest.mark.parametrize("phone", ["1371234567", "23712345678", "phone", "", "137123456789"])
def test_invalid_phone_sends_nothing(tree, phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ActionError) as caught:
        actions.otp_send(phone=phone)
    assert "phone" in caught.value.errors
    assert sms.outbox == [] and not OneTimeCode.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "12345678"}, "password"),
        ({"password": "password1"}, "password"),
        ({"full_name": ""}, "full_name"),
        ({"community_code": "220403001000"}, "community_code"),  # a town, not a community
        ({"community_code": ""}, "community_code"),
        ({"code": "12ab"}, "code"),
        ({"phone": "123"}, "phone"),
    ],
)
def test_bad_registration_input_writes_nothing_and_spends_no_try(tree, send, overrides, field):
    code = code_in(send())
    with pytest.raises(ActionError) as caught:
        register(**{"code": code, **overrides})
    assert field in caught.value.errors
    assert snapshot() == (0, 0)
    otp = OneTimeCode.objects.get()
    assert otp.attempts == 0 and otp.used_at is None
    assert register(code).phone == PHONE  # the code still works once the form is right


@override_settings(
    DEBUG=False, TESTING=False, LINLI_DEMO=False, SMS_BACKEND="linli.core.sms.ConsoleBackend"
)
def test_console_backend_never_prints_the_code_in_production(tree, capsys, caplog):
    with caplog.at_level(logging.DEBUG):
        sms.send(PHONE, "Linli verification code 482913, valid for 5 minutes.")
    out = capsys.readouterr()
    assert "482913" not in out.out + out.err
    assert "482913" not in caplog.text and PHONE not in caplog.text
    assert "137****5678" in caplog.text
    assert sms.outbox == []


@override_settings(DEBUG=False, TESTING=False, LINLI_DEMO=False)
def test_otp_send_in_production_logs_neither_code_nor_number(
    tree, capsys, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.DEBUG), django_capture_on_commit_callbacks(execute=True):
        actions.otp_send(phone=PHONE)
    out = capsys.readouterr()
    printed = out.out + out.err + caplog.text
    assert PHONE not in printed
    assert not re.search(r"code \d{6}", printed)
    assert OneTimeCode.objects.count() == 1


class FailingGateway:
    def send(self, phone, message):
        raise ConnectionError(f"gateway down for {phone}")


@override_settings(SMS_BACKEND="tests.core.test_accounts_register.FailingGateway")
def test_a_gateway_failure_is_logged_without_the_number(
    tree, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        actions.otp_send(phone=PHONE)
    assert "not delivered" in caplog.text and PHONE not in caplog.text
