"""Registry pages: importing households and residents (upload → progress → result) and
exporting a filtered resident list."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, re_path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.areacodes import Level
from linli.core.errors import ActionError, Conflict, Forbidden, NotFound
from linli.core.models import Area
from linli.core.roles import Cap

from .. import actions, imports, queries
from ..models import ImportJob

XLSX = imports.XLSX
ERRORS_SHOWN = 500


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    on_duplicate = forms.ChoiceField(
        label=gettext_lazy("When an ID number is already registered"),
        choices=ImportJob.OnDuplicate.choices,
        initial=ImportJob.OnDuplicate.REPORT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "At most %(mb)d MB and %(rows)s rows. A .csv file may be UTF-8 or GB18030 (as "
            "Excel saves it)."
        ) % {"mb": imports.IMPORT_MAX_BYTES // (1024 * 1024), "rows": f"{imports.MAX_ROWS:,}"}


def _require_editor(request) -> None:
    if not scoping.has_cap(request.user, Cap.REGISTRY_EDIT):
        raise PermissionDenied


def _communities(actor) -> list[Area]:
    """The communities whose registry the actor may change (shown as a reminder of codes)."""
    granted = scoping.prefixes(actor, Cap.REGISTRY_EDIT)
    return list(
        Area.objects.filter(level=Level.COMMUNITY)
        .filter(scoping.prefix_q(granted, "code"))
        .order_by("code")[:60]
    )


@login_required
@require_http_methods(["GET", "POST"])
def resident_import(request):
    _require_editor(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.IMPORT_MAX_BYTES:
            form.add_error(
                "file",
                _("The file is larger than %(mb)d MB; split it into parts.")
                % {"mb": imports.IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        else:
            try:
                job = actions.registry_import_start(
                    actor=request.user,
                    filename=upload.name,
                    data=upload.read(),
                    on_duplicate=form.cleaned_data["on_duplicate"],
                )
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                for field, field_messages in (exc.errors or {"file": [exc.message]}).items():
                    for message in field_messages:
                        form.add_error(field if field in form.fields else None, message)
            else:
                return redirect("registry:resident_import_job", import_id=job.pk)
    context = {
        "form": form,
        "columns": imports.columns(),
        "jobs": list(imports.import_job_list(actor=request.user, limit=10)),
        "communities": _communities(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/imports/upload.html", context, status=status)


def _job_context(job: ImportJob) -> dict:
    total = job.rows_total or 0
    running = job.status in (
        ImportJob.Status.QUEUED,
        ImportJob.Status.VALIDATING,
        ImportJob.Status.WRITING,
    )
    percent = 0
    if total:
        done = min(job.rows_checked, total) + min(job.rows_written, total)
        percent = min(99 if running else 100, round(100 * done / (2 * total)))
    errors = sorted(((int(row), msgs) for row, msgs in (job.errors or {}).items()))
    stale = imports.import_is_stale(job)
    return {
        "job": job,
        "running": running and not stale,
        "stale": stale,
        "can_restart": imports.import_can_restart(job),
        "percent": percent,
        "errors": errors[:ERRORS_SHOWN],
        "more_errors": max(0, job.error_rows - min(len(errors), ERRORS_SHOWN)),
        "counts": job.counts or {},
        "list_url": _list_url(),
    }


def _list_url() -> str:
    try:
        return reverse("registry:resident_list")
    except NoReverseMatch:
        return ""


def _job_or_404(request, import_id):
    try:
        return imports.import_job_get(actor=request.user, job_id=import_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def resident_import_job(request, import_id: int):
    job = _job_or_404(request, import_id)
    context = _job_context(job)
    if _is_htmx(request):
        return render(request, "registry/imports/job.html#status", context)
    return render(request, "registry/imports/job.html", context)


@login_required
@require_GET
def resident_import_errors(request, import_id: int):
    _job_or_404(request, import_id)
    try:
        data = imports.import_report(actor=request.user, job_id=import_id)
    except NotFound:
        raise Http404 from None
    return _attachment(data, f"linli-import-{import_id}-errors.xlsx", XLSX)


@login_required
@require_POST
def resident_import_restart(request, import_id: int):
    _job_or_404(request, import_id)
    try:
        actions.registry_import_restart(actor=request.user, job_id=import_id)
    except Conflict as exc:
        messages.warning(request, exc.message)
    except NotFound:
        raise Http404 from None
    else:
        messages.success(request, _("The import runs again; nothing of the stopped run was kept."))
    return redirect("registry:resident_import_job", import_id=import_id)


@login_required
@require_GET
def resident_import_template(request, fmt: str):
    if fmt == "xlsx":
        return _attachment(imports.template_xlsx(), "linli-residents-template.xlsx", XLSX)
    return _attachment(
        imports.template_csv(), "linli-residents-template.csv", "text/csv; charset=utf-8"
    )


@login_required
@require_GET
def resident_export(request):
    """The resident list with the list page's filters, as .xlsx (default) or .csv."""
    get = request.GET
    filters = queries.ResidentFilters(
        q=get.get("q", ""),
        tag=get.get("tag", ""),
        age_band=get.get("age_band", ""),
        area=get.get("area", ""),
        status=get.get("status", "") or "active",
    )
    try:
        export = actions.registry_export(
            actor=request.user,
            filters=filters,
            fmt=get.get("format", "xlsx"),
            masked=get.get("masked") in ("1", "true", "on"),
        )
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect(_list_url() or "web:home")
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Rows"] = str(export.rows)
    response["X-Masked"] = "1" if export.masked else "0"
    return response


urlpatterns = [
    path("residents/import/", resident_import, name="resident_import"),
    re_path(
        r"^residents/import/template\.(?P<fmt>xlsx|csv)$",
        resident_import_template,
        name="resident_import_template",
    ),
    path("residents/import/<int:import_id>/", resident_import_job, name="resident_import_job"),
    path(
        "residents/import/<int:import_id>/errors.xlsx",
        resident_import_errors,
        name="resident_import_errors",
    ),
    path(
        "residents/import/<int:import_id>/restart/",
        resident_import_restart,
        name="resident_import_restart",
    ),
    path("residents/export", resident_export, name="resident_export"),
]
