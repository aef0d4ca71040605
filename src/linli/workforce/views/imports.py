"""Importing workers from a spreadsheet: upload, a dry run that lists every row's faults (or
what would change), then confirm; the template and the rows with their errors as .xlsx.

The uploaded file waits in the uploader's session for confirmation, sealed with the personal
data key (it holds ID numbers), and is dropped once imported or cancelled.
"""

from __future__ import annotations

import base64
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import pii, scoping, tabular
from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Cap
from linli.registry.imports import XLSX

from .. import actions
from ..forms import ImportForm

PENDING_KEY = "workforce.worker_import"
CHANGES_SHOWN = 500


def _require_manager(request) -> None:
    if not scoping.has_cap(request.user, Cap.WORKFORCE_MANAGE):
        raise PermissionDenied


def _pending(request, import_id: str) -> dict | None:
    """The upload waiting in this session for confirmation, if ``import_id`` names it."""
    pending = request.session.get(PENDING_KEY)
    if (
        not isinstance(pending, dict)
        or not secrets.compare_digest(str(pending.get("id", "")), str(import_id))
        or pending.get("user") != request.user.pk
    ):
        return None
    return pending


def _file(pending: dict) -> SimpleUploadedFile:
    try:
        data = base64.b64decode(pii.decrypt(pending["sealed"]))
    except (pii.DecryptionError, KeyError, ValueError):
        raise ActionError(_("The stored file can no longer be read; upload it again.")) from None
    return SimpleUploadedFile(pending["name"], data)


def _gone(request):
    messages.warning(
        request,
        _("That upload was already imported or is no longer available. Upload the file again."),
    )
    return redirect("workforce:workers_import")


def _check(request, pending: dict):
    return actions.workers_import(actor=request.user, file=_file(pending), dry_run=True)


@login_required
@require_http_methods(["GET", "POST"])
def workers_import(request):
    _require_manager(request)
    form = ImportForm(request.POST or None, request.FILES or None, auto_id="import-%s")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > actions.IMPORT_MAX_BYTES:
            form.add_error(
                "file",
                _("The file is larger than %(mb)d MB; split it into parts.")
                % {"mb": actions.IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        else:
            data = upload.read()
            try:
                tabular.read_rows(upload.name, data, actions.COLUMNS)
            except ActionError as exc:
                form.add_error("file", exc.message)
            else:
                import_id = secrets.token_urlsafe(16)
                request.session[PENDING_KEY] = {
                    "id": import_id,
                    "user": request.user.pk,
                    "name": upload.name[-100:],
                    "sealed": pii.encrypt(base64.b64encode(data).decode("ascii")),
                }
                return redirect("workforce:workers_import_preview", import_id=import_id)
    context = {"form": form, "columns": actions.import_columns()}
    status = 400 if request.method == "POST" else 200
    return render(request, "workforce/import.html", context, status=status)


@never_cache
@login_required
@require_GET
def workers_import_preview(request, import_id: str):
    _require_manager(request)
    pending = _pending(request, import_id)
    if pending is None:
        return _gone(request)
    try:
        result = _check(request, pending)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        del request.session[PENDING_KEY]
        return redirect("workforce:workers_import")
    errors = sorted(result.errors, key=lambda e: (e.row, e.column))
    context = {
        "pending": pending,
        "import_id": import_id,
        "result": result,
        "errors": errors,
        "changes": result.changes[:CHANGES_SHOWN],
        "more_changes": max(0, len(result.changes) - CHANGES_SHOWN),
    }
    return render(request, "workforce/import_preview.html", context)


@never_cache
@login_required
@require_GET
def workers_import_errors(request, import_id: str):
    """The uploaded rows with their errors beside them (.xlsx)."""
    _require_manager(request)
    pending = _pending(request, import_id)
    if pending is None:
        return _gone(request)
    result = _check(request, pending)
    rows = [
        {key: "".join(c for c in str(v) if ord(c) >= 32 and ord(c) != 127) for key, v in r.items()}
        for r in result.rows
    ]
    data = tabular.error_report_xlsx(actions.import_columns(), rows, result.errors_by_row())
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-workers-errors.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def workers_import_confirm(request, import_id: str):
    _require_manager(request)
    pending = _pending(request, import_id)
    if pending is None:
        return _gone(request)
    # Take the file out of the session first: a second confirm finds nothing to apply.
    del request.session[PENDING_KEY]
    request.session.save()
    try:
        result = actions.workers_import(actor=request.user, file=_file(pending))
    except ActionError as exc:
        result = None
        messages.error(request, exc.message)
    if result is None or not result.ok:
        request.session[PENDING_KEY] = pending
        return redirect("workforce:workers_import_preview", import_id=import_id)
    messages.success(
        request,
        _("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged workers.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("workforce:workers")


@login_required
@require_POST
def workers_import_cancel(request, import_id: str):
    _require_manager(request)
    if _pending(request, import_id) is not None:
        del request.session[PENDING_KEY]
    return redirect("workforce:workers_import")


@login_required
@require_GET
def workers_template(request):
    """The blank import template (.xlsx with a sheet of notes)."""
    if not scoping.has_cap(request.user, Cap.WORKFORCE_VIEW):
        raise PermissionDenied
    response = HttpResponse(actions.workers_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-workers-template.xlsx"'
    return response


urlpatterns = [
    path("workers/import/", workers_import, name="workers_import"),
    path("workers/import/template.xlsx", workers_template, name="workers_template"),
    path(
        "workers/import/<str:import_id>/",
        workers_import_preview,
        name="workers_import_preview",
    ),
    path(
        "workers/import/<str:import_id>/errors.xlsx",
        workers_import_errors,
        name="workers_import_errors",
    ),
    path(
        "workers/import/<str:import_id>/confirm/",
        workers_import_confirm,
        name="workers_import_confirm",
    ),
    path(
        "workers/import/<str:import_id>/cancel/",
        workers_import_cancel,
        name="workers_import_cancel",
    ),
]
