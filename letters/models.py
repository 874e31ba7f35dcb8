"""Letter templates, and print runs: one PDF with a letter for each of many cases."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import placeholders


class LetterTemplate(models.Model):
    """A letter administrators keep: a title and a body with placeholders (``letters.placeholders``)."""

    class Language(models.TextChoices):
        DUTCH = "nl", _("Nederlands")
        ENGLISH = "en", _("Engels")

    name = models.CharField(_("naam"), max_length=100, unique=True)
    language = models.CharField(_("taal"), max_length=2, choices=Language.choices, default=Language.DUTCH)
    title = models.CharField(_("onderwerp"), max_length=200, help_text=_("De regel 'Betreft' van de brief."))
    body = models.TextField(
        _("tekst"),
        help_text=_(
            "Alinea's scheidt u met een lege regel. Invulvelden: {naam}, {adres}, {kenmerk}, "
            "{medewerker}, {telefoon}, {datum}."
        ),
    )
    active = models.BooleanField(_("actief"), default=True)

    class Meta:
        verbose_name = _("briefsjabloon")
        verbose_name_plural = _("briefsjablonen")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for name in ("title", "body"):
            try:
                placeholders.check(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)


class PrintRun(models.Model):
    """A PDF with one letter for each case of a list that has had none yet, made in the background.

    The PDF is kept sealed (``helpers.crypto.encrypt_chunks``) in ``sealed``:
    never on disk in the clear, and removed ``settings.LETTER_RUN_KEEP_HOURS``
    after it was made (``letters.services.forget_old_pdfs``).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Wacht op verwerking")
        PROCESSING = "processing", _("Wordt gemaakt")
        DONE = "done", _("Klaar")
        FAILED = "failed", _("Mislukt")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    template = models.ForeignKey(LetterTemplate, on_delete=models.PROTECT, related_name="runs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    # The language of the page or API call that started it: its errors are written in it.
    language = models.CharField(max_length=8, blank=True, default="")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    letters = models.PositiveIntegerField(default=0)  # cases that got a letter in this run
    skipped = models.PositiveIntegerField(default=0)  # cases that already had a letter
    failed = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)  # why the whole run failed; never personal data
    sealed = models.BinaryField(null=True, blank=True, editable=False)
    # When the PDF was removed, ``settings.LETTER_RUN_KEEP_HOURS`` after it was made.
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("printrun")
        verbose_name_plural = _("printruns")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="printrun_by_created_idx")]

    def __str__(self) -> str:
        return f"{self.template_id} {self.created_at:%Y-%m-%d %H:%M}"


class PrintRunItem(models.Model):
    """One case of a run, in the order of the PDF; ``outcome`` is empty until it is handled."""

    class Outcome(models.TextChoices):
        LETTER = "letter", _("Brief")
        SKIPPED = "skipped", _("Had al een brief")
        FAILED = "failed", _("Niet gelukt")

    run = models.ForeignKey(PrintRun, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField()
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    error = models.CharField(max_length=300, blank=True, default="")  # a message, never personal data
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("brief in een printrun")
        verbose_name_plural = _("brieven in een printrun")
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="printrun_item_position"),
            models.UniqueConstraint(fields=["run", "case"], name="printrun_item_case_once"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.position}"
