"""Disclosing personal data, and the keys that protect it.

- :func:`pii_reveal`: one encrypted field in full, for an actor holding ``pii.reveal`` over
  every area the record belongs to; always audited.
- :func:`audit_export`: the audit trail (account names, client addresses) as a file; audited.
- :func:`pii_rotate`: re-encrypt every stored value under the current first key of the ring,
  batch by batch (resumable), refusing to start while any value names a key outside the ring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models, router, transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from .. import audit, pii, scoping
from ..errors import ActionError, Conflict, Forbidden, NotFound
from ..models import AuditEvent, RoleAssignment, User
from ..queries.auditlog import AuditFilters, audit_events
from ..roles import Cap

# --- revealing one field ------------------------------------------------------------------


def _areas_of(instance: models.Model) -> list[str]:
    """The area codes a record belongs to: its own, or for an account its home and its roles."""
    code = getattr(instance, "area_code", None)
    if code:
        return [code]
    if isinstance(instance, User):
        codes = set(
            RoleAssignment.objects.filter(user_id=instance.pk).values_list("area_code", flat=True)
        )
        if instance.home_area_id:
            codes.add(instance.home_area_id)
        return sorted(codes)
    return []


def pii_reveal(
    *, actor, instance: models.Model, field_name: str, area_code: str | None = None
) -> str:
    """Return one encrypted field of ``instance`` in full, if the actor may; always audited.

    The areas are read from the record itself (``area_code``, or an account's home and role
    areas), never taken on trust: the actor needs ``pii.reveal`` over every one of them. A
    record that belongs to no area can only be revealed by the platform itself. ``area_code``,
    when given, must be one of the record's areas.
    """
    try:
        field_obj = instance._meta.get_field(field_name)
    except FieldDoesNotExist:
        raise ActionError(_("This field is not personal data."), field="field") from None
    if not isinstance(field_obj, pii.EncryptedField):
        raise ActionError(_("This field is not personal data."), field="field")
    if instance.pk is None:
        raise NotFound(_("No such record."))
    codes = _areas_of(instance)
    if area_code and not any(c.startswith(area_code) or area_code.startswith(c) for c in codes):
        raise Forbidden(_("This record is not in that area."))
    for code in codes or [""]:
        scoping.require(actor, Cap.PII_REVEAL, code)
    value = getattr(instance, field_name)
    if value is None:
        raise NotFound(_("Nothing is recorded in this field."))
    with transaction.atomic():
        audit.record(
            actor,
            "pii.reveal",
            instance,
            area_code=codes[0] if codes else "",
            extra={"field": field_name},
        )
    return value


# --- exporting the audit trail ------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx")
XLSX_MAX_ROWS = 100_000


@dataclass(frozen=True)
class AuditExport:
    """What an export holds: ``events`` are frozen to the rows that existed when it was made."""

    fmt: str
    events: QuerySet
    rows: int  # rows in the file
    matched: int  # rows the filters matched
    event: AuditEvent  # the audit event recording this export

    @property
    def truncated(self) -> bool:
        return self.rows < self.matched


def audit_export(*, actor, filters: AuditFilters, fmt: str) -> AuditExport:
    """Export the filtered audit trail as CSV (every row) or .xlsx (the first 100,000 rows).

    The export is itself an audit event (``audit.export``) naming the format, the filters and
    the row count.
    """
    if fmt not in EXPORT_FORMATS:
        raise ActionError(_("Export as .csv or .xlsx."), field="format")
    filters = filters.cleaned()
    matching = audit_events(actor=actor, filters=filters, cap=Cap.AUDIT_EXPORT)
    with transaction.atomic():
        last = matching.aggregate(last=Max("pk"))["last"]
        frozen = matching.filter(pk__lte=last) if last is not None else matching.none()
        matched = frozen.count() if last is not None else 0
        rows = min(matched, XLSX_MAX_ROWS) if fmt == "xlsx" else matched
        event = audit.record(
            actor,
            "audit.export",
            target_type=AuditEvent._meta.label_lower,
            extra={
                "format": fmt,
                "rows": rows,
                "matched": matched,
                "last_event": last,
                **filters.as_extra(),
            },
        )
    events = frozen[:XLSX_MAX_ROWS] if fmt == "xlsx" else frozen
    return AuditExport(fmt=fmt, events=events, rows=rows, matched=matched, event=event)


# --- rotating the encryption key ----------------------------------------------------------

UNREADABLE_LISTED = 20


@dataclass
class RotationResult:
    """Per encrypted column (``app.model.field``): values re-encrypted by this run, values that
    were already under the active key, and values that no key of the ring can open (their
    primary keys, at most 20 listed per column)."""

    key: str
    rotated: dict[str, int] = field(default_factory=dict)
    already_current: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, list] = field(default_factory=dict)
    unreadable_count: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not any(self.unreadable_count.values())


def pii_unknown_keys() -> dict[str, dict[str, int]]:
    """Stored values whose key id is not in the ring: column label → {key id: count}.

    Values that are not tokens at all are reported under the key id ``""``.
    """
    ring = set(pii.ring_key_ids())
    unknown: dict[str, dict[str, int]] = {}
    for model, field_obj in pii.encrypted_fields():
        census = pii.key_census(model, field_obj)
        missing = {key_id: n for key_id, n in census.items() if key_id not in ring}
        if missing:
            unknown[field_obj.column_label] = missing
    return unknown


def _rotate_column(
    actor, model: type[models.Model], field_obj: pii.EncryptedField, batch_size: int, result
) -> None:
    label = field_obj.column_label
    active = result.key
    marker = active + pii.SEPARATOR
    alias = router.db_for_write(model)
    connection = connections[alias]
    qn = connection.ops.quote_name
    table, column = qn(model._meta.db_table), qn(field_obj.column)
    pk_column = qn(model._meta.pk.column)
    stale = f"{column} IS NOT NULL AND substr({column}, 1, %s) <> %s"
    rotated = 0
    unreadable: list = []
    unreadable_count = 0
    last_pk = None
    while True:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            params: list = [len(marker), marker]
            after = ""
            if last_pk is not None:
                after = f" AND {pk_column} > %s"
                params.append(last_pk)
            cursor.execute(
                f"SELECT {pk_column}, {column} FROM {table} WHERE {stale}{after} "  # noqa: S608
                f"ORDER BY {pk_column} LIMIT %s",
                [*params, batch_size],
            )
            batch = cursor.fetchall()
            if not batch:
                break
            for pk, token in batch:
                try:
                    plain = pii.decrypt(token)
                except pii.DecryptionError:
                    unreadable_count += 1
                    if len(unreadable) < UNREADABLE_LISTED:
                        unreadable.append(pk)
                    continue
                # Compare-and-set: a value changed since it was read is left as written.
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s "  # noqa: S608
                    f"WHERE {pk_column} = %s AND {column} = %s",
                    [pii.encrypt(plain), pk, token],
                )
                rotated += cursor.rowcount
            last_pk = batch[-1][0]
    result.rotated[label] = rotated
    if unreadable_count:
        result.unreadable[label] = unreadable
        result.unreadable_count[label] = unreadable_count
    if rotated:
        with transaction.atomic(using=alias):
            audit.record(
                actor,
                "pii.rotate",
                target_type=model._meta.label_lower,
                extra={"field": field_obj.name, "rows": rotated, "key": active},
            )


def pii_rotate(*, actor=scoping.SYSTEM, batch_size: int = 500) -> RotationResult:
    """Re-encrypt every encrypted value that is not under the active key.

    Works column by column in batches of ``batch_size`` rows (one transaction each), walking
    the primary key, so nothing is loaded in full and an interrupted run resumes where it
    stopped. Refuses to start (Conflict) while any stored value names a key that is not in the
    ring. Only the platform itself (the command line) may run it.
    """
    scoping.require(actor, Cap.CONFIG_MANAGE, "")
    if not 1 <= batch_size <= 10_000:
        raise ActionError(_("The batch size is between 1 and 10000."), field="batch_size")
    unknown = pii_unknown_keys()
    if unknown:
        errors = {
            label: [
                _("%(n)d values under key %(key)s, which is not in LINLI_PII_KEYS.")
                % {"n": n, "key": repr(key_id) if key_id else _("(none)")}
                for key_id, n in sorted(keys.items())
            ]
            for label, keys in unknown.items()
        }
        raise Conflict(
            _(
                "Some stored values use a key that is not in LINLI_PII_KEYS: add that key back "
                "to the ring (after the new first key) and run again."
            ),
            errors=errors,
        )
    result = RotationResult(key=pii.active_key_id())
    for model, field_obj in pii.encrypted_fields():
        census = pii.key_census(model, field_obj)
        result.already_current[field_obj.column_label] = census.get(result.key, 0)
        _rotate_column(actor, model, field_obj, batch_size, result)
    return result
