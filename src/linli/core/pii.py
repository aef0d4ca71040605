"""Personal data at rest (PIPL, GB/T 35273): AES-256-GCM encryption, blind indexes, masking.

``EncryptedField`` stores ``<key id>$<base64(nonce || ciphertext)>``; the plaintext lives only
in memory. Give it ``blind_index="phone_bidx"`` and a sibling ``BlindIndexField`` of that name
is kept in step on every assignment: an HMAC-SHA256 of the normalised value, so exact lookups
(``User.objects.filter(phone_bidx=blind_index(phone, "phone"))``) work without decrypting.

Keys come from the environment (settings.PII_KEY_RING): the first encrypts, all decrypt.
``linli rotate-pii-key`` re-encrypts every row under the current first key.

Limits: ``QuerySet.update(field=…)`` encrypts the new value but does not refresh the blind
index, nor does ``save(update_fields=[...])`` that names the field without its index; write
personal fields through ``save()``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models
from django.db.models.query_utils import DeferredAttribute

NONCE_BYTES = 12
TAG_BYTES = 16
SEPARATOR = "$"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any key in the ring."""


def _ring() -> list[tuple[str, bytes]]:
    return settings.PII_KEY_RING


def ring_key_ids() -> list[str]:
    return [key_id for key_id, _key in _ring()]


def active_key_id() -> str:
    return _ring()[0][0]


@lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    return AESGCM(key)


def encrypt(plaintext: str) -> str:
    key_id, key = _ring()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key).encrypt(nonce, plaintext.encode("utf-8"), key_id.encode())
    return f"{key_id}{SEPARATOR}{base64.b64encode(nonce + sealed).decode('ascii')}"


def key_id_of(token: str) -> str:
    """The key id a stored token names ("" when it is not a token at all)."""
    key_id, sep, _payload = token.partition(SEPARATOR)
    return key_id if sep else ""


def decrypt(token: str) -> str:
    key_id, sep, payload = token.partition(SEPARATOR)
    if not sep or not key_id:
        raise DecryptionError("value is not an encrypted token")
    keys = dict(_ring())
    if key_id not in keys:
        raise DecryptionError(f"key {key_id!r} is not in LINLI_PII_KEYS")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError(f"value under key {key_id!r} is not valid base64") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError(f"value under key {key_id!r} is too short")
    try:
        plain = _cipher(keys[key_id]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())
    except Exception as exc:  # cryptography raises InvalidTag
        raise DecryptionError(f"value does not decrypt with key {key_id!r}") from exc
    return plain.decode("utf-8")


def normalize(value: str) -> str:
    """The form that blind indexes hash: no spaces or dashes, upper case (身份证 'x' → 'X')."""
    return re.sub(r"[\s\-]", "", value).upper()


def blind_index(value: str | None, purpose: str = "") -> str | None:
    if value is None or value == "":
        return None
    mac = hmac.new(settings.PII_INDEX_KEY, f"{purpose}:{normalize(value)}".encode(), hashlib.sha256)
    return mac.hexdigest()


# --- masking ------------------------------------------------------------------------------
# Every masker hides at least half of the value; values too short to keep anything are all
# stars, so a masked short value never equals the value itself.


def _keep_ends(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    return value[:head] + "*" * hidden + (value[-tail:] if tail else "")


def mask_id_number(value: str | None) -> str:
    """``220403199001011234`` → ``2204**********1234``; shorter document numbers keep less."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) >= 15:
        return _keep_ends(text, 4, 4)
    if len(text) >= 8:
        keep = len(text) // 4
        return _keep_ends(text, keep, keep)
    return "*" * len(text)


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; shorter numbers keep less."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) >= 11:
        return _keep_ends(text, 3, 4)
    if len(text) >= 7:
        keep = len(text) // 4
        return _keep_ends(text, keep, keep)
    return "*" * len(text)


def mask_name(value: str | None) -> str:
    """``张三丰`` → ``张**``; ``张三`` → ``张*``; ``张`` → ``*``; ``Li Lei`` → ``L*****``."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) == 1:
        return "*"
    return text[0] + "*" * (len(text) - 1)


def mask_text(value: str | None) -> str:
    """Free text (addresses, notes): at most two leading characters and a fixed-width mask."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) <= 2:
        return "****"
    if len(text) <= 4:
        return text[:1] + "****"
    return text[:2] + "****"


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "text": mask_text,
}

_PHONE_LIKE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_ID_NUMBER_LIKE = re.compile(r"^\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dX]$")


def looks_personal(value: str) -> bool:
    """Does ``value`` look like a mainland mobile number or a resident ID number?"""
    text = normalize(value)
    return bool(_PHONE_LIKE.match(text) or _ID_NUMBER_LIKE.match(text))


# --- model fields --------------------------------------------------------------------------


class BlindIndexField(models.CharField):
    """HMAC-SHA256 hex digest of a sibling encrypted field; indexed for exact lookup."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def _source(self) -> EncryptedField | None:
        for field in self.model._meta.concrete_fields:
            if isinstance(field, EncryptedField) and field.blind_index == self.attname:
                return field
        return None

    def pre_save(self, model_instance, add):
        # Recomputed from the loaded plaintext on every save, whatever order the attributes
        # were assigned in (a model's constructor sets this field's default after its source).
        source = self._source()
        if source is not None and source.attname in model_instance.__dict__:
            value = blind_index(model_instance.__dict__[source.attname], source.purpose)
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)


class _EncryptedDescriptor(DeferredAttribute):
    """Reads like any field (deferred values load on first access); writes keep the index."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value
        if self.field.blind_index:
            instance.__dict__[self.field.blind_index] = blind_index(value, self.field.purpose)


class EncryptedField(models.TextField):
    """A text field encrypted at rest, with an optional blind-index sibling and a masker kind."""

    descriptor_class = _EncryptedDescriptor

    def __init__(
        self, *args, blind_index: str | None = None, purpose: str = "", mask: str = "text", **kwargs
    ):
        if mask not in MASKERS:
            raise ValueError(f"unknown mask kind {mask!r}; one of {', '.join(MASKERS)}")
        self.blind_index = blind_index
        self.purpose = purpose
        self.mask = mask
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.blind_index:
            kwargs["blind_index"] = self.blind_index
        if self.purpose:
            kwargs["purpose"] = self.purpose
        if self.mask != "text":
            kwargs["mask"] = self.mask
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None
        return encrypt(value)

    def masked(self, value: str | None) -> str:
        return MASKERS[self.mask](value)

    def get_lookup(self, lookup_name):
        # Ciphertexts are randomised: only isnull can be answered by the database.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    @property
    def column_label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedField]]:
    """Each encrypted column once: the model whose table holds it, and the field."""
    from django.apps import apps

    for model in apps.get_models():
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        for field in opts.local_concrete_fields:
            if isinstance(field, EncryptedField):
                yield model, field


def key_census(model: type[models.Model], field: EncryptedField) -> dict[str, int]:
    """How many stored values of one column sit under each key id, counted in SQL.

    Values that do not look like a token at all are counted under ``""``.
    """
    from django.db.models import Case, CharField, Count, F, Value, When
    from django.db.models.functions import StrIndex, Substr

    rows = (
        model._base_manager.filter(**{f"{field.name}__isnull": False})
        .annotate(sep_at=StrIndex(F(field.name), Value(SEPARATOR)))
        .annotate(
            key_id=Case(
                When(
                    sep_at__gt=1,
                    then=Substr(F(field.name), 1, F("sep_at") - 1, output_field=CharField()),
                ),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .order_by()
        .values("key_id")
        .annotate(n=Count("pk"))
        .values_list("key_id", "n")
    )
    return dict(rows)
