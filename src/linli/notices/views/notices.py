"""Notice pages under /notices/: the reader's notices (residents on their phones, in large
type if they like), one notice with its files, and the publisher's list, form and receipts.

Each view parses, calls one query or action, and renders; the rules live in ``actions`` and
``queries``. Opening a notice records the reader's receipt. A notice one may neither read nor
manage does not exist for these pages (404). Every form works without JavaScript.

Home pages get two blocks: the resident's newest unread notices, and the staff's.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core import scoping
from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.roles import Cap, Role
from linli.core.views.glue import apply_errors, filter_errors, paginate
from linli.web.navigation import HOME_SECTIONS, HomeSection

from .. import actions, queries
from ..files import download
from ..forms_notices import FiltersForm, NoticeForm
from ..models import Notice
from ..queries import notices as nq

MINE_PAGE_SIZE = 10  # a phone screen or two
LIST_PAGE_SIZE = 25
HOME_COUNT = 3


# --- shared -------------------------------------------------------------------------------------


def _require_publisher(request) -> None:
    if not scoping.has_cap(request.user, Cap.NOTICE_PUBLISH):
        raise PermissionDenied


def _notice(request, notice_id: int) -> Notice:
    try:
        return queries.notice_get(actor=request.user, notice_id=notice_id)
    except NotFound:
        raise Http404 from None


def _managed(request, notice_id: int) -> Notice:
    notice = _notice(request, notice_id)
    if not nq.can_manage(request.user, notice):
        raise PermissionDenied
    return notice


@dataclass
class Row:
    notice: Notice
    area_name: str
    status: str = ""


def _rows(notices, *, with_status: bool = False) -> list[Row]:
    notices = list(notices)
    names = nq.area_names(n.area_code for n in notices)
    now = timezone.now()
    return [
        Row(
            n,
            names.get(n.area_code, ""),
            nq.notice_status(n, now) if with_status else "",
        )
        for n in notices
    ]


def _status_label(status: str) -> str:
    return str(nq.STATUSES.get(status, ""))


# --- readers --------------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    """The notices for me, pinned first, then newest; the unread ones marked."""
    per_page = MINE_PAGE_SIZE // 2 if getattr(request, "elderly_mode", False) else MINE_PAGE_SIZE
    page = paginate(request, queries.notices_mine(actor=request.user), per_page=per_page)
    rows = _rows(page.object_list)
    reader = nq.reader_of(request.user)
    context = {
        "page": page,
        "rows": rows,
        "unlinked": not reader.homes and not reader.staff,
        "can_publish": scoping.has_cap(request.user, Cap.NOTICE_PUBLISH),
    }
    return render(request, "notices/notice_mine.html", context)


@login_required
@never_cache
@require_GET
def view(request, notice_id: int):
    """One notice. A reader opening it is recorded as having read it."""
    notice = _notice(request, notice_id)
    actor = request.user
    receipt = None
    if notice.for_reader:
        receipt = actions.notice_read(actor=actor, notice_id=notice.pk)
    manage = nq.can_manage(actor, notice)
    status = nq.notice_status(notice)
    context = {
        "notice": notice,
        "area_name": nq.area_names([notice.area_code]).get(notice.area_code, ""),
        "attachments": list(notice.attachments.all()),
        "receipt": receipt,
        "manage": manage,
        "status": status,
        "status_label": _status_label(status),
    }
    if manage:
        context.update(_targeting(notice))
    return render(request, "notices/notice_detail.html", context)


def _targeting(notice: Notice) -> dict:
    names = nq.tag_names(notice.tags or [])
    return {
        "tag_names": [names.get(code, code) for code in notice.tags or []],
        "role_names": [str(Role(r).label) for r in notice.roles or [] if r in Role.values],
    }


@login_required
@require_GET
def attachment(request, attachment_id: int):
    try:
        row = queries.attachment_get(actor=request.user, attachment_id=attachment_id)
    except NotFound:
        raise Http404 from None
    return download(row)


# --- publishers -----------------------------------------------------------------------------------


@login_required
@require_GET
def notice_list(request):
    """The notices of my areas in every state, with how many have read each."""
    _require_publisher(request)
    form = FiltersForm(request.GET or None)
    values = {"status": "", "area": "", "q": ""}
    errors: dict = {}
    if form.is_bound and form.is_valid():
        values.update({k: v or "" for k, v in form.cleaned_data.items()})
    elif form.is_bound:
        errors = {name: [str(m) for m in found] for name, found in form.errors.items()}
    try:
        found = queries.notice_list(actor=request.user, filters=nq.NoticeFilters(**values))
    except ActionError as exc:
        errors = filter_errors(exc)
        found = queries.notice_list(actor=request.user)
    page = paginate(request, found, per_page=LIST_PAGE_SIZE)
    rows = _rows(page.object_list, with_status=True)
    for row in rows:
        row.status_label = _status_label(row.status)
    context = {
        "form": form if form.is_bound else FiltersForm(),
        "page": page,
        "rows": rows,
        "errors": errors,
        "filtered": any(values.values()),
    }
    return render(request, "notices/notice_list.html", context, status=400 if errors else 200)


def _form(request, *, notice: Notice | None = None, data=None, files=None) -> NoticeForm:
    actor = request.user
    attachments = list(notice.attachments.all()) if notice is not None else []
    published = notice is not None and notice.publish_at <= timezone.now()
    initial = None
    if notice is not None:
        local = timezone.localtime
        initial = {
            "area_code": notice.area_code,
            "title": notice.title,
            "body": notice.body,
            "audience": notice.audience,
            "tags": notice.tags,
            "roles": notice.roles,
            "publish_at": local(notice.publish_at).replace(second=0, microsecond=0),
            "expires_at": (
                local(notice.expires_at).replace(second=0, microsecond=0)
                if notice.expires_at
                else None
            ),
            "pinned": notice.pinned,
        }
    return NoticeForm(
        data,
        files,
        initial=initial,
        areas=queries.publish_areas(actor=actor, current=notice.area_code if notice else ""),
        tags=queries.publishable_tags(actor=actor, held=notice.tags if notice else ()),
        attachments=attachments,
        published=published,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def new(request):
    _require_publisher(request)
    if request.method == "GET":
        form = _form(request)
        return render(request, "notices/notice_form.html", {"form": form, "notice": None})
    form = _form(request, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            notice = actions.notice_publish(actor=request.user, **form.changes())
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            if notice.publish_at > timezone.now():
                messages.success(
                    request,
                    _("The notice is scheduled for %(when)s.")
                    % {"when": timezone.localtime(notice.publish_at).strftime("%Y-%m-%d %H:%M")},
                )
            else:
                messages.success(request, _("The notice is published."))
            return redirect("notices:view", notice_id=notice.pk)
    context = {"form": form, "notice": None, "files_dropped": bool(request.FILES)}
    return render(request, "notices/notice_form.html", context, status=400)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def edit(request, notice_id: int):
    notice = _managed(request, notice_id)
    if notice.withdrawn_at is not None:
        messages.warning(request, _("This notice was withdrawn and can no longer change."))
        return redirect("notices:view", notice_id=notice.pk)
    if request.method == "GET":
        form = _form(request, notice=notice)
        return render(request, "notices/notice_form.html", {"form": form, "notice": notice})
    form = _form(request, notice=notice, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            actions.notice_update(actor=request.user, notice_id=notice.pk, **form.changes())
        except (NotFound, Forbidden):
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The notice was changed."))
            return redirect("notices:view", notice_id=notice.pk)
    context = {"form": form, "notice": notice, "files_dropped": bool(request.FILES)}
    return render(request, "notices/notice_form.html", context, status=400)


@login_required
@require_POST
def withdraw(request, notice_id: int):
    notice = _managed(request, notice_id)
    try:
        actions.notice_withdraw(actor=request.user, notice_id=notice.pk)
    except (NotFound, Forbidden):
        raise Http404 from None
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The notice was withdrawn: readers no longer see it."))
    return redirect("notices:view", notice_id=notice.pk)


@login_required
@require_GET
def receipts(request, notice_id: int):
    """Who has read the notice: per community, and the staff who have not yet."""
    try:
        found = queries.notice_receipts(actor=request.user, notice_id=notice_id)
    except NotFound:
        raise Http404 from None
    notice = found.notice
    status = nq.notice_status(notice)
    context = {
        "notice": notice,
        "receipts": found,
        "area_name": nq.area_names([notice.area_code]).get(notice.area_code, ""),
        "status": status,
        "status_label": _status_label(status),
    }
    return render(request, "notices/notice_receipts.html", context)


# --- home-page blocks --------------------------------------------------------------------------


def resident_home(request) -> dict | None:
    """Up to three newest unread notices (two queries), or None for an account with no home."""
    user = request.user
    if not nq.reader_of(user).homes:
        return None
    return {
        "notices": queries.notices_unread(actor=user, limit=HOME_COUNT),
        "all_url": reverse("notices:mine"),
    }


def staff_home(request) -> dict | None:
    """Unread notices to staff, and the publisher's way in."""
    user = request.user
    reader = nq.reader_of(user)
    can_publish = scoping.has_cap(user, Cap.NOTICE_PUBLISH)
    if not reader.staff and not can_publish:
        return None
    unread = queries.notices_unread(actor=user, limit=HOME_COUNT) if reader.staff else []
    return {
        "notices": unread,
        "all_url": reverse("notices:mine"),
        "list_url": reverse("notices:list") if can_publish else "",
        "new_url": reverse("notices:new") if can_publish else "",
    }


_SECTIONS = [
    HomeSection(
        home="resident", template="notices/_home_notices.html", context=resident_home, order=20
    ),
    HomeSection(
        home="staff", template="notices/_home_notices_staff.html", context=staff_home, order=20
    ),
    HomeSection(
        home="officer", template="notices/_home_notices_staff.html", context=staff_home, order=20
    ),
]
HOME_SECTIONS.extend(
    s
    for s in _SECTIONS
    if (s.home, s.template) not in {(h.home, h.template) for h in HOME_SECTIONS}
)


urlpatterns = [
    path("", mine, name="mine"),
    path("<int:notice_id>/", view, name="view"),
    path("files/<int:attachment_id>/", attachment, name="attachment"),
    path("published/", notice_list, name="list"),
    path("new/", new, name="new"),
    path("<int:notice_id>/edit/", edit, name="edit"),
    path("<int:notice_id>/withdraw/", withdraw, name="withdraw"),
    path("<int:notice_id>/receipts/", receipts, name="receipts"),
]
