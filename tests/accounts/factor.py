"""Giving a test user a second factor and reading the codes an authenticator app would show."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coordination.models import User

RECOVERY = ["herstel01", "herstel02"]


def give_factor(user: User) -> TOTPDevice:
    """A confirmed authenticator app with two recovery codes, as after enrolment."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    codes = StaticDevice.objects.create(user=user, name="herstelcodes", confirmed=True)
    for code in RECOVERY:
        StaticToken.objects.create(device=codes, token=code)
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the app shows now; one step ahead when the current one was already used
    (a code works once, and the device accepts one step of clock drift)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time = device.t0 + (device.last_t + 1) * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = int(current_code(device))
    return f"{(right + 500_000) % 1_000_000:06d}"
