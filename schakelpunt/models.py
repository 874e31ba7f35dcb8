"""The login throttle's counters (``schakelpunt.lockout``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginThrottle(models.Model):
    """Attempts to log in from one address, on one name or on any (``username`` empty).

    Each attempt is counted before its password is checked, under a row lock,
    so a burst of parallel attempts cannot slip past the count. Past the free
    attempts each further one has to wait a growing delay; a successful login
    clears the row for its name and address.
    """

    username = models.CharField(_("gebruikersnaam"), max_length=150, blank=True)
    address = models.CharField(_("IP-adres"), max_length=45, blank=True)
    attempts = models.PositiveIntegerField(_("pogingen"), default=0)
    blocked_until = models.DateTimeField(_("geblokkeerd tot"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("laatste poging"), null=True, blank=True)

    class Meta:
        verbose_name = _("inlogvertraging")
        verbose_name_plural = _("inlogvertragingen")
        constraints = [
            models.UniqueConstraint(fields=["username", "address"], name="login_throttle_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.username or '*'} @ {self.address or '?'}"
