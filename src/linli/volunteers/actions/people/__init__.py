"""Every write of the people family: volunteers (registration by themselves or by a worker,
corrections, status, consent withdrawal, reveal), phone codes, organisations, teams and
memberships. Functions are ``<entity>_<verb>(*, actor, …)``."""

from .consent import CONSENT_POINTS, CONSENT_TITLE, CONSENT_VERSION, PAPER_FORM_NOTE
from .organisations import KIND_LEVELS, organisation_create, organisation_update
from .phone import account_phone_verified, verified_without_code, volunteer_code_send
from .status import (
    REVEALABLE,
    volunteer_reveal,
    volunteer_set_own_status,
    volunteer_set_status,
    volunteer_withdraw,
)
from .teams import (
    team_create,
    team_join,
    team_leave,
    team_member_add,
    team_member_remove,
    team_member_set_role,
    team_update,
)
from .volunteers import (
    volunteer_join,
    volunteer_register,
    volunteer_update,
    volunteer_update_own,
)

__all__ = [
    "CONSENT_POINTS",
    "CONSENT_TITLE",
    "CONSENT_VERSION",
    "KIND_LEVELS",
    "PAPER_FORM_NOTE",
    "REVEALABLE",
    "account_phone_verified",
    "organisation_create",
    "organisation_update",
    "team_create",
    "team_join",
    "team_leave",
    "team_member_add",
    "team_member_remove",
    "team_member_set_role",
    "team_update",
    "verified_without_code",
    "volunteer_code_send",
    "volunteer_join",
    "volunteer_register",
    "volunteer_reveal",
    "volunteer_set_own_status",
    "volunteer_set_status",
    "volunteer_update",
    "volunteer_update_own",
    "volunteer_withdraw",
]
