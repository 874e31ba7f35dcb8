"""Logging in and out, and sending each role to its home page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from .auth import LOCKED_MESSAGE, home_url, is_locked_out, record_locked_attempt
from .models import User


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing a name after too many failed attempts in a row."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": LOCKED_MESSAGE,
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if is_locked_out(username):
            # Checked before the password: a locked name gives no hint whether it was right.
            record_locked_attempt(username)
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        return super().clean()


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        return (home_url(user) if isinstance(user, User) else None) or "/"


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("U bent uitgelogd."))
        return response


def home(request: HttpRequest) -> HttpResponse:
    """``/``: the login page for visitors, otherwise the role's own start page."""
    user = request.user
    if not isinstance(user, User):
        return redirect("accounts:login")
    target = home_url(user)
    if target is None:
        return render(request, "web/no_role.html", status=403)
    return redirect(target)
