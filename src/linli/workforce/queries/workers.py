"""Reading the community worker roster (社区工作者): lists, one worker, the per-area summary.

Everything is scoped by ``workforce.view`` over the worker's community. ID numbers and phones
are decrypted in memory for the page only and shown masked (:func:`masked_id`,
:func:`masked_phone`) unless revealed through the audited ``worker_reveal`` action.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, scoping
from linli.core.areacodes import PREFIX_LENGTH, Level
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area
from linli.core.pii import mask_id_number, mask_phone
from linli.core.roles import Cap

from ..models import Attendance, Certificate, Worker

SEARCH_MAX_LENGTH = 50
CHOICES_MAX = 400
_CODE_LENGTHS = (2, 4, 6, 9, 12)
STATUSES = ("live", "left", "all")
CERTIFIED_ANY = "any"
CERTIFIED_NONE = "none"
# Highest qualification first (for "the certificate" of a worker in one cell).
LEVEL_RANK = [
    Certificate.Level.SENIOR,
    Certificate.Level.SOCIAL_WORKER,
    Certificate.Level.ASSISTANT,
]


def _clean(value, limit: int = SEARCH_MAX_LENGTH) -> str:
    return " ".join(str(value or "").replace("\x00", "").split())[:limit]


def can_manage(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.WORKFORCE_MANAGE, area_code)


def can_reveal(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.PII_REVEAL, area_code)


def masked_id(worker: Worker) -> str:
    return mask_id_number(worker.id_number)


def masked_phone(worker: Worker) -> str:
    return mask_phone(worker.phone)


def highest_certificate(worker: Worker) -> Certificate | None:
    """The worker's highest qualification among their (prefetched) certificates."""
    held = {c.level: c for c in worker.certificates.all()}
    for level in LEVEL_RANK:
        if level in held:
            return held[level]
    return None


# --- the list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerFilters:
    area: str = ""  # an area code (2 to 12 digits): that area and everything within it
    post: str = ""
    committee_role: str = ""  # a role, or "heads" for secretaries and directors
    party_member: bool | None = None
    education: str = ""
    certified: str = ""  # "any", "none" or a certificate level
    status: str = "live"  # live, left or all
    q: str = ""  # part of the name

    def cleaned(self) -> WorkerFilters:
        errors: dict[str, list[str]] = {}
        area = _clean(self.area, 15)
        if area and (not area.isdigit() or not area.isascii() or len(area) not in _CODE_LENGTHS):
            errors["area"] = [_("An area code has 2, 4, 6, 9 or 12 digits.")]
        post = _clean(self.post, 20)
        if post and post not in Worker.Post.values:
            errors["post"] = [_("Choose a post from the list.")]
        role = _clean(self.committee_role, 20)
        if role and role != "heads" and role not in Worker.CommitteeRole.values:
            errors["committee_role"] = [_("Choose a committee role from the list.")]
        education = _clean(self.education, 20)
        if education and education not in Worker.Education.values:
            errors["education"] = [_("Choose an education level from the list.")]
        certified = _clean(self.certified, 20)
        if certified and certified not in (
            CERTIFIED_ANY,
            CERTIFIED_NONE,
            *Certificate.Level.values,
        ):
            errors["certified"] = [_("Choose a certificate level from the list.")]
        status = _clean(self.status, 10) or "live"
        if status not in STATUSES:
            errors["status"] = [_("Choose a status from the list.")]
        if errors:
            raise ActionError(_("Some filters are not valid."), errors=errors)
        return WorkerFilters(
            area=area,
            post=post,
            committee_role=role,
            party_member=self.party_member,
            education=education,
            certified=certified,
            status=status,
            q=_clean(self.q),
        )


def _area_prefix(area: str) -> str:
    try:
        return areacodes.prefix_of(area)
    except areacodes.AreaCodeError:
        return area


def _filtered(qs: QuerySet, filters: WorkerFilters) -> QuerySet:
    if filters.area:
        qs = qs.filter(area_code__startswith=_area_prefix(filters.area))
    if filters.post:
        qs = qs.filter(post=filters.post)
    if filters.committee_role == "heads":
        qs = qs.filter(committee_role__in=Worker.HEADS)
    elif filters.committee_role:
        qs = qs.filter(committee_role=filters.committee_role)
    if filters.party_member is not None:
        qs = qs.filter(party_member=filters.party_member)
    if filters.education:
        qs = qs.filter(education=filters.education)
    if filters.certified:
        held = Certificate.objects.filter(worker=OuterRef("pk"))
        if filters.certified == CERTIFIED_ANY:
            qs = qs.filter(Exists(held))
        elif filters.certified == CERTIFIED_NONE:
            qs = qs.exclude(Exists(held))
        else:
            qs = qs.filter(Exists(held.filter(level=filters.certified)))
    if filters.status == "live":
        qs = qs.filter(left_on__isnull=True)
    elif filters.status == "left":
        qs = qs.filter(left_on__isnull=False)
    if filters.q:
        qs = qs.filter(name__icontains=filters.q)
    return qs


def _scoped(actor) -> QuerySet[Worker]:
    return scoping.scope(Worker.objects.all(), actor, Cap.WORKFORCE_VIEW)


def worker_list(*, actor, filters: WorkerFilters | None = None) -> QuerySet[Worker]:
    """The workers the actor may read, filtered, in community then name order; each row comes
    with its community, post level and certificates (three queries a page whatever its size).
    The caller paginates."""
    filters = (filters or WorkerFilters()).cleaned()
    qs = _filtered(_scoped(actor), filters)
    return qs.select_related("community", "level").prefetch_related(
        Prefetch("certificates", queryset=Certificate.objects.order_by("-obtained_on", "id"))
    )


def worker_get(*, actor, worker_id) -> Worker:
    """One worker the actor may read, with their certificates, account and post level."""
    try:
        pk = int(worker_id)
    except (TypeError, ValueError):
        pk = 0
    worker = None
    if 1 <= pk <= 2**63 - 1:
        worker = (
            _scoped(actor)
            .select_related("community", "level", "user", "created_by")
            .prefetch_related(
                Prefetch(
                    "certificates", queryset=Certificate.objects.order_by("-obtained_on", "id")
                )
            )
            .filter(pk=pk)
            .first()
        )
    if worker is None:
        raise NotFound(_("There is no such worker among yours."))
    return worker


def worker_attendance(*, actor, worker: Worker, limit: int = 50) -> list[Attendance]:
    """The worker's training attendance, latest first (the training pages record it)."""
    qs = scoping.scope(Attendance.objects.filter(worker=worker), actor, Cap.WORKFORCE_VIEW)
    return list(qs.select_related("session__course").order_by("-trained_on", "-id")[:limit])


def head_holders(community_code: str, *, exclude_id: int | None = None) -> list[Worker]:
    """The live secretary, director or both-in-one of a community (for the one-each rule)."""
    qs = Worker.objects.filter(
        area_code=community_code, left_on__isnull=True, committee_role__in=Worker.HEADS
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.order_by("id"))


def communities_with(*, actor, cap: str = Cap.WORKFORCE_MANAGE) -> list[Area]:
    """Communities and villages over which the actor holds ``cap`` (for a chooser)."""
    return list(
        scoping.scope(Area.objects.filter(level=Level.COMMUNITY), actor, cap, field="code")
        .select_related("parent")
        .order_by("code")[:CHOICES_MAX]
    )


def area_names(codes) -> dict[str, str]:
    """Names of areas by code (rows keep only a code)."""
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def roster_areas(*, actor) -> list[Area]:
    """The areas at the top of the actor's roster (where the summary starts)."""
    granted = scoping.prefixes(actor, Cap.WORKFORCE_VIEW)
    if granted == [""]:
        return list(Area.objects.filter(parent__isnull=True).order_by("code")[:CHOICES_MAX])
    return list(Area.objects.filter(prefix__in=granted).order_by("code")[:CHOICES_MAX])


# --- the summary ----------------------------------------------------------------------------


@dataclass
class SummaryRow:
    """Figures of one area (a child of the area asked for, or the total)."""

    code: str
    name: str
    communities: int = 0
    live: int = 0
    by_post: dict[str, int] = field(default_factory=dict)
    party: int = 0
    certified: int = 0
    by_level: dict[str, int] = field(default_factory=dict)
    secretary: int = 0  # live party secretaries (not in one person with the director)
    director: int = 0
    both: int = 0  # secretary and director in one person (一肩挑)

    @property
    def with_secretary(self) -> int:
        return self.secretary + self.both

    @property
    def with_director(self) -> int:
        return self.director + self.both


@dataclass
class RosterSummary:
    area: Area
    as_of: dt.date
    rows: list[SummaryRow]
    total: SummaryRow


def summary_area(*, actor, area_code: str = "") -> Area:
    """The area a summary is for: ``area_code`` if the actor reads the roster over all of it,
    else their own top area."""
    code = _clean(area_code, 15)
    if not code:
        tops = roster_areas(actor=actor)
        if not tops:
            raise NotFound(_("No such area among yours."), field="area")
        return tops[0]
    try:
        code = areacodes.normalize(code)
    except areacodes.AreaCodeError:
        raise NotFound(_("No such area among yours."), field="area") from None
    area = Area.objects.filter(code=code).exclude(level=Level.GRID).first()
    if area is None or not scoping.has_cap(actor, Cap.WORKFORCE_VIEW, area.code):
        raise NotFound(_("No such area among yours."), field="area")
    return area


def roster_summary(*, actor, area_code: str = "", as_of: dt.date | None = None) -> RosterSummary:
    """Per child area of ``area_code`` (the communities of a town, the towns of a county…):
    workers in post on ``as_of`` (today by default), by post, party members, those holding a
    certificate (and by level), and the heads in post. Three aggregate queries."""
    area = summary_area(actor=actor, area_code=area_code)
    as_of = as_of or timezone.localdate()
    level = Level(area.level)
    if level == Level.COMMUNITY:
        children = [area]
        width = PREFIX_LENGTH[Level.COMMUNITY]
    else:
        width = PREFIX_LENGTH[Level(level + 1)]
        children = list(Area.objects.filter(parent=area).order_by("code"))
    prefix = area.prefix
    in_post = Q(hired_on__lte=as_of) & (Q(left_on__isnull=True) | Q(left_on__gt=as_of))
    certs = Certificate.objects.filter(worker=OuterRef("pk"), obtained_on__lte=as_of)
    rows_qs = (
        Worker.objects.filter(in_post, area_code__startswith=prefix)
        .annotate(
            child=Substr("area_code", 1, width),
            has_cert=Exists(certs),
            **{f"has_{lv}": Exists(certs.filter(level=lv)) for lv in Certificate.Level.values},
        )
        .order_by()
        .values("child")
        .annotate(
            live=Count("pk"),
            party=Count("pk", filter=Q(party_member=True)),
            certified=Count("pk", filter=Q(has_cert=True)),
            secretary=Count("pk", filter=Q(committee_role=Worker.CommitteeRole.SECRETARY)),
            director=Count("pk", filter=Q(committee_role=Worker.CommitteeRole.DIRECTOR)),
            both=Count("pk", filter=Q(committee_role=Worker.CommitteeRole.BOTH)),
            **{f"post_{p}": Count("pk", filter=Q(post=p)) for p in Worker.Post.values},
            **{
                f"level_{lv}": Count("pk", filter=Q(**{f"has_{lv}": True}))
                for lv in Certificate.Level.values
            },
        )
    )
    communities = dict(
        Area.objects.filter(level=Level.COMMUNITY, code__startswith=prefix)
        .annotate(child=Substr("code", 1, width))
        .order_by()
        .values("child")
        .annotate(n=Count("code"))
        .values_list("child", "n")
    )
    by_child = {row["child"]: row for row in rows_qs}
    rows = []
    for child in children:
        key = child.code[:width]
        rows.append(
            _summary_row(child.code, child.name, communities.get(key, 0), by_child.get(key))
        )
    total = SummaryRow(code=area.code, name=area.name)
    for row in rows:
        total.communities += row.communities
        total.live += row.live
        total.party += row.party
        total.certified += row.certified
        total.secretary += row.secretary
        total.director += row.director
        total.both += row.both
        for key, n in row.by_post.items():
            total.by_post[key] = total.by_post.get(key, 0) + n
        for key, n in row.by_level.items():
            total.by_level[key] = total.by_level.get(key, 0) + n
    return RosterSummary(area=area, as_of=as_of, rows=rows, total=total)


def _summary_row(code: str, name: str, communities: int, found: dict | None) -> SummaryRow:
    found = found or {}
    return SummaryRow(
        code=code,
        name=name,
        communities=communities,
        live=found.get("live", 0),
        by_post={p: found.get(f"post_{p}", 0) for p in Worker.Post.values},
        party=found.get("party", 0),
        certified=found.get("certified", 0),
        by_level={lv: found.get(f"level_{lv}", 0) for lv in Certificate.Level.values},
        secretary=found.get("secretary", 0),
        director=found.get("director", 0),
        both=found.get("both", 0),
    )


__all__ = [
    "CERTIFIED_ANY",
    "CERTIFIED_NONE",
    "LEVEL_RANK",
    "STATUSES",
    "RosterSummary",
    "SummaryRow",
    "WorkerFilters",
    "area_names",
    "can_manage",
    "can_reveal",
    "communities_with",
    "head_holders",
    "highest_certificate",
    "masked_id",
    "masked_phone",
    "roster_areas",
    "roster_summary",
    "summary_area",
    "worker_attendance",
    "worker_get",
    "worker_list",
]
