"""The account page, changing one's own password, and resetting a forgotten one by e-mail.

Django's own views, with the project's templates. Both changes are written
to the access log. A reset does not log anyone in: the new password is used
on the login page, so the second factor and the login lockout still apply.
The reset mail holds a link and nothing about the person (not even the
username), built on ``SITE_URL`` rather than on the request's Host header.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from audit.services import record
from coordination.models import User

from .second_factor import factor_required, has_factor


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """``/accounts/``: the user's own password and second factor."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return render(
        request,
        "registration/account.html",
        {"has_factor": has_factor(user), "factor_required": factor_required(user)},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        record(
            actor=form.user,
            event_type="write",
            action="password.change",
            object_type="user",
            object_id=str(form.user.pk),
        )
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False  # the login page asks for the second factor

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        record(
            actor=form.user,
            event_type="write",
            action="password.reset",
            object_type="user",
            object_id=str(form.user.pk),
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
