"""Checking an import: every row on its own, then the whole file against the registry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError
from linli.core.models import Area
from linli.core.pii import blind_index
from linli.core.roles import Cap

from ..actions._common import date_or_today, text
from ..actions.people import _clean_person
from ..models import (
    Building,
    GroupTag,
    Household,
    ImportJob,
    Residence,
    Resident,
    ResidentTag,
)
from ..queries import tag_visible
from .columns import ETHNICITY_NAMES, LABELS, _spelled, _vocabularies

_LOOKUP_CHUNK = 900  # values per IN (...) lookup (SQLite allows 999 parameters)


# --- checking rows --------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


def _parse_date(value) -> dt.date:
    if isinstance(value, dt.date):
        return value
    value = str(value).strip()
    if re.fullmatch(r"\d{8}", value):
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    match = _DATE_RE.match(value)
    if not match:
        raise ValueError(value)
    return dt.date(*(int(part) for part in match.groups()))


@dataclass(slots=True)
class _Row:
    """A row that passed its own checks (its household's columns are on the household)."""

    number: int
    key: tuple  # the household's key, shared by its rows
    name: str
    id_number: str
    bidx: str
    birth_date: dt.date
    sex: str
    phone: str
    ethnicity: str
    language: str
    relationship: str
    moved_in_on: dt.date
    tags: tuple  # ((tag code, grade), …)


@dataclass(slots=True)
class _Household:
    """What the file says about one household, and what the registry has."""

    key: tuple
    community: str
    building: str
    unit: str
    room: str
    address: str = ""
    address_row: int = 0
    residence_type: str = ""
    head_row: int = 0
    rows: list[int] = dataclasses.field(default_factory=list)
    # from the registry
    pk: int | None = None
    area_code: str = ""
    building_pk: int | None = None
    grid_id: str | None = None
    current_head: int | None = None
    current_address: str = ""
    current_type: str = ""


class _Checker:
    """Checks rows one by one; collects per-row messages; remembers what it needs later."""

    def __init__(self, actor):
        self.actor = actor
        self.errors: dict[int, list[str]] = {}
        self.rows: list[_Row] = []
        self.households: dict[tuple, _Household] = {}
        self.seen_ids: dict[str, int] = {}
        self.communities: dict[str, str | None] = {}  # code → refusal message or None
        self.tags = {t.code: t for t in GroupTag.objects.filter(active=True)}
        self.tags_by_name = {}
        for tag in sorted(self.tags.values(), key=lambda t: (t.sort, t.code), reverse=True):
            self.tags_by_name[tag.name] = tag
        self.tag_checks: dict[tuple[str, str], bool] = {}
        self.dates: dict = {}
        self.residence_types, self.relationships, self.languages = _vocabularies()

    def fail(self, number: int, message, column: str = "") -> None:
        text_ = f"{LABELS[column]}: {message}" if column else str(message)
        self.errors.setdefault(number, []).append(text_)

    def _community(self, raw: str) -> tuple[str, str | None]:
        try:
            code = areacodes.normalize(raw)
        except areacodes.AreaCodeError:
            return raw, _("Enter the 12-digit code of a community or village.")
        if code not in self.communities:
            area = Area.objects.filter(code=code).first()
            message = None
            if area is None or not (
                scoping.has_cap(self.actor, Cap.REGISTRY_VIEW, code)
                or scoping.has_cap(self.actor, Cap.REGISTRY_EDIT, code)
            ):
                message = _("No such community among yours.")
            elif area.level != Level.COMMUNITY:
                message = _("Choose a community or village.")
            elif not scoping.has_cap(self.actor, Cap.REGISTRY_EDIT, code):
                message = _("You may not change the registry of this community.")
            self.communities[code] = message
        return code, self.communities[code]

    def _tags(self, number: int, raw: str, community: str) -> tuple:
        found = []
        for part in _TAG_SPLIT.split(raw.strip()):
            if not part:
                continue
            name, _sep, grade = part.replace("：", ":").partition(":")
            tag = self.tags.get(name) or self.tags_by_name.get(name)
            check = (tag.code, community) if tag else None
            if check and check not in self.tag_checks:
                self.tag_checks[check] = tag_visible(self.actor, tag, community)
            if tag is None or not self.tag_checks[check]:
                self.fail(number, _("Choose a group from the list."), "tags")
                continue
            grade = grade.strip()
            if tag.has_grade and not grade:
                self.fail(number, _("This group records a kind or grade: give it."), "tags")
            elif len(grade) > 50:
                self.fail(number, _("At most %(n)d characters.") % {"n": 50}, "tags")
            elif tag.code not in {code for code, _g in found}:
                found.append((tag.code, grade))
        return tuple(found)

    def check(self, number: int, cells: dict) -> None:
        get = cells.get
        community, refused = self._community(str(get("community_code") or "").strip())
        if refused:
            self.fail(number, refused, "community_code")
        parts = {}
        for key, limit in (("building", 50), ("unit", 10), ("room", 20), ("address", 200)):
            try:
                parts[key] = text(get(key), limit=limit, field=key)
            except ActionError as exc:
                self.fail(number, exc.message, key)
                parts[key] = ""
        building, unit, room, address = (parts[k] for k in ("building", "unit", "room", "address"))
        if building:
            if not room:
                self.fail(number, _("Give the room number within the building."), "room")
            if unit and unit.isdigit() and not 1 <= int(unit) <= 99:
                self.fail(number, _("A building has 1 to 99 units."), "unit")
            key = ("b", community, building, unit, room)
        else:
            if not address:
                self.fail(number, _("Give the household's address."), "address")
            key = ("a", community, address)
        residence_type = _spelled(str(get("residence_type") or "").strip(), self.residence_types)
        if residence_type is None:
            self.fail(number, _("Choose a residence type."), "residence_type")
        relationship = _spelled(str(get("relationship") or "").strip(), self.relationships)
        language = _spelled(str(get("language") or "").strip(), self.languages)
        ethnicity = str(get("ethnicity") or "").strip()
        if (
            ethnicity
            and ethnicity not in ETHNICITY_NAMES.values()
            and ethnicity + "族" in (ETHNICITY_NAMES.values())
        ):
            ethnicity += "族"
        person_errors: dict[str, list[str]] = {}
        id_number = str(get("id_number") or "").strip()
        cleaned = _clean_person(
            name=get("name"),
            id_number=id_number,
            phone=get("phone"),
            ethnicity=ethnicity,
            language=str(get("language") or "").strip() if language is None else language,
            relationship=str(get("relationship") or "") if relationship is None else relationship,
            errors=person_errors,
        )
        for field, messages in person_errors.items():
            for message in messages:
                self.fail(number, message, field)
        facts = cleaned["id"]
        if not id_number:
            self.fail(number, _("An import needs the ID number of every resident."), "id_number")
        moved_in = get("moved_in_on") or ""
        cached = self.dates.get(moved_in)  # a household's rows repeat its date
        if cached is None:
            try:
                parsed = _parse_date(moved_in) if moved_in else None
                cached = (date_or_today(parsed, field="moved_in_on"), None)
            except ValueError:
                cached = (None, _("Enter a date as YYYY-MM-DD."))
            except ActionError as exc:
                cached = (None, exc.message)
            self.dates[moved_in] = cached
        moved_in_on, problem = cached
        if problem:
            self.fail(number, problem, "moved_in_on")
        tags = self._tags(number, str(get("tags") or ""), community) if get("tags") else ()
        if facts is not None:
            other = self.seen_ids.get(facts.number)
            if other is not None:
                self.fail(
                    number,
                    _("Duplicate: the same ID number is on row %(row)d.") % {"row": other},
                    "id_number",
                )
            else:
                self.seen_ids[facts.number] = number
        household = self.households.get(key)
        if household is None and not (refused or number in self.errors and key[-1] == ""):
            household = self.households[key] = _Household(
                key=key, community=community, building=building, unit=unit, room=room
            )
        if household is not None:
            household.rows.append(number)
            if building and address:
                if household.address and household.address != address:
                    self.fail(
                        number,
                        _("Row %(row)d of the same household gives another address.")
                        % {"row": household.address_row},
                        "address",
                    )
                elif not household.address:
                    household.address, household.address_row = address, number
            elif not building:
                household.address = address
            if residence_type:
                if household.residence_type and household.residence_type != residence_type:
                    self.fail(
                        number,
                        _("Another row of the same household gives another residence type."),
                        "residence_type",
                    )
                household.residence_type = household.residence_type or residence_type
            if relationship == Resident.Relationship.HEAD:
                if household.head_row:
                    self.fail(
                        number,
                        _("Row %(row)d already names the head of this household.")
                        % {"row": household.head_row},
                        "relationship",
                    )
                else:
                    household.head_row = number
        if number in self.errors:
            return
        self.rows.append(
            _Row(
                number=number,
                key=household.key if household is not None else key,
                name=cleaned["name"],
                id_number=facts.number,
                bidx=blind_index(facts.number, "id_number"),
                birth_date=facts.birth_date,
                sex=facts.sex,
                phone=cleaned["phone"],
                ethnicity=cleaned["ethnicity"],
                language=cleaned["language"],
                relationship=cleaned["relationship"],
                moved_in_on=moved_in_on,
                tags=tags,
            )
        )


# --- planning against the registry ----------------------------------------------------------


@dataclass(slots=True)
class _Existing:
    pk: int
    household_id: int | None
    status: str
    area_code: str
    name: str
    phone_bidx: str | None
    ethnicity: str
    language: str
    relationship: str


@dataclass
class _Plan:
    buildings_new: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)
    households_new: list[_Household] = dataclasses.field(default_factory=list)
    households_changed: list[_Household] = dataclasses.field(default_factory=list)
    create: list[_Row] = dataclasses.field(default_factory=list)
    update: list[tuple[_Row, _Existing, list[str]]] = dataclasses.field(default_factory=list)
    move: list[tuple[_Row, _Existing, list[str]]] = dataclasses.field(default_factory=list)
    unchanged: int = 0
    tags_new: list[tuple[_Row, str, str]] = dataclasses.field(default_factory=list)
    current_stays: dict[int, tuple[int, dt.date]] = dataclasses.field(default_factory=dict)
    heads: dict[tuple, int] = dataclasses.field(default_factory=dict)  # key → row number
    head_bidx: dict[int, str] = dataclasses.field(default_factory=dict)  # row number → bidx
    existing: dict[str, _Existing] = dataclasses.field(default_factory=dict)


def _chunks(values: list, size: int = _LOOKUP_CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _plan(checker: _Checker, on_duplicate: str) -> _Plan:
    """Look households and ID numbers up; decide every row; record row errors."""
    plan = _Plan()
    actor, fail = checker.actor, checker.fail
    households = checker.households
    communities = sorted({h.community for h in households.values()})
    # Buildings by (community, name); households in those buildings; address households.
    names = sorted({h.building for h in households.values() if h.building})
    buildings: dict[tuple[str, str], tuple[int, int, str | None, str]] = {}
    for chunk in _chunks(names):
        for pk, community_id, name, units, grid_id, area_code in Building.objects.filter(
            community_id__in=communities, name__in=chunk
        ).values_list("pk", "community_id", "name", "units", "grid_id", "area_code"):
            buildings[(community_id, name)] = (pk, units, grid_id, area_code)
    found: dict[tuple, tuple] = {}
    building_ids = sorted({b[0] for b in buildings.values()})
    by_building_pk = {pk: key for key, (pk, *_rest) in buildings.items()}
    fields = ("pk", "head_id", "address", "residence_type", "area_code")
    for chunk in _chunks(building_ids):
        for row in Household.objects.filter(building_id__in=chunk).values_list(
            "building_id", "unit", "room", *fields
        ):
            community, name = by_building_pk[row[0]]
            found[("b", community, name, row[1], row[2])] = row[3:]
    addresses = sorted({h.address for h in households.values() if h.key[0] == "a"})
    ambiguous: set[tuple] = set()
    for chunk in _chunks(addresses):
        for row in Household.objects.filter(
            community_id__in=communities, building__isnull=True, address__in=chunk
        ).values_list("community_id", "address", *fields):
            key = ("a", row[0], row[1])
            if key in found:
                ambiguous.add(key)
            found[key] = row[2:]
    units_needed: dict[tuple[str, str], int] = {}
    for household in households.values():
        if household.building:
            bkey = (household.community, household.building)
            if household.unit.isdigit():
                units_needed[bkey] = max(units_needed.get(bkey, 1), int(household.unit))
            else:
                units_needed.setdefault(bkey, 1)
            existing_building = buildings.get(bkey)
            if existing_building is not None:
                household.building_pk, units, household.grid_id, _area = existing_building
                if household.unit.isdigit() and int(household.unit) > units:
                    for number in household.rows:
                        fail(
                            number,
                            _("This building has units 1 to %(n)d.") % {"n": units},
                            "unit",
                        )
        if household.key in ambiguous:
            for number in household.rows:
                fail(
                    number,
                    _("Several households have this address: give the building and room."),
                    "address",
                )
        current = found.get(household.key)
        if current is None:
            if not household.residence_type:
                for number in household.rows:
                    fail(number, _("Give the residence type of a new household."), "residence_type")
            area = household.grid_id or household.community
            household.area_code = area
            plan.households_new.append(household)
        else:
            household.pk, household.current_head, household.current_address = current[:3]
            household.current_type, household.area_code = current[3], current[4]
            if (
                household.residence_type and household.residence_type != household.current_type
            ) or (
                household.building
                and household.address
                and household.address != household.current_address
            ):
                plan.households_changed.append(household)
    plan.buildings_new = {
        bkey: units for bkey, units in units_needed.items() if bkey not in buildings
    }
    # Residents already registered, by blind index.
    rows = checker.rows
    bidxs = [r.bidx for r in rows]
    existing: dict[str, _Existing] = {}
    for chunk in _chunks(bidxs):
        for values in Resident.objects.filter(id_bidx__in=chunk).values_list(
            "id_bidx",
            "pk",
            "household_id",
            "status",
            "area_code",
            "name",
            "phone_bidx",
            "ethnicity",
            "language",
            "relationship",
        ):
            existing[values[0]] = _Existing(*values[1:])
    plan.existing = existing
    open_tags: set[tuple[int, str]] = set()
    known_ids = [e.pk for e in existing.values()]
    for chunk in _chunks(known_ids):
        open_tags.update(
            ResidentTag.objects.filter(resident_id__in=chunk, ended_on__isnull=True).values_list(
                "resident_id", "tag_id"
            )
        )
    edit = scoping.prefixes(actor, Cap.REGISTRY_EDIT)
    moving: list[int] = []
    relationship_of = {}  # existing resident pk → relationship the file gives (for heads)
    for row in rows:
        household = households[row.key]
        current = existing.get(row.bidx)
        if current is None:
            plan.create.append(row)
            plan.tags_new.extend((row, code, grade) for code, grade in row.tags)
            continue
        if not any(current.area_code.startswith(p) for p in edit):
            fail(
                row.number,
                _("This ID number is registered in a community outside yours."),
                "id_number",
            )
            continue
        if current.status == Resident.Status.DECEASED:
            fail(
                row.number,
                _("This ID number belongs to a resident recorded as deceased."),
                "id_number",
            )
            continue
        changed = [
            field
            for field, new, old in (
                ("name", row.name, current.name),
                ("phone", row.phone and blind_index(row.phone, "phone"), current.phone_bidx),
                ("ethnicity", row.ethnicity, current.ethnicity),
                ("language", row.language, current.language),
                ("relationship", row.relationship, current.relationship),
            )
            if new and new != old
        ]
        new_tags = [
            (code, grade) for code, grade in row.tags if (current.pk, code) not in open_tags
        ]
        same_home = (
            household.pk is not None
            and current.household_id == household.pk
            and current.status == Resident.Status.ACTIVE
        )
        relationship_of[current.pk] = row.relationship or current.relationship
        if same_home and not changed and not new_tags:
            plan.unchanged += 1
            continue
        if on_duplicate != ImportJob.OnDuplicate.MERGE:
            fail(
                row.number,
                _(
                    "This ID number is already registered with other details; choose to update "
                    "registered residents, or correct the row."
                ),
                "id_number",
            )
            continue
        plan.tags_new.extend((row, code, grade) for code, grade in new_tags)
        if same_home:
            plan.update.append((row, current, changed))
        else:
            plan.move.append((row, current, changed))
            moving.append(current.pk)
    for chunk in _chunks(moving):
        for resident_id, pk, started_on in Residence.objects.filter(
            resident_id__in=chunk, ended_on__isnull=True
        ).values_list("resident_id", "pk", "started_on"):
            plan.current_stays[resident_id] = (pk, started_on)
    for row, current, _fields in plan.move:
        stay = plan.current_stays.get(current.pk)
        if stay is not None and row.moved_in_on < stay[1]:
            fail(
                row.number,
                _("This date is before the resident moved in (%(date)s).")
                % {"date": stay[1].isoformat()},
                "moved_in_on",
            )
    # Heads: a household keeps one head; the file may name a new one only if it also gives
    # the current head another relationship (or moves them away).
    by_number = {row.number: row for row in rows}
    for household in households.values():
        if not household.head_row:
            continue
        head_row = by_number.get(household.head_row)
        plan.heads[household.key] = household.head_row
        if head_row is not None:
            plan.head_bidx[household.head_row] = head_row.bidx
        if head_row is None or household.current_head is None:
            continue
        current = existing.get(head_row.bidx)
        if current is not None and current.pk == household.current_head:
            continue
        if relationship_of.get(household.current_head, Resident.Relationship.HEAD) == "head":
            fail(
                household.head_row,
                _(
                    "This household already has a head: give the current head another "
                    "relationship in this file, or change the head on the household's page."
                ),
                "relationship",
            )
    return plan
