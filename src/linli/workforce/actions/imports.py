"""Importing the community worker roster from a spreadsheet (.xlsx or .csv), with Chinese
headers as the template has them.

:func:`workers_import` checks every row first (the same rules as the worker form, the actor's
``workforce.manage`` over each row's community, duplicates inside the file, one secretary and
one director per community across the file and the roster) and reports every fault with its
row and column. If any row is bad nothing is written. Otherwise (and unless ``dry_run``)
everything is written in one transaction. Re-running a file changes nothing: rows are matched
to the roster by ID number (its blind index), else by community, name and date of birth, and
reported unchanged.

An empty cell leaves what is recorded as it is; write 无 in 两委职务 to clear a committee role.
A masked number (from an export, with ``*``) also keeps the number on record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import audit, scoping, tabular
from linli.core.areacodes import Level
from linli.core.cleaning import Errors, normal_code
from linli.core.errors import ActionError, Conflict, Forbidden
from linli.core.models import Area
from linli.core.pii import blind_index
from linli.core.roles import Cap

from .. import queries
from ..models import Certificate, Worker
from . import workers as w
from .spreadsheet import (
    COLUMNS,
    FIELD_COLUMNS,
    LABELS,
    given_values,
    import_columns,
    workers_template,
)

IMPORT_MAX_BYTES = 2 * 1024 * 1024
_CHUNK = 500


class RowStatus:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number
    column: str  # the column's header (its key when the fault is not one column's)
    message: str


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would do)."""

    rows: list[dict[str, str]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)  # row number → RowStatus
    changes: list[dict] = field(default_factory=list)  # row, name, community, status
    dry_run: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    def errors_by_row(self) -> dict[int, list[str]]:
        """Row number → "column: message" lines, for reports and problem answers."""
        found: dict[int, list[str]] = {}
        for error in self.errors:
            found.setdefault(error.row, []).append(f"{error.column}: {error.message}")
        return found


# --- checking the file against the roster ----------------------------------------------------


@dataclass
class _Item:
    row: int
    community: Area
    worker: Worker | None  # the record the row updates (None: a new worker)
    values: dict  # every field of the record as it will be
    certificate: dict | None
    status: str = ""


def _chunks(values: list):
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _column(key: str) -> str:
    key = FIELD_COLUMNS.get(key, key)
    return LABELS.get(key, key)


def _add_errors(result: ImportResult, row: int, errors: Errors) -> None:
    for key, messages in errors.found.items():
        for message in messages:
            result.errors.append(RowError(row=row, column=_column(key), message=str(message)))


def _managed_communities(actor) -> tuple[dict[str, Area], dict[str, list[Area]]]:
    """The communities the actor manages, by code and by name."""
    qs = scoping.scope(
        Area.objects.filter(level=Level.COMMUNITY), actor, Cap.WORKFORCE_MANAGE, field="code"
    )
    by_code: dict[str, Area] = {}
    by_name: dict[str, list[Area]] = {}
    for area in qs.only("code", "name", "level", "prefix"):
        by_code[area.code] = area
        by_name.setdefault(area.name, []).append(area)
    return by_code, by_name


def _community(errors: Errors, actor, cell: dict, managed, names) -> Area | None:
    code_text, name_text = cell["community_code"], " ".join(cell["community_name"].split())
    if not code_text and not name_text:
        errors.add("community_code", _("Give the community's code or its name."))
        return None
    area = None
    if code_text:
        code = normal_code(code_text)
        area = managed.get(code or "")
        if area is None:
            readable = code and scoping.has_cap(actor, Cap.WORKFORCE_VIEW, code)
            errors.add(
                "community_code",
                _("You may not record workers of this community.")
                if readable
                else _("No such community among yours."),
            )
            return None
    if name_text:
        if area is not None:
            if area.name != name_text:
                errors.add(
                    "community_name",
                    _("The code is that of %(name)s.") % {"name": area.name},
                )
            return area
        found = names.get(name_text, [])
        if len(found) > 1:
            errors.add(
                "community_name",
                _("Several of your communities have this name: give the code."),
            )
            return None
        if not found:
            errors.add("community_name", _("None of your communities has this name."))
            return None
        area = found[0]
    return area


def _candidates(parsed: list[tuple[int, dict, Area]]) -> tuple[dict, dict]:
    """The roster records the rows may name: by ID number's blind index, and by community and
    name. Two queries per 500 rows; certificates come along."""
    bidxs = sorted(
        {blind_index(g["id_number"], "id_number") for _r, g, _a in parsed if "id_number" in g}
    )
    by_bidx: dict[str, list[Worker]] = {}
    for chunk in _chunks(bidxs):
        for worker in (
            Worker.objects.filter(id_number_bidx__in=chunk)
            .select_related("community")
            .prefetch_related("certificates")
        ):
            by_bidx.setdefault(worker.id_number_bidx, []).append(worker)
    pairs = sorted({(a.code, g["name"]) for _r, g, a in parsed if g.get("name")})
    by_name: dict[tuple[str, str], list[Worker]] = {}
    for chunk in _chunks(pairs):
        q = Q(pk__in=[])
        for code, name in chunk:
            q |= Q(area_code=code, name=name)
        for worker in Worker.objects.filter(q).prefetch_related("certificates"):
            by_name.setdefault((worker.area_code, worker.name), []).append(worker)
    return by_bidx, by_name


def _pick(candidates: list[Worker], hired_on) -> Worker | None:
    """The live record, else the closed record of the same hire (a new hire is a new record)."""
    live = [c for c in candidates if c.left_on is None]
    if live:
        return live[0]
    same = [c for c in candidates if c.hired_on == hired_on]
    return same[0] if len(same) == 1 else None


def _match(errors: Errors, actor, given: dict, area: Area, by_bidx, by_name) -> Worker | None:
    hired = given.get("hired_on")
    if "id_number" in given:
        found = by_bidx.get(blind_index(given["id_number"], "id_number"), [])
        picked = _pick(found, hired)
        if picked is not None and picked.area_code != area.code:
            if picked.left_on is None:
                errors.add("id_number", w.duplicate_message(actor, picked))
            return None
        if picked is not None or found:
            return picked
        # A record kept without an ID number yet: the number is added to it.
        same = [c for c in by_name.get((area.code, given["name"]), []) if not c.id_number_bidx]
    else:
        same = by_name.get((area.code, given.get("name", "")), [])
    if "birth_date" in given:
        same = [c for c in same if c.birth_date in (None, given["birth_date"])]
    picked = _pick(same, hired)
    if picked is None and len([c for c in same if c.left_on is None]) > 1:
        errors.add(
            "name",
            _("Several workers of this community have this name: give the ID number."),
        )
    return picked


def _current(worker: Worker | None) -> dict:
    if worker is None:
        return {
            "gender": "",
            "birth_date": None,
            "id_number": None,
            "phone": None,
            "committee_role": "",
            "level": None,
            "party_member": False,
            "education": "",
            "social_work_major": False,
            "left_on": None,
        }
    return {
        "name": worker.name,
        "gender": worker.gender,
        "birth_date": worker.birth_date,
        "id_number": worker.id_number,
        "phone": worker.phone,
        "post": worker.post,
        "committee_role": worker.committee_role,
        "level": worker.level_id,
        "party_member": worker.party_member,
        "education": worker.education,
        "social_work_major": worker.social_work_major,
        "hired_on": worker.hired_on,
        "left_on": worker.left_on,
    }


def _ladder(cache: dict, area: Area) -> dict[str, int]:
    """The ladder of a community's prefecture or province: name or code → level id."""
    key = area.code[:4]
    if key not in cache:
        steps = queries.ladder_for(area.code)
        cache[key] = {s.name: s.pk for s in steps} | {s.code: s.pk for s in steps}
    return cache[key]


def _values(errors: Errors, given: dict, worker: Worker | None, area: Area | None, ladders) -> dict:
    """The record as it will be: what is recorded, with the row's non-empty cells over it."""
    values = _current(worker)
    for key in ("name", "gender", "phone", "post", "committee_role", "party_member"):
        if key in given:
            values[key] = given[key]
    for key in ("education", "social_work_major", "hired_on", "left_on", "birth_date"):
        if key in given:
            values[key] = given[key]
    if "id_number" in given:
        values["id_number"] = given["id_number"]
    if values.get("phone") == "":
        values["phone"] = None
    if "level" in given and area is not None:
        level_id = _ladder(ladders, area).get(given["level"])
        if level_id is None:
            errors.add("level", _("Not a level of the ladder that applies to this community."))
        values["level"] = level_id
    if values.get("committee_role") and values.get("post") != Worker.Post.COMMITTEE:
        errors.add("committee_role", _("Only members of the two committees hold a committee role."))
    derived = {"birth_date": given.get("birth_date"), "gender": given.get("gender", "")}
    if "id_number" in given:
        w.from_id_number(errors, derived, given["id_number"])
        values["birth_date"], values["gender"] = derived["birth_date"], derived["gender"]
    w.check_dates(
        errors,
        birth_date=values["birth_date"],
        hired_on=values.get("hired_on"),
        left_on=values["left_on"],
    )
    return values


def _certificate_changes(worker: Worker | None, certificate: dict | None) -> bool:
    if certificate is None:
        return False
    held = {c.level: c for c in worker.certificates.all()} if worker is not None else {}
    current = held.get(certificate["level"])
    return current is None or (current.number, current.obtained_on) != (
        certificate["number"],
        certificate["obtained_on"],
    )


def _status(item: _Item) -> str:
    if item.worker is None:
        return RowStatus.CREATED
    before = _current(item.worker)
    after = {key: item.values.get(key) for key in before}
    if before != after or _certificate_changes(item.worker, item.certificate):
        return RowStatus.UPDATED
    return RowStatus.UNCHANGED


def _check(actor, rows: list[dict[str, str]], result: ImportResult, *, lock: bool) -> list[_Item]:
    managed, names = _managed_communities(actor)
    parsed: list[tuple[int, dict, Area]] = []
    bad_rows: set[int] = set()
    for row in rows:
        number = int(row["_row"])
        errors = Errors()
        given = given_values(errors, row)
        area = _community(errors, actor, given["_cells"], managed, names)
        if area is None:
            # Still name the row's other faults that need no community.
            _values(errors, given, None, None, {})
        if errors.found:
            _add_errors(result, number, errors)
            bad_rows.add(number)
        if area is not None:
            parsed.append((number, given, area))
    by_bidx, by_name = _candidates(parsed)
    ladders: dict = {}
    items: list[_Item] = []
    seen: dict = {}
    for number, given, area in parsed:
        errors = Errors()
        worker = _match(errors, actor, given, area, by_bidx, by_name)
        values = _values(errors, given, worker, area, ladders)
        key = (
            ("worker", worker.pk)
            if worker is not None
            else ("id", given["id_number"])
            if "id_number" in given
            else ("name", area.code, values.get("name"), values.get("birth_date"))
        )
        if key in seen:
            errors.add(
                "name",
                _("Row %(row)d is about the same worker.") % {"row": seen[key]},
            )
        seen.setdefault(key, number)
        _add_errors(result, number, errors)
        if not errors.found and number not in bad_rows:
            items.append(_Item(number, area, worker, values, given["certificate"]))
    _check_id_numbers(actor, items, by_bidx, result)
    _check_heads(items, result, lock=lock)
    bad = {e.row for e in result.errors}
    items = [item for item in items if item.row not in bad]
    for item in items:
        item.status = _status(item)
        setattr(result, item.status, getattr(result, item.status) + 1)
        result.statuses[item.row] = item.status
        if item.status != RowStatus.UNCHANGED:
            result.changes.append(
                {
                    "row": item.row,
                    "name": item.values["name"],
                    "community": item.community.name,
                    "status": item.status,
                }
            )
    return items


def _check_id_numbers(actor, items: list[_Item], by_bidx, result: ImportResult) -> None:
    """A live record per ID number: no other live record of it may remain."""
    for item in items:
        number = item.values.get("id_number")
        if not number or item.values["left_on"] is not None:
            continue
        own = item.worker.pk if item.worker is not None else None
        bidx = blind_index(number, "id_number")
        others = [c for c in by_bidx.get(bidx, []) if c.left_on is None and c.pk != own]
        if others:
            result.errors.append(
                RowError(item.row, LABELS["id_number"], w.duplicate_message(actor, others[0]))
            )


def _check_heads(items: list[_Item], result: ImportResult, *, lock: bool) -> None:
    """One secretary and one director per community, across the file and the roster."""
    codes = sorted(
        {i.community.code for i in items if i.values.get("committee_role") in Worker.HEADS}
    )
    if not codes:
        return
    holders: dict[str, dict] = {code: {} for code in codes}
    for chunk in _chunks(codes):
        if lock:
            list(Area.objects.select_for_update().filter(code__in=chunk).values_list("code"))
        for worker in Worker.objects.filter(
            area_code__in=chunk, left_on__isnull=True, committee_role__in=Worker.HEADS
        ):
            holders[worker.area_code][("worker", worker.pk)] = worker
    for item in items:
        if item.community.code not in holders:
            continue
        key = ("worker", item.worker.pk) if item.worker is not None else ("row", item.row)
        place = holders[item.community.code]
        place.pop(key, None)
        if item.values["left_on"] is None and item.values.get("committee_role") in Worker.HEADS:
            place[key] = Worker(
                name=item.values["name"], committee_role=item.values["committee_role"]
            )
    for item in items:
        role = item.values.get("committee_role")
        if item.values["left_on"] is not None or role not in Worker.HEADS:
            continue
        key = ("worker", item.worker.pk) if item.worker is not None else ("row", item.row)
        others = [h for k, h in holders[item.community.code].items() if k != key]
        clash = w.clashing_heads(role, others)
        if clash:
            result.errors.append(
                RowError(item.row, LABELS["committee_role"], w.head_message(clash[0]))
            )


# --- writing ---------------------------------------------------------------------------------


def _write(actor, items: list[_Item], result: ImportResult) -> None:
    now = timezone.now()
    user = w._user_or_none(actor)
    for item in items:
        if item.status == RowStatus.UNCHANGED:
            continue
        worker = item.worker
        created = worker is None
        if created:
            worker = Worker(
                community=item.community, area_code=item.community.code, created_by=user
            )
        for key, value in item.values.items():
            setattr(worker, "level_id" if key == "level" else key, value)
        worker.updated_at = now
        worker.save()
        certificate = item.certificate
        if certificate is not None and _certificate_changes(item.worker, certificate):
            Certificate.objects.update_or_create(
                worker=worker,
                level=certificate["level"],
                defaults={
                    "area_code": worker.area_code,
                    "number": certificate["number"],
                    "obtained_on": certificate["obtained_on"],
                },
                create_defaults={
                    "area_code": worker.area_code,
                    "number": certificate["number"],
                    "obtained_on": certificate["obtained_on"],
                    "created_by": user,
                },
            )
        audit.record(
            actor,
            "worker.create" if created else "worker.update",
            worker,
            extra={"import_row": item.row, "post": worker.post, "live": worker.left_on is None},
        )
    audit.record(
        actor,
        "worker.import",
        target_type=Worker._meta.label_lower,
        extra={
            "rows": len(result.rows),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )


def workers_import(*, actor, file, dry_run: bool = False) -> ImportResult:
    """Check a spreadsheet of workers and, unless ``dry_run`` or any row is bad, write it.

    ``file`` is an uploaded file (anything with ``name`` and ``read()``). A file that cannot
    be read, or lacks a required column, is an :class:`ActionError`; faults of rows are
    ``result.errors`` (row, column, message) and then nothing is written.
    """
    if not scoping.has_cap(actor, Cap.WORKFORCE_MANAGE):
        raise Forbidden(_("You do not have permission to do this here."))
    name = str(getattr(file, "name", "") or "")
    data = file.read()
    if len(data) > IMPORT_MAX_BYTES:
        raise ActionError(
            _("The file is larger than %(mb)d MB; split it into parts.")
            % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    rows = tabular.read_rows(name, data, COLUMNS)
    if not {"community_code", "community_name"} & set(rows[0]):
        raise ActionError(
            _("The file needs a 社区代码 (community code) or a 社区名称 (community name) column."),
            field="file",
        )
    result = ImportResult(rows=rows, dry_run=dry_run)
    try:
        with transaction.atomic():
            items = _check(actor, rows, result, lock=not dry_run)
            if result.errors or dry_run:
                return result
            _write(actor, items, result)
    except IntegrityError:
        raise Conflict(
            _("The roster changed while the file was being imported; try again.")
        ) from None
    result.applied = True
    return result


__all__ = [
    "COLUMNS",
    "IMPORT_MAX_BYTES",
    "ImportResult",
    "RowError",
    "RowStatus",
    "import_columns",
    "workers_import",
    "workers_template",
]
