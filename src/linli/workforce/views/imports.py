"""Importing workers from a spreadsheet: upload, a dry run that lists every row's faults (or
what would change), then confirm; the template and the rows with their errors as .xlsx.

The uploaded file waits in the uploader's session for confirmation, sealed with the personal
data key (it holds ID numbers), and is dropped once imported or cancelled
(``linli.core.views.import_drafts``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping, tabular
from linli.core.errors import ActionError, Forbidden
from linli.core.roles import Cap
from linli.core.views import import_drafts

from .. import actions

DRAFTS = import_drafts.Drafts(
    "workforce.worker_import", url="workforce:workers_import", max_bytes=actions.IMPORT_MAX_BYTES
)


def _require_manager(request) -> None:
    if not scoping.has_cap(request.user, Cap.WORKFORCE_MANAGE):
        raise PermissionDenied


def _read(name: str, data: bytes) -> list[dict[str, str]]:
    return tabular.read_rows(name, data, actions.COLUMNS)


@login_required
@require_http_methods(["GET", "POST"])
def workers_import(request):
    _require_manager(request)
    form = import_drafts.SpreadsheetForm(
        request.POST or None,
        request.FILES or None,
        auto_id="import-%s",
        max_bytes=actions.IMPORT_MAX_BYTES,
    )
    if kept := DRAFTS.receive(request, form, check=_read):
        return kept
    context = {"form": form, "columns": actions.import_columns()}
    status = 400 if request.method == "POST" else 200
    return render(request, "workforce/import.html", context, status=status)


@never_cache
@login_required
@require_GET
def workers_import_preview(request, import_id: str):
    _require_manager(request)
    if (draft := DRAFTS.find(request, import_id)) is None:
        return DRAFTS.gone(request)
    try:
        result = actions.workers_import(actor=request.user, file=draft.file(), dry_run=True)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        DRAFTS.drop(request)
        return redirect("workforce:workers_import")
    name, community = pgettext("person", "Name"), _("Community")
    changes = [
        import_drafts.Change(
            c["row"], c["status"], ((name, c["name"]), (community, c["community"]))
        )
        for c in result.changes
    ]
    errors = [
        import_drafts.RowErrors(e.row, e.column, (e.message,))
        for e in sorted(result.errors, key=lambda e: (e.row, e.column))
    ]
    context = DRAFTS.preview(draft, result, errors=errors, changes=changes)
    return render(request, "workforce/import_preview.html", context)


@never_cache
@login_required
@require_GET
def workers_import_errors(request, import_id: str):
    """The uploaded rows with their errors beside them (.xlsx)."""
    _require_manager(request)
    if (draft := DRAFTS.find(request, import_id)) is None:
        return DRAFTS.gone(request)
    result = actions.workers_import(actor=request.user, file=draft.file(), dry_run=True)
    columns = actions.import_columns()
    return import_drafts.error_report(
        columns, result.rows, result.errors_by_row(), "linli-workers-errors.xlsx"
    )


@login_required
@require_POST
def workers_import_confirm(request, import_id: str):
    _require_manager(request)
    return DRAFTS.confirm(
        request,
        import_id,
        lambda draft: actions.workers_import(actor=request.user, file=draft.file()),
        done=_("Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged workers."),
        to="workforce:workers",
    )


@login_required
@require_POST
def workers_import_cancel(request, import_id: str):
    _require_manager(request)
    return DRAFTS.cancel(request, import_id)


@login_required
@require_GET
def workers_template(request):
    """The blank import template (.xlsx with a sheet of notes)."""
    if not scoping.has_cap(request.user, Cap.WORKFORCE_VIEW):
        raise PermissionDenied
    return import_drafts.xlsx_response(actions.workers_template(), "linli-workers-template.xlsx")


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
