"""Organisations, users with roles, district teams and postcode areas."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from schakelpunt.cache import ProcessCache


class Role(models.TextChoices):
    PARTNER = "partner", _("Partner")
    TRIAGE = "triage", _("Schakelpunt (triage)")
    COORDINATOR = "coordinator", _("Coördinator")
    PROFESSIONAL = "professional", _("Coördinerend professional")
    AUDITOR = "auditor", _("Auditor / FG")
    ADMIN = "admin", _("Functioneel beheerder")


CASE_ROLES = frozenset({Role.TRIAGE, Role.COORDINATOR, Role.PROFESSIONAL})


class Organisation(models.Model):
    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Gemeente / schakelpunt")
        GP = "gp", _("Huisartsenpraktijk")
        HOUSING = "housing", _("Woningcorporatie")
        ENERGY = "energy", _("Energieleverancier")
        WATER = "water", _("Drinkwaterbedrijf")
        HEALTH_INSURER = "health_insurer", _("Zorgverzekeraar")
        SCHOOL = "school", _("School")
        EMPLOYER = "employer", _("Werkgever")
        SOCIAL_WORK = "social_work", _("Maatschappelijk werk")
        OTHER = "other", _("Anders")

    name = models.CharField(_("naam"), max_length=200, unique=True)
    kind = models.CharField(_("soort"), max_length=32, choices=Kind.choices)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person working in one organisation with one or more roles there."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.PROTECT, null=True, blank=True
    )
    roles = models.JSONField(_("rollen"), default=list, blank=True)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        unknown = set(self.roles) - set(Role.values)
        if unknown:
            raise ValidationError({"roles": _("Onbekende rol(len): %s") % ", ".join(sorted(unknown))})


class Team(models.Model):
    """A district team; coordinators and lead professionals are its members."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("naam"), max_length=200, unique=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, verbose_name=_("organisatie"))
    members = models.ManyToManyField(User, related_name="teams", blank=True, verbose_name=_("leden"))

    class Meta:
        verbose_name = _("wijkteam")
        verbose_name_plural = _("wijkteams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    name = models.CharField(_("naam"), max_length=200, unique=True)
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="districts", verbose_name=_("wijkteam")
    )

    class Meta:
        verbose_name = _("wijk")
        verbose_name_plural = _("wijken")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PostcodeArea(models.Model):
    """A range of 4-digit postcodes (inclusive) that belongs to a district."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="areas", verbose_name=_("wijk")
    )
    start = models.PositiveSmallIntegerField(
        _("van postcode"), validators=[MinValueValidator(1000), MaxValueValidator(9999)]
    )
    end = models.PositiveSmallIntegerField(
        _("tot en met postcode"), validators=[MinValueValidator(1000), MaxValueValidator(9999)]
    )

    class Meta:
        verbose_name = _("postcodegebied")
        verbose_name_plural = _("postcodegebieden")
        ordering = ["start"]
        indexes = [models.Index(fields=["start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="postcodearea_start_lte_end"
            )
        ]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        if self.start > self.end:
            raise ValidationError({"end": _("Het einde ligt voor het begin.")})
        overlap = PostcodeArea.objects.filter(start__lte=self.end, end__gte=self.start).exclude(pk=self.pk)
        if overlap.exists():
            raise ValidationError(_("Dit gebied overlapt met %s.") % overlap.first())


class Policy(models.Model):
    """The municipality's deadlines and retention periods, one row, edited in the admin.

    Defaults follow DESIGN.md and current municipal practice.
    """

    urgent_first_contact_working_days = models.PositiveSmallIntegerField(
        _("eerste contactpoging bij dreiging (werkdagen)"), default=3
    )
    first_contact_days = models.PositiveSmallIntegerField(_("eerste contactpoging (dagen)"), default=14)
    first_conversation_days = models.PositiveSmallIntegerField(_("eerste gesprek (dagen)"), default=28)
    lead_assignment_working_days = models.PositiveSmallIntegerField(
        _("regisseur toegewezen (werkdagen)"), default=5
    )
    retention_without_contact_months = models.PositiveSmallIntegerField(
        _("bewaartermijn zonder contact (maanden na ontvangst)"), default=6
    )
    retention_contact_without_help_months = models.PositiveSmallIntegerField(
        _("bewaartermijn na contact zonder hulp (maanden na afsluiten)"), default=12
    )
    retention_after_help_months = models.PositiveSmallIntegerField(
        _("bewaartermijn na hulp (maanden na afsluiten)"), default=18
    )

    class Meta:
        verbose_name = _("termijnen en bewaartermijnen")
        verbose_name_plural = _("termijnen en bewaartermijnen")

    def __str__(self) -> str:
        return str(_("Termijnen en bewaartermijnen"))

    def save(self, *args: object, **kwargs: object) -> None:
        self.pk = 1  # one municipality, one policy
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        _policy_cache.clear()

    @classmethod
    def current(cls) -> Policy:
        """The policy, read at most every few seconds per process (it changes rarely,
        and every signal filed needs it)."""
        return _policy_cache.get()


def _load_policy() -> Policy:
    policy, _created = Policy.objects.get_or_create(pk=1)
    return policy


_policy_cache = ProcessCache(_load_policy)


def _areas_changed(**kwargs: object) -> None:
    from .selectors import clear_area_cache

    clear_area_cache()


for _model in (PostcodeArea, District):
    models.signals.post_save.connect(_areas_changed, sender=_model, dispatch_uid=f"areas-{_model.__name__}")
    models.signals.post_delete.connect(
        _areas_changed, sender=_model, dispatch_uid=f"areas-del-{_model.__name__}"
    )
