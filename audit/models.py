"""The access log (NEN 7513): one row per read, write, login, denial or export.

Values are denormalised on purpose — no foreign keys — so an entry outlives
the user, organisation or case it mentions (retention of the log is at
least five years; erasure of case data must leave the log intact).

Rows are append-only (database triggers, migration 0002) and chained: every
entry carries the HMAC of its predecessor in the same chain, see
``audit.chain``, ``audit.services.record`` and ``audit.integrity``.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .chain import GENESIS, canonical_json

if TYPE_CHECKING:
    _TextBase = models.Field[Any, dict[str, Any]]
else:  # Field is only generic in django-stubs
    _TextBase = models.Field


class CanonicalJSONField(_TextBase):
    """A small JSON object stored as the exact text that went into the entry's hash.

    A ``JSONField`` would be ``jsonb`` on PostgreSQL, which reorders keys and
    rewrites numbers (``1e100`` comes back as a long integer), so the text
    read back would no longer match the hashed text and an honest entry would
    look tampered with. A text column keeps the bytes, on every vendor.
    """

    description = "JSON object stored as canonical text"

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(value) if value else {}
        return loaded

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, str):
            loaded: dict[str, Any] = json.loads(value) if value else {}
            return loaded
        return dict(value or {})

    def get_prep_value(self, value: Any) -> str:
        return value if isinstance(value, str) else canonical_json(value)

    def value_to_string(self, obj: models.Model) -> str:
        return canonical_json(self.value_from_object(obj))


class EventType(models.TextChoices):
    READ = "read", _("Inzage")
    WRITE = "write", _("Wijziging")
    TRANSITION = "transition", _("Statusovergang")
    LOGIN = "login", _("Inlog")
    LOGIN_FAILED = "login_failed", _("Mislukte inlog")
    LOGOUT = "logout", _("Uitlog")
    DENIED = "denied", _("Geweigerd")
    EXPORT = "export", _("Export")
    ERASE = "erase", _("Verwijdering")
    VERIFY = "verify", _("Integriteitscontrole")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Geslaagd")
    DENIED = "denied", _("Geweigerd")
    ERROR = "error", _("Fout")


class AccessEvent(models.Model):
    """One access-log entry. Never updated or deleted (the database refuses)."""

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(_("tijdstip"))
    event_type = models.CharField(_("soort"), max_length=16, choices=EventType.choices)
    action = models.CharField(_("actie"), max_length=200)
    outcome = models.CharField(_("resultaat"), max_length=16, choices=Outcome.choices)

    # Who: copied from the user at the time, not referenced.
    user_id = models.BigIntegerField(_("gebruiker-id"), null=True, blank=True)
    username = models.CharField(_("gebruikersnaam"), max_length=150, blank=True)
    user_name = models.CharField(_("naam gebruiker"), max_length=300, blank=True)
    role = models.CharField(_("rol"), max_length=200, blank=True)
    organisation = models.CharField(_("organisatie"), max_length=200, blank=True)
    on_behalf_of = models.CharField(_("namens"), max_length=200, blank=True)
    purpose = models.CharField(_("doel / reden"), max_length=1000, blank=True)
    break_glass = models.BooleanField(_("doorbreking (break-the-glass)"), default=False)

    # About whom / what: pseudonymous ids only, never a BSN or a name.
    subject_id = models.CharField(_("betrokkene (pseudoniem)"), max_length=64, blank=True)
    case_id = models.UUIDField(_("casus"), null=True, blank=True)
    object_type = models.CharField(_("objectsoort"), max_length=64, blank=True)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)

    # From where. client_ip is text, not inet: PostgreSQL would normalise an
    # address (e.g. IPv6 zero compression) and break the stored hash.
    client_ip = models.CharField(_("IP-adres"), max_length=45, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    request_id = models.CharField(_("verzoek-id"), max_length=64, blank=True)
    # The client's own W3C traceparent, validated; request_id is always made by the server.
    trace_parent = models.CharField(
        _("traceparent van de client"), max_length=55, blank=True, default="", db_default=""
    )
    detail = CanonicalJSONField(_("details"), default=dict, blank=True)

    # Tamper evidence: position in one of settings.AUDIT_CHAINS hash chains.
    chain = models.SmallIntegerField(_("keten"))
    seq = models.BigIntegerField(_("volgnummer"))
    prev_hash = models.CharField(_("vorige hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_event_chain_seq_unique")]
        # Each auditor filter ends in the newest-first sort, so that sort is
        # part of every index (a B-tree is read backwards just as fast).
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="audit_event_time_idx"),
            models.Index(fields=["user_id", "occurred_at"], name="audit_event_user_idx"),
            models.Index(fields=["case_id", "occurred_at"], name="audit_event_case_idx"),
            models.Index(fields=["action", "occurred_at"], name="audit_event_action_idx"),
            # "Who saw this household": its entries, and its summary, by subject id.
            models.Index(fields=["subject_id", "occurred_at", "id"], name="audit_event_subject_idx"),
            # A rare type (erasures, integrity checks) would otherwise be looked for
            # through the whole log, newest first.
            models.Index(fields=["event_type", "occurred_at", "id"], name="audit_event_type_idx"),
        ]

    def __str__(self) -> str:
        who = self.username or "-"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action} ({self.outcome})"


class ChainHead(models.Model):
    """The last entry of one hash chain; its row lock orders that chain's writers.

    Comparing the head with the chain's last entry reveals deleted newest
    entries, which a walk over the remaining entries alone cannot see.
    """

    chain = models.SmallIntegerField(_("keten"), primary_key=True)
    seq = models.BigIntegerField(_("volgnummer"), default=0)
    hash = models.CharField(_("hash"), max_length=64, default=GENESIS)

    class Meta:
        verbose_name = _("ketenkop")
        verbose_name_plural = _("ketenkoppen")

    def __str__(self) -> str:
        return f"chain {self.chain} @ {self.seq}"


class VerificationRun(models.Model):
    """One integrity check of the access log, run as a background job (``audit.verification``).

    Unlike the log itself this row changes as the check goes on: ``queued`` until
    a worker (or, without a broker, a thread of the web process) takes it,
    ``running`` with ``checked`` counting up towards ``total`` (the entries the
    chain heads promise), then ``finished`` with the outcome (``ok``,
    ``first_bad``), or ``failed`` when the check itself broke down (``error``).
    The outcome is also written to the access log, which is the evidence; this
    row is what the auditor's page and the API show.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("In de wachtrij")
        RUNNING = "running", _("Bezig")
        FINISHED = "finished", _("Klaar")
        FAILED = "failed", _("Mislukt")

    STALLED_AFTER = timedelta(minutes=2)
    """A running check reports progress every second or so; one silent for this
    long stopped with its process (a restart, a killed worker)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(_("status"), max_length=16, choices=State.choices, default=State.QUEUED)
    via = models.CharField(_("gestart via"), max_length=16)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aangevraagd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chains = models.JSONField(_("ketens"), null=True, blank=True)
    """Only these chains (the command's ``--chain``); null: the whole log."""
    created_at = models.DateTimeField(_("aangevraagd op"), default=timezone.now)
    started_at = models.DateTimeField(_("begonnen op"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("laatste teken van leven"), null=True, blank=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    total = models.BigIntegerField(_("te controleren regels"), null=True, blank=True)
    checked = models.BigIntegerField(_("gecontroleerde regels"), default=0)
    ok = models.BooleanField(_("in orde"), null=True, blank=True)
    first_bad = models.BigIntegerField(_("eerste afwijkende regel"), null=True, blank=True)
    checkpoints = models.PositiveIntegerField(_("vergeleken controlepunten"), default=0)
    findings = models.JSONField(_("afwijkingen van controlepunten"), default=list, blank=True)
    """``audit.checkpoints.Finding.as_dict()`` of each: ids and numbers only."""
    error = models.TextField(_("fout"), blank=True)

    class Meta:
        verbose_name = _("integriteitscontrole")
        verbose_name_plural = _("integriteitscontroles")
        indexes = [models.Index(fields=["state", "finished_at"], name="audit_verify_state_idx")]

    def __str__(self) -> str:
        return f"verification {self.id} ({self.state})"

    @property
    def stalled(self) -> bool:
        """Running, but its process stopped sending signs of life."""
        beat = self.heartbeat_at or self.started_at
        return (
            self.state == self.State.RUNNING
            and beat is not None
            and timezone.now() - beat > self.STALLED_AFTER
        )

    @property
    def shown_state(self) -> str:
        """The state as shown: a stalled run shows as failed."""
        return self.State.FAILED if self.stalled else self.state

    @property
    def shown_state_label(self) -> str:
        return str(self.State(self.shown_state).label)

    @property
    def active(self) -> bool:
        """Queued or running (and not stalled): the page keeps refreshing."""
        return self.state in (self.State.QUEUED, self.State.RUNNING) and not self.stalled

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.checked / self.total))


class SubjectKey(models.Model):
    """A resident's BSN, as a blind index, beside the household (subject id) it matched.

    The auditor's way back from a BSN to the households it was ever part of,
    for a subject-access request: unlike the match keys (``cases``), these are
    kept when a household's data is erased, like the log entries they lead
    to. The index is keyed for this purpose only, so it cannot be joined with
    the match keys; it holds no plaintext.
    """

    # Set in Python, not by the database: intake writes these in the same
    # statement as the match keys, which take their ids from the database.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    digest = models.CharField(_("sleutel"), max_length=32)
    subject_id = models.CharField(_("betrokkene (pseudoniem)"), max_length=64)

    class Meta:
        verbose_name = _("betrokkenesleutel")
        verbose_name_plural = _("betrokkenesleutels")
        indexes = [models.Index(fields=["digest"], name="audit_subject_key_digest_idx")]

    def __str__(self) -> str:
        return self.subject_id
