"""The consent a volunteer gives to the keeping of their record (PIPL art. 13–17, 29): what is
kept, why, who sees it, how long, and how to withdraw. The text is versioned: a volunteer's
record stores the version they agreed to (``consent_version``) and when (``consent_at``).

Change the text → raise :data:`CONSENT_VERSION` (a volunteer who returns after leaving agrees to
the text of the day). A worker registering someone at the window records that the person
signed the paper form that prints this same text.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = "2026-1"

CONSENT_TITLE = _("Consent to keep your volunteer record")

# (heading, text) pairs, in the order they are shown.
CONSENT_POINTS = (
    (
        _("What is kept"),
        _(
            "Your real name, ID number and mobile number; the skills, languages, free times "
            "and areas you give; whether you are a party member; the teams you join, the "
            "activities you sign up for and the service hours recorded for you."
        ),
    ),
    (
        _("Why"),
        _(
            "To organise volunteer service near you, to record your service hours as the "
            "national rules on volunteer service records require, to award star levels and "
            "time-bank points, and to issue service certificates that anyone can check."
        ),
    ),
    (
        _("Who sees it"),
        _(
            "The volunteer service workers of your community, town and county, and the "
            "organisation that runs an activity you join. Lists show your ID and mobile "
            "numbers masked; showing one in full is recorded in the audit log. Nothing is "
            "given to anyone else unless the law requires it."
        ),
    ),
    (
        _("How long"),
        _(
            "Your details for as long as you volunteer; your service records for as long as "
            "the rules on volunteer service records require, so that your certificates stay "
            "verifiable."
        ),
    ),
    (
        _("How to withdraw"),
        _(
            "You can pause or leave at any time on your volunteer page. If you withdraw your "
            "consent, your mobile number, free times, skills, languages and areas are erased "
            "at once and you leave your teams; your name, ID number and service records are "
            "kept only as the rules on service records require, and no longer used to "
            "contact you."
        ),
    ),
)

PAPER_FORM_NOTE = _(
    "By ticking this box you confirm that the person signed the paper consent form with this "
    "text (version %(version)s), and that it is filed at the service hall."
)

__all__ = ["CONSENT_POINTS", "CONSENT_TITLE", "CONSENT_VERSION", "PAPER_FORM_NOTE"]
