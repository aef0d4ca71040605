"""Worker roster pages: the roster with its filters and per-area summary, a worker's page
(certificates, account, training attended), the worker form, leaving, and the export.

Each view parses, calls one query or action, and renders. ID numbers and phones appear
masked; "show in full" is a POST that calls the audited ``worker_reveal`` and answers with the
page itself (``no-store``), so a full number never travels in a URL, a redirect or the session.
Every form works without JavaScript; htmx only refreshes the roster in place.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap
from linli.core.views.glue import apply_errors, filter_errors, is_htmx, paginate

from .. import actions, queries
from ..forms import CertificateForm, LeaveForm, LinkForm, WorkerForm
from ..models import Certificate, Worker
from . import imports, levels

FILTERS = ("area", "post", "committee_role", "party", "education", "certified", "status", "q")
STATUS_CHOICES = [
    ("live", gettext_lazy("In post")),
    ("left", gettext_lazy("Left")),
    ("all", gettext_lazy("Everyone")),
]
# Short column heads of the summary, in the order of Worker.Post.
POST_COLUMNS = [
    (Worker.Post.COMMITTEE, gettext_lazy("Two committees")),
    (Worker.Post.SOCIAL_WORK, gettext_lazy("Social work posts")),
    (Worker.Post.GRID, gettext_lazy("Grid workers")),
    (Worker.Post.OTHER, gettext_lazy("Other posts")),
]
PARTY_CHOICES = [("yes", gettext_lazy("Party members")), ("no", gettext_lazy("Not members"))]


def require_view(request) -> None:
    """The roster is for those who hold ``workforce.view`` somewhere."""
    if not scoping.has_cap(request.user, Cap.WORKFORCE_VIEW):
        raise PermissionDenied


def optional_url(name: str, **kwargs) -> str:
    """The address of a page another part of the app may provide, or ""."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def worker_url(worker) -> str:
    return reverse("workforce:worker", kwargs={"worker_id": worker.pk})


def with_masks(workers) -> list:
    workers = list(workers)
    for worker in workers:
        worker.id_masked = queries.masked_id(worker)
        worker.phone_masked = queries.masked_phone(worker)
        worker.top_certificate = queries.highest_certificate(worker)
    return workers


# --- the roster ------------------------------------------------------------------------------


def filter_values(source) -> dict[str, str]:
    values = {key: " ".join(str(source.get(key, "")).split())[:50] for key in FILTERS}
    values["status"] = values["status"] or "live"
    return values


def to_filters(values: dict[str, str]) -> queries.WorkerFilters:
    party = {"yes": True, "no": False}.get(values["party"])
    return queries.WorkerFilters(
        area=values["area"],
        post=values["post"],
        committee_role=values["committee_role"],
        party_member=party,
        education=values["education"],
        certified=values["certified"],
        status=values["status"],
        q=values["q"],
    )


def kept(values: dict[str, str]) -> dict[str, str]:
    """The filters worth an address: set, and not the default status."""
    return {k: v for k, v in values.items() if v and not (k == "status" and v == "live")}


def _as_of(request) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("as_of", "")[:10])
    except ValueError:
        return timezone.localdate()
    return min(day, timezone.localdate())


@login_required
@require_GET
def workers(request):
    """The roster: filters, the summary per child area, the workers found."""
    require_view(request)
    actor = request.user
    values = filter_values(request.GET)
    errors: dict = {}
    try:
        rows = queries.worker_list(actor=actor, filters=to_filters(values))
    except ActionError as exc:
        errors = filter_errors(exc)
        rows = Worker.objects.none()
    page_obj = paginate(request, rows)
    page_obj.object_list = with_masks(page_obj.object_list)
    as_of = _as_of(request)
    try:
        summary = queries.roster_summary(actor=actor, area_code=values["area"], as_of=as_of)
    except (NotFound, ActionError):
        summary = queries.roster_summary(actor=actor, as_of=as_of) if not errors else None
    query = urlencode(kept(values))
    context = {
        "page_obj": page_obj,
        "values": values,
        "errors": errors,
        "filtered": bool(kept(values)),
        "summary": summary,
        "as_of": as_of,
        "today": timezone.localdate(),
        "posts": Worker.Post.choices,
        "post_columns": POST_COLUMNS,
        "roles": [("heads", _("Secretaries and directors"))]
        + [(v, label) for v, label in Worker.CommitteeRole.choices if v],
        "educations": [(v, label) for v, label in Worker.Education.choices if v],
        "levels": Certificate.Level.choices,
        "statuses": STATUS_CHOICES,
        "parties": PARTY_CHOICES,
        "can_add": bool(queries.communities_with(actor=actor)),
        "can_import": scoping.has_cap(actor, Cap.WORKFORCE_MANAGE),
        "export_url": reverse("workforce:workers_export") + (f"?{query}" if query else ""),
    }
    status = 400 if errors and not is_htmx(request) else 200
    return render(request, "workforce/workers.html", context, status=status)


@login_required
@require_GET
def workers_export(request):
    """The filtered roster as .xlsx (masked unless one may reveal every row); audited."""
    require_view(request)
    values = filter_values(request.GET)
    try:
        export = actions.workers_export(actor=request.user, filters=to_filters(values))
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
        query = urlencode(kept(values))
        return redirect(reverse("workforce:workers") + (f"?{query}" if query else ""))
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- one worker ------------------------------------------------------------------------------


def _worker(request, worker_id: int) -> Worker:
    require_view(request)
    try:
        return queries.worker_get(actor=request.user, worker_id=worker_id)
    except NotFound:
        raise Http404 from None


def _managed(request, worker_id: int) -> Worker:
    worker = _worker(request, worker_id)
    if not queries.can_manage(request.user, worker.area_code):
        raise PermissionDenied
    return worker


def _render_worker(
    request,
    worker,
    *,
    revealed: dict | None = None,
    reveal_error: str = "",
    certificate_form=None,
    link_form=None,
    status: int = 200,
):
    actor = request.user
    manage = queries.can_manage(actor, worker.area_code)
    if manage and certificate_form is None:
        certificate_form = CertificateForm(auto_id="cert-%s")
    if manage and link_form is None and worker.user_id is None:
        link_form = LinkForm(auto_id="link-%s")
    context = {
        "worker": worker,
        "id_masked": queries.masked_id(worker),
        "phone_masked": queries.masked_phone(worker),
        "revealed": revealed or {},
        "reveal_error": reveal_error,
        "can_manage": manage,
        "can_reveal": queries.can_reveal(actor, worker.area_code),
        "certificates": list(worker.certificates.all()),
        "attendance": queries.worker_attendance(actor=actor, worker=worker),
        "training_url": optional_url("workforce:training_worker", worker_id=worker.pk),
        "certificate_form": certificate_form if manage else None,
        "link_form": link_form if manage else None,
        "open_certificate": certificate_form is not None and certificate_form.is_bound,
        "open_link": link_form is not None and link_form.is_bound,
    }
    response = render(request, "workforce/worker_detail.html", context, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def worker(request, worker_id: int):
    return _render_worker(request, _worker(request, worker_id))


@never_cache
@login_required
@require_POST
def worker_reveal(request, worker_id: int):
    """Show one personal field in full: audited; answered with the page, never redirected."""
    found = _worker(request, worker_id)
    field = request.POST.get("field", "")
    if field not in actions.workers.REVEALABLE:
        raise Http404
    try:
        value = actions.worker_reveal(actor=request.user, worker_id=found.pk, field=field)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        return _render_worker(request, found, reveal_error=exc.message, status=400)
    return _render_worker(request, found, revealed={field: value})


def _ladders(communities, *, kept=None) -> list:
    """[(ladder name, [(id, level name), …])] for the communities' ladders, and the level on
    record (``kept``) when it is of another ladder."""
    seen: dict[str, tuple] = {}
    for community in communities:
        key = community.code[:4]
        if key in seen:
            continue
        steps = queries.ladder_for(community.code)
        if steps:
            seen[key] = (steps[0].area_code, [(str(s.pk), s.name) for s in steps])
    if kept is not None and not any(str(kept.pk) == pk for _c, s in seen.values() for pk, _n in s):
        seen["kept"] = (kept.area_code, [(str(kept.pk), kept.name)])
    names = queries.area_names([code for code, _steps in seen.values()])
    return [(names.get(code, code), steps) for code, steps in seen.values()]


def _initial(worker: Worker) -> dict:
    return {
        "name": worker.name,
        "gender": worker.gender,
        "birth_date": worker.birth_date.isoformat() if worker.birth_date else "",
        "post": worker.post,
        "committee_role": worker.committee_role,
        "level_id": str(worker.level_id or ""),
        "party_member": worker.party_member,
        "education": worker.education,
        "social_work_major": worker.social_work_major,
        "hired_on": worker.hired_on.isoformat(),
    }


def _save(request, form, *, found: Worker | None):
    """Run ``worker_save`` with a valid form; the saved worker, or None with the errors on
    the form."""
    data = form.cleaned_data
    kwargs = {
        "actor": request.user,
        "name": data["name"],
        "post": data["post"],
        "hired_on": data["hired_on"],
        "gender": data["gender"],
        "birth_date": data["birth_date"] or None,
        "committee_role": data["committee_role"],
        "level_id": data["level_id"] or None,
        "party_member": data["party_member"],
        "education": data["education"],
        "social_work_major": data["social_work_major"],
    }
    if found is None:
        kwargs.update(
            community_code=data["community_code"],
            id_number=data["id_number"],
            phone=data["phone"],
        )
    else:
        # A number left blank is kept (None): it is never sent to the browser to edit.
        kwargs.update(
            worker_id=found.pk,
            id_number=data["id_number"] or None,
            phone="" if data.get("clear_phone") else (data["phone"] or None),
        )
    try:
        return actions.worker_save(**kwargs)
    except Forbidden as exc:
        if found is not None:
            raise PermissionDenied from None
        form.add_error("community_code", exc.message)
    except ActionError as exc:
        apply_errors(form, exc)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def worker_new(request):
    require_view(request)
    communities = queries.communities_with(actor=request.user)
    if not communities:
        raise PermissionDenied
    form = WorkerForm(
        request.POST if request.method == "POST" else None,
        communities=communities,
        levels=_ladders(communities),
        auto_id="worker-%s",
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, found=None)
        if saved is not None:
            messages.success(request, _("%(name)s is on the roster.") % {"name": saved.name})
            return redirect(worker_url(saved))
    status = 400 if request.method == "POST" else 200
    return render(request, "workforce/worker_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def worker_edit(request, worker_id: int):
    found = _managed(request, worker_id)
    form = WorkerForm(
        request.POST if request.method == "POST" else None,
        initial=_initial(found),
        levels=_ladders([found.community], kept=found.level),
        editing=True,
        auto_id="worker-%s",
    )
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, found=found)
        if saved is not None:
            messages.success(request, _("The changes are saved."))
            return redirect(worker_url(saved))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "worker": found}
    return render(request, "workforce/worker_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def worker_leave(request, worker_id: int):
    found = _managed(request, worker_id)
    if found.left_on is not None:
        raise Http404
    form = LeaveForm(request.POST if request.method == "POST" else None, auto_id="leave-%s")
    if request.method == "POST" and form.is_valid():
        try:
            actions.worker_leave(
                actor=request.user,
                worker_id=found.pk,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is recorded as having left.") % {"name": found.name}
            )
            return redirect(worker_url(found))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "worker": found}
    return render(request, "workforce/worker_leave.html", context, status=status)


@login_required
@require_POST
def worker_link(request, worker_id: int):
    found = _managed(request, worker_id)
    form = LinkForm(request.POST, auto_id="link-%s")
    if form.is_valid():
        try:
            linked = actions.worker_link_account(
                actor=request.user, worker_id=found.pk, login=form.cleaned_data["login"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The account %(username)s is linked to this record.")
                % {"username": linked.user.username},
            )
            return redirect(worker_url(found))
    return _render_worker(request, found, link_form=form, status=400)


@login_required
@require_POST
def worker_unlink(request, worker_id: int):
    found = _managed(request, worker_id)
    try:
        actions.worker_unlink_account(actor=request.user, worker_id=found.pk)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The account is no longer linked to this record."))
    return redirect(worker_url(found))


@login_required
@require_POST
def certificate_add(request, worker_id: int):
    found = _managed(request, worker_id)
    form = CertificateForm(request.POST, auto_id="cert-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.certificate_add(
                actor=request.user,
                worker_id=found.pk,
                level=data["level"],
                number=data["number"],
                obtained_on=data["obtained_on"],
                expires_on=data["expires_on"] or None,
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The certificate is recorded."))
            return redirect(worker_url(found))
    return _render_worker(request, found, certificate_form=form, status=400)


@login_required
@require_POST
def certificate_remove(request, worker_id: int):
    found = _managed(request, worker_id)
    wanted = str(request.POST.get("certificate_id", ""))
    if not any(str(c.pk) == wanted for c in found.certificates.all()):
        raise Http404
    try:
        actions.certificate_remove(actor=request.user, certificate_id=wanted)
    except Forbidden:
        raise PermissionDenied from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The certificate is removed."))
    return redirect(worker_url(found))


urlpatterns = [
    path("workers/", workers, name="workers"),
    path("workers/new/", worker_new, name="worker_new"),
    path("workers/export.xlsx", workers_export, name="workers_export"),
    path("workers/<int:worker_id>/", worker, name="worker"),
    path("workers/<int:worker_id>/edit/", worker_edit, name="worker_edit"),
    path("workers/<int:worker_id>/reveal/", worker_reveal, name="worker_reveal"),
    path("workers/<int:worker_id>/leave/", worker_leave, name="worker_leave"),
    path("workers/<int:worker_id>/account/", worker_link, name="worker_link"),
    path("workers/<int:worker_id>/account/unlink/", worker_unlink, name="worker_unlink"),
    path("workers/<int:worker_id>/certificates/", certificate_add, name="certificate_add"),
    path(
        "workers/<int:worker_id>/certificates/remove/",
        certificate_remove,
        name="certificate_remove",
    ),
    *imports.urlpatterns,
    *levels.urlpatterns,
]
