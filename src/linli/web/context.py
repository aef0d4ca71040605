"""Template context for the site shell: navigation by role, elderly mode, languages, and the
number of unread notifications (counted once, and only if the page shows it)."""

from __future__ import annotations

from django.conf import settings

from linli.core import scoping

from .views import optional_url as _optional_url


def _unread_counter(user):
    """A callable the template calls for the count: one query at most, none if unused."""
    found: list[int] = []

    def count() -> int:
        if not found:
            from linli.core.queries import notification_unread_count

            found.append(notification_unread_count(actor=user))
        return found[0]

    return count


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
        "notifications_unread": _unread_counter(user) if signed_in else 0,
    }
