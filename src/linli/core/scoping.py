"""The one place that decides what an actor may see and do, by capability and area prefix.

A role assignment ``(role, area)`` grants the role's capabilities over the area's subtree: rows
whose ``area_code`` starts with the area's significant prefix. Every ``queries.py`` filters
through :func:`scope`; every action checks with :func:`require`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from . import areacodes
from .errors import Forbidden
from .roles import capabilities

_CACHE_ATTR = "_linli_grants"


class SystemActor:
    """The platform itself (command line, scheduled tasks): may do anything, audited as such."""

    is_authenticated = False
    is_anonymous = False
    is_active = True
    pk = None
    username = "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()


def _grants(actor) -> list[tuple[str, str]]:
    """(role, prefix) pairs of the actor, cached on the user object for the request."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is None:
        from .models import RoleAssignment

        rows = RoleAssignment.objects.filter(user_id=actor.pk).values_list("role", "area__prefix")
        cached = [(role, prefix) for role, prefix in rows]
        setattr(actor, _CACHE_ATTR, cached)
    return cached


def grants(actor) -> list[tuple[str, str]]:
    """The actor's ``(role, area prefix)`` pairs (cached for the request)."""
    return _grants(actor)


def forget(actor) -> None:
    """Drop the cached grants (after assignments change)."""
    if actor is not None and hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def roles(actor) -> set[str]:
    return {role for role, _prefix in _grants(actor)}


def prefixes(actor, cap: str) -> list[str]:
    """The minimal set of area prefixes under which ``actor`` holds ``cap``."""
    if actor is SYSTEM:
        return [""]
    found = sorted(
        {prefix for role, prefix in _grants(actor) if cap in capabilities(role)}, key=len
    )
    minimal: list[str] = []
    for prefix in found:
        if not any(prefix.startswith(kept) for kept in minimal):
            minimal.append(prefix)
    return sorted(minimal)


def has_cap(actor, cap: str, area_code: str | None = None) -> bool:
    """Does the actor hold ``cap`` anywhere (``area_code`` None) or over ``area_code``?

    ``area_code=""`` asks about rows that belong to no area: only the platform holds those.
    """
    granted = prefixes(actor, cap)
    if area_code is None:
        return bool(granted)
    return any(area_code.startswith(prefix) for prefix in granted)


def require(actor, cap: str, area_code: str | None = None) -> None:
    if not has_cap(actor, cap, area_code):
        raise Forbidden(_("You do not have permission to do this here."))


def prefix_q(granted: list[str], field: str = "area_code") -> Q:
    """A Q that matches rows under any of ``granted``; matches nothing if empty, everything if
    one of them is the root prefix ``""``."""
    if not granted:
        return Q(pk__in=[])
    if "" in granted:
        return Q()
    q = Q()
    for prefix in granted:
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def scope(qs: QuerySet, actor, cap: str, field: str = "area_code") -> QuerySet:
    """Limit ``qs`` to rows under the areas where ``actor`` holds ``cap``."""
    return qs.filter(prefix_q(prefixes(actor, cap), field))


def within(area_code: str, prefix: str) -> bool:
    return areacodes.normalize(area_code).startswith(prefix)
