"""Writing an import: one transaction of bulk statements, with progress."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import connection, connections
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from linli.core.pii import blind_index, encrypt

from ..actions._common import pinyin_of
from ..models import (
    Building,
    Household,
    ImportJob,
    Residence,
    Resident,
    ResidentTag,
)
from .checking import _Checker, _chunks, _Plan, _Row

log = logging.getLogger(__name__)

WRITE_BATCH = 2_000  # rows per group of statements (and per progress report)


# --- writing ----------------------------------------------------------------------------------


def _fill_person(resident: Resident, row: _Row, fields: list[str] | None = None) -> None:
    """Set personal fields as ``actions.people._apply_person`` does (tested to agree)."""
    if fields is None or "name" in fields:
        resident.name = row.name
        resident.name_pinyin, resident.name_initials = pinyin_of(row.name)
    if fields is None:
        resident.id_number = row.id_number
        resident.id_tail = row.id_number[-4:]
        resident.birth_date = row.birth_date
        resident.sex = row.sex
    if fields is None or "phone" in fields:
        resident.phone = row.phone or None
        resident.phone_tail = row.phone[-4:] if row.phone else ""
    if fields is None or "ethnicity" in fields:
        resident.ethnicity = row.ethnicity
    if fields is None or "language" in fields:
        resident.language = row.language
    if fields is None or "relationship" in fields:
        resident.relationship = row.relationship


_PERSON_COLUMNS = {
    "name": ["name", "name_pinyin", "name_initials"],
    "phone": ["phone", "phone_bidx", "phone_tail"],
    "ethnicity": ["ethnicity"],
    "language": ["language"],
    "relationship": ["relationship"],
}
_MOVE_COLUMNS = (
    "relationship",
    "household",
    "area_code",
    "status",
    "moved_in_on",
    "moved_out_on",
    "updated_at",
)


class _Progress:
    """Progress of a job, written where other processes can read it.

    Outside a transaction an UPDATE commits at once. Inside the write transaction, PostgreSQL
    gets a second connection (autocommit) for it; SQLite allows one writer, so there the
    progress shows only at the end of the write.
    """

    def __init__(self, job: ImportJob):
        self.job_id, self.attempt = job.pk, job.attempt
        self.side = None

    def __call__(self, **fields) -> None:
        fields["heartbeat_at"] = timezone.now()
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id, attempt=self.attempt).update(**fields)
            return
        if connection.vendor != "postgresql":
            return
        try:
            if self.side is None:
                self.side = connections.create_connection("default")
            names = list(fields)
            table = ImportJob._meta.db_table
            sql = "UPDATE {} SET {} WHERE id = %s AND attempt = %s".format(  # noqa: S608 - names from code
                table, ", ".join(f"{name} = %s" for name in names)
            )
            with self.side.cursor() as cursor:
                cursor.execute(sql, [*fields.values(), self.job_id, self.attempt])
        except Exception:  # progress is a courtesy: never let it stop the import
            log.warning("import %s: progress not recorded", self.job_id, exc_info=True)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


class _Stale(Exception):
    """Another run took this job over; this run's writes must roll back."""


class _Rejected(Exception):
    """Some rows have errors: roll back the (empty) write transaction."""


class _Table:
    """Multi-row ``INSERT … RETURNING id`` of values prepared here.

    ``bulk_create`` prepares every value through the field machinery (pre_save,
    get_db_prep_save) and builds a model instance per row; for a hundred thousand residents
    that alone takes longer than the time budget of the whole import. Here personal fields are
    encrypted and indexed exactly as their fields do (``pii.encrypt`` and ``pii.blind_index``
    with the field's purpose), dates are adapted once per value, and every other column takes
    its field's default, so a column added to a model later is still filled.
    """

    def __init__(self, model):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.pairs = [(f.attname, f.get_db_prep_save(f.get_default(), connection)) for f in fields]
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        table = qn(model._meta.db_table)
        self.pk = qn(model._meta.pk.column)
        self.postgres = connection.vendor == "postgresql"
        if self.postgres:
            # One array per column: a statement has as many parameters as the table has
            # columns, whatever the number of rows (psycopg parses every placeholder of a
            # statement in Python, which for tens of thousands costs more than the insert).
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            self.sql = (
                f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}) "  # noqa: S608
                f"RETURNING {self.pk}"
            )
            self.per_statement = 5_000
            return
        self.head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - names from the model
        self.one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        limit = 999
        try:
            import sqlite3

            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (AttributeError, TypeError):
            pass
        self.per_statement = max(1, min(2_000, limit // len(fields)))

    def insert(self, rows: list[dict]) -> list[int]:
        """Insert rows (attname → database value); their ids in the same order."""
        ids: list[int] = []
        returning = connection.features.can_return_rows_from_bulk_insert
        with connection.cursor() as cursor:
            for chunk in _chunks(rows, self.per_statement if returning else 1):
                if self.postgres:
                    params = [
                        [row.get(name, default) for row in chunk] for name, default in self.pairs
                    ]
                    cursor.execute(self.sql, params)
                    ids.extend(sorted(r[0] for r in cursor.fetchall()))
                    continue
                params = []
                for row in chunk:
                    params.extend(row.get(name, default) for name, default in self.pairs)
                sql = self.head + ", ".join([self.one] * len(chunk))
                if returning:
                    cursor.execute(sql + " RETURNING " + self.pk, params)
                    # Ids grow in the order rows are inserted within one statement.
                    ids.extend(sorted(r[0] for r in cursor.fetchall()))
                else:
                    cursor.execute(sql, params)
                    ids.append(cursor.lastrowid)
        return ids


def _write(job: ImportJob, actor, checker: _Checker, plan: _Plan, progress: _Progress) -> dict:
    ops = connection.ops
    now = timezone.now()
    stamp = ops.adapt_datetimefield_value(now)
    today = ops.adapt_datefield_value(timezone.localdate())
    households = checker.households
    written = 0
    # Buildings (few): the ordinary way.
    new_buildings = [
        Building(community_id=community, area_code=community, name=name, units=units)
        for (community, name), units in sorted(plan.buildings_new.items())
    ]
    Building.objects.bulk_create(new_buildings, batch_size=WRITE_BATCH)
    building_pk = {(b.community_id, b.name): b.pk for b in new_buildings}
    # Households.
    rows = []
    for household in plan.households_new:
        if household.building and household.building_pk is None:
            household.building_pk = building_pk[(household.community, household.building)]
        address = household.address
        if household.building and not address:
            address = Household.address_in_building(
                household.building, household.unit, household.room
            )
        rows.append(
            {
                "community_id": household.community,
                "grid_id": household.grid_id,
                "area_code": household.area_code,
                "building_id": household.building_pk,
                "unit": household.unit if household.building else "",
                "room": household.room if household.building else "",
                "address": address,
                "residence_type": household.residence_type,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    for household, pk in zip(plan.households_new, _Table(Household).insert(rows), strict=True):
        household.pk = pk
    del rows
    Household.objects.bulk_update(
        [
            Household(
                pk=h.pk,
                residence_type=h.residence_type or h.current_type,
                address=(h.address if h.building else "") or h.current_address,
                updated_at=now,
            )
            for h in plan.households_changed
        ],
        ["residence_type", "address", "updated_at"],
        batch_size=500,
    )
    progress(rows_written=written)
    resident_pk: dict[int, int] = {}  # row number → resident pk
    stays: list[dict] = []
    # Moves (merge): close the current stay, clear the old household's head, move.
    groups: dict[tuple[str, ...], list[Resident]] = defaultdict(list)
    relationship_changes: dict[str, list[int]] = defaultdict(list)
    if plan.move:
        closing = [
            Residence(
                pk=plan.current_stays[current.pk][0],
                ended_on=row.moved_in_on,
                end_reason=Residence.EndReason.MOVED_WITHIN,
            )
            for row, current, _fields in plan.move
            if current.pk in plan.current_stays
        ]
        Residence.objects.bulk_update(closing, ["ended_on", "end_reason"], batch_size=500)
        moved_ids = [current.pk for _row, current, _fields in plan.move]
        for chunk in _chunks(moved_ids):
            Household.objects.filter(head_id__in=chunk).update(head=None, updated_at=now)
        by_area: dict[str, list[int]] = defaultdict(list)
        for row, current, fields in plan.move:
            household = households[row.key]
            person = [f for f in fields if f != "relationship"]
            resident = Resident(pk=current.pk)
            _fill_person(resident, row, person)
            resident.relationship = row.relationship or Resident.Relationship.OTHER_RELATIVE
            resident.household_id = household.pk
            resident.area_code = household.area_code
            resident.status = Resident.Status.ACTIVE
            resident.moved_in_on = row.moved_in_on
            resident.moved_out_on = None
            resident.updated_at = now
            columns_ = tuple(c for f in person for c in _PERSON_COLUMNS[f]) + _MOVE_COLUMNS
            groups[columns_].append(resident)
            by_area[household.area_code].append(current.pk)
            resident_pk[row.number] = current.pk
            stays.append(
                {
                    "resident_id": current.pk,
                    "household_id": household.pk,
                    "area_code": household.area_code,
                    "relationship": resident.relationship,
                    "started_on": ops.adapt_datefield_value(row.moved_in_on),
                }
            )
        for area_code, ids in by_area.items():
            for chunk in _chunks(ids):
                ResidentTag.objects.filter(resident_id__in=chunk).update(area_code=area_code)
    # Updates (merge) in the same household, grouped by the columns that change.
    for row, current, fields in plan.update:
        resident_pk[row.number] = current.pk
        if not fields:
            continue
        resident = Resident(pk=current.pk, updated_at=now)
        _fill_person(resident, row, fields)
        columns_ = tuple(c for f in fields for c in _PERSON_COLUMNS[f]) + ("updated_at",)
        groups[columns_].append(resident)
        if "relationship" in fields:
            relationship_changes[row.relationship].append(current.pk)
    for columns_, group in groups.items():
        Resident.objects.bulk_update(group, list(columns_), batch_size=200)
    for relationship, ids in relationship_changes.items():
        for chunk in _chunks(ids):
            Residence.objects.filter(resident_id__in=chunk, ended_on__isnull=True).update(
                relationship=relationship
            )
    stay_table = _Table(Residence)
    stay_table.insert(stays)
    written += len(plan.move) + len(plan.update)
    progress(rows_written=written)
    # New residents, in batches, each followed by their stays.
    id_purpose = Resident._meta.get_field("id_number").purpose
    phone_purpose = Resident._meta.get_field("phone").purpose
    resident_table = _Table(Resident)
    adapt_date = ops.adapt_datefield_value
    for batch in _chunks(plan.create, WRITE_BATCH):
        rows = []
        for row in batch:
            household = households[row.key]
            pinyin, initials = pinyin_of(row.name)
            phone = row.phone
            rows.append(
                {
                    "area_code": household.area_code,
                    "household_id": household.pk,
                    "name": row.name,
                    "name_pinyin": pinyin,
                    "name_initials": initials,
                    "id_number": encrypt(row.id_number),
                    "id_bidx": row.bidx
                    if id_purpose == "id_number"
                    else blind_index(row.id_number, id_purpose),
                    "id_tail": row.id_number[-4:],
                    "sex": row.sex,
                    "birth_date": adapt_date(row.birth_date),
                    "phone": encrypt(phone) if phone else None,
                    "phone_bidx": blind_index(phone, phone_purpose) if phone else None,
                    "phone_tail": phone[-4:] if phone else "",
                    "ethnicity": row.ethnicity,
                    "language": row.language,
                    "relationship": row.relationship,
                    "status": Resident.Status.ACTIVE,
                    "moved_in_on": adapt_date(row.moved_in_on),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        ids = resident_table.insert(rows)
        stays = []
        for row, pk in zip(batch, ids, strict=True):
            resident_pk[row.number] = pk
            household = households[row.key]
            stays.append(
                {
                    "resident_id": pk,
                    "household_id": household.pk,
                    "area_code": household.area_code,
                    "relationship": row.relationship or Resident.Relationship.OTHER,
                    "started_on": adapt_date(row.moved_in_on),
                }
            )
        stay_table.insert(stays)
        written += len(batch)
        progress(rows_written=written)
    # Heads named by the file: new households take their one head row's resident.
    new_keys = {h.key for h in plan.households_new}
    heads_new = [households[key].pk for key in plan.heads if key in new_keys]
    head_of = Subquery(
        Resident.objects.filter(
            household_id=OuterRef("pk"), relationship=Resident.Relationship.HEAD
        ).values("pk")[:1]
    )
    for chunk in _chunks(heads_new):
        Household.objects.filter(pk__in=chunk).update(head_id=head_of)
    new_heads: list[Household] = []
    for key, number in plan.heads.items():
        if key in new_keys:
            continue
        household = households[key]
        pk = resident_pk.get(number) or plan.existing[plan.head_bidx[number]].pk
        if pk != household.current_head:
            new_heads.append(Household(pk=household.pk, head_id=pk, updated_at=now))
    Household.objects.bulk_update(new_heads, ["head", "updated_at"], batch_size=500)
    # Group memberships.
    creator = actor.pk if getattr(actor, "is_authenticated", False) else None
    tags = [
        {
            "resident_id": resident_pk[row.number],
            "tag_id": code,
            "area_code": households[row.key].area_code,
            "grade": grade,
            "started_on": today,
            "created_by_id": creator,
            "created_at": stamp,
        }
        for row, code, grade in plan.tags_new
    ]
    _Table(ResidentTag).insert(tags)
    return {
        "residents_created": len(plan.create),
        "residents_updated": len(plan.update),
        "residents_moved": len(plan.move),
        "residents_unchanged": plan.unchanged,
        "households_created": len(plan.households_new),
        "households_updated": len(plan.households_changed),
        "buildings_created": len(new_buildings),
        "tags_added": len(tags),
    }
