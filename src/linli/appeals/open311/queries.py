"""Public reads for the Open311 adapter. Nothing here takes a user: every function answers what
anyone on the internet may know — a county's catalogue, and appeals that both the resident
(``Appeal.public``) and the category (``Category.public``) allow to be listed — or what an
authenticated Open311 client posted itself. The callers shape rows from the fields named in
``PUBLIC_FIELDS`` only; contact details, submitters and internal notes are never loaded.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import areacodes
from linli.core.errors import ActionError, NotFound
from linli.core.models import Area, AuditEvent

from .. import queries
from ..models import Appeal, Category, Event, Open311Client

TOKEN = re.compile(r"^[0-9a-f]{32}$")

# The appeal columns a public answer may be built from (``.only()`` keeps the rest unread).
PUBLIC_FIELDS = (
    "id",
    "area_code",
    "category",
    "tier",
    "description",
    "address",
    "lat",
    "lng",
    "state",
    "state_changed_at",
    "unit",
    "accountable_unit",
    "submitted_at",
    "resolve_due",
    "category__id",
    "category__key",
    "category__name",
    "category__public",
    "tier__resolve_amount",
    "tier__resolve_unit",
    "unit__name",
    "accountable_unit__name",
)


@dataclass(frozen=True)
class Jurisdiction:
    """An area that answers as an Open311 jurisdiction: a county, or an area within one."""

    code: str
    prefix: str
    county: str
    name: str


def jurisdiction_get(code) -> Jurisdiction:
    """The jurisdiction named by ``jurisdiction_id``: an existing area at county level or below
    whose county has loaded an appeal catalogue. ``ActionError`` (400) when none is given,
    ``NotFound`` (404) otherwise."""
    text = str(code or "").strip()
    if not text:
        raise ActionError(
            _("jurisdiction_id was not provided: send the 12-digit code of the county or area."),
            field="jurisdiction_id",
        )
    try:
        normal = areacodes.normalize(text)
        level = areacodes.level_of(normal)
    except areacodes.AreaCodeError:
        normal, level = "", None
    area = (
        Area.objects.filter(code=normal).only("code", "name", "prefix").first() if normal else None
    )
    if area is None or level is None or level < areacodes.Level.COUNTY:
        raise NotFound(
            _(
                "jurisdiction_id %(code)s was not found: use the code of a county or of an area in one."
            )
            % {"code": text[:20]},
            field="jurisdiction_id",
        )
    county = queries.county_code(area.code)
    if not Category.objects.filter(area_code=county).exists():
        raise NotFound(
            _("jurisdiction_id %(code)s was not found: its county takes no appeals here.")
            % {"code": text[:20]},
            field="jurisdiction_id",
        )
    return Jurisdiction(code=area.code, prefix=area.prefix, county=county, name=area.name)


# --- the catalogue ---------------------------------------------------------------------------


def services_list(jurisdiction: Jurisdiction) -> list[Category]:
    """The county's categories in use, in catalogue order, with their parents."""
    return list(
        Category.objects.filter(area_code=jurisdiction.county, active=True)
        .select_related("parent", "tier")
        .order_by("sort", "id")
    )


def service_get(jurisdiction: Jurisdiction, service_code) -> Category:
    text = str(service_code or "").strip()
    if not text:
        raise ActionError(_("service_code was not provided."), field="service_code")
    category = None
    if text.isdigit() and len(text) <= 18:
        category = (
            Category.objects.filter(pk=int(text), area_code=jurisdiction.county, active=True)
            .select_related("parent", "tier")
            .first()
        )
    if category is None:
        raise NotFound(
            _("service_code %(code)s was not found in this jurisdiction.") % {"code": text[:20]},
            field="service_code",
        )
    return category


def catalogue_changed_at() -> dt.datetime | None:
    """When any county's catalogue last changed (loaded, or a category edited), from the
    audit trail: only a timestamp is read."""
    return AuditEvent.objects.filter(
        Q(target_type="appeals.category") | Q(action="appeal.defaults_load")
    ).aggregate(last=Max("at"))["last"]


# --- clients -------------------------------------------------------------------------------


def client_for_key(key: str) -> Open311Client | None:
    """The active client whose key this is (only the key's digest is stored and compared)."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        return None
    return Open311Client.objects.filter(digest=Open311Client.digest_of(key), active=True).first()


def client_covers(client: Open311Client, jurisdiction: Jurisdiction) -> bool:
    """May ``client`` act in ``jurisdiction`` (its area contains the jurisdiction's)?"""
    return areacodes.is_within(jurisdiction.code, areacodes.prefix_of(client.area_code))


# --- service requests ----------------------------------------------------------------------


def listable_q(jurisdiction: Jurisdiction, client: Open311Client | None = None) -> Q:
    """Appeals of the jurisdiction that may be shown: public ones, and the client's own."""
    shown = Q(public=True, category__public=True)
    if client is not None:
        shown |= Q(client_id=client.pk)
    return Q(area_code__startswith=jurisdiction.prefix) & shown


def _public(qs: QuerySet) -> QuerySet:
    return qs.select_related("category", "tier", "unit", "accountable_unit").only(*PUBLIC_FIELDS)


def requests_list(
    jurisdiction: Jurisdiction,
    *,
    ids: list[int] | None = None,
    service_codes: list[int] | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    states: list[str] | None = None,
    client: Open311Client | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> list[Appeal]:
    """Listable appeals, newest first. ``ids`` overrides every other filter (as the spec says);
    a service code also matches the categories under it."""
    qs = Appeal.objects.filter(listable_q(jurisdiction, client))
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        if service_codes:
            qs = qs.filter(
                Q(category_id__in=service_codes) | Q(category__parent_id__in=service_codes)
            )
        if since is not None:
            qs = qs.filter(submitted_at__gte=since)
        if until is not None:
            qs = qs.filter(submitted_at__lte=until)
        if states is not None:
            qs = qs.filter(state__in=states)
    return list(_public(qs).order_by("-submitted_at", "-id")[offset : offset + limit])


def request_get(
    jurisdiction: Jurisdiction, service_request_id, client: Open311Client | None = None
) -> Appeal:
    text = str(service_request_id or "").strip()
    appeal = None
    if text.isdigit() and len(text) <= 18:
        appeal = (
            _public(Appeal.objects.filter(listable_q(jurisdiction, client), pk=int(text)))
            .order_by()
            .first()
        )
    if appeal is None:
        raise NotFound(
            _("Service request %(id)s was not found in this jurisdiction.") % {"id": text[:20]},
            field="service_request_id",
        )
    return appeal


def token_lookup(jurisdiction: Jurisdiction, token) -> tuple[int, str]:
    """The appeal id a POST's token stands for (any appeal of the jurisdiction: the token is
    only known to whoever posted it, and the id alone says nothing)."""
    text = str(token or "").strip().lower()
    row = None
    if TOKEN.match(text):
        row = (
            Appeal.objects.filter(area_code__startswith=jurisdiction.prefix, token=text)
            .values_list("pk", "token")
            .first()
        )
    if row is None:
        raise NotFound(
            _("Token %(token)s was not found in this jurisdiction.") % {"token": text[:40]},
            field="token",
        )
    return row


def public_notes(appeal_ids: list[int]) -> dict[int, tuple[str, dt.datetime]]:
    """For each appeal, the latest step of its public timeline that has a message, and when the
    timeline last moved: ``{id: (message, at)}``. One query for the whole page."""
    notes: dict[int, tuple[str, dt.datetime]] = {}
    if not appeal_ids:
        return notes
    rows = (
        Event.objects.filter(appeal_id__in=appeal_ids, public=True)
        .order_by("appeal_id", "-at", "-id")
        .values_list("appeal_id", "message", "at")
    )
    latest_at: dict[int, dt.datetime] = {}
    for appeal_id, message, at in rows:
        latest_at.setdefault(appeal_id, at)
        if message and appeal_id not in notes:
            notes[appeal_id] = (message, latest_at[appeal_id])
    for appeal_id, at in latest_at.items():
        if appeal_id not in notes:
            notes[appeal_id] = ("", at)
    return notes
