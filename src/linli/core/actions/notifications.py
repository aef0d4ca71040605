"""In-app notifications (and SMS for those who asked for it): sent by other apps' actions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone, translation

from .. import audit, sms
from ..errors import NotFound
from ..models import Notification, User

log = logging.getLogger(__name__)

TEXT_MAX = Notification._meta.get_field("text").max_length


def _language(user: User) -> str:
    from django.conf import settings

    return user.language or settings.LANGUAGE_CODE


def notify(
    users: Iterable[User],
    *,
    kind: str,
    text: Callable[[], str],
    url: str = "",
    target=None,
    by_sms: bool = False,
) -> int:
    """Notify each of ``users`` once; ``text()`` is called in each recipient's language.

    Runs inside the caller's transaction; text messages go out after it commits (and are never
    logged: the SMS backend masks numbers). Returns how many were notified.
    """
    seen: set[int] = set()
    rows: list[Notification] = []
    texts: list[tuple[str, str]] = []
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(_language(user)):
            message = str(text())[:TEXT_MAX]
        rows.append(
            Notification(
                user=user,
                kind=kind,
                text=message,
                url=url,
                target_type=target_type,
                target_id=target_id,
            )
        )
        if by_sms and user.phone:
            texts.append((user.phone, message))
    Notification.objects.bulk_create(rows)

    def _send() -> None:
        for phone, message in texts:
            try:
                sms.send(phone, message)
            except Exception:  # a gateway fault must not undo what was done
                log.exception("notification SMS not delivered")

    if texts:
        transaction.on_commit(_send)
    return len(rows)


def notification_read(*, actor, notification_id: int | None = None) -> int:
    """Mark one notification (or, with no id, all of the actor's) as read."""
    if not getattr(actor, "is_authenticated", False):
        raise NotFound("")
    qs = Notification.objects.filter(user_id=actor.pk, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(user_id=actor.pk, pk=notification_id).exists():
            from django.utils.translation import gettext as _

            raise NotFound(_("There is no such notification."))
        qs = qs.filter(pk=notification_id)
    with transaction.atomic():
        count = qs.update(read_at=timezone.now())
        if count:
            audit.record(
                actor,
                "notification.read",
                target_type="core.notification",
                target_id=notification_id or "",
                extra={"count": count},
            )
    return count
