"""Every read of the core app, scoped through core.scoping."""

from .accounts import assignment_list, token_list, user_get, user_list
from .areas import area_ancestors, area_children, area_get, area_list, area_roots, figure_latest
from .auditlog import audit_get, audit_list
from .notifications import notification_list, notification_unread_count

__all__ = [
    "area_ancestors",
    "area_children",
    "area_get",
    "area_list",
    "area_roots",
    "assignment_list",
    "audit_get",
    "audit_list",
    "figure_latest",
    "notification_list",
    "notification_unread_count",
    "token_list",
    "user_get",
    "user_list",
]
