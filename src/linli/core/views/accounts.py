"""Account pages: resident self-registration, one's own profile, and the security
administrator's account and role pages. Every page works without JavaScript; htmx only
refreshes the area choices in place.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import pii, scoping
from ..actions import accounts as account_actions
from ..areacodes import Level
from ..auth import normalize_phone
from ..errors import ActionError, Forbidden, NotFound
from ..middleware import ELDERLY_COOKIE
from ..queries import accounts as account_queries
from ..roles import ASSIGNABLE_LEVELS, MATRIX, Cap, Role
from .glue import apply_errors

PAGE_SIZE = 30
TOKEN_PAGE_SIZE = 20
REGISTER_SESSION_KEY = "linli.register"
REGISTER_SESSION_SECONDS = 30 * 60
BACKEND = "linli.core.auth.PhoneOrUsernameBackend"
TOKEN_DAYS = [
    (30, gettext_lazy("30 days")),
    (90, gettext_lazy("90 days")),
    (180, gettext_lazy("180 days")),
    (366, gettext_lazy("one year")),
]


def _set_preference_cookies(response, user) -> None:
    """The same cookies the login page sets, so the browser follows the account."""
    if user.language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
        )
    response.set_cookie(
        ELDERLY_COOKIE,
        "1" if user.elderly_mode else "0",
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
    )


def _manager_prefixes(request) -> list[str]:
    try:
        return account_queries.manage_prefixes(request.user)
    except Forbidden:
        raise PermissionDenied from None


def _area_choices(areas) -> list:
    """Areas grouped by level for a <select>: [(level label, [(code, label), …]), …]."""
    groups: dict[int, list] = {}
    for area in areas:
        groups.setdefault(area.level, []).append((area.code, f"{area.name} · {area.code}"))
    return [(str(Level(level).label), groups[level]) for level in sorted(groups)]


# --- forms ----------------------------------------------------------------------------------


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        help_text=gettext_lazy("We text a 6-digit code to this number."),
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "autofocus": True}
        ),
    )


class RegisterForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        ),
    )
    full_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Choose a password"),
        strip=False,
        help_text=gettext_lazy("At least 8 characters, not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    community_code = forms.ChoiceField(label=gettext_lazy("Your community or village"), choices=())

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community_code"].choices = [
            ("", _("— choose —")),
            *[(a.code, _community_label(a)) for a in communities],
        ]

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", _("The two passwords differ."))
        return data


def _community_label(area) -> str:
    """``新兴社区（仙城街道，西安区）``: names repeat across towns, so the places above help."""
    above = []
    parent = area.parent if area.parent_id else None
    if parent is not None:
        above.append(parent.name)
        if parent.parent_id and parent.parent is not None:
            above.append(parent.parent.name)
    return f"{area.name}（{'，'.join(above)}）" if above else area.name


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    elderly_mode = forms.BooleanField(
        label=gettext_lazy("Elderly mode: larger text, higher contrast, bigger buttons"),
        required=False,
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        help_text=gettext_lazy("At least 8 characters, not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("Type the new password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password2") != data.get("new_password"):
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Token name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “statistics export script”."),
    )
    days = forms.TypedChoiceField(
        label=gettext_lazy("Valid for"), choices=TOKEN_DAYS, coerce=int, initial=90
    )


class AreaRoleForm(forms.Form):
    """Role and area: the area list holds only areas the administrator manages."""

    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=())
    area_code = forms.CharField(label=gettext_lazy("Area"), widget=forms.Select())

    def __init__(self, *args, roles=(), areas=(), refresh_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("— choose —")), *roles]
        if refresh_url:  # htmx: a new role refreshes the area list in place
            self.fields["role"].widget.attrs.update(
                {
                    "hx-get": refresh_url,
                    "hx-trigger": "change",
                    "hx-include": "[name=area_q]",
                    "hx-select": "#area-field",
                    "hx-target": "#area-field",
                    "hx-swap": "outerHTML",
                }
            )
        self.fields["area_code"].widget.choices = [("", _("— choose —")), *_area_choices(areas)]
        self.fields["area_code"].help_text = _(
            "Only areas you manage, at the levels the chosen role allows."
        )


class UserCreateForm(AreaRoleForm):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        help_text=gettext_lazy("Starts with a letter; letters, digits, '.', '_' or '-'."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Optional; the person can then log in with it."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    password = forms.CharField(
        label=gettext_lazy("First password"),
        strip=False,
        help_text=gettext_lazy("Give it to the person in private; they change it on their page."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = ["role", "area_code", "username", "full_name", "phone", "password", "password2"]

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ResetPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        strip=False,
        help_text=gettext_lazy("Give it to the person in private; they change it on their page."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Type the password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") != data.get("password"):
            self.add_error("password2", _("The two passwords differ."))
        return data


# --- resident self-registration ----------------------------------------------------------------


def _register_phone(request) -> str | None:
    state = request.session.get(REGISTER_SESSION_KEY)
    if not isinstance(state, dict):
        return None
    if time.time() - float(state.get("at", 0)) > REGISTER_SESSION_SECONDS:
        request.session.pop(REGISTER_SESSION_KEY, None)
        return None
    try:
        return pii.decrypt(state.get("phone", ""))
    except pii.DecryptionError:
        request.session.pop(REGISTER_SESSION_KEY, None)
        return None


def _remember_phone(request, phone: str) -> None:
    # The number stays encrypted in the session store, like every stored phone number.
    request.session[REGISTER_SESSION_KEY] = {"phone": pii.encrypt(phone), "at": time.time()}


def _community_picker(request, chosen_code: str = "") -> dict:
    """County → town → community choices (plain GET selects), or a search over names."""
    county = request.GET.get("county", "").strip()
    town = request.GET.get("town", "").strip()
    q = request.GET.get("q", "").strip()[:50]
    chosen = account_queries.registration_community(code=chosen_code) if chosen_code else None
    if chosen is not None and not (town or q):
        town = chosen.parent_id or ""
        county = chosen.parent.parent_id if chosen.parent else ""
    counties = list(account_queries.registration_counties())
    if not county and len(counties) == 1:
        county = counties[0].code
    if county not in {c.code for c in counties}:
        county, town = "", ""
    towns = list(account_queries.registration_towns(county_code=county)) if county else []
    if town not in {t.code for t in towns}:
        town = ""
    communities = account_queries.registration_communities(town_code=town, search=q)
    if chosen is not None and chosen.code not in {c.code for c in communities}:
        communities.insert(0, chosen)
    return {
        "counties": counties,
        "towns": towns,
        "county": county,
        "town": town,
        "q": q,
        "communities": communities,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        return redirect("web:home")
    step = request.POST.get("step", "") if request.method == "POST" else ""
    here = request.get_full_path()
    if step == "restart":
        request.session.pop(REGISTER_SESSION_KEY, None)
        return redirect("core:register")
    phone = _register_phone(request)
    if phone is None and step in {"register", "resend"}:
        messages.warning(
            request, _("Your registration was waiting too long. Enter your number again.")
        )
        return redirect("core:register")

    if phone is None or step == "send":
        form = PhoneForm(request.POST if step == "send" else None)
        if step == "send" and form.is_valid():
            number = form.cleaned_data["phone"]
            try:
                account_actions.otp_send(phone=number)
            except ActionError as exc:
                if exc.code != "too_soon":
                    apply_errors(form, exc)
                else:  # sent moments ago (the form was sent twice): carry on to step 2
                    _remember_phone(request, normalize_phone(number))
                    messages.info(request, exc.message)
                    return redirect(here)
            else:
                _remember_phone(request, normalize_phone(number))
                return redirect(here)
        status = 400 if step == "send" else 200
        return render(
            request, "core/accounts/register.html", {"step": 1, "form": form}, status=status
        )

    if step == "resend":
        try:
            account_actions.otp_send(phone=phone)
        except ActionError as exc:
            messages.error(request, exc.message)
        else:
            _remember_phone(request, phone)
            messages.success(request, _("A new code is on its way."))
        return redirect(here)

    chosen = request.POST.get("community_code", "") if step == "register" else ""
    picker = _community_picker(request, chosen)
    form = RegisterForm(
        request.POST if step == "register" else None, communities=picker["communities"]
    )
    if step == "register" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_actions.resident_register(
                phone=phone,
                code=data["code"],
                full_name=data["full_name"],
                password=data["password"],
                community_code=data["community_code"],
                language=get_language() or "",
                elderly_mode=getattr(request, "elderly_mode", False),
            )
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            request.session.pop(REGISTER_SESSION_KEY, None)
            auth_login(request, user, backend=BACKEND)
            messages.success(
                request, _("Welcome, %(name)s. Your account is ready.") % {"name": user.full_name}
            )
            response = redirect("web:home")
            _set_preference_cookies(response, user)
            return response
    context = {
        "step": 2,
        "form": form,
        "phone_masked": pii.mask_phone(phone),
        "wait_seconds": account_actions.otp_wait_seconds(phone=phone),
        "ttl_minutes": max(1, settings.OTP_TTL_SECONDS // 60),
        **picker,
    }
    status = 400 if step == "register" else 200
    return render(request, "core/accounts/register.html", context, status=status)


# --- one's own account ---------------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    actor = request.user
    which = request.POST.get("form", "") if request.method == "POST" else ""
    can_tokens = scoping.has_cap(actor, Cap.API_TOKEN)
    prefs = PreferencesForm(
        request.POST if which == "preferences" else None,
        initial={"language": actor.language or get_language(), "elderly_mode": actor.elderly_mode},
    )
    password_form = PasswordChangeForm(request.POST if which == "password" else None)
    token_form = TokenForm(request.POST if which == "token" else None) if can_tokens else None
    new_token = None
    if request.method == "POST":
        if which == "preferences" and prefs.is_valid():
            try:
                account_actions.preferences_update(
                    actor=actor,
                    language=prefs.cleaned_data["language"],
                    elderly_mode=prefs.cleaned_data["elderly_mode"],
                )
            except ActionError as exc:
                apply_errors(prefs, exc)
            else:
                messages.success(request, _("Your preferences are saved."))
                response = redirect("core:profile")
                _set_preference_cookies(response, actor)
                return response
        elif which == "password" and password_form.is_valid():
            try:
                account_actions.password_change(
                    actor=actor,
                    old_password=password_form.cleaned_data["old_password"],
                    new_password=password_form.cleaned_data["new_password"],
                )
            except ActionError as exc:
                apply_errors(password_form, exc)
            else:
                update_session_auth_hash(request, actor)
                messages.success(
                    request,
                    _(
                        "Your password is changed. Other devices signed in to your account are "
                        "signed out."
                    ),
                )
                return redirect("core:profile")
        elif which == "token":
            if token_form is None:
                raise PermissionDenied
            if token_form.is_valid():
                try:
                    token, new_token = account_actions.token_create(
                        actor=actor,
                        name=token_form.cleaned_data["name"],
                        days=token_form.cleaned_data["days"],
                    )
                except ActionError as exc:
                    apply_errors(token_form, exc)
                else:
                    token_form = TokenForm()
        elif which == "token_revoke":
            try:
                token = account_actions.token_revoke(
                    actor=actor, token_id=request.POST.get("token", "")
                )
            except NotFound:
                raise Http404 from None
            messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
            return redirect("core:profile")
        elif which not in {"preferences", "password", "token"}:
            return HttpResponseBadRequest()
    tokens = None
    if can_tokens:
        tokens = Paginator(account_queries.token_list(actor=actor), TOKEN_PAGE_SIZE).get_page(
            request.GET.get("tpage")
        )
    context = {
        "assignments": account_queries.my_assignments(actor=actor),
        "phone_masked": pii.mask_phone(actor.phone),
        "prefs_form": prefs,
        "password_form": password_form,
        "token_form": token_form,
        "tokens": tokens,
        "new_token": new_token,
        "now": timezone.now(),
    }
    status = 400 if request.method == "POST" and new_token is None else 200
    response = render(request, "core/accounts/profile.html", context, status=status)
    if new_token is not None:
        response["Cache-Control"] = "no-store"
    return response


# --- the security administrator's pages ------------------------------------------------------


@login_required
@require_GET
def user_list(request):
    _manager_prefixes(request)
    actor = request.user
    q = request.GET.get("q", "").strip()[: account_queries.SEARCH_MAX_LENGTH]
    role = request.GET.get("role", "").strip()
    area = request.GET.get("area", "").strip()
    errors: dict = {}
    try:
        qs = account_queries.user_list(actor=actor, search=q, role=role, area_code=area)
    except ActionError as exc:
        errors = exc.errors
        qs = account_queries.user_list(actor=actor).none()
    page_obj = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for user in page_obj.object_list:
        user.phone_masked = pii.mask_phone(user.phone)
    context = {
        "page_obj": page_obj,
        "q": q,
        "role": role,
        "area": area,
        "roles": Role.choices,
        "filter_areas": _area_choices(
            account_queries.assignable_areas(actor=actor, max_level=Level.COMMUNITY)
        ),
        "errors": errors,
        "filtered": bool(q or role or area),
    }
    return render(request, "core/accounts/user_list.html", context, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    _manager_prefixes(request)
    actor = request.user
    role = (request.POST.get("role") or request.GET.get("role", "")).strip()
    area_q = request.GET.get("area_q", "").strip()[:50]
    form = UserCreateForm(
        request.POST if request.method == "POST" else None,
        roles=account_queries.grantable_roles(actor=actor),
        areas=account_queries.assignable_areas(actor=actor, role=role, search=area_q),
        initial={"role": role},
        refresh_url=reverse("core:user_create"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_actions.user_create(
                actor=actor,
                username=data["username"],
                full_name=data["full_name"],
                password=data["password"],
                phone=data["phone"],
                role=data["role"],
                area_code=data["area_code"],
            )
        except Forbidden as exc:
            form.add_error("area_code", exc.message)
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("The account %(username)s is created.") % {"username": user.username},
            )
            return redirect("core:user_detail", user_id=user.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "role": role, "area_q": area_q}
    return render(request, "core/accounts/user_form.html", context, status=status)


def _managed(request, user_id: int):
    _manager_prefixes(request)
    try:
        return account_queries.user_get(actor=request.user, user_id=user_id)
    except NotFound:
        raise Http404 from None


def _detail(request, user, *, assign_form=None, reset_form=None, status=200):
    actor = request.user
    role = (request.POST.get("role") or request.GET.get("role", "")).strip()
    area_q = request.GET.get("area_q", "").strip()[:50]
    refusal = account_queries.user_manage_refusal(actor=actor, user=user)
    if assign_form is None:
        assign_form = AreaRoleForm(
            roles=account_queries.grantable_roles(actor=actor),
            areas=account_queries.assignable_areas(actor=actor, role=role, search=area_q),
            initial={"role": role},
            auto_id="assign_%s",
            refresh_url=reverse("core:user_detail", args=[user.pk]),
        )
    context = {
        "account": user,
        "phone_masked": pii.mask_phone(user.phone),
        "assignments": user.scoped_assignments,
        "refusal": refusal,
        "assign_form": assign_form,
        "reset_form": reset_form or ResetPasswordForm(auto_id="reset_%s"),
        "role": role,
        "area_q": area_q,
    }
    return render(request, "core/accounts/user_detail.html", context, status=status)


@login_required
@require_GET
def user_detail(request, user_id: int):
    return _detail(request, _managed(request, user_id))


@login_required
@require_POST
def user_role_assign(request, user_id: int):
    user = _managed(request, user_id)
    actor = request.user
    role = request.POST.get("role", "").strip()
    form = AreaRoleForm(
        request.POST,
        roles=account_queries.grantable_roles(actor=actor),
        areas=account_queries.assignable_areas(actor=actor, role=role),
        auto_id="assign_%s",
        refresh_url=reverse("core:user_detail", args=[user.pk]),
    )
    if form.is_valid():
        try:
            assignment = account_actions.role_assign(
                actor=actor,
                user_id=user.pk,
                role=form.cleaned_data["role"],
                area_code=form.cleaned_data["area_code"],
            )
        except Forbidden as exc:
            if account_queries.user_manage_refusal(actor=actor, user=user):
                raise PermissionDenied from None
            form.add_error("area_code", exc.message)
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(role)s in %(area)s is assigned.")
                % {"role": assignment.get_role_display(), "area": assignment.area.name},
            )
            return redirect("core:user_detail", user_id=user.pk)
    return _detail(request, user, assign_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def user_role_revoke(request, user_id: int, assignment_id: int):
    user = _managed(request, user_id)
    try:
        assignment = account_queries.assignment_get(actor=request.user, assignment_id=assignment_id)
    except NotFound:
        raise Http404 from None
    if assignment.user_id != user.pk:
        raise Http404
    refusal = account_queries.user_manage_refusal(actor=request.user, user=user)
    if refusal:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            account_actions.role_revoke(actor=request.user, assignment_id=assignment.pk)
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("%(role)s in %(area)s is revoked.")
                % {"role": assignment.get_role_display(), "area": assignment.area.name},
            )
            return redirect("core:user_detail", user_id=user.pk)
    context = {"account": user, "assignment": assignment, "error": error}
    return render(
        request, "core/accounts/revoke_confirm.html", context, status=400 if error else 200
    )


@login_required
@require_POST
def user_set_active(request, user_id: int):
    user = _managed(request, user_id)
    active = request.POST.get("active") == "1"
    try:
        account_actions.user_set_active(actor=request.user, user_id=user.pk, active=active)
    except Forbidden:
        raise PermissionDenied from None
    if active:
        messages.success(request, _("The account is enabled."))
    else:
        messages.success(request, _("The account is disabled: it can no longer log in."))
    return redirect("core:user_detail", user_id=user.pk)


@login_required
@require_POST
def user_reset_password(request, user_id: int):
    user = _managed(request, user_id)
    form = ResetPasswordForm(request.POST, auto_id="reset_%s")
    if form.is_valid():
        try:
            account_actions.user_reset_password(
                actor=request.user, user_id=user.pk, password=form.cleaned_data["password"]
            )
        except Forbidden:
            raise PermissionDenied from None
        except ActionError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The password is reset and any login lockout lifted. Give the new password "
                    "to the person in private."
                ),
            )
            return redirect("core:user_detail", user_id=user.pk)
    return _detail(request, user, reset_form=form, status=400)


@login_required
@require_GET
def role_list(request):
    _manager_prefixes(request)
    counts = account_queries.role_counts(actor=request.user)
    rows = [
        {
            "role": role.value,
            "label": role.label,
            "capabilities": sorted(MATRIX[role]),
            "levels": [Level(level).label for level in sorted(ASSIGNABLE_LEVELS[role])],
            "count": counts.get(role.value, 0),
            "url": f"{reverse('core:user_list')}?role={role.value}",
        }
        for role in Role
    ]
    return render(request, "core/accounts/role_list.html", {"rows": rows})


urlpatterns = [
    path("accounts/register/", register, name="register"),
    path("accounts/me/", profile, name="profile"),
    path("accounts/users/", user_list, name="user_list"),
    path("accounts/users/new/", user_create, name="user_create"),
    path("accounts/users/<int:user_id>/", user_detail, name="user_detail"),
    path("accounts/users/<int:user_id>/roles/", user_role_assign, name="user_role_assign"),
    path(
        "accounts/users/<int:user_id>/roles/<int:assignment_id>/revoke/",
        user_role_revoke,
        name="user_role_revoke",
    ),
    path("accounts/users/<int:user_id>/active/", user_set_active, name="user_set_active"),
    path("accounts/users/<int:user_id>/password/", user_reset_password, name="user_reset_password"),
    path("accounts/roles/", role_list, name="role_list"),
]
