"""Reading ledgers: the area and ledgers an actor may open, counts in SQL, rows in one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

from django.core.paginator import Paginator
from django.db import connections, transaction
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import Forbidden, NotFound
from linli.core.models import Area
from linli.core.pii import decrypt, mask_text
from linli.core.roles import Cap

from ..models import Resident, ResidentTag
from ..queries import _granted, _tag_q, can_reveal, visible_tags
from .definitions import (
    ETHNICITY_NAMES,
    FIELD_INDEX,
    RELATIONSHIP_NAMES,
    ROW_FIELDS,
    SEX_NAMES,
    Column,
    Ledger,
    ledgers_of,
)

EXPORT_CHUNK = 2000  # rows converted (or fetched, when streaming) at a time
PAGE_SIZE = 50
# Up to this many rows are fetched in one round trip (a county's ledger: ~80,000 for a county
# of a million) and converted chunk by chunk; longer ledgers stream from a server-side cursor.
FETCH_AT_ONCE_MAX = 150_000


def _area(actor, area_code: str | None) -> Area:
    """The area asked for, or the actor's widest one; NotFound outside their registry areas."""
    granted = _granted(actor)
    if not granted:
        raise Forbidden(_("You do not have permission to do this here."))
    code = str(area_code or "").strip()
    if code:
        try:
            code = areacodes.normalize(code)  # 220403 → 220403000000
        except areacodes.AreaCodeError:
            raise NotFound(_("No such area among yours."), field="area") from None
        area = Area.objects.filter(code=code).first()
    else:
        area = Area.objects.filter(prefix__in=granted).order_by("level", "code").first()
    if area is None or not scoping.has_cap(actor, Cap.REGISTRY_VIEW, area.code):
        raise NotFound(_("No such area among yours."), field="area")
    return area


def area_choices(*, actor) -> list[tuple[Area, int]]:
    """Areas a ledger can be drawn for, in tree order with their depth under the actor's own:
    each granted area and the two levels below it (towns and communities for a county, the
    grids of a community)."""
    granted = _granted(actor)
    q = Q(prefix__in=granted) if granted else Q(pk__in=[])
    lengths = {n: level for level, n in PREFIX_LENGTH.items()}
    for prefix in granted:
        level = lengths.get(len(prefix), 0)  # 0: the whole country (the platform itself)
        # grids only under a community: a town has hundreds of them
        deepest = Level.GRID if level == Level.COMMUNITY else min(level + 2, Level.COMMUNITY)
        if level < Level.GRID:
            q |= Q(code__startswith=prefix, level__gt=level, level__lte=deepest)
    areas = list(Area.objects.filter(q).order_by("code")[:2000])
    top = min((a.level for a in areas), default=Level.PROVINCE)
    return [(a, a.level - top) for a in areas]


@dataclass
class LedgerScope:
    """What one actor may see of the ledgers of one area, resolved once for a request."""

    actor: object
    area: Area
    ledgers: list[Ledger]
    visible: Q  # memberships the actor may see (sensitive groups by role)
    can_reveal: bool  # pii.reveal over the whole area
    as_of: dt.date
    ledger: Ledger | None = None

    def ledger_named(self, code: str) -> Ledger:
        for ledger in self.ledgers:
            if ledger.code == code:
                return ledger
        raise NotFound(_("No such ledger here."), field="ledger")


def ledger_scope(*, actor, area_code: str | None = None, ledger: str | None = None) -> LedgerScope:
    """Open the ledgers of an area (default: the actor's widest); ``ledger`` picks one."""
    area = _area(actor, area_code)
    scope = LedgerScope(
        actor=actor,
        area=area,
        ledgers=ledgers_of(visible_tags(actor, area.code)),
        visible=_tag_q(actor),
        can_reveal=can_reveal(actor, area.code),
        as_of=timezone.localdate(),
    )
    if ledger is not None:
        scope.ledger = scope.ledger_named(str(ledger))
    return scope


def memberships(scope: LedgerScope, codes: list[str], *, active: bool = True) -> QuerySet:
    qs = ResidentTag.objects.filter(
        scope.visible,
        tag_id__in=codes,
        ended_on__isnull=True,
        area_code__startswith=scope.area.prefix,
    )
    return qs.filter(resident__status=Resident.Status.ACTIVE) if active else qs


# --- counts -------------------------------------------------------------------------------


def _child_length(area: Area) -> int | None:
    return PREFIX_LENGTH.get(Level(area.level + 1)) if area.level < Level.GRID else None


@dataclass
class OverviewRow:
    code: str
    name: str
    counts: list[int]


@dataclass
class Overview:
    """People in each ledger, for the area and for each area one level below it."""

    totals: dict[str, int]
    rows: list[OverviewRow]


def ledger_overview(*, scope: LedgerScope) -> Overview:
    """One aggregate query (grouped by the next level's code) and one for the names."""
    counts = {
        f"n{i}": Count("resident_id", filter=Q(tag_id__in=ledger.codes), distinct=True)
        for i, ledger in enumerate(scope.ledgers)
    }
    totals = {ledger.code: 0 for ledger in scope.ledgers}
    length = _child_length(scope.area)
    if not counts:
        return Overview(totals, [])
    qs = memberships(scope, [c for ledger in scope.ledgers for c in ledger.codes])
    if length is None:
        grouped = [{"key": scope.area.code, **qs.aggregate(**counts)}]
    else:
        grouped = list(
            qs.annotate(key=Substr("area_code", 1, length))
            .values("key")
            .annotate(**counts)
            .order_by("key")
        )
    keys = {row["key"]: _canonical(row["key"]) for row in grouped}
    names = dict(Area.objects.filter(code__in=set(keys.values())).values_list("code", "name"))
    rows = []
    for row in grouped:
        code = keys[row["key"]]
        values = [row[f"n{i}"] for i in range(len(scope.ledgers))]
        for ledger, n in zip(scope.ledgers, values, strict=True):
            totals[ledger.code] += n
        name = names.get(code, code)
        if length == PREFIX_LENGTH[Level.GRID] and len(row["key"]) < length:
            name = _("Not in a grid")
        rows.append(OverviewRow(code, name, values))
    return Overview(totals, rows if length is not None else [])


def _canonical(key: str) -> str:
    return key if len(key) in (12, 15) else key.ljust(12, "0")


@dataclass
class SummaryRow:
    code: str
    town: str
    name: str
    people: int
    kinds: list[int]


@dataclass
class Summary:
    """People per community, and per group of the ledger when it has several."""

    kinds: list[tuple[str, str]]  # (group code, label)
    rows: list[SummaryRow]
    total: int
    kind_totals: list[int]


def ledger_summary(*, scope: LedgerScope, names: dict[str, str] | None = None) -> Summary:
    """Counted in one SQL aggregate grouped by community (plus the area names, if not given)."""
    ledger = scope.ledger
    kinds = [(c, ledger.label(c)) for c in ledger.codes] if len(ledger.codes) > 1 else []
    counts = {"people": Count("resident_id", distinct=True)}
    for i, (code, _label) in enumerate(kinds):
        counts[f"k{i}"] = Count("resident_id", filter=Q(tag_id=code), distinct=True)
    grouped = (
        memberships(scope, ledger.codes)
        .annotate(community=Substr("area_code", 1, 12))
        .values("community")
        .annotate(**counts)
        .order_by("community")
    )
    names = names if names is not None else area_names(scope=scope)
    rows, kind_totals = [], [0] * len(kinds)
    for row in grouped:
        code = row["community"]
        values = [row[f"k{i}"] for i in range(len(kinds))]
        kind_totals = [a + b for a, b in zip(kind_totals, values, strict=True)]
        town = names.get(code[:9] + "000", "")
        rows.append(SummaryRow(code, town, names.get(code, code), row["people"], values))
    return Summary(kinds, rows, sum(r.people for r in rows), kind_totals)


def area_names(*, scope: LedgerScope) -> dict[str, str]:
    """Names of the area, its ancestors from the county down, and every town, community and
    grid under it: one query (a county has a few thousand)."""
    area = scope.area
    above = [c for c in areacodes.ancestors(area.code) if areacodes.level_of(c) >= Level.COUNTY]
    q = Q(code__in=[*above, area.code]) | Q(code__startswith=area.prefix, level__gte=Level.TOWN)
    return dict(Area.objects.filter(q).values_list("code", "name"))


def area_title(scope: LedgerScope, names: dict[str, str]) -> str:
    """西安区仙城街道仙城社区: the area's name from the county down."""
    codes = [
        c for c in areacodes.ancestors(scope.area.code) if areacodes.level_of(c) >= Level.COUNTY
    ]
    return "".join(names.get(c, "") for c in [*codes, scope.area.code])


# --- rows ---------------------------------------------------------------------------------


def _row_query(scope: LedgerScope, *, reveal_numbers: bool) -> QuerySet:
    """Memberships in ledger order with their person, household and head: one query.

    Unmasked, the identity and phone numbers come as stored (encrypted tokens, decrypted by
    :func:`ledger_rows` once a person, not once a membership); masked, only their last four
    characters, kept in clear beside them, are read.
    """
    ledger = scope.ledger
    if reveal_numbers:
        numbers = {
            "id_token": ExpressionWrapper(F("resident__id_number"), output_field=TextField()),
            "phone_token": ExpressionWrapper(F("resident__phone"), output_field=TextField()),
        }
    else:
        numbers = {"id_token": F("resident__id_tail"), "phone_token": F("resident__phone_tail")}
    return (
        memberships(scope, ledger.codes)
        .order_by("resident__area_code", "resident__household__address", "resident_id")
        .annotate(**numbers)
        .values_list(
            "resident_id",
            "resident__area_code",
            "resident__name",
            "resident__sex",
            "resident__birth_date",
            "id_token",
            "resident__ethnicity",
            "phone_token",
            "resident__household__address",
            "resident__relationship",
            "resident__household__head__name",
            "tag_id",
            "grade",
            "started_on",
        )
    )


def ledger_rows(
    *,
    scope: LedgerScope,
    names: dict[str, str],
    reveal_numbers: bool = False,
    reveal_address: bool | None = None,
    resident_ids: list[int] | None = None,
    expected: int | None = None,
) -> Iterator[tuple]:
    """The ledger's rows as tuples in ``ROW_FIELDS`` order, from one query (see :func:`_fetch`;
    ``expected`` is about how many rows there are, when the caller has counted them).

    Memberships of one person come together (the query is ordered by person) and become one
    row naming every group. Identity and phone numbers are masked to their last four
    characters unless ``reveal_numbers`` (then decrypted in full); the address is masked
    unless ``reveal_address`` (default: when the actor may reveal personal data here).
    """
    ledger = scope.ledger
    if reveal_numbers and not scope.can_reveal:
        raise Forbidden(_("You may not see these numbers in full here."))
    reveal_address = scope.can_reveal if reveal_address is None else reveal_address
    qs = _row_query(scope, reveal_numbers=reveal_numbers)
    if resident_ids is not None:
        qs = qs.filter(resident_id__in=resident_ids)
        expected = len(resident_ids)
    sex = {k: str(v) for k, v in SEX_NAMES.items()}
    relationship = {k: str(v) for k, v in RELATIONSHIP_NAMES.items()}
    order = {code: i for i, code in enumerate(ledger.codes)}
    labels = {code: ledger.label(code) for code in ledger.codes}
    grade_only = ledger.definition.grade_only
    today = scope.as_of
    current = None
    groups: list[tuple[str, str]] = []
    since = None
    for values in _fetch(qs, expected=expected):
        (pk, code, name, sx, born, id_value, eth, phone, address, rel, head, tag, grade, start) = (
            values
        )
        if current is not None and current[0] == pk:
            groups.append((tag, grade))
            since = min(since, start)
            continue
        if current is not None:
            yield _finish(current, groups, since, order, labels, grade_only)
        if reveal_numbers:
            id_value = decrypt(id_value) if id_value else ""
            phone = decrypt(phone) if phone else ""
        else:
            id_value = "*" * 14 + id_value if id_value else ""
            phone = "*******" + phone if phone else ""
        age = None
        if born is not None:
            age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        current = (
            pk,
            names.get(code[:9] + "000", ""),
            names.get(code[:12], ""),
            names.get(code, "") if len(code) == 15 else "",
            name,
            sex.get(sx, ""),
            born.isoformat() if born else "",
            age,
            id_value or "",
            ETHNICITY_NAMES.get(eth, ""),
            phone or "",
            address if reveal_address else mask_text(address),
            head or "",
            relationship.get(rel, ""),
        )
        groups = [(tag, grade)]
        since = start
    if current is not None:
        yield _finish(current, groups, since, order, labels, grade_only)


def _fetch(qs: QuerySet, *, expected: int | None) -> Iterator:
    """The rows of a ``values_list`` query, converted ``EXPORT_CHUNK`` at a time.

    A ledger known to be short enough is fetched in one round trip, which PostgreSQL may
    answer with a parallel plan. Others stream from a server-side cursor (``iterator()``), in
    a transaction on PostgreSQL with ``cursor_tuple_fraction = 1``: by default the planner
    assumes a cursor is read for its first tenth only and picks a fast-start plan (walking
    every resident in area order), which takes twice as long for the whole ledger.
    """
    if expected is not None and expected <= FETCH_AT_ONCE_MAX:
        compiler = qs.query.get_compiler(using=qs.db)
        yield from compiler.results_iter(chunked_fetch=False, chunk_size=EXPORT_CHUNK)
        return
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        yield from qs.iterator(chunk_size=EXPORT_CHUNK)
        return
    with transaction.atomic(using=qs.db):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        yield from qs.iterator(chunk_size=EXPORT_CHUNK)


def _finish(current, groups, since, order, labels, grade_only) -> tuple:
    groups.sort(key=lambda g: order.get(g[0], 0))
    parts = []
    for tag, grade in groups:
        if grade_only and grade:
            parts.append(grade)
        elif grade:
            parts.append(f"{labels[tag]}（{grade}）")
        else:
            parts.append(labels[tag])
    head, relationship = current[12], current[13]
    return (
        *current[:12],
        "、".join(parts),
        since.isoformat() if since else "",
        head,
        relationship,
        [tag for tag, _grade in groups],
    )


def cells(row: tuple, columns: list[Column], seq: int) -> list:
    """A row's values in the order of ``columns`` (the 序号 is ``seq``)."""
    return cell_picker(columns)(row, seq)


def cell_picker(columns: list[Column]):
    """``pick(row, seq)``: a row's values in the order of ``columns``, for many rows."""
    seq_at, blank_at = len(ROW_FIELDS), len(ROW_FIELDS) + 1
    where = {"seq": seq_at, "remark": blank_at}
    getter = itemgetter(*[where.get(c.key, FIELD_INDEX.get(c.key, blank_at)) for c in columns])

    def pick(row: tuple, seq: int) -> list:
        values = getter((*row, seq, ""))
        return list(values) if len(columns) > 1 else [values]

    return pick


@dataclass
class LedgerPage:
    number: int
    num_pages: int
    count: int
    start: int  # 序号 of the first row
    rows: list[tuple]
    has_previous: bool
    has_next: bool


def ledger_people(*, scope: LedgerScope) -> QuerySet[Resident]:
    """The people of the open ledger (active residents with a visible open membership), in
    ledger order: community and grid, address, then registration order."""
    members = memberships(scope, scope.ledger.codes, active=False).filter(resident=OuterRef("pk"))
    return Resident.objects.filter(Exists(members), status=Resident.Status.ACTIVE).order_by(
        "area_code", "household__address", "id"
    )


def ledger_page(
    *, scope: LedgerScope, names: dict[str, str], page=1, per_page: int = PAGE_SIZE
) -> LedgerPage:
    """One page of people, masked: the count, the page's ids, then their rows (3 queries)."""
    paginator = Paginator(ledger_people(scope=scope).values_list("id", flat=True), per_page)
    page_obj = paginator.get_page(page)
    ids = list(page_obj.object_list)
    rows = list(ledger_rows(scope=scope, names=names, resident_ids=ids)) if ids else []
    return LedgerPage(
        number=page_obj.number,
        num_pages=paginator.num_pages,
        count=paginator.count,
        start=page_obj.start_index(),
        rows=rows,
        has_previous=page_obj.has_previous(),
        has_next=page_obj.has_next(),
    )


def ledger_slice(
    *, scope: LedgerScope, names: dict[str, str], offset: int, limit: int
) -> tuple[int, list[tuple]]:
    """(count, rows) for the API's ``limit``/``offset`` pages, masked."""
    people = ledger_people(scope=scope)
    count = people.count()
    ids = list(people.values_list("id", flat=True)[offset : offset + max(1, limit)])
    rows = list(ledger_rows(scope=scope, names=names, resident_ids=ids)) if ids else []
    return count, rows
