"""Sign-in and sign-out pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..middleware import ELDERLY_COOKIE


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Mobile number or username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}
        ),
    )
    error_messages = {
        "invalid_login": _("The mobile number/username or the password is not correct."),
        "inactive": _("This account is disabled. Contact your community."),
    }


class LoginView(DjangoLoginView):
    template_name = "core/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
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
        return response


@require_POST
def logout_view(request):
    auth.logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


urlpatterns = [
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", logout_view, name="logout"),
]
