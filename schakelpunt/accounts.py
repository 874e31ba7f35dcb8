"""Logging in and out (the login page and the API's token), and sending each role to its home page.

Both ways in share the login throttle (``schakelpunt.lockout``): per name and address, growing delays.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import record
from coordination.homes import home_url
from coordination.models import User

from .lockout import LOCKED_MESSAGE, attempt_succeeded, record_locked_attempt, reserve_attempt


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
        cleaned = super().clean()
        if self.user_cache is not None:
            attempt_succeeded(username)
        return cleaned


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


class ObtainTokenApi(APIView):
    """Exchange a username and password for an API token (partner systems).

    The same throttle as the login page (``schakelpunt.lockout``), counted over
    both: past five attempts on a name from one address each further one waits
    a growing delay; while it waits it is refused with 429 and ``Retry-After``,
    even with the right password, and each refused attempt is logged as a
    failed login.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
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
        attempt_succeeded(str(username))
        token, _ = Token.objects.get_or_create(user=user)
        record(actor=user, event_type="login", action="login", detail={"method": "token"})
        return Response({"token": token.key})
