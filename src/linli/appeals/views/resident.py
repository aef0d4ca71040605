"""The resident's appeal pages: ask for help, follow it, say whether it is solved, rate it.

Mobile first and light: every form works without JavaScript. With it, htmx fetches the chosen
category's questions and the similar appeals already reported while the form is filled in, and
a small script offers "use my location". Submitting is two steps only when it must be: if
similar appeals exist that the resident has not been shown yet, the form comes back with them
("Is it one of these?") and is sent again to submit anyway.

Each view parses, calls one query or action, and renders; the rules live in ``actions`` and
``queries``. A resident only ever reaches their own appeals (anything else is a 404).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from linli.core.errors import ActionError, Forbidden, NotFound
from linli.core.queries.accounts import (
    registration_communities,
    registration_counties,
    registration_towns,
)
from linli.core.views.glue import apply_errors, paginate
from linli.web.queries import HomePlace, home_place
from linli.web.views import optional_url

from .. import actions, queries
from ..actions.intake import DESCRIPTION_MIN, clean_attributes, clean_phone, clean_point
from ..forms.resident import AppealForm, ConfirmForm, PhotoAddForm, RateForm
from ..models import ENDED_STATES, Appeal, Category, State

MY_PAGE_SIZE = 10  # a phone screen or two

STATE_WORDS = {
    State.SUBMITTED: gettext_lazy(
        "We have your appeal and are finding the right unit to handle it."
    ),
    State.DISPATCHED: gettext_lazy("It has been passed to a unit, which will take it on soon."),
    State.ACCEPTED: gettext_lazy("The unit has taken it on and will work on it."),
    State.IN_PROGRESS: gettext_lazy("The unit is working on it."),
    State.RESOLVED: gettext_lazy("The unit says it is done. Please tell us whether it is solved."),
    State.CONFIRMED: gettext_lazy("It is confirmed as solved."),
    State.CLOSED: gettext_lazy("It is closed. Thank you for telling us."),
    State.REJECTED: gettext_lazy("It cannot be handled here. The reason is in the history below."),
    State.MERGED: gettext_lazy("The same matter was reported before: it is handled together."),
}
STATE_TONE = {
    State.RESOLVED: "warn",
    State.CONFIRMED: "ok",
    State.CLOSED: "ok",
    State.REJECTED: "bad",
}
REPLY_STATES = (State.SUBMITTED, State.DISPATCHED)
WORK_STATES = (State.ACCEPTED, State.IN_PROGRESS)
RATING_STATES = (State.RESOLVED, State.CONFIRMED)


# --- what the pages show about an appeal -------------------------------------------------------


def rated_this_round(appeal: Appeal) -> bool:
    """Rated since it was last resolved (a reopened appeal is rated again)."""
    return bool(appeal.rated_at and appeal.resolved_at and appeal.rated_at >= appeal.resolved_at)


@dataclass
class Clock:
    kind: str  # "reply": waiting to be taken on; "resolve": being worked on
    due: object
    overdue: bool
    soon: bool


def clock_of(appeal: Appeal) -> Clock | None:
    """The deadline that runs now, in the resident's terms."""
    if appeal.due_at is None:
        return None
    if appeal.state in REPLY_STATES:
        kind = "reply"
    elif appeal.state in WORK_STATES:
        kind = "resolve"
    else:
        return None
    return Clock(kind, appeal.due_at, appeal.overdue, appeal.due_soon)


@dataclass
class Row:
    appeal: Appeal
    clock: Clock | None
    waits_confirm: bool
    waits_rating: bool
    tone: str = ""
    category: str = ""


def row_of(appeal: Appeal) -> Row:
    return Row(
        appeal=appeal,
        clock=clock_of(appeal),
        waits_confirm=appeal.state == State.RESOLVED,
        waits_rating=appeal.state in RATING_STATES and not rated_this_round(appeal),
        tone=STATE_TONE.get(appeal.state, ""),
        category=queries.category_label(appeal.category),
    )


# --- where the resident is, and what may be asked there ---------------------------------------


@dataclass
class Place:
    """The resident's home (if the account is linked), the county whose catalogue applies and,
    when the account belongs to several, the counties to choose from."""

    home: HomePlace | None
    county: str
    counties: list = field(default_factory=list)


def place_of(request) -> Place:
    user = request.user
    home = home_place(actor=user)
    if home is not None:
        return Place(home, queries.county_code(home.community.code))
    # No home on record (staff asking for themselves): the counties their roles lie in.
    counties = [c for c in registration_counties() if queries.reads_county(user, c.code)]
    wanted = (request.POST.get("county") or request.GET.get("county") or "").strip()
    if wanted in {c.code for c in counties}:
        return Place(None, wanted, counties)
    if len(counties) == 1:
        return Place(None, counties[0].code, counties)
    return Place(None, "", counties)


def county_categories(request, county: str) -> list[Category]:
    """The county's catalogue in use, in tree order (empty if the account is not of it)."""
    if not county:
        return []
    try:
        return queries.category_tree(actor=request.user, county_code=county)
    except ActionError:
        return []


def community_groups(county: str) -> list:
    """The county's communities and villages for a <select>, grouped by town."""
    groups = []
    for town in registration_towns(county_code=county):
        communities = registration_communities(town_code=town.code)
        if communities:
            groups.append((town.name, [(c.code, c.name) for c in communities]))
    return groups


def chosen_category(categories: list[Category], value) -> Category | None:
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return next((c for c in categories if c.pk == pk), None)


def in_county(area_code: str, county: str) -> bool:
    return bool(county) and area_code.isdigit() and area_code[:6] == county[:6]


def appeal_area(code: str, home: HomePlace | None) -> str:
    """Where the appeal is filed: the resident's grid when it is their own community."""
    if home is not None and home.grid is not None and code == home.community.code:
        return home.grid.code
    return code


def similar_of(request, area_code: str, category: Category, lat=None, lng=None) -> list[dict]:
    """Likely duplicates, as the page shows them: the title only of appeals that may be listed
    publicly (or of the resident's own, which link to their page)."""
    found = queries.appeal_duplicates(
        area_code=area_code, category_id=category.pk, lat=lat, lng=lng
    )
    rows = []
    for appeal in found:
        mine = appeal.submitter_id == request.user.pk
        rows.append(
            {
                "pk": appeal.pk,
                "number": appeal.number,
                "title": appeal.title if (appeal.public or mine) else "",
                "category": queries.category_label(appeal.category),
                "state": appeal.get_state_display(),
                "submitted_at": appeal.submitted_at,
                "mine": mine,
            }
        )
    return rows


# --- submitting ----------------------------------------------------------------------------------


def precheck(form: AppealForm, category: Category) -> bool:
    """Before the similar appeals are shown, the intake's own checks of what was typed, so
    that the list never comes between a resident and a mistake they must fix anyway. (The
    action makes them again, and every other, when it takes the appeal in.)"""
    data = form.cleaned_data
    aliases = AppealForm.error_aliases(category)
    ok = True

    def description() -> None:
        if len(data["description"].strip()) < DESCRIPTION_MIN:
            raise ActionError(
                _("Please tell us a little more (at least %(min)d characters).")
                % {"min": DESCRIPTION_MIN},
                field="description",
            )

    for check in (
        description,
        lambda: clean_phone(data["contact_phone"]),
        lambda: clean_attributes(category, form.answers()),
    ):
        try:
            check()
        except ActionError as exc:
            apply_errors(form, exc, aliases)
            ok = False
    return ok


def _submit_context(request, form: AppealForm, place: Place, **extra) -> dict:
    form.offer_communities(community_groups(place.county) if place.county else [])
    return {
        "form": form,
        "place": place,
        "category": form.category,
        "similar": extra.pop("similar", None),
        **extra,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def submit(request):
    place = place_of(request)
    categories = county_categories(request, place.county)
    if not categories:
        context = {"place": place, "form": None, "no_catalogue": bool(place.county)}
        return render(request, "appeals/resident/submit.html", context)
    data = request.POST if request.method == "POST" else request.GET
    category = chosen_category(categories, data.get("category"))

    if request.method == "GET":
        user = request.user
        initial = {
            "area_code": place.home.community.code if place.home else "",
            "contact_phone": user.phone or "",
            "category": str(category.pk) if category else "",
        }
        form = AppealForm(initial=initial, categories=categories, category=category)
        similar = None
        if category is not None and place.home is not None:
            similar = similar_of(
                request, appeal_area(place.home.community.code, place.home), category
            )
        context = _submit_context(request, form, place, similar=similar)
        return render(request, "appeals/resident/submit.html", context)

    form = AppealForm(request.POST, request.FILES, categories=categories, category=category)
    photos_given = bool(request.FILES.getlist("photos"))
    valid = form.is_valid()
    data = form.cleaned_data
    code = (request.POST.get("area_code") or "").strip()
    try:
        lat, lng = clean_point(request.POST.get("lat"), request.POST.get("lng"))
    except ActionError as exc:
        lat, lng = None, None
        apply_errors(form, exc, AppealForm.error_aliases(category))
        valid = False
    # Shown again with any error too, so the list (and what was seen of it) is not lost.
    similar = None
    if category is not None and len(code) in (12, 15) and in_county(code, place.county):
        similar = similar_of(request, appeal_area(code, place.home), category, lat, lng)
    elif valid:
        form.add_error("area_code", _("Choose the community where it is."))
        valid = False
    unseen = {row["pk"] for row in similar or []} - set(data.get("seen") or [])
    if valid and unseen:
        valid = precheck(form, category)
    duplicates_step = valid and bool(unseen)
    if valid and not duplicates_step:
        try:
            appeal = actions.appeal_submit(
                actor=request.user,
                category_id=category.pk,
                area_code=appeal_area(data["area_code"], place.home),
                description=data["description"],
                title=data["title"],
                address=data["address"],
                lat=lat,
                lng=lng,
                contact_phone=data["contact_phone"],
                anonymous=data["anonymous"],
                public=data["public"],
                attributes=form.answers(),
                photos=data["photos"],
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc, AppealForm.error_aliases(category))
        else:
            messages.success(
                request,
                _("Your appeal was received. Its number is %(number)s.")
                % {"number": appeal.number},
            )
            return redirect("appeals:my_detail", appeal_id=appeal.pk)
    context = _submit_context(
        request,
        form,
        place,
        similar=similar,
        duplicates_step=duplicates_step,
        photos_dropped=photos_given,
    )
    return render(
        request,
        "appeals/resident/submit.html",
        context,
        status=200 if duplicates_step else 400,
    )


@login_required
@require_GET
def submit_questions(request):
    """The chosen category's questions (htmx, while the form is filled in)."""
    place = place_of(request)
    categories = county_categories(request, place.county)
    category = chosen_category(categories, request.GET.get("category"))
    form = AppealForm(categories=categories, category=category)
    return render(request, "appeals/resident/_questions.html", {"form": form, "category": category})


@login_required
@require_GET
def submit_similar(request):
    """Similar appeals for the chosen category and place (htmx, while the form is filled in)."""
    place = place_of(request)
    categories = county_categories(request, place.county)
    category = chosen_category(categories, request.GET.get("category"))
    code = (request.GET.get("area_code") or "").strip()
    similar = None
    if category is not None and len(code) in (12, 15) and in_county(code, place.county):
        try:
            lat, lng = clean_point(request.GET.get("lat"), request.GET.get("lng"))
        except ActionError:
            lat, lng = None, None
        similar = similar_of(request, appeal_area(code, place.home), category, lat, lng)
    return render(request, "appeals/resident/_similar.html", {"similar": similar})


# --- my appeals --------------------------------------------------------------------------------


@login_required
@require_GET
def mine(request):
    page = paginate(request, queries.appeals_mine(actor=request.user), per_page=MY_PAGE_SIZE)
    rows = [row_of(appeal) for appeal in page.object_list]
    return render(request, "appeals/resident/mine.html", {"page": page, "rows": rows})


def _own(request, appeal_id: int) -> Appeal:
    """The resident's own appeal; anything else does not exist for this page."""
    try:
        appeal = queries.appeal_get(actor=request.user, appeal_id=appeal_id)
    except NotFound:
        raise Http404 from None
    if appeal.submitter_id != request.user.pk:
        raise Http404
    return appeal


def _detail_context(request, appeal: Appeal, **forms) -> dict:
    timeline = [
        event
        for event in queries.appeal_timeline(actor=request.user, appeal=appeal)
        if event.public
    ]
    photos = [
        {"photo": photo, "url": optional_url("appeals:photo", photo.pk)}
        for photo in appeal.photos.all()
    ]
    row = row_of(appeal)
    can_rate = row.waits_rating
    return {
        "appeal": appeal,
        "place_name": queries.area_names([appeal.area_code]).get(appeal.area_code, ""),
        "row": row,
        "state_words": STATE_WORDS.get(appeal.state, ""),
        "timeline": timeline,
        "photos": photos,
        "can_confirm": appeal.state == State.RESOLVED,
        "can_rate": can_rate,
        "can_add_photos": appeal.state not in ENDED_STATES,
        "confirm_form": forms.get("confirm_form") or ConfirmForm(auto_id="confirm_%s"),
        "rate_form": forms.get("rate_form") or RateForm(auto_id="rate_%s"),
        "photo_form": forms.get("photo_form") or PhotoAddForm(auto_id="photo_%s"),
    }


@login_required
@never_cache
@require_GET
def my_detail(request, appeal_id: int):
    try:
        appeal = queries.appeal_get(actor=request.user, appeal_id=appeal_id)
    except NotFound:
        raise Http404 from None
    if appeal.submitter_id != request.user.pk:
        staff_page = optional_url("appeals:detail", appeal.pk)
        if staff_page and queries.is_staff_viewer(request.user, appeal):
            return redirect(staff_page)
        raise Http404
    return render(request, "appeals/resident/detail.html", _detail_context(request, appeal))


def _render_detail(request, appeal_id: int, **forms):
    appeal = _own(request, appeal_id)
    context = _detail_context(request, appeal, **forms)
    return render(request, "appeals/resident/detail.html", context, status=400)


@login_required
@require_POST
def confirm(request, appeal_id: int):
    form = ConfirmForm(request.POST, auto_id="confirm_%s")
    if form.is_valid():
        solved = form.cleaned_data["solved"]
        try:
            actions.appeal_confirm(
                actor=request.user,
                appeal_id=appeal_id,
                solved=solved,
                comment=form.cleaned_data["comment"],
            )
        except (NotFound, Forbidden):
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            if solved:
                messages.success(
                    request, _("Thank you. Please also rate how your appeal was handled.")
                )
            else:
                messages.success(
                    request, _("Your appeal has gone back to the unit to finish the work.")
                )
            return redirect("appeals:my_detail", appeal_id=appeal_id)
    return _render_detail(request, appeal_id, confirm_form=form)


@login_required
@require_POST
def rate(request, appeal_id: int):
    form = RateForm(request.POST, auto_id="rate_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            rating = actions.appeal_rate(
                actor=request.user,
                appeal_id=appeal_id,
                level=data["level"],
                efficiency=data["efficiency"],
                attitude=data["attitude"],
                result=data["result"],
                comment=data["comment"],
            )
        except (NotFound, Forbidden):
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            if rating.is_bad:
                messages.success(
                    request,
                    _(
                        "Thank you. Your appeal has gone back to the unit to be put right, "
                        "and a supervisor will call you."
                    ),
                )
            else:
                messages.success(request, _("Thank you for your rating."))
            return redirect("appeals:my_detail", appeal_id=appeal_id)
    return _render_detail(request, appeal_id, rate_form=form)


@login_required
@require_POST
def photos_add(request, appeal_id: int):
    form = PhotoAddForm(request.POST, request.FILES, auto_id="photo_%s")
    if form.is_valid():
        try:
            count = actions.appeal_photo_add(
                actor=request.user, appeal_id=appeal_id, photos=form.cleaned_data["photos"]
            )
        except (NotFound, Forbidden):
            raise Http404 from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext("%(count)d photo was added.", "%(count)d photos were added.", count)
                % {"count": count},
            )
            return redirect("appeals:my_detail", appeal_id=appeal_id)
    return _render_detail(request, appeal_id, photo_form=form)


urlpatterns = [
    path("new/", submit, name="submit"),
    path("new/questions/", submit_questions, name="submit_questions"),
    path("new/similar/", submit_similar, name="submit_similar"),
    path("mine/", mine, name="mine"),
    path("mine/<int:appeal_id>/", my_detail, name="my_detail"),
    path("mine/<int:appeal_id>/confirm/", confirm, name="confirm"),
    path("mine/<int:appeal_id>/rate/", rate, name="rate"),
    path("mine/<int:appeal_id>/photos/", photos_add, name="photos_add"),
]
