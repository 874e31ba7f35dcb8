from django.urls import path

from . import accounts as views
from . import passwords, second_factor_web

app_name = "accounts"

urlpatterns = [
    path("", passwords.account, name="account"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", second_factor_web.login_code, name="login_code"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("tweede-factor/", second_factor_web.second_factor, name="second_factor"),
    path("password_change/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", passwords.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", passwords.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", passwords.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
