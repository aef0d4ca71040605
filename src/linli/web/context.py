"""Template context for the site shell: navigation by role, elderly mode, languages."""

from __future__ import annotations

from django.conf import settings

from linli.core import scoping

from .views import optional_url as _optional_url


def shell(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    from .navigation import menu_for

    return {
        "elderly_mode": getattr(request, "elderly_mode", False),
        "nav_items": menu_for(request) if user is not None else [],
        "site_languages": settings.LANGUAGES,
        "user_roles": scoping.roles(user) if user is not None else set(),
        # Pages other apps provide; None until they exist.
        "account_url": _optional_url("core:profile") if signed_in else None,
        "register_url": None if signed_in else _optional_url("core:register"),
        "demo_mode": settings.LINLI_DEMO,
    }
