"""Attachments of notices: what a file really is (read from its first bytes, never from its
name or the type the browser claims), how large it may be, and where it is kept.

Only PDF, Word (.docx), Excel (.xlsx), JPEG and PNG files are taken. A file is stored under a
random name outside any public address; it is served only through the notice's own page to
those who may read the notice.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.errors import ActionError

from .models import NoticeAttachment

ATTACHMENT_MAX_COUNT = 5
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = NoticeAttachment._meta.get_field("name").max_length

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"

# The extension each kind is given when it is downloaded.
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx", JPEG: ".jpg", PNG: ".png"}
ACCEPT = ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"


@dataclass(frozen=True)
class CleanAttachment:
    """An upload that passed the checks, read into memory (at most 10 MB)."""

    name: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str | None:
    """The content type of ``data`` judged by its content, or None when it is none we take.

    Word and Excel files are ZIP archives: their parts tell them apart (``word/document.xml``
    or ``xl/workbook.xml`` beside ``[Content_Types].xml``).
    """
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError, EOFError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def _base(raw) -> str:
    """The base name as uploaded, without path parts or control characters."""
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip().strip(".")


def clean_name(raw: str, content_type: str) -> str:
    """The name shown and offered on download: the base name as uploaded, ending in the
    extension of what the file really is."""
    text = _base(raw)
    stem, ext = os.path.splitext(text)
    wanted = EXTENSIONS[content_type]
    if ext.lower() not in (wanted, ".jpeg" if content_type == JPEG else wanted):
        stem = text
    stem = stem.strip() or _("attachment")
    return stem[: NAME_MAX - len(wanted)] + wanted


def _read(upload, field: str) -> bytes:
    """At most one byte more than the limit, so a file that lies about its size is caught."""
    size = getattr(upload, "size", None)
    if size is not None and size > ATTACHMENT_MAX_BYTES:
        raise _too_big(field)
    try:
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(ATTACHMENT_MAX_BYTES + 1)
    except (OSError, ValueError):
        raise ActionError(_("This file could not be read."), field=field) from None
    if isinstance(data, str):
        data = data.encode()
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise _too_big(field)
    return data


def _too_big(field: str) -> ActionError:
    return ActionError(
        _("A file may be at most %(mb)d MB.") % {"mb": ATTACHMENT_MAX_BYTES // 1024 // 1024},
        field=field,
    )


def check_count(total: int, field: str = "attachments") -> None:
    if total > ATTACHMENT_MAX_COUNT:
        raise ActionError(
            _("A notice may have at most %(count)d attachments.") % {"count": ATTACHMENT_MAX_COUNT},
            field=field,
        )


def clean_attachments(
    uploads, *, already: int = 0, field: str = "attachments"
) -> list[CleanAttachment]:
    """Check each upload (``already``: how many the notice holds now); bad input raises
    ActionError naming the file and nothing is kept."""
    uploads = [u for u in (uploads or []) if u]
    check_count(already + len(uploads), field)
    cleaned = []
    for upload in uploads:
        data = _read(upload, field)
        if not data:
            raise ActionError(_("This file is empty."), field=field)
        content_type = sniff(data)
        if content_type is None:
            shown = _base(getattr(upload, "name", ""))[:60]
            kinds = _("use PDF, Word (.docx), Excel (.xlsx), JPEG or PNG.")
            if shown:
                message = _("%(name)s cannot be attached: %(kinds)s") % {
                    "name": shown,
                    "kinds": kinds,
                }
            else:
                message = _("This file cannot be attached: %(kinds)s") % {"kinds": kinds}
            raise ActionError(message, field=field)
        name = clean_name(getattr(upload, "name", ""), content_type)
        cleaned.append(CleanAttachment(name=name, content_type=content_type, data=data))
    return cleaned


def store(notice, attachments: list[CleanAttachment], saved: list[str]) -> list[NoticeAttachment]:
    """Write the files under random names and their rows; ``saved`` collects the stored names
    so the caller can remove them if its transaction fails."""
    rows = []
    for item in attachments:
        stored = default_storage.save(
            f"notices/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}",
            ContentFile(item.data),
        )
        saved.append(stored)
        row = NoticeAttachment(
            notice=notice, name=item.name, content_type=item.content_type, size=item.size
        )
        row.file.name = stored
        row.save()
        rows.append(row)
    return rows


def discard(names: list[str]) -> None:
    """Remove stored files (of a write that did not commit, or of removed attachments)."""
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


def download(row: NoticeAttachment) -> FileResponse:
    """The file as a download under its shown name, never displayed inline or sniffed by the
    browser, and kept in no shared cache."""
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, content_type=row.content_type, as_attachment=True, filename=row.name
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
