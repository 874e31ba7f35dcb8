"""Signal types and the signals partners file."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import PartnerStatus, Priority, new_reference
from helpers.cache import ProcessCache
from helpers.crypto import EncryptedField


class SignalType(models.Model):
    """A kind of signal. Admins may add types; the contract's codes are seeded."""

    class Creditor(models.TextChoices):
        HOUSING = "housing", _("Wonen")
        ENERGY = "energy", _("Energie")
        WATER = "water", _("Water")
        HEALTH_INSURANCE = "health_insurance", _("Zorgverzekering")
        MORTGAGE = "mortgage", _("Hypotheek")
        TAX = "tax", _("Belastingdienst")
        BENEFITS = "benefits", _("Dienst Toeslagen")
        CAK = "cak", _("CAK")
        STUDENT_FINANCE = "student_finance", _("DUO")
        OTHER = "other", _("Overige schuldeiser")
        NONE = "", _("Geen schuldeiser")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("naam"), max_length=120)
    statutory = models.BooleanField(_("wettelijk Wgs-signaal"), default=False)
    requires_consent = models.BooleanField(_("toestemming vereist"), default=False)
    is_arrears = models.BooleanField(_("betalingsachterstand"), default=False)
    creditor = models.CharField(_("soort schuldeiser"), max_length=32, choices=Creditor.choices, blank=True)
    minimum_amount = models.DecimalField(
        _("minimumbedrag"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        help_text=_("Achterstanden onder dit bedrag worden opgeslagen en gesloten als 'onder de drempel'."),
    )
    active = models.BooleanField(_("actief"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("prioriteit"),
        choices=Priority.choices,
        default=Priority.NORMAL,
        help_text=_(
            "De prioriteit die een signaal van deze soort een casus minstens geeft. Urgent: eerste "
            "contactpoging binnen de termijn bij dreiging (werkdagen). Geldt voor nieuwe signalen."
        ),
    )

    class Meta:
        verbose_name = _("signaalsoort")
        verbose_name_plural = _("signaalsoorten")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def active_by_code(cls) -> dict[str, SignalType]:
        """The active types by code, read at most every few seconds per process
        (every signal filed needs them; admins change them rarely)."""
        return _type_cache.get()


def _load_active_types() -> dict[str, SignalType]:
    return {t.code: t for t in SignalType.objects.filter(active=True)}


_type_cache = ProcessCache(_load_active_types)
models.signals.post_save.connect(_type_cache.clear, sender=SignalType, dispatch_uid="signal-types-saved")
models.signals.post_delete.connect(_type_cache.clear, sender=SignalType, dispatch_uid="signal-types-deleted")


class OrganisationSignalTypes(models.Model):
    """Which signal types one organisation may file, as the administrator set them.

    An organisation without this row files the types of its kind
    (``signals.allowed.DEFAULT_TYPES_BY_KIND``): a GP practice GP observations,
    a housing corporation rent arrears, a collection agency every arrears type.
    """

    organisation = models.OneToOneField(
        "coordination.Organisation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("organisatie"),
    )
    signal_types = models.ManyToManyField(
        SignalType, blank=True, related_name="+", verbose_name=_("signaalsoorten")
    )

    class Meta:
        verbose_name = _("signaalsoorten van een organisatie")
        verbose_name_plural = _("signaalsoorten per organisatie")

    def __str__(self) -> str:
        return str(self.organisation)


class Threat(models.TextChoices):
    NONE = "none", _("Geen")
    EVICTION = "eviction", _("Huisuitzetting")
    DISCONNECTION = "disconnection", _("Afsluiting")
    END_OF_SUPPLY = "end_of_supply", _("Einde levering")


class ThreatUrgency(models.Model):
    """How urgent a threat makes a case, as the administrator set it (one row per threat).

    Defaults follow current practice: eviction and disconnection are urgent
    (the 3-working-day deadline); an energy end-of-supply is not by itself (the
    ministry), it raises the priority. A change applies to signals filed after it.
    """

    threat = models.CharField(_("dreiging"), max_length=16, choices=Threat.choices, unique=True)
    priority = models.PositiveSmallIntegerField(
        _("prioriteit"),
        choices=Priority.choices,
        default=Priority.NORMAL,
        help_text=_("De prioriteit die deze dreiging een casus minstens geeft; urgent: de kortste termijn."),
    )

    class Meta:
        verbose_name = _("urgentie van een dreiging")
        verbose_name_plural = _("urgentie per dreiging")
        ordering = ["threat"]

    def __str__(self) -> str:
        return str(Threat(self.threat).label)

    @classmethod
    def priority_by_threat(cls) -> dict[str, int]:
        """Each threat's priority, read at most every few seconds per process."""
        return _threat_cache.get()


DEFAULT_THREAT_PRIORITY = {
    Threat.EVICTION: Priority.URGENT,
    Threat.DISCONNECTION: Priority.URGENT,
    Threat.END_OF_SUPPLY: Priority.RAISED,
}
"""A threat without its row (a new database before the seed) weighs as current practice."""


def _load_threat_priorities() -> dict[str, int]:
    found = {str(k): int(v) for k, v in DEFAULT_THREAT_PRIORITY.items()}
    found.update(dict(ThreatUrgency.objects.values_list("threat", "priority")))
    return found


_threat_cache = ProcessCache(_load_threat_priorities)
models.signals.post_save.connect(
    _threat_cache.clear, sender=ThreatUrgency, dispatch_uid="threat-urgency-saved"
)
models.signals.post_delete.connect(
    _threat_cache.clear, sender=ThreatUrgency, dispatch_uid="threat-urgency-deleted"
)


class Children(models.TextChoices):
    YES = "yes", _("Ja")
    NO = "no", _("Nee")
    UNKNOWN = "unknown", _("Onbekend")


def new_signal_reference() -> str:
    return new_reference("S")


class Signal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=16, unique=True, default=new_signal_reference)
    # No index of their own for signal_type and filed_by: only the PROTECT check
    # when an admin deletes a type or a user looks signals up by them.
    signal_type = models.ForeignKey(
        SignalType, on_delete=models.PROTECT, related_name="signals", db_index=False
    )
    # The unique constraints and signal_org_received_idx lead with it.
    organisation = models.ForeignKey(
        "coordination.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    received_at = models.DateTimeField(default=timezone.now)
    # From the national DDAS model: a crisis signal, a warm handover (the partner
    # already spoke with the person), and the day the partner sent it (the day
    # received unless the partner says otherwise; never in the future).
    crisis = models.BooleanField(default=False)
    warm_handover = models.BooleanField(default=False)
    signal_date = models.DateField(default=timezone.localdate)
    status = models.CharField(max_length=16, choices=PartnerStatus.choices, default=PartnerStatus.RECEIVED)
    # When the status last changed; NULL while it is the status it was filed with.
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # The covenant's feedback (status help_accepted): the day the household
    # accepted help and the day until which the partner suspends collection.
    help_accepted_on = models.DateField(null=True, blank=True)
    suspend_collection_until = models.DateField(null=True, blank=True)
    closed_reason = models.CharField(max_length=32, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="signals"
    )

    # Idempotency: blind indexes, unique per organisation, so the partner's
    # reference (often a tenant or customer number) is not stored in the clear.
    partner_reference = EncryptedField()
    partner_reference_index = models.CharField(max_length=32)
    # NULL, not "", when absent: the unique constraint must not treat absent keys as equal.
    idempotency_key_index = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    # A blind index of the filing's content: a repeat with the same reference or
    # key is answered with this signal only when it says the same. Empty for
    # signals filed before it was kept (those count as the same).
    content_index = models.CharField(max_length=32, blank=True, default="")

    # Subject: personal data, encrypted at rest.
    bsn = EncryptedField()
    initials = EncryptedField()
    given_names = EncryptedField()
    surname_prefix = EncryptedField()
    surname = EncryptedField()
    date_of_birth = EncryptedField(kind="date")
    postcode = EncryptedField()
    house_number = EncryptedField()
    house_number_addition = EncryptedField()
    street = EncryptedField()
    city = EncryptedField()
    phone = EncryptedField()
    email = EncryptedField()
    note = EncryptedField()

    # Facts about the signal that are not personal data by themselves and that
    # the figures count after erasure.
    arrears_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    arrears_since = models.DateField(null=True, blank=True)
    threat = models.CharField(max_length=16, choices=Threat.choices, default=Threat.NONE)
    children_in_household = models.CharField(max_length=8, choices=Children.choices, default=Children.UNKNOWN)
    consent_given = models.BooleanField(default=False)
    postcode_area = models.CharField(max_length=4, blank=True)  # 4 digits: routing and figures
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("signaal")
        verbose_name_plural = _("signalen")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "partner_reference_index"], name="signal_unique_partner_reference"
            ),
            models.UniqueConstraint(
                fields=["organisation", "idempotency_key_index"], name="signal_unique_idempotency_key"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "-received_at"], name="signal_org_received_idx")]

    def __str__(self) -> str:
        return self.reference

    @property
    def status_since(self) -> datetime.datetime:
        """When the partner's status became what it is: the last change, else the receipt."""
        return self.status_changed_at or self.received_at


class BulkUpload(models.Model):
    """A partner's batch file, processed in the background with per-row errors.

    The file is kept encrypted (``helpers.crypto.encrypt_chunks``) until it
    has been processed, then deleted.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Wacht op verwerking")
        PROCESSING = "processing", _("Wordt verwerkt")
        DONE = "done", _("Verwerkt")
        FAILED = "failed", _("Mislukt")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON lines"
        XLSX = "xlsx", "Excel (.xlsx)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("coordination.Organisation", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=8, choices=Format.choices)
    # The language of the page or API call that uploaded it: its row errors are written in it.
    language = models.CharField(max_length=8, blank=True, default="")
    # A CSV's text encoding as found when it was counted: utf-8-sig or cp1252 (Windows-1252).
    encoding = models.CharField(max_length=16, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)  # rows filed as a new signal
    already_filed = models.PositiveIntegerField(default=0)  # rows identical to an earlier filing
    rejected = models.PositiveIntegerField(default=0)
    # Refused rows' reasons kept (BulkRowError) and left out past settings.BULK_MAX_STORED_ERRORS.
    errors_stored = models.PositiveIntegerField(default=0)
    errors_not_stored = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)  # why the whole file failed; never row data
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bulkbestand")
        verbose_name_plural = _("bulkbestanden")
        indexes = [models.Index(fields=["organisation", "-created_at"], name="bulk_org_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"


class BulkPart(models.Model):
    """A range of an upload's data rows, filed by one task.

    The parts of one file are filed side by side by the workers, each by one
    at a time: the worker filing a part holds a PostgreSQL advisory lock on it
    for as long as its session lives, and every batch it commits is fenced by
    its ``claim`` token. ``processed`` is the part's resume point: its first
    ``processed`` rows are filed, with their errors. ``heartbeat_at`` moves
    with every batch; a part whose heartbeat stops is resumed by the beat.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Wacht op verwerking")
        PROCESSING = "processing", _("Wordt verwerkt")
        DONE = "done", _("Verwerkt")
        FAILED = "failed", _("Mislukt")

    upload = models.ForeignKey(BulkUpload, on_delete=models.CASCADE, related_name="parts")
    first_row = models.PositiveIntegerField()  # data rows counted from 1, in file order
    last_row = models.PositiveIntegerField()
    processed = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)  # the task run filing the part now
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("deel van een bulkbestand")
        verbose_name_plural = _("delen van bulkbestanden")
        ordering = ["upload", "first_row"]
        constraints = [models.UniqueConstraint(fields=["upload", "first_row"], name="bulk_part_unique_start")]

    def __str__(self) -> str:
        return f"{self.first_row}-{self.last_row}"


class BulkRowError(models.Model):
    """One refused row: its line number in the file, the field and the reason (no values)."""

    upload = models.ForeignKey(BulkUpload, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField()
    field = models.CharField(max_length=64)
    column = models.CharField(max_length=64, blank=True, default="")  # as the file names it
    message = models.CharField(max_length=300)

    class Meta:
        verbose_name = _("fout in bulkbestand")
        verbose_name_plural = _("fouten in bulkbestanden")
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"{self.row}: {self.field}"


# Partner systems' webhooks and their outbox (kept in a module of their own).
from .webhook_models import Webhook, WebhookDelivery  # noqa: E402

__all__ = ["BulkPart", "BulkRowError", "BulkUpload", "Signal", "SignalType", "Webhook", "WebhookDelivery"]


class FigureTally(models.Model):
    """Counts behind the management figures (``signals.figures``), kept by the database.

    Every row is a count ``n`` (positive or negative) of one fact in one
    month and district: ``kind`` says what (a signal of a type, a case opened,
    contacted, closed with an outcome, ...), ``key`` which (the type's id, the
    outcome's code, the postcode area, the working days). Triggers on
    ``signals_signal``, ``cases_case`` and ``cases_deadlinebreach`` append a row
    for every change of a fact (migration ``figures_tally``), whatever wrote
    it: the ORM, the fast write path, ``COPY``, erasure. The figures are the
    sums; ``signals.tally.compact`` folds the rows into one per fact and
    ``signals.tally.rebuild`` counts everything anew.
    """

    id = models.BigAutoField(primary_key=True)
    month = models.DateField()
    district_id = models.BigIntegerField(null=True)
    kind = models.CharField(max_length=24)
    key = models.CharField(max_length=40, blank=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["month", "kind"], name="figure_tally_month_idx")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind} {self.key}: {self.n}"


class FigureHoliday(models.Model):
    """The Dutch public holidays the database counts working days with (from ``holidays``)."""

    day = models.DateField(primary_key=True)

    def __str__(self) -> str:
        return self.day.isoformat()
