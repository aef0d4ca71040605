"""Area pages: the tree with search, one area's page with its figures, the import journey."""

from __future__ import annotations

import base64
import re
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, re_path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import actions, scoping, tabular
from ..actions.areas import FIGURE_LEVELS, IMPORT_COLUMNS, IMPORT_MAX_BYTES, import_columns
from ..areacodes import Level
from ..errors import ActionError, Forbidden, NotFound
from ..models import ReportedFigure
from ..queries import areas as area_queries
from ..roles import Cap

PAGE_SIZE = 30
CHILDREN_INLINE = 50  # children loaded inline in the tree; more are on the area's page
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_KEY = "core.area_import"
CODE_RE = re.compile(r"[0-9]{2,15}")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _level_param(request) -> int | None:
    raw = request.GET.get("level", "")
    return int(raw) if raw.isdigit() and int(raw) in Level.values else None


def _page_size(request) -> int:
    """Fewer rows a page in elderly mode."""
    return PAGE_SIZE // 2 if getattr(request, "elderly_mode", False) else PAGE_SIZE


def _with_paths(actor, areas) -> list:
    areas = list(areas)
    paths = area_queries.area_paths(actor=actor, areas=areas)
    for area in areas:
        area.path = paths.get(area.code, [])
    return areas


# --- the tree and search ------------------------------------------------------------------


@login_required
@require_GET
def area_tree(request):
    actor = request.user
    node = request.GET.get("node", "")
    if node:
        if not _is_htmx(request):
            if CODE_RE.fullmatch(node):
                return redirect("core:area_detail", code=node)
            return redirect("core:area_tree")
        try:
            children = area_queries.area_children(actor=actor, code=node)
        except NotFound:
            raise Http404 from None
        shown = list(children[: CHILDREN_INLINE + 1])
        return render(
            request,
            "core/areas/tree.html#children",
            {
                "children": shown[:CHILDREN_INLINE],
                "more": len(shown) > CHILDREN_INLINE,
                "parent_code": node,
            },
        )
    q = request.GET.get("q", "").strip()[: area_queries.SEARCH_MAX_LENGTH]
    level = _level_param(request)
    searching = bool(q or level)
    context = {
        "q": q,
        "level": level,
        "levels": Level.choices,
        "searching": searching,
        "can_import": scoping.has_cap(actor, Cap.AREA_MANAGE),
    }
    if searching:
        page_obj = Paginator(
            area_queries.area_list(actor=actor, search=q, level=level), _page_size(request)
        ).get_page(request.GET.get("page"))
        page_obj.object_list = _with_paths(actor, page_obj.object_list)
        context["page_obj"] = page_obj
    else:
        context["roots"] = _with_paths(actor, area_queries.area_roots(actor=actor))
    template = "core/areas/tree.html#results" if _is_htmx(request) else "core/areas/tree.html"
    return render(request, template, context)


# --- one area -------------------------------------------------------------------------------


class FigureForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Figure"), choices=ReportedFigure.Kind.choices)
    value = forms.IntegerField(label=gettext_lazy("Value"))
    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=gettext_lazy("The date the figure describes."),
    )
    source = forms.CharField(
        label=gettext_lazy("Source"),
        max_length=200,
        help_text=gettext_lazy("For example: 2025 statistical yearbook, household survey."),
    )


def _apply_errors(form: forms.Form, exc: ActionError) -> None:
    for name, messages_ in (exc.errors or {}).items():
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)
    if not exc.errors:
        form.add_error(None, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def area_detail(request, code: str):
    actor = request.user
    try:
        area = area_queries.area_get(actor=actor, code=code)
    except NotFound:
        raise Http404 from None
    access = area_queries.area_access(actor=actor, area=area)
    can_record = access.can_manage and area.level in FIGURE_LEVELS
    form = None
    if can_record:
        form = FigureForm(
            request.POST if request.method == "POST" else None,
            initial={"as_of": timezone.localdate()},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                figure = actions.figure_record(
                    actor=actor,
                    area_code=area.code,
                    kind=form.cleaned_data["kind"],
                    value=form.cleaned_data["value"],
                    as_of=form.cleaned_data["as_of"],
                    source=form.cleaned_data["source"],
                )
            except Forbidden:
                raise PermissionDenied from None
            except ActionError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Recorded: %(kind)s %(value)s as of %(date)s.")
                    % {
                        "kind": figure.get_kind_display(),
                        "value": figure.value,
                        "date": figure.as_of.isoformat(),
                    },
                )
                return redirect("core:area_detail", code=area.code)
    children = Paginator(
        area_queries.area_children(actor=actor, code=area.code), _page_size(request)
    )
    figures = Paginator(area_queries.figure_list(actor=actor, area=area), 20)
    latest = area_queries.figure_latest(actor=actor, area=area)
    context = {
        "area": area,
        "access": access,
        "ancestors": area_queries.area_ancestors(actor=actor, area=area),
        "children": children.get_page(request.GET.get("page")),
        "figures": figures.get_page(request.GET.get("fpage")),
        "latest_population": latest.get(ReportedFigure.Kind.POPULATION),
        "latest_households": latest.get(ReportedFigure.Kind.HOUSEHOLDS),
        "form": form,
        "can_import": access.can_manage and area.level < Level.GRID,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "core/areas/detail.html", context, status=status)


# --- import ---------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "At most %(mb)d MB. A .csv file may be UTF-8 or GB18030 (as Excel saves it)."
        ) % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)}


def _require_manager(request) -> None:
    if not scoping.has_cap(request.user, Cap.AREA_MANAGE):
        raise PermissionDenied


def _pending(request, import_id: str) -> dict | None:
    """The uploaded file waiting in this session for confirmation, if ``import_id`` names it."""
    pending = request.session.get(PENDING_KEY)
    if (
        not isinstance(pending, dict)
        or not secrets.compare_digest(str(pending.get("id", "")), import_id)
        or pending.get("user") != request.user.pk
    ):
        return None
    return pending


def _pending_rows(pending: dict) -> list[dict[str, str]]:
    return tabular.read_rows(pending["name"], base64.b64decode(pending["data"]), IMPORT_COLUMNS)


def _printable(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows without control characters, which a workbook cannot hold."""
    return [
        {
            key: "".join(c for c in value if ord(c) >= 32 and ord(c) != 127)
            for key, value in row.items()
        }
        for row in rows
    ]


def _gone(request):
    messages.warning(
        request,
        _("That upload was already imported or is no longer available. Upload the file again."),
    )
    return redirect("core:area_import")


@login_required
@require_http_methods(["GET", "POST"])
def area_import(request):
    _require_manager(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            form.add_error(
                "file",
                _("The file is larger than %(mb)d MB; split it into parts.")
                % {"mb": IMPORT_MAX_BYTES // (1024 * 1024)},
            )
        else:
            data = upload.read()
            try:
                tabular.read_rows(upload.name, data, IMPORT_COLUMNS)
            except ActionError as exc:
                form.add_error("file", exc.message)
            else:
                import_id = secrets.token_urlsafe(16)
                request.session[PENDING_KEY] = {
                    "id": import_id,
                    "user": request.user.pk,
                    "name": upload.name[-100:],
                    "data": base64.b64encode(data).decode("ascii"),
                    "uploaded_at": timezone.now().isoformat(),
                }
                return redirect("core:area_import_preview", import_id=import_id)
    context = {"form": form, "columns": import_columns()}
    status = 400 if request.method == "POST" else 200
    return render(request, "core/areas/import.html", context, status=status)


@login_required
@require_GET
def area_import_preview(request, import_id: str):
    _require_manager(request)
    pending = _pending(request, import_id)
    if pending is None:
        return _gone(request)
    rows = _pending_rows(pending)
    result = actions.area_import(actor=request.user, rows=rows, dry_run=True)
    changes = [
        {
            "row": int(row["_row"]),
            "code": row.get("code", ""),
            "name": row.get("name", ""),
            "status": result.statuses.get(int(row["_row"])),
        }
        for row in rows
        if result.statuses.get(int(row["_row"])) in ("created", "updated")
    ]
    context = {
        "pending": pending,
        "import_id": import_id,
        "result": result,
        "errors": sorted(result.errors.items()),
        "changes": changes[:500],
        "more_changes": max(0, len(changes) - 500),
    }
    return render(request, "core/areas/import_preview.html", context)


@login_required
@require_GET
def area_import_errors(request, import_id: str):
    _require_manager(request)
    pending = _pending(request, import_id)
    if pending is None:
        return _gone(request)
    rows = _pending_rows(pending)
    result = actions.area_import(actor=request.user, rows=rows, dry_run=True)
    data = tabular.error_report_xlsx(import_columns(), _printable(rows), result.errors)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-areas-errors.xlsx"'
    return response


@login_required
@require_POST
def area_import_confirm(request, import_id: str):
    _require_manager(request)
    pending = _pending(request, import_id)
    if pending is None:
        return _gone(request)
    # Take the file out of the session first: a second confirm finds nothing to apply.
    del request.session[PENDING_KEY]
    request.session.save()
    rows = _pending_rows(pending)
    try:
        result = actions.area_import(actor=request.user, rows=rows)
    except ActionError as exc:
        result = None
        messages.error(request, exc.message)
    if result is None or not result.ok:
        request.session[PENDING_KEY] = pending
        return redirect("core:area_import_preview", import_id=import_id)
    messages.success(
        request,
        _(
            "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged areas; "
            "%(figures)d figures recorded."
        )
        % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "figures": result.figures,
        },
    )
    return redirect("core:area_tree")


@login_required
@require_POST
def area_import_cancel(request, import_id: str):
    _require_manager(request)
    if _pending(request, import_id) is not None:
        del request.session[PENDING_KEY]
    return redirect("core:area_import")


@login_required
@require_GET
def area_import_template(request):
    response = HttpResponse(tabular.template_xlsx("areas", import_columns()), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="linli-areas-template.xlsx"'
    return response


urlpatterns = [
    path("areas/", area_tree, name="area_tree"),
    path("areas/import/", area_import, name="area_import"),
    path("areas/import/template.xlsx", area_import_template, name="area_import_template"),
    path("areas/import/<str:import_id>/", area_import_preview, name="area_import_preview"),
    path("areas/import/<str:import_id>/errors.xlsx", area_import_errors, name="area_import_errors"),
    path("areas/import/<str:import_id>/confirm/", area_import_confirm, name="area_import_confirm"),
    path("areas/import/<str:import_id>/cancel/", area_import_cancel, name="area_import_cancel"),
    re_path(rf"^areas/(?P<code>{CODE_RE.pattern})/$", area_detail, name="area_detail"),
]
