"""Reading notices (通知公告): who may read one is decided when they read, in SQL.

- A **resident** reads notices to their residents (or everyone) of any area their home lies in:
  the notice's area is their community, grid, town, county… Their home is the registry
  resident linked to the account, or else the community of their resident role or of their
  account. A notice for some groups reaches only residents holding an open membership of one
  of those groups (or of a kind under one).
- **Staff** read notices to staff (or everyone) of any area one of their assignments lies in,
  and only those naming one of their roles when roles are named.
- **Publishers** see every notice of their subtree, in any state, with its read receipts.

A notice is live from ``publish_at`` until ``expires_at`` unless withdrawn; a scheduled notice
needs no task to appear. Everything a reader may not see is a 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.core import areacodes, scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area, RoleAssignment
from linli.core.roles import STAFF_ROLES, Cap, Role
from linli.registry.models import GroupTag, Resident, ResidentTag

from ..models import Notice, NoticeAttachment, NoticeRead

__all__ = [
    "AREA_CHOICES_MAX",
    "STATUSES",
    "UNREAD_STAFF_MAX",
    "NoticeFilters",
    "Reader",
    "Receipts",
    "ReceiptRow",
    "area_names",
    "attachment_get",
    "can_manage",
    "for_residents",
    "for_staff",
    "notice_get",
    "notice_list",
    "notice_receipts",
    "notice_status",
    "notices_mine",
    "notices_unread",
    "publish_areas",
    "publishable_tags",
    "publisher_q",
    "reader_of",
    "reader_q",
    "receipt_of",
    "reading_place",
    "roots_of",
    "tag_allowed",
    "tag_names",
]

AREA_CHOICES_MAX = 400
UNREAD_STAFF_MAX = 200
EXCERPT_LENGTH = 120
_READER_ATTR = "_linli_notice_reader"

RESIDENT_AUDIENCES = (Notice.Audience.RESIDENTS, Notice.Audience.EVERYONE)
STAFF_AUDIENCES = (Notice.Audience.STAFF, Notice.Audience.EVERYONE)

STATUSES = {
    "scheduled": gettext_lazy("scheduled"),
    "live": gettext_lazy("live"),
    "expired": gettext_lazy("expired"),
    "withdrawn": gettext_lazy("withdrawn"),
}


def for_residents(audience: str) -> bool:
    return audience in RESIDENT_AUDIENCES


def for_staff(audience: str) -> bool:
    return audience in STAFF_AUDIENCES


# --- SQL helpers ------------------------------------------------------------------------------


class _HasAny(Func):
    """True when a JSON list of strings holds any of ``values`` (PostgreSQL ``?|``; SQLite
    ``json_each``)."""

    output_field = BooleanField()

    def __init__(self, field_name: str, values):
        self.values = sorted({str(v) for v in values})
        super().__init__(F(field_name))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if not self.values:
            return "(1 = 0)", ()
        if connection.vendor == "postgresql":
            return f"({column} ?| %s::text[])", (*params, list(self.values))
        # Only placeholders are formatted in; the values travel as parameters.
        marks = ", ".join(["%s"] * len(self.values))
        sql = f"EXISTS (SELECT 1 FROM json_each({column}) AS item WHERE item.value IN ({marks}))"  # noqa: S608
        return sql, (*params, *self.values)


class _Empty(Func):
    """True when a JSON list is empty (or null)."""

    output_field = BooleanField()

    def __init__(self, field_name: str):
        super().__init__(F(field_name))

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"({column} IS NULL OR jsonb_array_length({column}) = 0)", params
        return f"({column} IS NULL OR json_array_length({column}) = 0)", params


def _live_q(now: dt.datetime, rel: str = "") -> Q:
    return Q(
        **{f"{rel}publish_at__lte": now, f"{rel}withdrawn_at__isnull": True},
    ) & (Q(**{f"{rel}expires_at__isnull": True}) | Q(**{f"{rel}expires_at__gt": now}))


def _code_of(prefix: str) -> str:
    """The canonical code of an area from its significant prefix."""
    return prefix if len(prefix) in (12, 15) else prefix.ljust(12, "0")


def roots_of(code: str) -> list[str]:
    """The codes a notice may carry to reach ``code``: the area itself and every area above."""
    try:
        canonical = areacodes.normalize(code)
        return [*areacodes.ancestors(canonical), canonical]
    except areacodes.AreaCodeError:
        return []


def _prefix(code: str) -> str:
    return areacodes.prefix_of(code)


# --- readers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """What decides which notices an account reads."""

    resident_id: int | None = None
    homes: tuple[str, ...] = ()  # area codes where the account reads as a resident
    tags: tuple[str, ...] = ()  # group codes of open memberships, and the groups above them
    staff: tuple[tuple[str, str], ...] = ()  # (role, area code) of staff assignments

    @property
    def community(self) -> str:
        return self.homes[0][:12] if self.homes else ""


def reader_of(actor) -> Reader:
    """The actor as a reader (one query, kept on the account object for the request)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Reader()
    cached = getattr(actor, _READER_ATTR, None)
    if cached is not None:
        return cached
    rows = list(
        Resident.objects.filter(account_id=actor.pk, status=Resident.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "area_code", "tags__tag_id", "tags__tag__parent_id", "tags__ended_on")
    )
    grants = scoping.grants(actor)
    resident_id = None
    homes: list[str] = []
    tags: set[str] = set()
    if rows:
        resident_id, home = rows[0][0], rows[0][1]
        homes = [home]
        for pk, _area, tag, parent, ended in rows:
            if pk == resident_id and tag and ended is None:
                tags.add(tag)
                if parent:
                    tags.add(parent)
    else:
        homes = sorted({_code_of(prefix) for role, prefix in grants if role == Role.RESIDENT})
        if actor.home_area_id and actor.home_area_id not in homes:
            homes.append(actor.home_area_id)
    staff = tuple(
        sorted({(role, _code_of(prefix)) for role, prefix in grants if role in STAFF_ROLES})
    )
    reader = Reader(resident_id, tuple(homes), tuple(sorted(tags)), staff)
    setattr(actor, _READER_ATTR, reader)
    return reader


def _resident_q(reader: Reader, rel: str = "") -> Q | None:
    roots = sorted({root for home in reader.homes for root in roots_of(home)})
    if not roots:
        return None
    q = Q(**{f"{rel}audience__in": RESIDENT_AUDIENCES, f"{rel}area_code__in": roots})
    targeted = _Empty(f"{rel}tags")
    if reader.tags:
        targeted = Q(targeted) | _HasAny(f"{rel}tags", reader.tags)
    return q & Q(targeted)


def _staff_q(reader: Reader, rel: str = "") -> Q | None:
    by_role: dict[str, set[str]] = {}
    for role, code in reader.staff:
        by_role.setdefault(role, set()).update(roots_of(code))
    if not by_role:
        return None
    roles_q = Q()
    for role, roots in sorted(by_role.items()):
        named = Q(_Empty(f"{rel}roles")) | _HasAny(f"{rel}roles", [role])
        roles_q |= Q(**{f"{rel}area_code__in": sorted(roots)}) & named
    return Q(**{f"{rel}audience__in": STAFF_AUDIENCES}) & roles_q


def reader_q(actor, *, rel: str = "", now: dt.datetime | None = None) -> Q:
    """The live notices ``actor`` reads, as a resident or as staff."""
    reader = reader_of(actor)
    parts = [q for q in (_resident_q(reader, rel), _staff_q(reader, rel)) if q is not None]
    if not parts:
        return Q(pk__in=[])
    who = parts[0]
    for part in parts[1:]:
        who |= part
    return _live_q(now or timezone.now(), rel) & who


def publisher_q(actor, *, rel: str = "") -> Q:
    """Every notice, in any state, of the subtrees where ``actor`` publishes."""
    return scoping.prefix_q(scoping.prefixes(actor, Cap.NOTICE_PUBLISH), f"{rel}area_code")


def can_manage(actor, notice: Notice) -> bool:
    return scoping.has_cap(actor, Cap.NOTICE_PUBLISH, notice.area_code)


def reading_place(actor, notice: Notice) -> str:
    """Where a reader of ``notice`` is counted: their community as a resident, else the area of
    the assignment through which it reached them as staff ("" if it reaches them neither way;
    whether it is live is not asked here)."""
    reader = reader_of(actor)
    if for_residents(notice.audience) and (not notice.tags or set(notice.tags) & set(reader.tags)):
        for home in reader.homes:
            if notice.area_code in roots_of(home):
                return home[:12]
    if for_staff(notice.audience):
        for role, code in reader.staff:
            if notice.area_code in roots_of(code) and (not notice.roles or role in notice.roles):
                return code[:12]
    return ""


# --- lists for readers --------------------------------------------------------------------------


def _read_by(actor) -> Exists:
    return Exists(NoticeRead.objects.filter(notice_id=OuterRef("pk"), user_id=actor.pk))


def notices_mine(*, actor) -> QuerySet[Notice]:
    """The live notices the actor reads, pinned first, then newest; each row knows whether
    the actor has read it (``is_read``) and has files (``has_files``). One query a page."""
    if not getattr(actor, "is_authenticated", False):
        return Notice.objects.none()
    return (
        Notice.objects.filter(reader_q(actor))
        .annotate(
            is_read=_read_by(actor),
            has_files=Exists(NoticeAttachment.objects.filter(notice_id=OuterRef("pk"))),
            excerpt=Substr("body", 1, EXCERPT_LENGTH),
        )
        .defer("body")
        .order_by("-pinned", "-publish_at", "-id")
    )


def notices_unread(*, actor, limit: int = 3) -> list[Notice]:
    """The newest notices the actor has not read yet, pinned first (for the home page)."""
    return list(notices_mine(actor=actor).filter(is_read=False)[:limit])


def notice_get(*, actor, notice_id: int) -> Notice:
    """One notice the actor reads or manages; ``for_reader`` says whether they read it."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound(_("There is no such notice, or it is not for you."))
    readable = reader_q(actor)
    notice = (
        Notice.objects.filter(readable | publisher_q(actor), pk=notice_id)
        .annotate(for_reader=Case(When(readable, then=Value(True)), default=Value(False)))
        .select_related("created_by")
        .first()
    )
    if notice is None:
        raise NotFound(_("There is no such notice, or it is not for you."))
    return notice


def receipt_of(*, actor, notice: Notice) -> NoticeRead | None:
    """The actor's own receipt of a notice, if they have read it."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return NoticeRead.objects.filter(notice_id=notice.pk, user_id=actor.pk).first()


def attachment_get(*, actor, attachment_id: int) -> NoticeAttachment:
    """An attachment of a notice the actor reads or manages."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound(_("There is no such file."))
    row = (
        NoticeAttachment.objects.filter(
            reader_q(actor, rel="notice__") | publisher_q(actor, rel="notice__"),
            pk=attachment_id,
        )
        .select_related("notice")
        .first()
    )
    if row is None:
        raise NotFound(_("There is no such file."))
    return row


# --- lists for publishers -----------------------------------------------------------------------


def notice_status(notice: Notice, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if notice.withdrawn_at is not None:
        return "withdrawn"
    if notice.publish_at > now:
        return "scheduled"
    if notice.expires_at is not None and notice.expires_at <= now:
        return "expired"
    return "live"


def _status_q(status: str, now: dt.datetime) -> Q:
    if status == "withdrawn":
        return Q(withdrawn_at__isnull=False)
    if status == "scheduled":
        return Q(withdrawn_at__isnull=True, publish_at__gt=now)
    if status == "expired":
        return Q(withdrawn_at__isnull=True, expires_at__lte=now)
    return _live_q(now)


@dataclass
class NoticeFilters:
    status: str = ""  # scheduled | live | expired | withdrawn
    area: str = ""  # an area code (or its first digits) inside one's subtree
    q: str = ""  # words of the title

    def cleaned(self) -> NoticeFilters:
        status = (self.status or "").strip()
        if status and status not in STATUSES:
            raise ActionError(_("Choose a state from the list."), field="status")
        area = (self.area or "").strip()
        if area and (not area.isdigit() or not area.isascii() or len(area) > 15):
            raise ActionError(_("An area is given by its code."), field="area")
        q = " ".join(str(self.q or "").replace("\x00", "").split())[:50]
        return NoticeFilters(status=status, area=area, q=q)


def notice_list(*, actor, filters: NoticeFilters | None = None) -> QuerySet[Notice]:
    """The notices of the actor's publishing subtrees, newest first, with their read count."""
    filters = (filters or NoticeFilters()).cleaned()
    qs = Notice.objects.filter(publisher_q(actor))
    if filters.status:
        qs = qs.filter(_status_q(filters.status, timezone.now()))
    if filters.area:
        try:
            prefix = _prefix(areacodes.normalize(filters.area))
        except areacodes.AreaCodeError:
            prefix = filters.area
        qs = qs.filter(area_code__startswith=prefix)
    if filters.q:
        qs = qs.filter(title__icontains=filters.q)
    reads = (
        NoticeRead.objects.filter(notice_id=OuterRef("pk"))
        .order_by()
        .values("notice_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.annotate(read_count=Subquery(reads, output_field=IntegerField()))
        .select_related("created_by")
        .defer("body")
        .order_by("-publish_at", "-id")
    )


def area_names(codes) -> dict[str, str]:
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def tag_names(codes) -> dict[str, str]:
    codes = sorted({c for c in codes if c})
    if not codes:
        return {}
    return dict(GroupTag.objects.filter(code__in=codes).values_list("code", "name"))


def publish_areas(*, actor, current: str = "") -> list[Area]:
    """The areas the actor may publish to (county down to grid), tree order, for a chooser;
    with ``current`` (a notice's area) among them."""
    areas = list(
        scoping.scope(
            Area.objects.filter(level__gte=Level.COUNTY), actor, Cap.NOTICE_PUBLISH, field="code"
        )
        .only("code", "name", "level")
        .order_by("code")[:AREA_CHOICES_MAX]
    )
    if current and current not in {a.code for a in areas}:
        extra = Area.objects.filter(code=current).only("code", "name", "level").first()
        if extra is not None and scoping.has_cap(actor, Cap.NOTICE_PUBLISH, current):
            areas = sorted([*areas, extra], key=lambda a: a.code)
    return areas


def tag_allowed(actor, tag: GroupTag, area_code: str | None = None) -> bool:
    """May the actor address the members of ``tag`` (in ``area_code``, anywhere if None)?
    Sensitive groups only by the roles they name, held over the place."""
    if not tag.sensitive or actor is scoping.SYSTEM:
        return True
    allowed = set(tag.visible_roles or [])
    return any(
        role in allowed and (area_code is None or area_code.startswith(prefix))
        for role, prefix in scoping.grants(actor)
    )


def publishable_tags(*, actor, area_code: str | None = None, held=()) -> list[GroupTag]:
    """Groups in use that the actor may address, in vocabulary order, with the groups a notice
    already names (``held``) whatever they are now."""
    held = set(held or ())
    tags = (
        GroupTag.objects.filter(Q(active=True) | Q(code__in=sorted(held)))
        .select_related("parent")
        .order_by("sort", "code")
    )
    return [tag for tag in tags if tag.code in held or tag_allowed(actor, tag, area_code)]


# --- read receipts ----------------------------------------------------------------------------


@dataclass
class ReceiptRow:
    """One community's residents reached and read."""

    code: str
    name: str
    online: int = 0  # residents reached with an account
    offline: int = 0  # residents reached without one (told in person or by phone)
    read: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.read / self.online) if self.online else None


@dataclass
class Receipts:
    notice: Notice
    residents: bool
    staff: bool
    rows: list[ReceiptRow] = field(default_factory=list)
    online: int = 0
    offline: int = 0
    resident_reads: int = 0
    staff_reached: int = 0
    staff_reads: int = 0
    other_reads: int = 0
    total_reads: int = 0
    unread_staff: list[dict] = field(default_factory=list)
    unread_capped: bool = False

    @property
    def resident_percent(self) -> int | None:
        return round(100 * self.resident_reads / self.online) if self.online else None

    @property
    def staff_percent(self) -> int | None:
        return round(100 * self.staff_reads / self.staff_reached) if self.staff_reached else None

    @property
    def staff_unread(self) -> int:
        return max(self.staff_reached - self.staff_reads, 0)


def _reached_residents(notice: Notice) -> QuerySet[Resident]:
    qs = Resident.objects.filter(
        status=Resident.Status.ACTIVE, area_code__startswith=_prefix(notice.area_code)
    )
    if notice.tags:
        member = ResidentTag.objects.filter(
            resident_id=OuterRef("pk"), ended_on__isnull=True
        ).filter(Q(tag_id__in=notice.tags) | Q(tag__parent_id__in=notice.tags))
        qs = qs.filter(Exists(member))
    return qs


def _reached_staff(notice: Notice) -> QuerySet[RoleAssignment]:
    roles = [r for r in (notice.roles or STAFF_ROLES) if r in STAFF_ROLES]
    return RoleAssignment.objects.filter(
        area_code__startswith=_prefix(notice.area_code), role__in=sorted(roles)
    )


def notice_receipts(*, actor, notice_id: int) -> Receipts:
    """Who has read a notice, for those who manage it: residents reached online and without an
    account per community with their readers, staff reached with theirs and the staff who
    have not read it yet. Four queries whatever the size of the subtree."""
    notice = Notice.objects.filter(publisher_q(actor), pk=notice_id).first()
    if notice is None:
        raise NotFound(_("There is no such notice, or it is not for you."))
    result = Receipts(
        notice=notice, residents=for_residents(notice.audience), staff=for_staff(notice.audience)
    )
    rows: dict[str, ReceiptRow] = {}
    residents = _reached_residents(notice)
    staff = _reached_staff(notice).filter(user__is_active=True)
    if result.residents:
        online = Q(account__isnull=False, account__is_active=True)
        counted = (
            residents.annotate(community=Substr("area_code", 1, 12))
            .order_by()
            .values("community")
            .annotate(online=Count("pk", filter=online), offline=Count("pk", filter=~online))
        )
        for item in counted:
            row = rows.setdefault(item["community"], ReceiptRow(item["community"], ""))
            row.online, row.offline = item["online"], item["offline"]
    as_resident = (
        Exists(residents.filter(account_id=OuterRef("user_id")))
        if result.residents
        else Value(False)
    )
    as_staff = Exists(staff.filter(user_id=OuterRef("user_id"))) if result.staff else Value(False)
    reads = (
        NoticeRead.objects.filter(notice_id=notice.pk)
        .annotate(
            community=Substr("area_code", 1, 12),
            as_resident=as_resident,
            as_staff=as_staff,
        )
        .order_by()
        .values("community", "as_resident", "as_staff")
        .annotate(n=Count("pk"))
    )
    for item in reads:
        result.total_reads += item["n"]
        if item["as_resident"]:
            row = rows.setdefault(item["community"], ReceiptRow(item["community"], ""))
            row.read += item["n"]
        if item["as_staff"]:
            result.staff_reads += item["n"]
        if not item["as_resident"] and not item["as_staff"]:
            result.other_reads += item["n"]
    names = area_names(rows)
    for code, row in rows.items():
        row.name = names.get(code, "")
    result.rows = [rows[code] for code in sorted(rows)]
    result.online = sum(r.online for r in result.rows)
    result.offline = sum(r.offline for r in result.rows)
    result.resident_reads = sum(r.read for r in result.rows)
    if result.staff:
        result.staff_reached = staff.values("user_id").distinct().count()
        unread = (
            staff.exclude(
                Exists(NoticeRead.objects.filter(notice_id=notice.pk, user_id=OuterRef("user_id")))
            )
            .select_related("user", "area")
            .order_by("area_code", "role", "user_id")[: UNREAD_STAFF_MAX + 1]
        )
        seen: set[int] = set()
        for assignment in unread:
            if assignment.user_id in seen:
                continue
            seen.add(assignment.user_id)
            result.unread_staff.append(
                {
                    "user_id": assignment.user_id,
                    "name": assignment.user.get_full_name(),
                    "role": assignment.role,
                    "role_label": str(Role(assignment.role).label),
                    "area_code": assignment.area_code,
                    "area_name": assignment.area.name,
                }
            )
        result.unread_capped = len(result.unread_staff) > UNREAD_STAFF_MAX
        result.unread_staff = result.unread_staff[:UNREAD_STAFF_MAX]
    return result
