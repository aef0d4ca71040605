"""API shapes of volunteer service certificates (/api/v1/volunteers/…).

Inputs refuse unknown members and NUL characters; the rules (who may certify for which
organisation, the period, the hours) are the actions', which answer 400 with per-field
``errors`` (403 refused, 404 not visible, 409 not possible now). A certificate carries the ID
number masked as it was printed; the public verification carries only what is printed.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

from linli.core.schemas import Id, In, Text

from ..models import Certificate

CertificateStatus = Literal["valid", "revoked"]
assert set(CertificateStatus.__args__) == set(Certificate.Status.values)  # type: ignore[attr-defined]


class VolunteerCertificateOut(Schema):
    id: int
    number: str = Field(..., description="e.g. ZY2026-7KQ4-MZ8D-2XHA: random, unguessable")
    status: CertificateStatus
    status_label: str
    volunteer_id: int
    organisation_id: int
    organisation_name: str = Field(..., description="the issuing organisation")
    area_code: str = Field(..., description="the issuing organisation's area")
    holder_name: str
    holder_id_masked: str = Field(..., description="as printed, e.g. 2204**********0021")
    period_from: dt.date | None = Field(..., description="None: all service up to period_to")
    period_to: dt.date
    hours: float = Field(..., description="service hours (entries and corrections)")
    records: int = Field(..., description="service entries counted")
    content: str = Field(..., description="the service content as printed")
    star: int = Field(..., ge=0, le=5, description="the star level these hours reach")
    issued_on: dt.date
    self_service: bool = Field(..., description="asked for by the volunteer themselves")
    revoked_at: dt.datetime | None
    revoke_reason: str
    verify_url: str = Field(..., description="the public verification page (the QR code)")


class VolunteerCertificateIn(In):
    volunteer_id: Id
    organisation_id: Id = Field(..., description="the issuing organisation")
    period_from: dt.date | None = Field(None, description="None: from the first service")
    period_to: dt.date | None = Field(None, description="None: today")


class VolunteerCertificatePreviewOut(Schema):
    volunteer_id: int
    organisation_id: int
    organisation_name: str
    holder_name: str
    holder_id_masked: str
    period_from: dt.date | None
    period_to: dt.date
    hours: float
    records: int
    content: str
    star: int


class VolunteerCertificateRevokeIn(In):
    reason: Text = Field(..., max_length=200, description="why; the holder is told")


class VolunteerCertificateFilters(Schema):
    status: CertificateStatus | None = None
    organisation: Id | None = Field(None, description="the issuing organisation")
    volunteer: Id | None = Field(None, description="the volunteer's record")
    volunteer_number: Text = Field("", max_length=20, description="the volunteer number")


class VolunteerCertificateVerifyOut(Schema):
    """Exactly what the certificate prints, and whether it still stands."""

    number: str
    status: CertificateStatus
    status_label: str
    revoked_on: dt.date | None = Field(..., description="when it was revoked (not why)")
    holder_name: str
    holder_id_masked: str
    period_from: dt.date | None
    period_to: dt.date
    hours: float
    star: int
    content: str
    organisation_name: str
    issued_on: dt.date
