"""Personal data at rest: encryption, blind index, masking, key rotation, revealing in full."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.exceptions import FieldError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from linli.core import actions, pii, scoping
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import AuditEvent, User
from tests.conftest import make_user

K1 = ("k1", bytes(range(32)))
K2 = ("k2", bytes(range(100, 132)))
K3 = ("k3", bytes(range(200, 232)))


def raw_phones() -> dict[int, str | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, phone FROM core_user ORDER BY id")
        return dict(cursor.fetchall())


def raw_phone(user) -> str | None:
    return raw_phones()[user.pk]


# --- encryption ---------------------------------------------------------------------------


def test_round_trip_and_fresh_nonce_every_time():
    for text in ("13912345678", "吉林省四平市铁西区仙城社区3栋2单元", "ok"):
        token = pii.encrypt(text)
        assert token.startswith(pii.active_key_id() + "$")
        if len(text) > 3:  # a short text may occur in base64 by chance
            assert text not in token
        assert pii.decrypt(token) == text
    assert pii.encrypt("same") != pii.encrypt("same")


def test_tampered_ciphertext_fails():
    token = pii.encrypt("13912345678")
    key_id, _, payload = token.partition("$")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 0x01
    tampered = f"{key_id}${base64.b64encode(bytes(raw)).decode()}"
    with pytest.raises(pii.DecryptionError):
        pii.decrypt(tampered)
    for broken in (
        "13912345678",  # plaintext, no key id
        f"{key_id}$not base64!",
        f"{key_id}$" + base64.b64encode(b"short").decode(),
        "$" + payload,
        "nokey$" + payload,
    ):
        with pytest.raises(pii.DecryptionError):
            pii.decrypt(broken)


def test_key_id_is_bound_to_the_ciphertext():
    with override_settings(PII_KEY_RING=[K1, ("k9", K1[1])]):
        token = pii.encrypt("13912345678")
        relabelled = "k9" + token[2:]
        with pytest.raises(pii.DecryptionError):
            pii.decrypt(relabelled)


def test_database_column_never_holds_the_plaintext(tree):
    user = make_user("phone_owner", phone="13912345678")
    stored = raw_phone(user)
    assert stored.startswith(pii.active_key_id() + "$")
    assert "13912345678" not in stored
    assert "12345678" not in stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone_bidx FROM core_user WHERE id = %s", [user.pk])
        (bidx,) = cursor.fetchone()
    assert "13912345678" not in bidx
    assert User.objects.get(pk=user.pk).phone == "13912345678"


def test_empty_value_is_stored_as_null(tree):
    user = make_user("no_phone", phone="")
    assert raw_phone(user) is None
    assert User.objects.get(pk=user.pk).phone is None
    assert User.objects.get(pk=user.pk).phone_bidx is None


def test_blind_index_lookup_is_stable_and_follows_changes(tree):
    user = make_user("lookup", phone="13912345678")
    index = pii.blind_index("13912345678", "phone")
    assert index == pii.blind_index("139 1234-5678", "phone")  # normalised
    assert index != pii.blind_index("13912345678", "other")  # per purpose
    assert User.objects.get(phone_bidx=index) == user
    user = User.objects.get(pk=user.pk)
    user.save()  # re-encrypts with a fresh nonce, same index
    assert User.objects.get(phone_bidx=index) == user
    user.phone = "13800000000"
    user.save()
    assert not User.objects.filter(phone_bidx=index).exists()
    assert User.objects.get(phone_bidx=pii.blind_index("13800000000", "phone")) == user
    user.phone = None
    user.save()
    assert User.objects.get(pk=user.pk).phone_bidx is None


def test_deferred_encrypted_field_loads_on_access(tree):
    user = make_user("deferred", phone="13912345678")
    loaded = User.objects.only("username").get(pk=user.pk)
    assert "phone" in loaded.get_deferred_fields()
    assert loaded.phone == "13912345678"


def test_database_lookups_on_ciphertext_are_refused(tree):
    make_user("lookup_refused", phone="13912345678")
    with pytest.raises(FieldError):
        list(User.objects.filter(phone="13912345678"))
    with pytest.raises(FieldError):
        list(User.objects.filter(phone__contains="1391"))
    assert User.objects.filter(phone__isnull=False).count() == 1


# --- masking ------------------------------------------------------------------------------


def test_mask_id_number():
    assert pii.mask_id_number("220403199001011234") == "2204**********1234"
    assert pii.mask_id_number("22040319900101X") == "2204*******101X"
    assert pii.mask_id_number("E12345678") == "E1*****78"  # a passport keeps less
    assert pii.mask_id_number("1234567") == "*******"
    assert pii.mask_id_number("") == ""
    assert pii.mask_id_number(None) == ""


def test_mask_phone():
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_phone(" 13812345678 ") == "138****5678"
    assert pii.mask_phone("84561234") == "84****34"  # a landline
    assert pii.mask_phone("1234567") == "1*****7"
    assert pii.mask_phone("12345") == "*****"
    assert pii.mask_phone(None) == ""


def test_mask_name():
    assert pii.mask_name("张三丰") == "张**"
    assert pii.mask_name("张三") == "张*"
    assert pii.mask_name("张") == "*"
    assert pii.mask_name("Li Lei") == "L*****"
    assert pii.mask_name("") == ""


def test_mask_text_and_short_values():
    assert pii.mask_text("仙城社区3栋2单元501") == "仙城****"
    assert pii.mask_text("3栋") == "****"
    assert pii.mask_text("3栋2单") == "3****"
    assert pii.mask_text(None) == ""
    for masker in pii.MASKERS.values():
        for value in ("a", "ab", "abc", "13812345678", "220403199001011234"):
            assert masker(value) != value


def test_field_masker_and_unknown_mask_kind():
    field = User._meta.get_field("phone")
    assert field.masked("13812345678") == "138****5678"
    with pytest.raises(ValueError):
        pii.EncryptedField(mask="nope")


def test_looks_personal():
    assert pii.looks_personal("13912345678")
    assert pii.looks_personal("+8613912345678")
    assert pii.looks_personal("220403199001011234")
    assert pii.looks_personal("22040319900101123x")
    assert not pii.looks_personal("220403001001")  # an area code
    assert not pii.looks_personal("220403001001001")  # a grid code
    assert not pii.looks_personal("core.user")


# --- key rotation -------------------------------------------------------------------------


def _users_under_k1(n: int) -> list[User]:
    with override_settings(PII_KEY_RING=[K1]):
        made = [make_user(f"rot{i}", phone=f"1391234{i:04d}") for i in range(n)]
    assert all(raw_phone(u).startswith("k1$") for u in made)
    return made


def test_rotation_re_encrypts_under_the_first_key(db):
    made = _users_under_k1(5)
    make_user("rot_nophone")
    out = io.StringIO()
    with override_settings(PII_KEY_RING=[K2, K1]):
        call_command("rotate_pii_key", "--batch-size", "2", stdout=out)
        text = out.getvalue()
        assert "core.user.phone: 5 re-encrypted, 0 already under k2" in text
        stored = raw_phones()
        for user in made:
            assert stored[user.pk].startswith("k2$")
            assert User.objects.get(pk=user.pk).phone == user.phone
        # a second run finds nothing left to do
        out = io.StringIO()
        call_command("rotate_pii_key", stdout=out)
        assert "core.user.phone: 0 re-encrypted, 5 already under k2" in out.getvalue()
    with override_settings(PII_KEY_RING=[K2]):
        for user in made:
            assert User.objects.get(pk=user.pk).phone == user.phone
    event = AuditEvent.objects.get(action="pii.rotate")
    assert event.actor_label == "system"
    assert event.extra == {"field": "phone", "rows": 5, "key": "k2"}


def test_rotation_resumes_after_an_interruption(db):
    made = _users_under_k1(4)
    with override_settings(PII_KEY_RING=[K2, K1]):
        # two of four were done before an interruption
        for user in made[:2]:
            User.objects.get(pk=user.pk).save()
        assert sum(v.startswith("k2$") for v in raw_phones().values()) == 2
        result = actions.pii_rotate(batch_size=3)
        assert {k: v for k, v in result.rotated.items() if v} == {"core.user.phone": 2}
        assert {k: v for k, v in result.already_current.items() if v} == {"core.user.phone": 2}
        assert result.complete
        assert all(v.startswith("k2$") for v in raw_phones().values())


def test_rotation_refuses_when_a_key_is_missing_from_the_ring(db):
    made = _users_under_k1(2)
    with override_settings(PII_KEY_RING=[K3, K2]):
        err = io.StringIO()
        with pytest.raises(CommandError) as excinfo:
            call_command("rotate_pii_key", stdout=io.StringIO(), stderr=err)
        assert "not in LINLI_PII_KEYS" in str(excinfo.value)
        assert "core.user.phone" in err.getvalue()
        assert "'k1'" in err.getvalue()
        with pytest.raises(Conflict) as action_exc:
            actions.pii_rotate()
        assert "core.user.phone" in action_exc.value.errors
    # nothing was touched
    assert all(raw_phone(u).startswith("k1$") for u in made)
    assert not AuditEvent.objects.filter(action="pii.rotate").exists()


def test_rotation_check_mode_reports_keys_and_changes_nothing(db):
    made = _users_under_k1(3)
    with override_settings(PII_KEY_RING=[K2, K1]):
        out = io.StringIO()
        call_command("rotate_pii_key", "--check", stdout=out)
        assert "core.user.phone: k1=3" in out.getvalue()
    assert all(raw_phone(u).startswith("k1$") for u in made)


def test_rotation_reports_damaged_values_and_rotates_the_rest(db):
    made = _users_under_k1(3)
    token = raw_phone(made[1])
    damaged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_user SET phone = %s WHERE id = %s", [damaged, made[1].pk])
    with override_settings(PII_KEY_RING=[K2, K1]):
        err = io.StringIO()
        with pytest.raises(CommandError, match="could not be decrypted"):
            call_command("rotate_pii_key", stdout=io.StringIO(), stderr=err)
        assert f"rows {made[1].pk}" in err.getvalue()
    stored = raw_phones()
    assert stored[made[0].pk].startswith("k2$")
    assert stored[made[2].pk].startswith("k2$")
    assert stored[made[1].pk] == damaged


def test_rotation_is_for_the_platform_only(users):
    with pytest.raises(Forbidden):
        actions.pii_rotate(actor=users["sysadmin"])
    with pytest.raises(ActionError):
        actions.pii_rotate(actor=scoping.SYSTEM, batch_size=0)


# --- revealing in full --------------------------------------------------------------------


def test_reveal_is_audited_without_the_value(users):
    resident = users["resident_a1"]
    value = actions.pii_reveal(actor=users["worker_a1"], instance=resident, field_name="phone")
    assert value == "13900000001"
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.actor == users["worker_a1"]
    assert (event.target_type, event.target_id) == ("core.user", str(resident.pk))
    assert event.area_code == "220403001001"
    assert event.extra == {"field": "phone"}
    assert "13900000001" not in json.dumps(event.extra)


def test_reveal_by_officers_above_the_area(users):
    resident = users["resident_a1"]
    assert (
        actions.pii_reveal(actor=users["county"], instance=resident, field_name="phone")
        == "13900000001"
    )
    # a town officer sees the area but does not hold pii.reveal
    with pytest.raises(Forbidden):
        actions.pii_reveal(actor=users["town_a"], instance=resident, field_name="phone")


@pytest.mark.parametrize("who", ["worker_a2", "resident_a1", "secadmin", "sysadmin", "auditor"])
def test_reveal_refused_without_the_capability_or_outside_the_area(users, who):
    with pytest.raises(Forbidden):
        actions.pii_reveal(actor=users[who], instance=users["resident_a1"], field_name="phone")
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


def test_reveal_takes_the_area_from_the_record_not_the_caller(users):
    resident = users["resident_a1"]
    # worker_a2 names its own community: the record is in a1, so the claim is refused
    with pytest.raises(Forbidden):
        actions.pii_reveal(
            actor=users["worker_a2"],
            instance=resident,
            field_name="phone",
            area_code="220403001002",
        )
    # an account with no area at all is the platform's to reveal
    loner = make_user("loner", phone="13700000000")
    with pytest.raises(Forbidden):
        actions.pii_reveal(actor=users["county"], instance=loner, field_name="phone")
    assert actions.pii_reveal(actor=scoping.SYSTEM, instance=loner, field_name="phone") == (
        "13700000000"
    )
    assert AuditEvent.objects.filter(action="pii.reveal").count() == 1


def test_reveal_bad_input(users):
    worker = users["worker_a1"]
    resident = users["resident_a1"]
    with pytest.raises(ActionError):
        actions.pii_reveal(actor=worker, instance=resident, field_name="username")
    with pytest.raises(ActionError):
        actions.pii_reveal(actor=worker, instance=resident, field_name="no_such_field")
    with pytest.raises(NotFound):
        actions.pii_reveal(actor=worker, instance=users["grid_a1"], field_name="phone")
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()
