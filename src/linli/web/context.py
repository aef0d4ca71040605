"""Template context for the site shell: navigation by role, elderly mode, languages."""

from __future__ import annotations

from django.conf import settings

from linli.core import scoping


def shell(request) -> dict:
    user = getattr(request, "user", None)
    from .navigation import menu_for

    return {
        "elderly_mode": getattr(request, "elderly_mode", False),
        "nav_items": menu_for(request) if user is not None else [],
        "site_languages": settings.LANGUAGES,
        "user_roles": scoping.roles(user) if user is not None else set(),
        "demo_mode": settings.LINLI_DEMO,
    }
