"""The second factor on the web: the code after the password, enrolment, and the gate.

Logging in is two steps for whoever has a second factor: the password page
(``schakelpunt.accounts.LoginView``) keeps the user as *pending* in the
session, without logging in, and the code page finishes the login with the
app's code or a recovery code. The login lockout counts a wrong code as a
failed login.

A user who must have a second factor (``second_factor.factor_required``) and
has none is logged in after the password, but every page sends them to the
enrolment page until they have set one up (``SecondFactorMiddleware``); the
API refuses them (``schakelpunt.second_factor_api``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from coordination.homes import home_url
from coordination.models import User
from helpers.failures import is_api

from .lockout import LOCKED_MESSAGE, attempt_succeeded, record_locked_attempt, reserve_attempt
from .second_factor import (
    NO_CODE,
    WRONG_CODE,
    WrongCode,
    confirm_enrolment,
    factor_required,
    has_factor,
    owes_factor,
    pending_device,
    recovery_codes_left,
    secret_text,
    verify_code,
)

PENDING = "second_factor_login"
# How long the code page waits for the code after the password was given.
PENDING_SECONDS = 5 * 60

# Pages a user who still owes the second factor may open.
OPEN_PAGES = frozenset(
    {
        "accounts:login",
        "accounts:login_code",
        "accounts:logout",
        "accounts:second_factor",
        "set_language",
        "health",
    }
)


class CodeForm(forms.Form):
    otp = forms.CharField(label=_("Code"), max_length=32, strip=True, error_messages={"required": NO_CODE})


# ---------------------------------------------------------------- the password step hands over


def second_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
    """After a right password: the code page for a user with a second factor, else None (log in now)."""
    if not has_factor(user):
        return None
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "next": next_url,
        "since": time.time(),
    }
    return redirect("accounts:login_code")


def _pending(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - float(pending.get("since", 0)) > PENDING_SECONDS:
        return None, {}
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None, {}
    return User.objects.with_roles().filter(pk=user_id, is_active=True).first(), pending


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@sensitive_post_parameters("otp")
@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """``/accounts/login/code/``: the second step of logging in."""
    logged_in = request.user if isinstance(request.user, User) else None
    user: User | None
    if logged_in is not None:
        # Logged in earlier without the code (a session from before the factor was set up).
        if request.user.is_verified():  # type: ignore[union-attr]  # set by django-otp's middleware
            return redirect(home_url(logged_in) or "/")
        user, pending = logged_in, {"next": _safe_next(request, request.GET.get("next", ""))}
    else:
        user, pending = _pending(request)
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.get_username()
        # A code is an attempt like a password: counted before it is checked.
        if reserve_attempt(username) is not None:
            record_locked_attempt(username)
            request.session.pop(PENDING, None)
            form.add_error(None, LOCKED_MESSAGE)
        else:
            device = verify_code(user, form.cleaned_data["otp"])
            if device is None:
                user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
                form.add_error("otp", WRONG_CODE)
            else:
                attempt_succeeded(username)
                if logged_in is None:
                    # django-otp keeps the device in the session on the login signal.
                    user.otp_device = device  # type: ignore[attr-defined]
                    auth.login(request, user, backend=pending.get("backend"))
                    request.session.pop(PENDING, None)
                else:
                    django_otp.login(request, device)
                return redirect(pending.get("next") or home_url(user) or "/")
    return render(request, "registration/second_factor_code.html", {"form": form})


# ---------------------------------------------------------------- enrolment


def _qr_svg(url: str) -> str:
    # Drawn here, never by a web service: the secret does not leave the server.
    svg = segno.make(url, error="m").svg_inline(
        scale=5, dark="#111827", light="#ffffff", svgclass="qr__image", lineclass=None, omitsize=False
    )
    return mark_safe(svg)  # noqa: S308  # segno's own markup; the URL is encoded in the modules, not as text


@sensitive_post_parameters("otp")
@never_cache
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """``/accounts/tweede-factor/``: set up the authenticator app, confirm it, see the recovery codes once."""
    user = request.user
    if not isinstance(user, User):
        return redirect("accounts:login")
    if has_factor(user):
        return render(
            request,
            "registration/second_factor_status.html",
            {"codes_left": recovery_codes_left(user), "required": factor_required(user)},
        )
    device = pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_enrolment(user=user, device_id=device.pk, code=form.cleaned_data["otp"])
        except WrongCode:
            form.add_error("otp", WRONG_CODE)
        else:
            device.refresh_from_db()
            django_otp.login(request, device)  # this session has now passed the second factor
            return render(
                request,
                "registration/second_factor_codes.html",
                {"codes": codes, "home": home_url(user) or "/"},
            )
    return render(
        request,
        "registration/second_factor_enrol.html",
        {
            "form": form,
            "qr": _qr_svg(device.config_url),
            "secret": secret_text(device),
            "required": factor_required(user),
        },
    )


# ---------------------------------------------------------------- the gate


class SecondFactorMiddleware:
    """Pages for a user who must have a second factor: only after it was given.

    Without a factor they are sent to the enrolment page, with one (a session
    that skipped the code) to the code page. The API is guarded by its own
    authentication classes and answers 403 instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if is_api(request) or match is None or match.view_name in OPEN_PAGES:
            return None
        user = request.user
        if not isinstance(user, User) or not owes_factor(user):
            return None
        if has_factor(user):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:login_code')}?{query}")
        return HttpResponseRedirect(reverse("accounts:second_factor"))
