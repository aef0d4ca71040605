"""Reading volunteer service certificates (志愿服务证明) and the service they certify.

Who reads what:

- staff with ``volunteer.view`` read the certificates issued by organisations of their areas
  (the certificate's ``area_code`` is its organisation's);
- a volunteer reads their own certificates (:func:`my_certificates`);
- anyone reads the public verification of one certificate by its number
  (:func:`certificate_verify`), which carries only what the certificate prints.

What an organisation may certify (the national rules: whoever organised the service records
it and certifies it): the service records it wrote itself, or every record of the volunteer
once it received them by transfer (:func:`record_sources`, :func:`service_summary`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from linli.core import scoping
from linli.core.cleaning import row_id
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap

from ..models import Certificate, Organisation, ServiceRecord, Transfer, Volunteer

__all__ = [
    "STATUSES",
    "Summary",
    "certificate_get",
    "certificate_list",
    "certificate_verify",
    "certifying_organisations",
    "home_organisation",
    "hours_text",
    "issue_candidates",
    "issue_volunteer",
    "listed_organisations",
    "may_certify",
    "my_certificates",
    "normal_number",
    "organisations_for",
    "record_sources",
    "same_request",
    "service_summary",
]

Status = Certificate.Status
STATUSES = tuple(Status.values)
TOP_ACTIVITIES = 3  # activity names a certificate lists before "and N more"
CANDIDATES_MAX = 20
ORGANISATIONS_MAX = 200
SEARCH_MAX = 50
# ZY + year + 12 characters in three groups, e.g. ZY2026-7KQ4-MZ8D-2XHA.
_NUMBER = re.compile(r"^ZY\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


def hours_text(value) -> str:
    """Hours as people write them: ``12``, ``12.5``, ``0.25``."""
    number = Decimal(value or 0).quantize(Decimal("0.01"))
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- the service an organisation may certify --------------------------------------------------


@dataclass
class Summary:
    """The service records of a volunteer that one organisation certifies over a period."""

    hours: Decimal = Decimal("0")
    records: int = 0
    activities: list[tuple[str, Decimal]] = field(default_factory=list)  # top by hours
    activity_count: int = 0
    groups: list[str] = field(default_factory=list)  # target group codes, by hours


def record_sources(volunteer_id: int, organisation_id: int) -> tuple[bool, bool]:
    """``(recorded, transferred)``: has the organisation written service records of the
    volunteer, and has it received their records by transfer? One query."""
    found = (
        Volunteer.objects.filter(pk=volunteer_id)
        .annotate(
            recorded=Exists(
                ServiceRecord.objects.filter(volunteer=OuterRef("pk"), organisation=organisation_id)
            ),
            transferred=Exists(
                Transfer.objects.filter(volunteer=OuterRef("pk"), to_organisation=organisation_id)
            ),
        )
        .values_list("recorded", "transferred")
        .first()
    )
    return (bool(found[0]), bool(found[1])) if found else (False, False)


def _records(
    volunteer_id: int,
    organisation_id: int,
    *,
    all_records: bool,
    period_from: dt.date | None,
    period_to: dt.date,
) -> QuerySet[ServiceRecord]:
    rows = ServiceRecord.objects.filter(volunteer_id=volunteer_id, served_on__lte=period_to)
    if not all_records:
        rows = rows.filter(organisation_id=organisation_id)
    if period_from is not None:
        rows = rows.filter(served_on__gte=period_from)
    return rows.order_by()


def service_summary(
    volunteer_id: int,
    organisation_id: int,
    *,
    all_records: bool,
    period_from: dt.date | None,
    period_to: dt.date,
) -> Summary:
    """The hours (service entries and corrections, summed in SQL), the number of service
    entries, the activities with the most hours and the groups served, of the records the
    organisation certifies (its own, or all of the volunteer's when ``all_records``). Three
    queries. Callers check who may ask first."""
    rows = _records(
        volunteer_id,
        organisation_id,
        all_records=all_records,
        period_from=period_from,
        period_to=period_to,
    )
    totals = rows.aggregate(
        hours=Sum("hours"),
        records=Count("pk", filter=Q(kind=ServiceRecord.Kind.SERVICE)),
        names=Count("activity_name", distinct=True),
    )
    by_name = (
        rows.values("activity_name")
        .annotate(total=Sum("hours"))
        .filter(total__gt=0)
        .order_by("-total", "activity_name")[:TOP_ACTIVITIES]
    )
    by_group = (
        rows.filter(activity__isnull=False)
        .values("activity__target_group")
        .annotate(total=Sum("hours"))
        .filter(total__gt=0)
        .order_by("-total", "activity__target_group")
    )
    return Summary(
        hours=Decimal(totals["hours"] or 0),
        records=totals["records"] or 0,
        activities=[(row["activity_name"], Decimal(row["total"])) for row in by_name],
        activity_count=totals["names"] or 0,
        groups=[row["activity__target_group"] for row in by_group],
    )


def same_request(
    volunteer_id: int, organisation_id: int, period_to: dt.date, hours: Decimal
) -> Certificate | None:
    """A valid certificate of all the volunteer's hours to ``period_to`` from the organisation
    with these hours: asked again, the volunteer gets it back instead of a new number."""
    return (
        Certificate.objects.filter(
            volunteer_id=volunteer_id,
            organisation_id=organisation_id,
            status=Status.VALID,
            period_from__isnull=True,
            period_to=period_to,
            hours=hours,
        )
        .select_related("organisation")
        .order_by("-id")
        .first()
    )


def home_organisation(volunteer: Volunteer) -> Organisation | None:
    """Who certifies a volunteer's own request: their organisation (when active), else the
    volunteer station of their home community."""
    organisation = volunteer.organisation
    if organisation is not None and organisation.active:
        return organisation
    return (
        Organisation.objects.filter(
            area_code=volunteer.area_code, kind=Organisation.Kind.STATION, active=True
        )
        .order_by("id")
        .first()
    )


# --- who may certify for whom ----------------------------------------------------------------


def may_certify(actor, area_code: str) -> bool:
    return scoping.has_cap(actor, Cap.VOLUNTEER_CERTIFY, area_code)


def certifying_organisations(actor) -> QuerySet[Organisation]:
    """Active organisations of the areas where the actor issues certificates."""
    return scoping.scope(
        Organisation.objects.filter(active=True), actor, Cap.VOLUNTEER_CERTIFY
    ).order_by("area_code", "name", "id")


def organisations_for(actor, volunteer_id: int) -> list[Organisation]:
    """The organisations that the actor certifies for and that may certify the volunteer's
    service: those that recorded some of it or received their records. One query."""
    rows = certifying_organisations(actor).filter(
        Q(
            Exists(
                ServiceRecord.objects.filter(volunteer_id=volunteer_id, organisation=OuterRef("pk"))
            )
        )
        | Q(
            Exists(
                Transfer.objects.filter(volunteer_id=volunteer_id, to_organisation=OuterRef("pk"))
            )
        )
    )
    return list(rows[:ORGANISATIONS_MAX])


def _certifiable(actor) -> QuerySet[Volunteer]:
    """Volunteers the actor reads (``volunteer.view``) or who served an organisation the actor
    certifies for."""
    if not scoping.has_cap(actor, Cap.VOLUNTEER_CERTIFY):
        raise Forbidden(_("You do not issue volunteer certificates anywhere."))
    seen = scoping.prefix_q(scoping.prefixes(actor, Cap.VOLUNTEER_VIEW))
    organisations = certifying_organisations(actor)
    served = Q(
        Exists(
            ServiceRecord.objects.filter(volunteer=OuterRef("pk"), organisation__in=organisations)
        )
    ) | Q(
        Exists(Transfer.objects.filter(volunteer=OuterRef("pk"), to_organisation__in=organisations))
    )
    return Volunteer.objects.filter(seen | served).select_related("area", "organisation")


def issue_candidates(*, actor, search: str = "") -> list[Volunteer]:
    """Volunteers a certificate may be issued to (see :func:`_certifiable`), found by their
    volunteer number or a part of their name. At most 20 (one query)."""
    text = " ".join(str(search or "").replace("\x00", "").split())[:SEARCH_MAX]
    rows = _certifiable(actor)
    if not text:
        return []
    rows = rows.filter(Q(number=text) | Q(name__contains=text))
    return list(rows.order_by("name", "id")[:CANDIDATES_MAX])


def issue_volunteer(*, actor, volunteer_id) -> Volunteer:
    """The volunteer a certificate is being prepared for (see :func:`_certifiable`)."""
    pk = row_id(volunteer_id)
    found = _certifiable(actor).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise NotFound(_("No such volunteer."))
    return found


# --- certificates --------------------------------------------------------------------------------


def _rows(qs: QuerySet[Certificate]) -> QuerySet[Certificate]:
    return qs.select_related("organisation", "volunteer")


def _readers_q(actor) -> Q:
    """Certificates of the actor's areas, and their own."""
    mine = Q(volunteer__user_id=actor.pk) if getattr(actor, "is_authenticated", False) else Q()
    staff = scoping.prefix_q(scoping.prefixes(actor, Cap.VOLUNTEER_VIEW))
    return staff | mine if mine else staff


def listed_organisations(*, actor) -> list[tuple[int, str]]:
    """The organisations of the actor's areas (for the list's filter), at most 200."""
    rows = scoping.scope(Organisation.objects.all(), actor, Cap.VOLUNTEER_VIEW)
    return list(
        rows.order_by("area_code", "name", "id").values_list("id", "name")[:ORGANISATIONS_MAX]
    )


def certificate_list(*, actor, filters: dict | None = None) -> QuerySet[Certificate]:
    """Certificates issued by the organisations of the actor's areas (``volunteer.view``),
    latest first. Filters: ``status`` (valid, revoked), ``organisation`` (id), ``volunteer``
    (id) and ``volunteer_number`` (the volunteer number)."""
    if not scoping.has_cap(actor, Cap.VOLUNTEER_VIEW):
        raise Forbidden(_("You do not read volunteer certificates of any area."))
    filters = filters or {}
    qs = scoping.scope(Certificate.objects.all(), actor, Cap.VOLUNTEER_VIEW)
    status = str(filters.get("status") or "")
    if status:
        if status not in STATUSES:
            raise ActionError(
                _("Unknown status: %(status)s.") % {"status": status[:20]}, field="status"
            )
        qs = qs.filter(status=status)
    if filters.get("organisation") not in (None, ""):
        pk = row_id(filters["organisation"])
        if pk is None:
            raise ActionError(_("An organisation is given by its number."), field="organisation")
        qs = qs.filter(organisation_id=pk)
    if filters.get("volunteer") not in (None, ""):
        pk = row_id(filters["volunteer"])
        if pk is None:
            raise ActionError(_("A volunteer is given by their record's id."), field="volunteer")
        qs = qs.filter(volunteer_id=pk)
    number = " ".join(str(filters.get("volunteer_number") or "").split())[:20]
    if number:
        qs = qs.filter(volunteer__number=number)
    return _rows(qs).order_by("-issued_on", "-id")


def my_certificates(*, actor) -> QuerySet[Certificate]:
    """The actor's own certificates (as a volunteer), latest first; none when they are not
    one."""
    if not getattr(actor, "is_authenticated", False):
        return Certificate.objects.none()
    return _rows(Certificate.objects.filter(volunteer__user_id=actor.pk)).order_by(
        "-issued_on", "-id"
    )


def certificate_get(*, actor, certificate_id) -> Certificate:
    """One certificate the actor reads (staff of its area, or its holder)."""
    pk = row_id(certificate_id)
    if pk is None or not getattr(actor, "is_authenticated", False):
        raise NotFound(_("No such certificate."))
    found = _rows(Certificate.objects.filter(_readers_q(actor), pk=pk)).first()
    if found is None:
        raise NotFound(_("No such certificate."))
    return found


def normal_number(value) -> str | None:
    """A certificate number as printed (upper case, dashes) from what someone typed, or None
    when it cannot be one."""
    text = "".join(str(value or "").replace("\x00", "").split()).upper()[:40]
    compact = text.replace("-", "").replace("－", "").replace("—", "")
    if len(compact) == 18 and compact.startswith("ZY"):
        text = f"{compact[:6]}-{compact[6:10]}-{compact[10:14]}-{compact[14:]}"
    return text if _NUMBER.match(text) else None


def certificate_verify(*, number) -> Certificate:
    """The public check of a certificate by its number (no login). Only the printed fields
    are read; an unknown number is ``NotFound``."""
    found = normal_number(number)
    row = None
    if found is not None:
        row = (
            Certificate.objects.filter(number=found)
            .select_related("organisation")
            .only(
                "number",
                "status",
                "revoked_at",
                "holder_name",
                "holder_id_masked",
                "period_from",
                "period_to",
                "hours",
                "content",
                "issued_on",
                "organisation__name",
            )
            .first()
        )
    if row is None:
        raise NotFound(_("There is no certificate with this number."))
    return row
