"""Volunteers (志愿者), their organisations and teams (服务队), projects from a project library,
activities with shifts, sign-ups and attendance, service records (志愿服务记录) in the fields of
the national rules (《志愿服务记录与证明出具办法》), star levels, the time bank (时间银行) and
service certificates (志愿服务证明).

Rules the tables keep themselves:

- A service record is never edited: a correction is a new record (``kind=correction``) that
  points at the record it corrects, carries a signed number of hours and a reason. The hours of
  a volunteer are the sum of their records.
- A points balance never goes below zero (a check constraint), and every change of it is one
  row of the points ledger written under a lock on the volunteer's row.
- A live sign-up is unique per shift and volunteer; confirmed sign-ups never exceed the shift's
  spots (the sign-up action locks the shift row; the waitlist takes the rest).
- A certificate number is random and unique; the verification page shows only what the
  certificate prints.
"""

from .activities import Activity, Project, Shift, Signup
from .people import Membership, Organisation, Team, Volunteer
from .records import Certificate, Offer, PointsEntry, ServiceRecord, Transfer
from .vocab import (
    AVAILABILITY,
    DAYS,
    PARTS,
    STAR_HOURS,
    Skill,
    TargetGroup,
    new_certificate_number,
    new_token,
    star_for,
)

__all__ = [
    "AVAILABILITY",
    "DAYS",
    "PARTS",
    "STAR_HOURS",
    "Activity",
    "Certificate",
    "Membership",
    "Offer",
    "Organisation",
    "PointsEntry",
    "Project",
    "ServiceRecord",
    "Shift",
    "Signup",
    "Skill",
    "TargetGroup",
    "Team",
    "Transfer",
    "Volunteer",
    "new_certificate_number",
    "new_token",
    "star_for",
]
