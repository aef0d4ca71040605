"""Area pages: the tree with search, one area's page with its figures, the import journey."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
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
from . import import_drafts
from .glue import apply_errors, is_htmx

PAGE_SIZE = 30
CHILDREN_INLINE = 50  # children loaded inline in the tree; more are on the area's page
DRAFTS = import_drafts.Drafts(
    "core.area_import", url="core:area_import", max_bytes=IMPORT_MAX_BYTES
)
CODE_RE = re.compile(r"[0-9]{2,15}")


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
        if not is_htmx(request):
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
    template = "core/areas/tree.html#results" if is_htmx(request) else "core/areas/tree.html"
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
                apply_errors(form, exc)
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


def _require_manager(request) -> None:
    if not scoping.has_cap(request.user, Cap.AREA_MANAGE):
        raise PermissionDenied


def _read(name: str, data: bytes) -> list[dict[str, str]]:
    return tabular.read_rows(name, data, IMPORT_COLUMNS)


@login_required
@require_http_methods(["GET", "POST"])
def area_import(request):
    _require_manager(request)
    form = import_drafts.SpreadsheetForm(
        request.POST or None, request.FILES or None, max_bytes=IMPORT_MAX_BYTES
    )
    if kept := DRAFTS.receive(request, form, check=_read):
        return kept
    context = {"form": form, "columns": import_columns()}
    status = 400 if request.method == "POST" else 200
    return render(request, "core/areas/import.html", context, status=status)


@login_required
@require_GET
def area_import_preview(request, import_id: str):
    _require_manager(request)
    if (draft := DRAFTS.find(request, import_id)) is None:
        return DRAFTS.gone(request)
    rows = _read(draft.name, draft.data)
    result = actions.area_import(actor=request.user, rows=rows, dry_run=True)
    changes = [
        import_drafts.Change(
            row=int(row["_row"]),
            status=result.statuses[int(row["_row"])],
            cells=((_("Code"), row.get("code", "")), (_("Name"), row.get("name", ""))),
        )
        for row in rows
        if result.statuses.get(int(row["_row"])) in ("created", "updated")
    ]
    errors = [
        import_drafts.RowErrors(row, "", tuple(found))
        for row, found in sorted(result.errors.items())
    ]
    context = DRAFTS.preview(draft, result, errors=errors, changes=changes)
    return render(request, "core/areas/import_preview.html", context)


@login_required
@require_GET
def area_import_errors(request, import_id: str):
    _require_manager(request)
    if (draft := DRAFTS.find(request, import_id)) is None:
        return DRAFTS.gone(request)
    rows = _read(draft.name, draft.data)
    result = actions.area_import(actor=request.user, rows=rows, dry_run=True)
    return import_drafts.error_report(
        import_columns(), rows, result.errors, "linli-areas-errors.xlsx"
    )


@login_required
@require_POST
def area_import_confirm(request, import_id: str):
    _require_manager(request)
    return DRAFTS.confirm(
        request,
        import_id,
        lambda draft: actions.area_import(actor=request.user, rows=_read(draft.name, draft.data)),
        done=_(
            "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged areas; "
            "%(figures)d figures recorded."
        ),
        to="core:area_tree",
    )


@login_required
@require_POST
def area_import_cancel(request, import_id: str):
    _require_manager(request)
    return DRAFTS.cancel(request, import_id)


@login_required
@require_GET
def area_import_template(request):
    data = tabular.template_xlsx("areas", import_columns())
    return import_drafts.xlsx_response(data, "linli-areas-template.xlsx")


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
