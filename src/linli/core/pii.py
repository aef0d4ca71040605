"""Personal data at rest (PIPL, GB/T 35273): AES-256-GCM encryption, blind indexes, masking.

``EncryptedField`` stores ``<key id>$<base64(nonce || ciphertext)>``; the plaintext lives only
in memory. Give it ``blind_index="phone_bidx"`` and a sibling ``BlindIndexField`` of that name
is kept in step on every assignment: an HMAC-SHA256 of the normalised value, so exact lookups
(``User.objects.filter(phone_bidx=blind_index(phone))``) work without decrypting anything.

Keys come from the environment (settings.PII_KEY_RING): the first encrypts, all decrypt.
``linli rotate-pii-key`` re-encrypts every row under the current first key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterator

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

NONCE_BYTES = 12
SEPARATOR = "$"


class DecryptionError(Exception):
    """A stored value could not be decrypted with any key in the ring."""


def _ring() -> list[tuple[str, bytes]]:
    return settings.PII_KEY_RING


def active_key_id() -> str:
    return _ring()[0][0]


def encrypt(plaintext: str) -> str:
    key_id, key = _ring()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), key_id.encode())
    return f"{key_id}{SEPARATOR}{base64.b64encode(nonce + sealed).decode('ascii')}"


def key_id_of(token: str) -> str:
    return token.partition(SEPARATOR)[0]


def decrypt(token: str) -> str:
    key_id, sep, payload = token.partition(SEPARATOR)
    if not sep:
        raise DecryptionError("value is not an encrypted token")
    keys = dict(_ring())
    if key_id not in keys:
        raise DecryptionError(f"key {key_id!r} is not in LINLI_PII_KEYS")
    raw = base64.b64decode(payload)
    try:
        plain = AESGCM(keys[key_id]).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())
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


def mask_id_number(value: str | None) -> str:
    """``220403199001011234`` → ``2204**********1234``."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``."""
    if not value:
        return ""
    digits = value.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str | None) -> str:
    """``张三丰`` → ``张**``; ``Li Lei`` → ``L*****``."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_text(value: str | None) -> str:
    """Free text (addresses, notes): the first two characters and a fixed-width mask."""
    if not value:
        return ""
    return value[:2] + "****"


MASKERS = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "name": mask_name,
    "text": mask_text,
}


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


class _EncryptedDescriptor:
    def __init__(self, field: EncryptedField):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return instance.__dict__.get(self.field.attname)

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value
        if self.field.blind_index:
            instance.__dict__[self.field.blind_index] = blind_index(value, self.field.purpose)


class EncryptedField(models.TextField):
    """A text field encrypted at rest, with an optional blind-index sibling and a masker kind."""

    def __init__(
        self, *args, blind_index: str | None = None, purpose: str = "", mask: str = "text", **kwargs
    ):
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

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        setattr(cls, self.attname, _EncryptedDescriptor(self))

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


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedField]]:
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedField):
                yield model, field
