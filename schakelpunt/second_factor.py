"""The second factor: who must have one, enrolling it, checking a code, resetting it.

A second factor is a TOTP authenticator app (``django_otp``'s ``TOTPDevice``)
with ten recovery codes as a static device beside it, made when the app is
confirmed by its first code. Triage officers, coordinators, lead
professionals, auditors, administrators, the monitor account and staff accounts must have one
whenever ``REQUIRE_SECOND_FACTOR`` is on (the default outside debug mode);
partners may set one up, and whoever has one is always asked for it.

The pages are in ``schakelpunt.second_factor_web``, the API's side in
``schakelpunt.second_factor_api``.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import record
from coordination.models import Role, User

# The roles that see many households or govern the service.
SECOND_FACTOR_ROLES = (
    Role.TRIAGE,
    Role.COORDINATOR,
    Role.PROFESSIONAL,
    Role.AUDITOR,
    Role.ADMIN,
    Role.MONITOR,
)
RECOVERY_CODES = 10

WRONG_CODE = _("De code klopt niet of is verlopen. Probeer de nieuwste code uit uw app, of een herstelcode.")
NO_CODE = _("Vul de code uit uw authenticator-app in, of een van uw herstelcodes.")
NOT_ENROLLED = _(
    "Voor uw rol is een tweede factor verplicht en u heeft er nog geen. Log in op de website en "
    "stel de tweede factor in; vraag daarna een token aan."
)


def factor_required(user: Any) -> bool:
    """True when ``user`` may not work without a second factor (setting ``REQUIRE_SECOND_FACTOR``)."""
    if not getattr(settings, "REQUIRE_SECOND_FACTOR", False) or not isinstance(user, User):
        return False
    return bool(user.is_staff or user.is_superuser or user.has_role(*SECOND_FACTOR_ROLES))


def owes_factor(user: User) -> bool:
    """True while a user who must have a second factor has not given it in this session.

    ``is_verified`` is set on the request's user by django-otp's middleware.
    """
    if not factor_required(user):
        return False
    verified = getattr(user, "is_verified", None)
    return not (callable(verified) and verified())


def has_factor(user: User) -> bool:
    """True when ``user`` has a confirmed authenticator app (one indexed query)."""
    found: bool = TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()
    return found


def pending_device(user: User) -> TOTPDevice:
    """The authenticator app being set up: the unconfirmed one, kept across reloads, or a new one.

    Kept so that a page reload shows the same secret as the QR code the user
    may already have scanned.
    """
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The device's secret as an authenticator app takes it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[n : n + 4] for n in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return "".join(str(code).split()).lower()


class WrongCode(Exception):
    """The code given does not confirm the authenticator app."""


@transaction.atomic(durable=True)
def confirm_enrolment(*, user: User, device_id: int, code: str) -> list[str]:
    """Confirm the authenticator app being set up with its first code and make the recovery codes.

    Returns the recovery codes, which are shown once and kept only by the
    user. Any earlier app and codes of the user are replaced. Raises
    ``WrongCode`` when the code does not fit.
    """
    device = (
        TOTPDevice.objects.select_for_update().filter(pk=device_id, user_id=user.pk, confirmed=False).first()
    )
    if device is None or not device.verify_token(_clean(code)):
        raise WrongCode
    TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    recovery = StaticDevice.objects.create(user=user, name="herstelcodes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=c) for c in codes])
    record(
        actor=user,
        event_type="write",
        action="second_factor.enrol",
        object_type="user",
        object_id=str(user.pk),
    )
    return codes


def verify_code(user: User, code: str) -> Device | None:
    """The device that accepts ``code`` for ``user``: the app's current code, or an unused recovery code.

    A recovery code is used up. Both devices slow down after wrong codes
    (django-otp's throttling), on top of the login lockout that the callers apply.
    """
    code = _clean(code)
    if not code:
        return None
    with transaction.atomic():
        # Locked, so two requests with the same code cannot both pass.
        app = TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
        if app is not None and code.isdigit() and app.verify_token(code):
            return app
        recovery = StaticDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True).first()
        if app is not None and recovery is not None and recovery.verify_token(code):
            return recovery
    return None


def recovery_codes_left(user: User) -> int:
    left: int = StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()
    return left


class OwnFactor(Exception):
    """An administrator may not reset its own second factor."""


@transaction.atomic(durable=True)
def reset_factor(*, actor: User, user_id: int) -> bool:
    """An administrator removes a user's second factor (a lost phone); the user sets up a new one.

    Written to the access log with the user as object. Returns False when
    the user had none. The administrator never sees the secret or the codes,
    and never resets its own factor (``OwnFactor``): a stolen administrator
    session must not be able to swap in an app of its own; another
    administrator does it.
    """
    if actor.pk == user_id:
        raise OwnFactor
    user = User.objects.select_for_update().get(pk=user_id)
    apps, _ = TOTPDevice.objects.filter(user_id=user.pk).delete()
    codes, _ = StaticDevice.objects.filter(user_id=user.pk).delete()
    record(
        actor=actor,
        event_type="write",
        action="second_factor.reset",
        object_type="user",
        object_id=str(user.pk),
        detail={"had_factor": bool(apps or codes)},
    )
    return bool(apps or codes)
