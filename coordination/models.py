"""Organisations, users with roles, district teams and postcode areas."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.functions import Lower
from django.db.models.sql.compiler import SQLCompiler
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from helpers.cache import ProcessCache

from . import acting, events


class Role(models.TextChoices):
    PARTNER = "partner", _("Partner")
    TRIAGE = "triage", _("Schakelpunt (triage)")
    COORDINATOR = "coordinator", _("Coördinator")
    PROFESSIONAL = "professional", _("Coördinerend professional")
    AUDITOR = "auditor", _("Auditor / FG")
    ADMIN = "admin", _("Functioneel beheerder")
    # The account through which the delivery to the national monitor (DDAS) is made.
    MONITOR = "monitor", _("Landelijke monitor (DDAS-levering)")


CASE_ROLES = frozenset({Role.TRIAGE, Role.COORDINATOR, Role.PROFESSIONAL})

# Roles are listed in the order they are declared above (partner first, admin last).
_ROLE_ORDER = {role: n for n, role in enumerate(Role.values)}


def ordered_roles(codes: Iterable[str]) -> list[str]:
    """Role codes without repeats, in the order of ``Role``."""
    return sorted(set(codes), key=lambda code: (_ROLE_ORDER.get(code, len(_ROLE_ORDER)), code))


def parse_role_codes(text: str | None) -> list[str]:
    """The roles from their comma-separated form, as ``role_codes()`` and the token query load them."""
    return ordered_roles(code for code in (text or "").split(",") if code)


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
        # Files for several creditors at once (a collection agency, as creditors use today).
        COLLECTION_AGENCY = "collection_agency", _("Incassobureau (namens schuldeisers)")
        OTHER = "other", _("Anders")

    name = models.CharField(_("naam"), max_length=200, unique=True)
    kind = models.CharField(_("soort"), max_length=32, choices=Kind.choices)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class _JoinedRoles(models.Aggregate):
    """Role codes joined by commas: GROUP_CONCAT on SQLite, STRING_AGG on PostgreSQL."""

    function = "GROUP_CONCAT"
    output_field = models.CharField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        sql, params = self.as_sql(compiler, connection, function="STRING_AGG", **extra_context)
        return sql, list(params)


def role_codes() -> models.Subquery:
    """A user's roles as one comma-separated text (NULL for none), for annotating a user query.

    A correlated subquery rather than a join, so the users are not multiplied
    by their roles and the same SQL runs on PostgreSQL and SQLite.
    """
    return models.Subquery(
        UserRole.objects.filter(user=models.OuterRef("pk"))
        .order_by()
        .values("user")
        .annotate(codes=_JoinedRoles("role", models.Value(",")))
        .values("codes"),
        output_field=models.CharField(),
    )


class UserQuerySet(models.QuerySet["User"]):
    def with_roles(self) -> UserQuerySet:
        """The users with their roles loaded in the same query (``User.roles`` then costs none)."""
        return self.annotate(role_codes=role_codes())

    def holding(self, role: str) -> UserQuerySet:
        """Active users holding ``role``: one join on the role rows, in SQL."""
        return self.filter(is_active=True, user_roles__role=role)


class UserManager(DjangoUserManager["User"]):
    # Written out rather than ``from_queryset``, which the type checker cannot follow.
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def with_roles(self) -> UserQuerySet:
        return self.get_queryset().with_roles()

    def holding(self, role: str) -> UserQuerySet:
        return self.get_queryset().holding(role)

    def get_by_natural_key(self, username: str | None) -> User:
        # Logging in reads the roles at once: the login decides where the user lands.
        user: User = self.with_roles().get(**{self.model.USERNAME_FIELD: username})
        return user


password_changed = Signal()
"""A user's new password was saved: ``user``; sent in the save's transaction
(``schakelpunt.tokens`` revokes the user's personal API tokens)."""


class User(AbstractUser):
    """A person working in one organisation with one or more roles there.

    The roles are rows (``UserRole``), so "who holds role R" is a query.
    ``user.roles`` reads them as a list of codes in ``Role`` order: loaded
    with the user by ``User.objects.with_roles()`` (the session and token
    authentication do so), else by one query on first use, then kept on the
    instance. Assigning ``user.roles = [...]`` takes effect on the instance at
    once and is written to the role rows by the next ``save()``, as a field
    would be.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisatie"), on_delete=models.PROTECT, null=True, blank=True
    )
    # The number a resident calls back on, printed in letters the user sends.
    phone = models.CharField(_("telefoonnummer (werk)"), max_length=32, blank=True, default="")

    objects: ClassVar[UserManager] = UserManager()

    @property
    def roles(self) -> list[str]:
        held: list[str] | None = self.__dict__.get("_roles")
        if held is None:
            if "role_codes" in self.__dict__:  # annotated by ``with_roles()``
                held = parse_role_codes(self.__dict__["role_codes"])
            elif self.pk is None:
                held = []
            else:
                held = ordered_roles(UserRole.objects.filter(user=self).values_list("role", flat=True))
            self.__dict__["_roles"] = held
        return list(held)

    @roles.setter
    def roles(self, codes: Iterable[str]) -> None:
        self.__dict__["_roles"] = ordered_roles(str(code) for code in codes)
        self.__dict__["_roles_changed"] = True

    def remember_roles(self, codes: str | None) -> None:
        """Keep the roles loaded along with the user (comma-separated, as ``role_codes()`` gives them)."""
        self.__dict__["_roles"] = parse_role_codes(codes)

    def has_role(self, *roles: str) -> bool:
        held = self.roles
        return any(role in held for role in roles)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        unknown = set(self.roles) - set(Role.values)
        if unknown:
            raise ValidationError({"roles": _("Onbekende rol(len): %s") % ", ".join(sorted(unknown))})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Django keeps a password just set (set_password) until the next save.
        new_password = self.pk is not None and self.__dict__.get("_password") is not None
        roles_changed = bool(self.__dict__.get("_roles_changed"))
        update_fields = kwargs.get("update_fields")
        # Cheapest test first: a login's save of last_login never asks who is acting.
        if (
            roles_changed or update_fields is None or set(update_fields) & set(acting.PRIVILEGES)
        ) and acting.is_self(self):
            self._refuse_self_grant(roles_changed)
        if not roles_changed and not new_password:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if self.__dict__.get("_roles_changed"):
                self._write_roles()
            if new_password:
                password_changed.send(sender=User, user=self)

    def _refuse_self_grant(self, roles_changed: bool) -> None:
        """Nobody widens their own roles or privileges, whichever page or API saves them."""
        stored = User.objects.filter(pk=self.pk).values(*acting.PRIVILEGES).first() or {}
        acting.refuse_self_privilege(self, stored)
        if roles_changed:
            before = UserRole.objects.filter(user=self).values_list("role", flat=True)
            acting.refuse_self_grant(self, roles_before=before, roles_after=self.roles)

    def _write_roles(self) -> None:
        held, rows = self.roles, UserRole.objects.using(self._state.db)
        before = set(rows.filter(user=self).values_list("role", flat=True))
        rows.filter(user=self).exclude(role__in=held).delete()
        rows.bulk_create([UserRole(user=self, role=role) for role in held], ignore_conflicts=True)
        self.__dict__["_roles_changed"] = False
        added, removed = sorted(set(held) - before), sorted(before - set(held))
        if added or removed:
            events.roles_changed.send(sender=User, user=self, added=added, removed=removed)

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        for loaded in ("_roles", "_roles_changed", "role_codes"):
            self.__dict__.pop(loaded, None)


class UserRole(models.Model):
    """One role a user holds.

    The unique (user, role) index answers "the roles of this user" and, joined
    from the team membership table (team, user), "the coordinators of team
    X"; the (role, user) index answers "everyone holding role R".
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="user_roles",
        verbose_name=_("gebruiker"),
        db_index=False,  # the unique (user, role) index starts with the user
    )
    role = models.CharField(_("rol"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("rol")
        verbose_name_plural = _("rollen")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="userrole_user_role_unique"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="userrole_role_known"),
        ]
        indexes = [models.Index(fields=["role", "user"], name="userrole_role_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.role}"


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
    repeat_window_months = models.PositiveSmallIntegerField(
        _("herhaalsignaal binnen (maanden na afsluiten)"),
        default=6,
        help_text=_(
            "Een signaal voor een huishouden waarvan de vorige casus korter geleden is afgesloten, "
            "opent een nieuwe casus als herhaalsignaal, gekoppeld aan de vorige. 0: nooit."
        ),
    )

    # The delivery to the national monitor (DDAS Uitwisselmodel Vroegsignalering).
    ddas_municipality_code = models.CharField(
        _("gemeentecode (CBS)"),
        max_length=4,
        blank=True,
        default="",
        help_text=_("Vier cijfers, zoals 0363."),
    )
    ddas_municipality_name = models.CharField(
        _("naam aanleverende organisatie"), max_length=200, blank=True, default=""
    )
    ddas_kvk_number = models.CharField(_("KvK-nummer"), max_length=8, blank=True, default="")
    ddas_supplier_code = models.CharField(
        _("code gegevensleverancier"),
        max_length=80,
        blank=True,
        default="",
        help_text=_("De code van de leverancier of hostingpartij die namens de gemeente levert."),
    )
    ddas_contact_name = models.CharField(_("contactpersoon: naam"), max_length=200, blank=True, default="")
    ddas_contact_function = models.CharField(
        _("contactpersoon: functie"), max_length=200, blank=True, default=""
    )
    ddas_contact_phone = models.CharField(
        _("contactpersoon: telefoonnummer"), max_length=40, blank=True, default=""
    )
    ddas_contact_email = models.EmailField(_("contactpersoon: e-mailadres"), blank=True, default="")

    class Meta:
        verbose_name = _("termijnen en bewaartermijnen")
        verbose_name_plural = _("termijnen en bewaartermijnen")

    def __str__(self) -> str:
        return str(_("Termijnen en bewaartermijnen"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # one municipality, one policy
        super().save(*args, **kwargs)
        _policy_cache.clear()

    @classmethod
    def current(cls) -> Policy:
        """The policy, read at most every few seconds per process (it changes rarely,
        and every signal filed needs it)."""
        return _policy_cache.get()


def _load_policy() -> Policy:
    # The defaults are made on first use by whichever request asks first (a partner's
    # filing, say): that is no configuration change anyone made, so nobody is acting.
    with acting.acting_as(None):
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


class ApiToken(models.Model):
    """An API credential, kept only as the SHA-256 digest of its secret.

    Two kinds: a person's own token (from ``POST /api/v1/auth/token/``, gone at
    logout and at a password change) and a partner organisation's named system
    key (one per sending system, made and revoked by the organisation's own
    partner staff, living longer). The secret is shown once, when it is made;
    a row holds nothing that authenticates: the secret has 256 random bits, so
    its digest can be neither reversed nor guessed.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("persoonlijk token")
        SYSTEM = "system", _("systeemsleutel")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("soort"), max_length=16, choices=Kind.choices)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("gebruiker")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="system_keys",
        verbose_name=_("organisatie"),
    )
    name = models.CharField(_("naam"), max_length=100, blank=True)
    digest = models.CharField(_("vingerafdruk"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("gemaakt op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("verloopt op"))

    class Meta:
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One key per sending system: a name once per organisation, in any case.
            models.UniqueConstraint(
                "organisation",
                Lower("name"),
                condition=models.Q(kind="system"),
                name="apitoken_one_key_per_system",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="personal", organisation__isnull=True, name="")
                | (models.Q(kind="system", organisation__isnull=False) & ~models.Q(name="")),
                name="apitoken_kind_fields",
            ),
        ]
        indexes = [models.Index(fields=["user", "kind"], name="apitoken_user_kind")]

    def __str__(self) -> str:
        return self.name or str(self.get_kind_display())
