"""Writing notices (通知公告): publish, correct, attach files, withdraw, and the read receipt.

A notice goes to an area subtree — its residents, its staff, or both — optionally only to
residents in some groups (特殊人群标签) or to staff of some roles. It is one row whatever the
number of readers: who reads it is decided when they read (``queries.notices``), so a notice
scheduled for later needs no task to appear and one that expires needs none to go.

Everything is checked before anything is written; each action is one transaction with its
audit row. Attachments are checked by their content (``notices.files``) before the
transaction and stored under random names; files of a write that fails are removed again.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import areacodes, audit, scoping
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import STAFF_ROLES, Cap
from linli.registry.models import GroupTag

from .. import files
from ..models import Notice, NoticeAttachment, NoticeRead
from ..queries import notices as q

__all__ = [
    "BODY_MAX",
    "EXPIRY_MAX",
    "SCHEDULE_AHEAD_MAX",
    "TAGS_MAX",
    "LOCKED_WHEN_PUBLISHED",
    "TITLE_MAX",
    "notice_attachment_remove",
    "notice_attachments_add",
    "notice_publish",
    "notice_read",
    "notice_update",
    "notice_withdraw",
]

TITLE_MAX = Notice._meta.get_field("title").max_length
BODY_MAX = Notice._meta.get_field("body").max_length
TAGS_MAX = 10
SCHEDULE_AHEAD_MAX = dt.timedelta(days=366)
EXPIRY_MAX = dt.timedelta(days=3 * 366)
PAST_TOLERANCE = dt.timedelta(minutes=5)  # a form filled in slowly still publishes "now"

_UNCHANGED = object()
# What a published notice keeps: who it reached and when.
LOCKED_WHEN_PUBLISHED = ("area_code", "audience", "tags", "roles", "publish_at")


def now() -> dt.datetime:
    return timezone.now()


# --- checking what was given ----------------------------------------------------------------


def _require_user(actor) -> None:
    if actor is not scoping.SYSTEM and not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Please log in to publish notices."))


def _area(area_code) -> Area:
    try:
        code = areacodes.normalize(str(area_code or ""))
    except areacodes.AreaCodeError:
        raise ActionError(_("Choose the area the notice goes to."), field="area_code") from None
    area = Area.objects.filter(code=code).only("code", "level").first()
    if area is None:
        raise ActionError(_("Choose the area the notice goes to."), field="area_code")
    return area


def _text(value, *, field: str, max_length: int) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        raise ActionError(_("Text cannot contain NUL characters."), field=field)
    if not text:
        raise ActionError(_("Please write something here."), field=field)
    if len(text) > max_length:
        raise ActionError(
            _("At most %(max)d characters, please.") % {"max": max_length}, field=field
        )
    return text


def _audience(value) -> str:
    if value not in Notice.Audience.values:
        raise ActionError(_("Choose who the notice is for."), field="audience")
    return value


def _codes(values, *, field: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    try:
        items = [str(v).strip() for v in values]
    except TypeError:
        raise ActionError(_("Give a list."), field=field) from None
    return sorted({v for v in items if v})


def _tags(actor, values, *, audience: str, area_code: str, keep=()) -> list[str]:
    """Group codes checked: in use, and addressable by the actor over the area. ``keep``: codes
    the notice already holds at that area, which stay even if the vocabulary or the editor's
    role has changed since."""
    codes = _codes(values, field="tags")
    if not codes:
        return []
    if not q.for_residents(audience):
        raise ActionError(
            _("Groups of residents can be chosen only for a notice to residents."), field="tags"
        )
    if len(codes) > TAGS_MAX:
        raise ActionError(_("Choose at most %(count)d groups.") % {"count": TAGS_MAX}, field="tags")
    kept = set(keep)
    found = {tag.code: tag for tag in GroupTag.objects.filter(code__in=codes, active=True)}
    for code in codes:
        if code in kept:
            continue
        tag = found.get(code)
        if tag is None:
            raise ActionError(
                _("There is no group %(code)s in use.") % {"code": code[:40]}, field="tags"
            )
        if not q.tag_allowed(actor, tag, area_code):
            raise ActionError(
                _("Your role may not address the group %(name)s.") % {"name": tag.name},
                field="tags",
            )
    return codes


def _roles(values, *, audience: str) -> list[str]:
    codes = _codes(values, field="roles")
    if not codes:
        return []
    if not q.for_staff(audience):
        raise ActionError(_("Staff roles can be chosen only for a notice to staff."), field="roles")
    for code in codes:
        if code not in STAFF_ROLES:
            raise ActionError(
                _("%(role)s is not a staff role.") % {"role": code[:40]}, field="roles"
            )
    return codes


def _moment(value, *, field: str) -> dt.datetime | None:
    """An aware date and time (naive ones are read in the site's time zone)."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ActionError(
                _("Enter a date and time like 2026-11-22 08:30."), field=field
            ) from None
    if not isinstance(value, dt.datetime):
        raise ActionError(_("Enter a date and time like 2026-11-22 08:30."), field=field)
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ActionError(_("This date is out of range."), field=field) from None


def _schedule(publish_at, expires_at, *, current: dt.datetime) -> tuple[dt.datetime, ...]:
    """``publish_at`` (now when empty) and ``expires_at`` (or None), checked against each
    other and against ``current``."""
    start = _moment(publish_at, field="publish_at")
    end = _moment(expires_at, field="expires_at")
    if start is None:
        start = current
    elif start < current - PAST_TOLERANCE:
        raise ActionError(
            _("A notice cannot be published in the past: leave the time empty to publish now."),
            field="publish_at",
        )
    elif start > current + SCHEDULE_AHEAD_MAX:
        raise ActionError(_("A notice can be scheduled at most a year ahead."), field="publish_at")
    if end is not None:
        _check_expiry(start, end, current)
    return start, end


def _check_expiry(start: dt.datetime, end: dt.datetime, current: dt.datetime) -> None:
    if end <= start:
        raise ActionError(
            _("A notice must be shown until a time after it is published."), field="expires_at"
        )
    if end <= current:
        raise ActionError(_("Choose a time in the future."), field="expires_at")
    if end > start + EXPIRY_MAX:
        raise ActionError(_("A notice can be shown for at most three years."), field="expires_at")


def _lock(actor, notice_id) -> Notice:
    """The notice, locked, if the actor manages it: a reader is refused, anyone else finds
    nothing."""
    notice = (
        Notice.objects.select_for_update().filter(q.publisher_q(actor), pk=_id(notice_id)).first()
    )
    if notice is None:
        if Notice.objects.filter(q.reader_q(actor), pk=_id(notice_id)).exists():
            raise Forbidden(_("Only those who publish notices here can change this one."))
        raise NotFound(_("There is no such notice, or it is not for you."))
    return notice


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such notice, or it is not for you.")) from None


def _stored(build):
    """Run ``build(saved)`` in one transaction; files it stored are removed if it fails."""
    saved: list[str] = []
    try:
        with transaction.atomic():
            return build(saved)
    except BaseException:
        files.discard(saved)
        raise


# --- publishing -------------------------------------------------------------------------------


def notice_publish(
    *,
    actor,
    area_code,
    title,
    body,
    audience=Notice.Audience.RESIDENTS,
    tags=(),
    roles=(),
    publish_at=None,
    expires_at=None,
    pinned=False,
    attachments=(),
) -> Notice:
    """Publish a notice to the residents and/or staff of an area subtree, now or at
    ``publish_at``, shown until ``expires_at`` (or until withdrawn)."""
    _require_user(actor)
    area = _area(area_code)
    scoping.require(actor, Cap.NOTICE_PUBLISH, area.code)
    title = _text(title, field="title", max_length=TITLE_MAX)
    body = _text(body, field="body", max_length=BODY_MAX)
    audience = _audience(audience)
    tags = _tags(actor, tags, audience=audience, area_code=area.code)
    roles = _roles(roles, audience=audience)
    current = now()
    start, end = _schedule(publish_at, expires_at, current=current)
    cleaned = files.clean_attachments(attachments)

    def build(saved: list[str]) -> Notice:
        scoping.require(actor, Cap.NOTICE_PUBLISH, area.code)
        notice = Notice.objects.create(
            area_code=area.code,
            title=title,
            body=body,
            audience=audience,
            tags=tags,
            roles=roles,
            publish_at=start,
            expires_at=end,
            pinned=bool(pinned),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=current,
            updated_at=current,
        )
        files.store(notice, cleaned, saved)
        audit.record(
            actor,
            "notice.publish",
            notice,
            extra={
                "audience": audience,
                "tags": tags,
                "roles": roles,
                "scheduled": start > current,
                "expires": end is not None,
                "pinned": bool(pinned),
                "attachments": len(cleaned),
            },
        )
        return notice

    return _stored(build)


def notice_update(
    *,
    actor,
    notice_id,
    title=_UNCHANGED,
    body=_UNCHANGED,
    area_code=_UNCHANGED,
    audience=_UNCHANGED,
    tags=_UNCHANGED,
    roles=_UNCHANGED,
    publish_at=_UNCHANGED,
    expires_at=_UNCHANGED,
    pinned=_UNCHANGED,
    attachments=(),
    remove_attachments=(),
) -> Notice:
    """Change a notice. Before it is published everything may change; once published only
    its title and text (corrections), how long it is shown, whether it is pinned and its
    files — its place, audience, groups, roles and time stay (withdraw it and publish anew).
    A withdrawn notice does not change. Fields not given stay as they are."""
    _require_user(actor)
    cleaned = files.clean_attachments(attachments)
    remove_ids = sorted({_attachment_id(v) for v in (remove_attachments or [])})

    def build(saved: list[str]) -> Notice:
        notice = _lock(actor, notice_id)
        scoping.require(actor, Cap.NOTICE_PUBLISH, notice.area_code)
        if notice.withdrawn_at is not None:
            raise Conflict(_("This notice was withdrawn and can no longer change."))
        current = now()
        published = notice.publish_at <= current
        wanted: dict = {}
        if title is not _UNCHANGED:
            wanted["title"] = _text(title, field="title", max_length=TITLE_MAX)
        if body is not _UNCHANGED:
            wanted["body"] = _text(body, field="body", max_length=BODY_MAX)
        new_area = notice.area_code
        if area_code is not _UNCHANGED:
            new_area = _area(area_code).code
            scoping.require(actor, Cap.NOTICE_PUBLISH, new_area)
            wanted["area_code"] = new_area
        new_audience = notice.audience if audience is _UNCHANGED else _audience(audience)
        wanted["audience"] = new_audience
        given_tags = notice.tags if tags is _UNCHANGED else tags
        given_roles = notice.roles if roles is _UNCHANGED else roles
        keep = notice.tags if new_area == notice.area_code else ()
        wanted["tags"] = _tags(
            actor, given_tags, audience=new_audience, area_code=new_area, keep=keep or ()
        )
        wanted["roles"] = _roles(given_roles, audience=new_audience)
        if pinned is not _UNCHANGED:
            wanted["pinned"] = bool(pinned)
        start = notice.publish_at
        if publish_at is not _UNCHANGED:
            given = _moment(publish_at, field="publish_at")
            if published:
                if given is not None and given != notice.publish_at:
                    wanted["publish_at"] = given  # refused below
            elif (given or current) != notice.publish_at:
                # Still scheduled: a new time (empty: now) is checked as when publishing.
                start, _end = _schedule(given, None, current=current)
                wanted["publish_at"] = start
        end = notice.expires_at
        if expires_at is not _UNCHANGED:
            end = _moment(expires_at, field="expires_at")
            wanted["expires_at"] = end
        if end is not None and (end != notice.expires_at or "publish_at" in wanted):
            _check_expiry(wanted.get("publish_at", start), end, current)
        changed = sorted(k for k, v in wanted.items() if getattr(notice, k) != v)
        if published:
            fixed = [k for k in changed if k in LOCKED_WHEN_PUBLISHED]
            if fixed:
                raise Conflict(
                    _(
                        "A published notice keeps its place, audience, groups, roles and time. "
                        "Withdraw it and publish a new one instead."
                    ),
                    field=fixed[0],
                )
        removed = _attachments_to_remove(notice, remove_ids)
        kept = NoticeAttachment.objects.filter(notice=notice).count() - len(removed)
        files.check_count(kept + len(cleaned))
        if not changed and not cleaned and not removed:
            return notice
        for key in changed:
            setattr(notice, key, wanted[key])
        notice.updated_at = current
        notice.save(update_fields=[*changed, "updated_at"])
        _detach(removed)
        files.store(notice, cleaned, saved)
        audit.record(
            actor,
            "notice.update",
            notice,
            extra={
                "changed": changed,
                "published": published,
                "attachments_added": len(cleaned),
                "attachments_removed": [row.pk for row in removed],
            },
        )
        return notice

    return _stored(build)


def _attachment_id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ActionError(_("Choose files of this notice."), field="remove_attachments") from None


def _attachments_to_remove(notice: Notice, ids: list[int]) -> list[NoticeAttachment]:
    if not ids:
        return []
    rows = list(NoticeAttachment.objects.filter(notice=notice, pk__in=ids))
    if len(rows) != len(ids):
        raise ActionError(_("Choose files of this notice."), field="remove_attachments")
    return rows


def _detach(rows: list[NoticeAttachment]) -> None:
    if not rows:
        return
    names = [row.file.name for row in rows if row.file.name]
    NoticeAttachment.objects.filter(pk__in=[row.pk for row in rows]).delete()
    transaction.on_commit(lambda: files.discard(names))


def notice_attachments_add(*, actor, notice_id, attachments) -> list[NoticeAttachment]:
    """Attach files to a notice one manages (at most five in all)."""
    _require_user(actor)
    cleaned = files.clean_attachments(attachments)
    if not cleaned:
        raise ActionError(_("Choose a file."), field="attachments")

    def build(saved: list[str]) -> list[NoticeAttachment]:
        notice = _lock(actor, notice_id)
        scoping.require(actor, Cap.NOTICE_PUBLISH, notice.area_code)
        if notice.withdrawn_at is not None:
            raise Conflict(_("This notice was withdrawn and can no longer change."))
        held = NoticeAttachment.objects.filter(notice=notice).count()
        files.check_count(held + len(cleaned))
        rows = files.store(notice, cleaned, saved)
        notice.updated_at = now()
        notice.save(update_fields=["updated_at"])
        audit.record(
            actor,
            "notice.attach",
            notice,
            extra={"attachments": [row.pk for row in rows]},
        )
        return rows

    return _stored(build)


def notice_attachment_remove(*, actor, attachment_id) -> Notice:
    """Remove one file from a notice one manages."""
    _require_user(actor)
    try:
        pk = int(attachment_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such file.")) from None
    with transaction.atomic():
        row = (
            NoticeAttachment.objects.filter(q.publisher_q(actor, rel="notice__"), pk=pk)
            .select_related("notice")
            .first()
        )
        if row is None:
            if NoticeAttachment.objects.filter(q.reader_q(actor, rel="notice__"), pk=pk).exists():
                raise Forbidden(_("Only those who publish notices here can change this one."))
            raise NotFound(_("There is no such file."))
        notice = _lock(actor, row.notice_id)
        if notice.withdrawn_at is not None:
            raise Conflict(_("This notice was withdrawn and can no longer change."))
        _detach([row])
        notice.updated_at = now()
        notice.save(update_fields=["updated_at"])
        audit.record(actor, "notice.detach", notice, extra={"attachment": pk})
    return notice


def notice_withdraw(*, actor, notice_id) -> Notice:
    """Take a notice back: from then on no reader sees it (its publishers still do)."""
    _require_user(actor)
    with transaction.atomic():
        notice = _lock(actor, notice_id)
        scoping.require(actor, Cap.NOTICE_PUBLISH, notice.area_code)
        if notice.withdrawn_at is not None:
            raise Conflict(_("This notice was already withdrawn."))
        current = now()
        was = q.notice_status(notice, current)
        notice.withdrawn_at = current
        notice.updated_at = current
        notice.save(update_fields=["withdrawn_at", "updated_at"])
        audit.record(actor, "notice.withdraw", notice, extra={"was": was})
    return notice


# --- reading ----------------------------------------------------------------------------------


def notice_read(*, actor, notice_id) -> NoticeRead:
    """The reader's receipt: written the first time they open the notice, the same row after.

    Only a reader of the live notice has one; anyone else finds nothing.
    """
    if not getattr(actor, "is_authenticated", False):
        raise NotFound(_("There is no such notice, or it is not for you."))
    notice = Notice.objects.filter(q.reader_q(actor), pk=_id(notice_id)).first()
    if notice is None:
        raise NotFound(_("There is no such notice, or it is not for you."))
    existing = NoticeRead.objects.filter(notice=notice, user_id=actor.pk).first()
    if existing is not None:
        return existing
    area_code = q.reading_place(actor, notice) or q.reader_of(actor).community
    with transaction.atomic():
        try:
            with transaction.atomic():
                receipt = NoticeRead.objects.create(
                    notice=notice, user=actor, area_code=area_code, read_at=now()
                )
        except IntegrityError:  # read at the same moment in another tab
            return NoticeRead.objects.get(notice=notice, user_id=actor.pk)
        audit.record(actor, "notice.read", notice, extra={"receipt": receipt.pk})
    return receipt
