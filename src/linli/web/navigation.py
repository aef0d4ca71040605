"""The navigation menu: each entry shows only to users holding its capability."""

from __future__ import annotations

from collections.abc import Callable
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
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": False})
    # The entry whose address is the longest start of this page is the one we are in
    # (/appeals/settings/catalogue/ is the catalogue, not "Appeals" nor "Appeal settings").
    matches = [
        entry
        for entry in items
        if request.path == entry["url"]
        or (entry["url"] != "/" and request.path.startswith(entry["url"]))
    ]
    if matches:
        max(matches, key=lambda entry: len(entry["url"]))["active"] = True
    return items


@dataclass(frozen=True)
class HomeSection:
    """A block an app adds to a home page (``home`` is ``resident``, ``staff`` or ``officer``).

    ``context(request)`` returns the block's template context, or None when it has nothing to
    show this user; the block's template receives it as ``section``.
    """

    home: str
    template: str
    context: Callable[[object], dict | None]
    order: int = 100


# Apps append their blocks here (in their AppConfig.ready).
HOME_SECTIONS: list[HomeSection] = []


def home_sections(request, home: str) -> list[dict]:
    """The blocks of ``home`` that have something to show, in order."""
    shown = []
    for section in sorted(HOME_SECTIONS, key=lambda s: (s.order, s.template)):
        if section.home != home:
            continue
        context = section.context(request)
        if context is not None:
            shown.append({"template": section.template, "context": context})
    return shown
