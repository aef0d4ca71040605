"""Volunteer service certificates (志愿服务证明, after《志愿服务记录与证明出具办法》): issued
free by the volunteer organisation, truthfully, from its service records — the volunteer's
identity (masked ID number), the hours and the service, the issuing organisation, the date and
a number; revoked with a reason; downloaded as an A4 PDF with a QR code of the public
verification page.

- :func:`certificate_issue` — staff with ``volunteer.certify`` over the organisation's area
  certify a volunteer's hours over a period (:func:`certificate_check` is the same without
  writing: the preview);
- :func:`certificate_request` — a volunteer asks for a certificate of all their hours to date
  from their organisation (or their community's volunteer station); asked again with nothing
  new, they get the same certificate back (:func:`certificate_request_check`: the preview);
- :func:`certificate_revoke` — with a reason; a revoked certificate stays verifiable as revoked;
- :func:`certificate_pdf` — the PDF, each download an audit event.

What is printed is frozen at issue: the name, the masked ID number (or "not registered"), the
period, the hours (service entries and corrections summed in SQL), the number of service
entries and the service content (the activities with the most hours, "and N more", and the
groups served, written in Chinese, the language of the certificate). Numbers are random
(``models.new_certificate_number``); a clash with an existing one is retried with another.
Audit extras hold ids, counts and flags only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_bidi, ngettext, pgettext
from django.utils.translation import gettext as _

from linli.core import actions as core_actions
from linli.core import audit, scoping
from linli.core.cleaning import Errors, line, row_id
from linli.core.cleaning import date as clean_date
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.pii import mask_id_number
from linli.core.roles import Cap

from .. import models
from ..models import Certificate, Organisation, TargetGroup, Volunteer, star_for
from ..queries import certificates as q
from ..queries._common import own_volunteer
from ._common import current_time

__all__ = [
    "CHINESE",
    "PDF",
    "Draft",
    "certificate_check",
    "certificate_html",
    "certificate_issue",
    "certificate_pdf",
    "certificate_pdf_document",
    "certificate_request",
    "certificate_request_check",
    "certificate_revoke",
    "qr_svg",
]

CHINESE = "zh-hans"  # the language of the certificate itself
PDF = "application/pdf"
NUMBER_TRIES = 5
REASON_MAX = Certificate._meta.get_field("revoke_reason").max_length
CONTENT_MAX = Certificate._meta.get_field("content").max_length
MASKED_MAX = Certificate._meta.get_field("holder_id_masked").max_length
NAME_MAX = Certificate._meta.get_field("holder_name").max_length


def _signed_in(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False))


def _today() -> dt.date:
    return timezone.localdate(current_time())


def _day(value: dt.date) -> str:
    return formats.date_format(value, "Y-m-d")


# --- what a certificate says --------------------------------------------------------------------


@dataclass
class Draft:
    """A certificate that passed every rule, not yet written."""

    volunteer: Volunteer
    organisation: Organisation
    period_from: dt.date | None
    period_to: dt.date
    summary: q.Summary
    holder_name: str
    holder_id_masked: str
    content: str

    @property
    def hours(self) -> Decimal:
        return self.summary.hours

    @property
    def records(self) -> int:
        return self.summary.records

    @property
    def star(self) -> int:
        return star_for(self.summary.hours)


def _content(summary: q.Summary) -> str:
    """The service content as the certificate prints it (in Chinese): the activities with the
    most hours, "and N more", and the groups served."""
    with translation.override(CHINESE):
        comma = pgettext("list separator", ", ")
        text = comma.join(name for name, _hours in summary.activities)
        if summary.activity_count > len(summary.activities):
            text = ngettext(
                "%(names)s and others, %(count)d activity in all",
                "%(names)s and others, %(count)d activities in all",
                summary.activity_count,
            ) % {"names": text, "count": summary.activity_count}
        groups = [
            str(TargetGroup(code).label) for code in summary.groups if code in TargetGroup.values
        ]
        if groups:
            text = _("%(activities)s; serving %(groups)s") % {
                "activities": text,
                "groups": comma.join(groups),
            }
    return text[:CONTENT_MAX]


def _holder(volunteer: Volunteer) -> tuple[str, str]:
    """The name and masked ID number printed on the certificate (frozen at issue)."""
    with translation.override(CHINESE):
        masked = mask_id_number(volunteer.id_number) or _("not registered")
    return volunteer.name[:NAME_MAX], masked[:MASKED_MAX]


def _draft(
    volunteer: Volunteer,
    organisation: Organisation,
    summary: q.Summary,
    period_from: dt.date | None,
    period_to: dt.date,
) -> Draft:
    name, masked = _holder(volunteer)
    return Draft(
        volunteer=volunteer,
        organisation=organisation,
        period_from=period_from,
        period_to=period_to,
        summary=summary,
        holder_name=name,
        holder_id_masked=masked,
        content=_content(summary),
    )


def _write(actor, draft: Draft) -> Certificate:
    """Insert the certificate under a fresh random number (another one on a clash)."""
    issued_on = _today()
    for _attempt in range(NUMBER_TRIES):
        number = models.new_certificate_number(issued_on.year)
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    number=number,
                    volunteer=draft.volunteer,
                    organisation=draft.organisation,
                    area_code=draft.organisation.area_code,
                    holder_name=draft.holder_name,
                    holder_id_masked=draft.holder_id_masked,
                    period_from=draft.period_from,
                    period_to=draft.period_to,
                    hours=draft.hours,
                    records=draft.records,
                    content=draft.content,
                    issued_on=issued_on,
                    issued_by=actor if _signed_in(actor) else None,
                    created_at=current_time(),
                )
        except IntegrityError:
            if not Certificate.objects.filter(number=number).exists():
                raise
    raise Conflict(_("No free certificate number was found just now; please try again."))


def _audit_issue(actor, certificate: Certificate, *, self_service: bool) -> None:
    audit.record(
        actor,
        "volunteers.certificate.issue",
        certificate,
        extra={
            "volunteer": certificate.volunteer_id,
            "organisation": certificate.organisation_id,
            "hours": float(certificate.hours),
            "records": certificate.records,
            "period_from": certificate.period_from.isoformat() if certificate.period_from else None,
            "period_to": certificate.period_to.isoformat(),
            "self_service": self_service,
        },
    )


def _tell_holder(certificate: Certificate, kind: str, text: Callable[[], str]) -> None:
    user = certificate.volunteer.user
    if user is None:
        return
    core_actions.notify(
        [user],
        kind=kind,
        text=text,
        url=reverse("volunteers:my_certificates"),
        target=certificate,
    )


# --- issue ---------------------------------------------------------------------------------------


def certificate_check(
    *, actor, volunteer_id, organisation_id, period_from=None, period_to=None
) -> Draft:
    """Every rule of :func:`certificate_issue`, without writing (the preview of the hours).
    ``period_from`` None: from the first record; ``period_to`` None: today."""
    if not _signed_in(actor):
        raise Forbidden(_("Log in to issue volunteer certificates."))
    if not scoping.has_cap(actor, Cap.VOLUNTEER_CERTIFY):
        raise Forbidden(_("You do not issue volunteer certificates."))
    errors = Errors()
    organisation = None
    org_pk = row_id(organisation_id)
    if org_pk is None:
        errors.add("organisation_id", _("Choose the issuing organisation."))
    else:
        organisation = Organisation.objects.filter(pk=org_pk).first()
        if organisation is None:
            errors.add("organisation_id", _("No such organisation."))
        elif not q.may_certify(actor, organisation.area_code):
            raise Forbidden(
                _("You do not issue certificates for %(organisation)s.")
                % {"organisation": organisation.name}
            )
        elif not organisation.active:
            errors.add(
                "organisation_id",
                _("%(organisation)s is no longer active; it cannot issue certificates.")
                % {"organisation": organisation.name},
            )
            organisation = None
    vol_pk = row_id(volunteer_id)
    volunteer = Volunteer.objects.filter(pk=vol_pk).first() if vol_pk is not None else None
    transferred = False
    if vol_pk is None:
        errors.add("volunteer_id", _("Choose the volunteer."))
    elif volunteer is None:
        errors.add("volunteer_id", _("No such volunteer."))
    else:
        recorded, transferred = (
            q.record_sources(volunteer.pk, organisation.pk) if organisation else (False, False)
        )
        if not (recorded or transferred):
            if scoping.has_cap(actor, Cap.VOLUNTEER_VIEW, volunteer.area_code):
                if organisation is not None:
                    errors.add(
                        "volunteer_id",
                        _(
                            "%(organisation)s has no service records of %(name)s. A "
                            "certificate is issued by the organisation that recorded the "
                            "service, or that received the records by transfer."
                        )
                        % {"organisation": organisation.name, "name": volunteer.name},
                    )
            else:  # a volunteer the actor neither reads nor certifies is not named
                errors.add("volunteer_id", _("No such volunteer."))
                volunteer = None
    today = _today()
    start = clean_date(errors, "period_from", period_from)
    end = clean_date(errors, "period_to", period_to) if period_to not in (None, "") else today
    if end is not None and end > today:
        errors.add("period_to", _("The period cannot end after today."))
    if start is not None and end is not None and start > end:
        errors.add("period_from", _("The period must begin on or before its end."))
    errors.raise_if_any(_("The certificate was not issued."))
    assert volunteer is not None and organisation is not None and end is not None
    summary = q.service_summary(
        volunteer.pk,
        organisation.pk,
        all_records=transferred,
        period_from=start,
        period_to=end,
    )
    if summary.hours <= 0:
        raise ActionError(
            _(
                "%(name)s has no service hours recorded by %(organisation)s in this period; "
                "there is nothing to certify."
            )
            % {"name": volunteer.name, "organisation": organisation.name},
            code="no_hours",
        )
    return _draft(volunteer, organisation, summary, start, end)


def certificate_issue(
    *, actor, volunteer_id, organisation_id, period_from=None, period_to=None
) -> Certificate:
    """Issue a certificate of the volunteer's hours recorded by (or transferred to) the
    organisation over the period; the volunteer is told."""
    with transaction.atomic():
        draft = certificate_check(
            actor=actor,
            volunteer_id=volunteer_id,
            organisation_id=organisation_id,
            period_from=period_from,
            period_to=period_to,
        )
        certificate = _write(actor, draft)
        _audit_issue(actor, certificate, self_service=False)
        hours = q.hours_text(certificate.hours)
        name = draft.organisation.name
        _tell_holder(
            certificate,
            "volunteers.certificate",
            lambda: (
                _("%(organisation)s issued you a volunteer service certificate of %(hours)s hours.")
                % {"organisation": name, "hours": hours}
            ),
        )
    return certificate


# --- the volunteer's own request ---------------------------------------------------------------


def _request_draft(actor, volunteer: Volunteer | None) -> Draft:
    if volunteer is None:
        raise NotFound(_("You are not registered as a volunteer yet."))
    organisation = q.home_organisation(volunteer)
    if organisation is None:
        raise Conflict(
            _(
                "Your community has no volunteer station to issue certificates yet. Ask your "
                "community office, or the organisation you served with, for a certificate."
            )
        )
    recorded, transferred = q.record_sources(volunteer.pk, organisation.pk)
    today = _today()
    summary = q.service_summary(
        volunteer.pk, organisation.pk, all_records=transferred, period_from=None, period_to=today
    )
    if not (recorded or transferred) or summary.hours <= 0:
        raise Conflict(
            _(
                "%(organisation)s has no service hours of yours on record yet. A certificate is "
                "issued by the organisation that recorded your service: ask its organiser, or "
                "your community office."
            )
            % {"organisation": organisation.name}
        )
    return _draft(volunteer, organisation, summary, None, today)


def certificate_request_check(*, actor) -> Draft:
    """What :func:`certificate_request` would certify now, without writing (its preview)."""
    if not _signed_in(actor):
        raise Forbidden(_("Log in to ask for your certificate."))
    return _request_draft(actor, own_volunteer(actor))


def certificate_request(*, actor) -> Certificate:
    """The volunteer's own certificate of all their hours to date, issued by their
    organisation (or their community's station) with the volunteer as the one who asked. A
    valid certificate of the same organisation, end date and hours is returned instead of a
    new one (``written_now`` says which)."""
    if not _signed_in(actor):
        raise Forbidden(_("Log in to ask for your certificate."))
    with transaction.atomic():
        own = own_volunteer(actor)
        volunteer = (
            Volunteer.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=own.pk)
            if own is not None
            else None
        )
        draft = _request_draft(actor, volunteer)
        found = q.same_request(
            draft.volunteer.pk, draft.organisation.pk, draft.period_to, draft.hours
        )
        if found is not None:
            found.written_now = False
            return found
        certificate = _write(actor, draft)
        _audit_issue(actor, certificate, self_service=True)
    certificate.written_now = True
    return certificate


# --- revoke --------------------------------------------------------------------------------------


def certificate_revoke(*, actor, certificate_id, reason) -> Certificate:
    """Revoke a certificate (``volunteer.certify`` over its organisation's area) with a reason;
    the verification page then shows it as revoked, with the date. The holder is told."""
    with transaction.atomic():
        certificate = q.certificate_get(actor=actor, certificate_id=certificate_id)
        if not q.may_certify(actor, certificate.area_code):
            raise Forbidden(
                _("You do not revoke certificates of %(organisation)s.")
                % {"organisation": certificate.organisation.name}
            )
        errors = Errors()
        text = line(errors, "reason", reason, max_length=REASON_MAX, required=True)
        errors.raise_if_any(_("The certificate was not revoked."))
        locked = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("organisation", "volunteer__user")
            .get(pk=certificate.pk)
        )
        if locked.status == Certificate.Status.REVOKED:
            raise Conflict(
                _("This certificate was already revoked on %(day)s.")
                % {"day": _day(timezone.localtime(locked.revoked_at))}
            )
        locked.status = Certificate.Status.REVOKED
        locked.revoked_at = current_time()
        locked.revoke_reason = text
        locked.save(update_fields=["status", "revoked_at", "revoke_reason"])
        audit.record(
            actor,
            "volunteers.certificate.revoke",
            locked,
            extra={"volunteer": locked.volunteer_id, "organisation": locked.organisation_id},
        )
        issued = _day(locked.issued_on)
        name = locked.organisation.name
        _tell_holder(
            locked,
            "volunteers.certificate",
            lambda: (
                _(
                    "Your volunteer service certificate of %(day)s from %(organisation)s was "
                    "revoked: %(reason)s"
                )
                % {"day": issued, "organisation": name, "reason": text}
            ),
        )
    return locked


# --- the PDF -------------------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (sized by the style sheet)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True)


def certificate_html(certificate: Certificate, *, verify_url: str) -> str:
    """The HTML that WeasyPrint lays out: the certificate in Chinese, followed by the same text
    in the reader's language when that is another one."""
    language = get_language() or CHINESE
    star = star_for(certificate.hours)
    second = "" if language.lower().startswith("zh") else language
    return render_to_string(
        "volunteers/certificates/pdf.html",
        {
            "certificate": certificate,
            "hours": q.hours_text(certificate.hours),
            "stars": {"level": star, "marks": "★" * star},
            "chinese": CHINESE,
            "second": second,
            "second_bidi": get_language_bidi() if second else False,
            "verify_url": verify_url,
            "qr": mark_safe(qr_svg(verify_url)),  # noqa: S308 (segno's own SVG of the URL)
        },
    )


def _no_fetch(url: str, *args, **kwargs):
    """The PDF embeds everything it shows; it never loads a file or a URL."""
    raise ValueError("the certificate does not load external resources")


def certificate_pdf_document(certificate: Certificate, *, verify_url: str):
    """The rendered WeasyPrint document (pages and their boxes) of the certificate."""
    from weasyprint import HTML

    html = certificate_html(certificate, verify_url=verify_url)
    return HTML(string=html, url_fetcher=_no_fetch).render()


def certificate_pdf(
    *, actor, certificate_id, absolute_url: Callable[[str], str]
) -> tuple[str, bytes]:
    """The certificate as an A4 PDF, ``(filename, content)``, for its holder or the staff who
    read it; ``absolute_url`` makes the verification address absolute (the request's
    ``build_absolute_uri``). A revoked certificate is not handed out again. Audited."""
    certificate = q.certificate_get(actor=actor, certificate_id=certificate_id)
    if certificate.status == Certificate.Status.REVOKED:
        raise Conflict(
            _("This certificate was revoked on %(day)s; it can no longer be downloaded.")
            % {"day": _day(timezone.localtime(certificate.revoked_at))}
        )
    verify_url = absolute_url(reverse("volunteers:verify", args=[certificate.number]))
    content = certificate_pdf_document(certificate, verify_url=verify_url).write_pdf()
    with transaction.atomic():
        audit.record(
            actor,
            "volunteers.certificate.download",
            certificate,
            extra={
                "format": "pdf",
                "volunteer": certificate.volunteer_id,
                "organisation": certificate.organisation_id,
                "holder": certificate.volunteer.user_id == actor.pk,
                "bytes": len(content),
            },
        )
    return f"{certificate.number}.pdf", content
