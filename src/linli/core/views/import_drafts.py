"""The spreadsheet import journey that several apps share: upload a file, check it (a dry run
that lists every row's faults or what would change), then confirm or cancel; the rows with
their errors as .xlsx.

``Drafts`` keeps the uploaded file in the uploader's session between those steps: sealed with
the personal data key (a worker file holds ID numbers), bound to that user and to a random
upload id, taken out of the session before it is applied (so a second confirm applies
nothing) and put back when the import fails. Each app keeps its own action, columns, messages
and pages; the partials under ``core/imports/`` draw the parts the pages share.

URL names follow one pattern: the upload page ``<upload>`` and, with ``import_id``,
``<upload>_preview``, ``<upload>_errors``, ``<upload>_confirm`` and ``<upload>_cancel``.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import pii, tabular
from ..errors import ActionError, Forbidden

__all__ = [
    "CHANGES_SHOWN",
    "SpreadsheetForm",
    "XLSX",
    "Change",
    "Draft",
    "Drafts",
    "RowErrors",
    "error_report",
    "xlsx_response",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHANGES_SHOWN = 500
MB = 1024 * 1024
COUNTS = ("created", "updated", "unchanged", "figures")  # an import result's counts
CHANGED = ("created", "updated", "figures")  # the counts of what confirming would write

GONE = gettext_lazy(
    "That upload was already imported or is no longer available. Upload the file again."
)
TOO_LARGE = gettext_lazy("The file is larger than %(mb)d MB; split it into parts.")


@dataclass(frozen=True)
class Draft:
    """An uploaded file waiting for confirmation; ``data`` is the file's bytes."""

    id: str
    name: str
    data: bytes
    stored: dict  # what the session holds, to put back after a failed import

    def file(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.data)


@dataclass(frozen=True)
class RowErrors:
    """A line of the preview's error table: a row, the column at fault if known, messages."""

    row: int
    column: str
    messages: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """A line of the preview's table of changes: ``cells`` are (column label, value) pairs."""

    row: int
    status: str  # "created" or "updated"
    cells: tuple[tuple[str, str], ...]


class Drafts:
    """One app's import drafts: ``key`` names them in the session, ``url`` the upload page."""

    def __init__(
        self,
        key: str,
        *,
        url: str,
        max_bytes: int,
        gone_message: str = GONE,
        too_large_message: str = TOO_LARGE,
    ):
        self.key = key
        self.url = url
        self.max_bytes = max_bytes
        self.gone_message = gone_message
        self.too_large_message = too_large_message

    # --- the draft in the session -----------------------------------------------------------

    def keep(self, request, name: str, data: bytes) -> str:
        """Put a file in the session (replacing any earlier draft); its new ``import_id``."""
        import_id = secrets.token_urlsafe(16)
        request.session[self.key] = {
            "id": import_id,
            "user": request.user.pk,
            "name": name[-100:],
            "sealed": pii.encrypt(base64.b64encode(data).decode("ascii")),
            "uploaded_at": timezone.now().isoformat(),
        }
        return import_id

    def _stored(self, request, import_id: str) -> dict | None:
        stored = request.session.get(self.key)
        if (
            not isinstance(stored, dict)
            or not secrets.compare_digest(str(stored.get("id", "")), str(import_id))
            or stored.get("user") != request.user.pk
        ):
            return None
        return stored

    def find(self, request, import_id: str) -> Draft | None:
        """This user's draft named ``import_id``; None when there is none or it cannot be read
        any more (the key that sealed it has left the ring), which is then dropped."""
        stored = self._stored(request, import_id)
        if stored is None:
            return None
        try:
            data = base64.b64decode(pii.decrypt(stored["sealed"]))
            return Draft(id=stored["id"], name=str(stored["name"]), data=data, stored=stored)
        except (pii.DecryptionError, KeyError, TypeError, ValueError):
            self.drop(request)
            return None

    def drop(self, request) -> None:
        request.session.pop(self.key, None)

    def gone(self, request) -> HttpResponse:
        """Where a missing draft leads: the upload page, saying why."""
        messages.warning(request, self.gone_message)
        return redirect(self.url)

    # --- the steps --------------------------------------------------------------------------

    def receive(self, request, form, *, check: Callable[[str, bytes], Any]) -> HttpResponse | None:
        """Keep a posted file that ``check(name, data)`` accepts and go to its preview; None
        when there is nothing to keep (a GET, or the fault is now on ``form``)."""
        if request.method != "POST" or not form.is_valid():
            return None
        upload = form.cleaned_data["file"]
        if upload.size > self.max_bytes:
            form.add_error("file", self.too_large_message % {"mb": self.max_bytes // MB})
            return None
        data = upload.read()
        try:
            check(upload.name, data)
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            form.add_error("file", exc.message)
            return None
        return redirect(f"{self.url}_preview", import_id=self.keep(request, upload.name, data))

    def confirm(
        self,
        request,
        import_id: str,
        apply: Callable[[Draft], Any],
        *,
        done: str,
        to: str,
    ) -> HttpResponse:
        """Apply the draft once, then say ``done`` (filled in with the result's counts:
        ``%(created)d``, ``%(updated)d``, ``%(unchanged)d`` and ``%(figures)d`` where it has
        them) and go ``to``. The draft leaves the session first, so a second confirm finds
        nothing; when the import fails (an error, or ``not result.ok``) it is put back and the
        user is sent back to the preview."""
        if (draft := self.find(request, import_id)) is None:
            return self.gone(request)
        self.drop(request)
        request.session.save()
        try:
            result = apply(draft)
        except ActionError as exc:
            result = None
            messages.error(request, exc.message)
        if result is None or not result.ok:
            request.session[self.key] = draft.stored
            return redirect(f"{self.url}_preview", import_id=draft.id)
        counts = {key: getattr(result, key) for key in COUNTS if hasattr(result, key)}
        messages.success(request, done % counts)
        return redirect(to)

    def cancel(self, request, import_id: str) -> HttpResponse:
        if self._stored(request, import_id) is not None:
            self.drop(request)
        return redirect(self.url)

    def preview(
        self, draft: Draft, result, *, errors: list[RowErrors], changes: list[Change]
    ) -> dict[str, Any]:
        """What ``core/imports/_preview.html`` draws: the draft, the dry run's ``result``
        (``ok``, ``rows``, ``error_rows`` and its counts), the errors, the first
        ``CHANGES_SHOWN`` changes and how many more there are, and the links."""
        kwargs = {"import_id": draft.id}
        return {
            "draft": draft,
            "result": result,
            "has_changes": any(getattr(result, key, 0) for key in CHANGED),
            "errors": errors,
            "changes": changes[:CHANGES_SHOWN],
            "more_changes": max(0, len(changes) - CHANGES_SHOWN),
            "upload_url": reverse(self.url),
            "errors_url": reverse(f"{self.url}_errors", kwargs=kwargs),
            "confirm_url": reverse(f"{self.url}_confirm", kwargs=kwargs),
            "cancel_url": reverse(f"{self.url}_cancel", kwargs=kwargs),
        }


def _printable(value: Any) -> str:
    """A cell without control characters, which a workbook cannot hold."""
    return "".join(c for c in str(value) if ord(c) >= 32 and ord(c) != 127)


def error_report(
    columns: list[tabular.Column],
    rows: Iterable[dict[str, Any]],
    errors: dict[int, list[str]],
    filename: str,
) -> HttpResponse:
    """The uploaded rows with their errors beside them (.xlsx, not cached: it may hold
    personal data)."""
    printable = [{key: _printable(value) for key, value in row.items()} for row in rows]
    response = xlsx_response(tabular.error_report_xlsx(columns, printable, errors), filename)
    response["Cache-Control"] = "no-store"
    return response


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class SpreadsheetForm(forms.Form):
    """The upload form of an .xlsx or .csv import, with its size limit in the help text."""

    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "At most %(mb)d MB. A .csv file may be UTF-8 or GB18030 (as Excel saves it)."
        ) % {"mb": max_bytes // (1024 * 1024)}
