"""Volunteer service certificates at /api/v1/volunteers/: the certificates of your areas, one
certificate, its PDF, issue (with a preview of the hours) and revoke; your own certificates and
asking for one; and the public verification of a certificate by its number (no login).

Each operation parses, calls one action or query of :mod:`linli.volunteers`, and shapes the
answer. Errors are problem+json: 400 with per-field ``errors``, 403 when the step is not yours,
404 when the certificate (or number) is not there for you, 409 when it cannot be done now (a
revoked certificate's PDF, a certificate already revoked, nothing to certify).
"""

from typing import Annotated

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from linli.core.pagination import Page
from linli.core.schemas import MAX_ID

from ..actions import certificates as actions
from ..models import Certificate, star_for
from ..queries import certificates as q
from ..schemas.certificates import (
    VolunteerCertificateFilters,
    VolunteerCertificateIn,
    VolunteerCertificateOut,
    VolunteerCertificatePreviewOut,
    VolunteerCertificateRevokeIn,
    VolunteerCertificateVerifyOut,
)

router = Router()

CertificateId = Annotated[int, Path(ge=1, le=MAX_ID, description="the certificate")]
Number = Annotated[
    str, Path(max_length=40, description="the certificate number, e.g. ZY2026-7KQ4-MZ8D-2XHA")
]


def _verify_url(request, number: str) -> str:
    return request.build_absolute_uri(reverse("volunteers:verify", args=[number]))


def _certificate(request, certificate: Certificate) -> dict:
    return {
        "id": certificate.pk,
        "number": certificate.number,
        "status": certificate.status,
        "status_label": str(Certificate.Status(certificate.status).label),
        "volunteer_id": certificate.volunteer_id,
        "organisation_id": certificate.organisation_id,
        "organisation_name": certificate.organisation.name,
        "area_code": certificate.area_code,
        "holder_name": certificate.holder_name,
        "holder_id_masked": certificate.holder_id_masked,
        "period_from": certificate.period_from,
        "period_to": certificate.period_to,
        "hours": float(certificate.hours),
        "records": certificate.records,
        "content": certificate.content,
        "star": star_for(certificate.hours),
        "issued_on": certificate.issued_on,
        "self_service": certificate.issued_by_id is not None
        and certificate.issued_by_id == certificate.volunteer.user_id,
        "revoked_at": certificate.revoked_at,
        "revoke_reason": certificate.revoke_reason,
        "verify_url": _verify_url(request, certificate.number),
    }


class _Certificates:
    """A queryset whose sliced page is shaped for the answer (one query a page)."""

    def __init__(self, request, qs):
        self.request, self.qs = request, qs

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, index):
        return [_certificate(self.request, row) for row in self.qs[index]]


def _one(request, certificate_id: int) -> dict:
    return _certificate(
        request, q.certificate_get(actor=request.user, certificate_id=certificate_id)
    )


def _preview(draft: actions.Draft) -> dict:
    return {
        "volunteer_id": draft.volunteer.pk,
        "organisation_id": draft.organisation.pk,
        "organisation_name": draft.organisation.name,
        "holder_name": draft.holder_name,
        "holder_id_masked": draft.holder_id_masked,
        "period_from": draft.period_from,
        "period_to": draft.period_to,
        "hours": float(draft.hours),
        "records": draft.records,
        "content": draft.content,
        "star": draft.star,
    }


# --- staff ---------------------------------------------------------------------------------------


@router.get(
    "certificates",
    response=list[VolunteerCertificateOut],
    summary="Volunteer certificates of your areas, filtered",
)
@paginate(Page)
def certificate_list(request, filters: Query[VolunteerCertificateFilters]):
    """For holders of ``volunteer.view``: the certificates issued by the organisations of
    their areas, latest first."""
    wanted = {k: v for k, v in filters.dict().items() if v not in (None, "")}
    return _Certificates(request, q.certificate_list(actor=request.user, filters=wanted))


@router.post(
    "certificates/preview",
    response=VolunteerCertificatePreviewOut,
    summary="What a certificate would say, without issuing it",
)
def certificate_preview(request, payload: VolunteerCertificateIn):
    """The same rules as issuing (400/403/404 alike); nothing is written."""
    return _preview(actions.certificate_check(actor=request.user, **payload.dict()))


@router.post(
    "certificates",
    response={201: VolunteerCertificateOut},
    summary="Issue a volunteer service certificate",
)
def certificate_issue(request, payload: VolunteerCertificateIn):
    """For holders of ``volunteer.certify`` over the organisation's area. The organisation
    must have recorded service of the volunteer (its own records count) or received their
    records by transfer (all of them count). The hours are those served in the period;
    a period without hours is refused (400 ``no_hours``). The volunteer is told."""
    certificate = actions.certificate_issue(actor=request.user, **payload.dict())
    return Status(201, _one(request, certificate.pk))


@router.get(
    "certificates/{int:certificate_id}",
    response=VolunteerCertificateOut,
    summary="One volunteer certificate",
)
def certificate_detail(request, certificate_id: CertificateId):
    """Staff of the issuing organisation's area, or the holder."""
    return _one(request, certificate_id)


@router.get(
    "certificates/{int:certificate_id}.pdf",
    summary="A volunteer certificate as an A4 PDF (audited)",
    openapi_extra={
        "responses": {
            200: {
                "description": "the certificate",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def certificate_pdf(request, certificate_id: CertificateId):
    """In Chinese (and in your language when it is another), with a QR code of the public
    verification page. 409 for a revoked certificate."""
    filename, content = actions.certificate_pdf(
        actor=request.user, certificate_id=certificate_id, absolute_url=request.build_absolute_uri
    )
    response = HttpResponse(content, content_type=actions.PDF)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@router.post(
    "certificates/{int:certificate_id}/revoke",
    response=VolunteerCertificateOut,
    summary="Revoke a volunteer certificate",
)
def certificate_revoke(
    request, payload: VolunteerCertificateRevokeIn, certificate_id: CertificateId
):
    """For holders of ``volunteer.certify`` over the issuing organisation's area, with a
    reason (the holder is told). The verification then shows it as revoked, with the date
    but not the reason. 409 when it already was."""
    actions.certificate_revoke(
        actor=request.user, certificate_id=certificate_id, reason=payload.reason
    )
    return _one(request, certificate_id)


# --- the volunteer -------------------------------------------------------------------------------


@router.get(
    "me/certificates",
    response=list[VolunteerCertificateOut],
    summary="Your own volunteer certificates",
)
@paginate(Page)
def my_certificates(request):
    """Latest first; empty when you are not a volunteer."""
    return _Certificates(request, q.my_certificates(actor=request.user))


@router.post(
    "me/certificates",
    response={200: VolunteerCertificateOut, 201: VolunteerCertificateOut},
    summary="Ask for a certificate of all your hours to date",
)
def my_certificate_request(request):
    """Issued by your organisation, or your community's volunteer station, from their
    records of your service (all of them once your records were transferred there). 201 with
    a new certificate; 200 with the one you already have when nothing changed since (same
    organisation, same day, same hours). 404 when you are not a volunteer, 409 when there is
    no organisation to issue it or no hours to certify (the message says whom to ask)."""
    certificate = actions.certificate_request(actor=request.user)
    return Status(201 if certificate.written_now else 200, _one(request, certificate.pk))


# --- anyone --------------------------------------------------------------------------------------


@router.get(
    "verify/{number}",
    auth=None,
    response=VolunteerCertificateVerifyOut,
    summary="Verify a volunteer certificate by its number (public)",
)
def certificate_verify(request, number: Number):
    """No login. Exactly what the certificate prints — name, masked ID number, period, hours,
    star level, service content, issuing organisation, date, number — and whether it is valid
    or was revoked (with the date, not the reason). 404 when no certificate has this number."""
    certificate = q.certificate_verify(number=number)
    return {
        "number": certificate.number,
        "status": certificate.status,
        "status_label": str(Certificate.Status(certificate.status).label),
        "revoked_on": timezone.localdate(certificate.revoked_at)
        if certificate.revoked_at
        else None,
        "holder_name": certificate.holder_name,
        "holder_id_masked": certificate.holder_id_masked,
        "period_from": certificate.period_from,
        "period_to": certificate.period_to,
        "hours": float(certificate.hours),
        "star": star_for(certificate.hours),
        "content": certificate.content,
        "organisation_name": certificate.organisation.name,
        "issued_on": certificate.issued_on,
    }
