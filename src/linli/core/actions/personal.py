"""Revealing personal data in full (audited) and rotating the encryption key."""

from __future__ import annotations

from django.db import models, transaction
from django.utils.translation import gettext as _

from .. import audit, pii, scoping
from ..errors import ActionError, NotFound
from ..roles import Cap


def pii_reveal(*, actor, instance: models.Model, field_name: str, area_code: str) -> str:
    """Return one encrypted field of ``instance`` in full, if the actor may; always audited."""
    field = instance._meta.get_field(field_name)
    if not isinstance(field, pii.EncryptedField):
        raise ActionError(_("This field is not personal data."))
    scoping.require(actor, Cap.PII_REVEAL, area_code)
    with transaction.atomic():
        audit.record(
            actor, "pii.reveal", instance, area_code=area_code, extra={"field": field_name}
        )
    value = getattr(instance, field_name)
    if value is None:
        raise NotFound(_("Nothing is recorded in this field."))
    return value


def pii_rotate(*, actor=scoping.SYSTEM, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted value that is not under the active key. Resumable."""
    active = pii.active_key_id()
    counts: dict[str, int] = {}
    for model, field in pii.encrypted_fields():
        column = field.column
        label = f"{model._meta.label_lower}.{field.name}"
        counts[label] = 0
        table = model._meta.db_table
        qs = model._base_manager.exclude(**{f"{field.name}__isnull": True})
        pks = list(qs.values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            chunk = pks[start : start + batch_size]
            with transaction.atomic():
                from django.db import connection

                with connection.cursor() as cursor:
                    placeholders = ",".join(["%s"] * len(chunk))
                    pk_col = model._meta.pk.column
                    cursor.execute(
                        f"SELECT {pk_col}, {column} FROM {table} WHERE {pk_col} IN ({placeholders})",  # noqa: S608
                        chunk,
                    )
                    rows = [
                        (pk, token)
                        for pk, token in cursor.fetchall()
                        if token and pii.key_id_of(token) != active
                    ]
                    for pk, token in rows:
                        cursor.execute(
                            f"UPDATE {table} SET {column} = %s WHERE {pk_col} = %s",  # noqa: S608
                            [pii.encrypt(pii.decrypt(token)), pk],
                        )
                counts[label] += len(rows)
        if counts[label]:
            with transaction.atomic():
                audit.record(
                    actor,
                    "pii.rotate",
                    target_type=model._meta.label_lower,
                    extra={"field": field.name, "rows": counts[label], "key": active},
                )
    return counts
