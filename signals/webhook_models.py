"""Webhooks of partner systems and the outbox of their events (``signals.webhooks``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import PartnerStatus
from helpers.crypto import EncryptedField


class Webhook(models.Model):
    """An HTTPS endpoint of a partner organisation, told of every status change of its signals.

    The secret signs each delivery, so it must be usable: it is stored
    encrypted (never as a hash) and shown to the partner once, when made.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("coordination.Organisation", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("adres"), max_length=500)
    secret = EncryptedField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        indexes = [models.Index(fields=["organisation", "created_at"], name="webhook_org_idx")]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one webhook: written with the status change, sent after commit.

    ``id`` orders the events: a signal's later event waits until its earlier
    ones are delivered or given up. The row keeps the status of its moment
    (not personal data); the signal's reference and the partner's own
    reference are read from the signal when it is sent. It doubles as the
    delivery log the partner reads.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Wordt verstuurd")
        DELIVERED = "delivered", _("Afgeleverd")
        FAILED = "failed", _("Opgegeven")

    id = models.BigAutoField(primary_key=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    signal = models.ForeignKey("signals.Signal", on_delete=models.CASCADE, related_name="+", db_index=False)
    event = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=PartnerStatus.choices)
    status_changed_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not before this moment: the backoff after a failure, or the end of a running claim.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("webhookbericht")
        verbose_name_plural = _("webhookberichten")
        indexes = [
            models.Index(
                fields=["webhook", "signal", "id"],
                name="webhook_delivery_pending_idx",
                condition=models.Q(state="pending"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due_idx",
                condition=models.Q(state="pending"),
            ),
            models.Index(fields=["webhook", "-id"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.status}"
