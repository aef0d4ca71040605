"""The navigation menu: each entry shows only to users holding its capability."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from linli.core import scoping
from linli.core.roles import Cap


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capability: str | None  # None: every signed-in user
    icon: str = ""


# Apps append their entries here (in their AppConfig.ready) so the menu stays one list.
ITEMS: list[NavItem] = [
    NavItem(_("Home"), "web:home", None, "home"),
    NavItem(_("Areas"), "core:area_tree", Cap.AREA_VIEW, "map"),
    NavItem(_("Accounts and roles"), "core:user_list", Cap.ACCOUNT_MANAGE, "users"),
    NavItem(_("Audit log"), "core:audit_list", Cap.AUDIT_VIEW, "shield"),
]


def menu_for(request) -> list[dict]:
    user = request.user
    if not user.is_authenticated:
        return []
    items = []
    for item in ITEMS:
        if item.capability and not scoping.has_cap(user, item.capability):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "icon": item.icon,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return items
