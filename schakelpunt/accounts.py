"""Logging in and out (the login page and the API's token), and sending each role to its home page.

Both ways in share the login throttle (``schakelpunt.lockout``): per name and address, growing delays.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import record
from coordination.homes import home_url
from coordination.models import User

from .lockout import LOCKED_MESSAGE, attempt_succeeded, record_locked_attempt, reserve_attempt
from .second_factor_api import TOKEN_LOGIN_ERRORS, TOKEN_LOGIN_REQUEST, token_login_refusal
from .second_factor_web import second_step
from .tokens import issue_personal_token


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing a name after too many failed attempts in a row."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": LOCKED_MESSAGE,
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        # Counted before the password is checked; a name that must wait gives no hint
        # whether the password was right.
        if username and self.cleaned_data.get("password") and reserve_attempt(username) is not None:
            record_locked_attempt(username)
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        # The count is cleared only once the login is complete (``LoginView.form_valid``):
        # after the second factor for whoever has one, so re-entering a known password
        # does not reset the guesses at the code.
        return super().clean()


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        return (home_url(user) if isinstance(user, User) else None) or "/"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The demo (``make run``) runs without the second factor; its login page says so.
        return super().get_context_data(**kwargs, second_factor_off=not settings.REQUIRE_SECOND_FACTOR)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        # Whoever has a second factor gives its code on the next page before being logged in.
        code_step = second_step(self.request, form.get_user(), self.get_redirect_url())
        if code_step is not None:
            return code_step
        attempt_succeeded(form.cleaned_data["username"])
        return super().form_valid(form)


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


class ObtainTokenApi(APIView):
    """Exchange a username and password for a new personal API token.

    The token is answered once and stored only as a digest; it expires after
    ``API_TOKEN_HOURS`` and is revoked at logout and at a password change
    (``schakelpunt.tokens``). Sending systems use a named system key instead.

    The same throttle as the login page (``schakelpunt.lockout``), counted over
    both: past five attempts on a name from one address each further one waits
    a growing delay; while it waits it is refused with 429 and ``Retry-After``,
    even with the right password, and each refused attempt is logged as a
    failed login. A user with a second factor also gives its code
    as ``otp`` (``schakelpunt.second_factor_api``).
    """

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TOKEN_LOGIN_REQUEST,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            400: TOKEN_LOGIN_ERRORS,
            403: TOKEN_LOGIN_ERRORS,
            429: inline_serializer("TokenLocked", {"detail": serializers.CharField()}),
        },
    )
    def post(self, request: Request) -> Response:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if isinstance(username, str):
            # Counted before the password is checked; a name that must wait gives no hint
            # whether the password was right.
            wait = reserve_attempt(username)
            if wait is not None:
                record_locked_attempt(username)
                return Response(
                    {"detail": str(LOCKED_MESSAGE)},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(wait)},
                )
        # A wrong password raises a validation error (400) after Django's
        # user_login_failed signal has written the failed-login entry.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        refusal = token_login_refusal(request, user)
        if refusal is not None:
            return refusal
        attempt_succeeded(str(username))
        record(actor=user, event_type="login", action="login", detail={"method": "token"})
        # Shown once: no cache may keep it.
        return Response({"token": issue_personal_token(user)}, headers={"Cache-Control": "no-store"})
