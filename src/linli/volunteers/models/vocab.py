"""Vocabularies of the volunteers app: skills, target groups, availability, star levels."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# Star levels (星级志愿者) by total service hours, as the national star-rating practice counts them.
STAR_HOURS: tuple[int, ...] = (100, 300, 600, 1000, 1500)


def star_for(hours) -> int:
    """The star level (0–5) that a total of service hours reaches."""
    total = Decimal(hours or 0)
    return sum(1 for threshold in STAR_HOURS if total >= threshold)


class Skill(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("elderly care and company")
    CHILDREN = "children", _("children and tutoring")
    DISABILITY = "disability", _("help for people with disabilities")
    MEDICAL = "medical", _("health and first aid")
    LEGAL = "legal", _("legal advice")
    PSYCHOLOGY = "psychology", _("counselling and emotional support")
    REPAIR = "repair", _("household repairs")
    CLEANING = "cleaning", _("cleaning and environment")
    TRANSPORT = "transport", _("driving and escorting")
    CULTURE = "culture", _("culture, arts and sport")
    DIGITAL = "digital", _("phones and the internet")
    TRANSLATION = "translation", _("interpreting and translation")
    SAFETY = "safety", _("patrols, safety and emergencies")
    ADMIN = "admin", _("organising and office work")
    OTHER = "other", _("other")


class TargetGroup(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("older people living alone")
    ELDERLY = "elderly", _("older people")
    LEFT_BEHIND_CHILDREN = "left_behind_children", _("left-behind children")
    CHILDREN = "children", _("children and young people")
    DISABLED = "disabled", _("people with disabilities")
    HARDSHIP = "hardship", _("families in hardship")
    VETERANS = "veterans", _("veterans and their families")
    ALL = "all", _("all residents")


# Weekly availability: a day and a part of it, e.g. "mon_am".
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PARTS = ("am", "pm", "eve")
AVAILABILITY = tuple(f"{day}_{part}" for day in DAYS for part in PARTS)


# Unambiguous letters and digits (no 0/O, 1/I/L) for numbers that people read aloud or type.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_certificate_number(year: int) -> str:
    """A certificate number: ``ZY`` + year + 12 random characters (about 59 bits), e.g.
    ``ZY2026-7KQ4-MZ8D-2XHA``: unique in practice and not guessable from another one."""
    import secrets

    body = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"ZY{year}-{body[:4]}-{body[4:8]}-{body[8:]}"


def new_token() -> str:
    """The secret of a shift's check-in QR code (128 bits, URL-safe)."""
    import secrets

    return secrets.token_urlsafe(16)[:32]
