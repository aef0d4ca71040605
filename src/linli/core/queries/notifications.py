"""The actor's own notifications: nobody reads another's."""

from __future__ import annotations

from ..models import Notification


def notification_list(*, actor, unread_only: bool = False):
    if not getattr(actor, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(user_id=actor.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-at", "-id")


def notification_unread_count(*, actor) -> int:
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=actor.pk, read_at__isnull=True).count()
