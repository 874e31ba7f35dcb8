"""Households, their cases and the case state machine."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_stubs_ext import StrPromise

from coordination.models import Team, User
from helpers.crypto import EncryptedField

from .matching import Evidence

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_reference(prefix: str) -> str:
    """A short, unguessable reference people can read out on the phone."""
    # 32 letters: each random byte modulo 32 picks one uniformly (256 = 8 x 32).
    body = "".join(_REFERENCE_ALPHABET[b % 32] for b in secrets.token_bytes(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def new_case_reference() -> str:
    return new_reference("C")


class Household(models.Model):
    """A household known to the schakelpunt. Its id is the pseudonymous subject id
    that the access log and statistics use; it holds no personal data itself."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("huishouden")
        verbose_name_plural = _("huishoudens")

    def __str__(self) -> str:
        return str(self.id)


class HouseholdKey(models.Model):
    """A blind match key (keyed HMAC of normalised identifying facts)."""

    digest = models.CharField(max_length=32, unique=True)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="keys")

    class Meta:
        verbose_name = _("koppelsleutel")
        verbose_name_plural = _("koppelsleutels")

    def __str__(self) -> str:
        return self.digest


class PartialKey(models.Model):
    """A blind key of evidence too weak to join on (see ``cases.matching``).

    Kept apart from ``HouseholdKey``: several households may hold the same
    one (two people born on one day, each with "Jansen" in their name), and
    a later signal that finds one only marks a possible match.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    digest = models.CharField(max_length=32)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="partial_keys")

    class Meta:
        verbose_name = _("deelsleutel")
        verbose_name_plural = _("deelsleutels")
        constraints = [
            # Also the index that digest lookups use.
            models.UniqueConstraint(fields=["digest", "household"], name="partial_key_once_per_household")
        ]

    def __str__(self) -> str:
        return self.digest


class RetiredKey(models.Model):
    """A joining key that joined two people wrongly, retired when their signals were
    split apart (``cases.moves.split_off``): intake no longer joins on it, so the
    next signal with it is not joined wrongly again. A digest only, no household."""

    digest = models.CharField(max_length=32, unique=True)
    retired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ingetrokken koppelsleutel")
        verbose_name_plural = _("ingetrokken koppelsleutels")

    def __str__(self) -> str:
        return f"retired key {self.pk}"


class SearchKey(models.Model):
    """A blind key a person searches a household by and intake never looks up
    (postcode + house number, see ``cases.search``).

    Not unique: many households live at one address over the years, and a
    household filed at its address again may hold the same key twice (a search
    asks which households hold it, so a second row changes no answer).
    """

    # A UUID made in Python: intake writes these in one statement with the other keys.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    digest = models.CharField(max_length=32, db_index=True)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="search_keys")

    class Meta:
        verbose_name = _("zoeksleutel")
        verbose_name_plural = _("zoeksleutels")

    def __str__(self) -> str:
        return self.digest


class State(models.TextChoices):
    NEW = "new", _("Nieuw")
    TRIAGE = "triage", _("In triage")
    OUTREACH = "outreach", _("Outreach")
    AWAITING_LEAD = "awaiting_lead", _("Wacht op regisseur")
    LEAD_ASSIGNED = "lead_assigned", _("Regisseur toegewezen")
    IN_PROGRESS = "in_progress", _("In behandeling")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Afgesloten")


OPEN_STATES = tuple(s for s in State.values if s != State.CLOSED)


class Priority(models.IntegerChoices):
    NORMAL = 10, _("Normaal")
    RAISED = 20, _("Verhoogd")
    URGENT = 30, _("Urgent")


class Outcome(models.TextChoices):
    """The end results of DDAS v1.2 (VNG Realisatie, "EnumEindresultaat"): the label is
    the standard's own text, so every municipality registers a conversation alike."""

    ADVICE_QUICK_FIX = "advice_quick_fix", _("(Budget)advies en/of quick fix")
    UNREACHABLE = "unreachable", _("Definitief geen contact kunnen krijgen")
    NO_RESPONSE_AFTER_CONTACT = "no_response_after_contact", _("Geen reactie na eerder contact")
    ALREADY_IN_DEBT_CARE = "already_in_debt_care", _("Inwoner al bekend bij schuldhulpverlening")
    OTHER_ONGOING_SUPPORT = "other_ongoing_support", _("Inwoner heeft al een ander lopend traject")
    SOLVED_BY_RESIDENT = "solved_by_resident", _("Inwoner heeft zelf al betaald/betalingsregeling getroffen")
    DECEASED = "deceased", _("Inwoner is overleden")
    DECLINED_HELP = "declined_help", _("Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering")
    NOT_PICKED_UP_OTHER = "not_picked_up_other", _("Niet opgepakt: andere reden")
    NOT_PICKED_UP_REPEAT = "not_picked_up_repeat", _("Niet opgepakt: herhaalde melding")
    NOT_PICKED_UP_UNFOUNDED = "not_picked_up_unfounded", _("Niet opgepakt: onterecht signaal")
    MOVED_AWAY = "moved_away", _("Persoon is geen inwoner (meer) in de gemeente")
    REFERRAL = "referral", _("Vervolghulp en/of verwijzing")
    REFERRAL_FINANCIAL = "referral_financial", _("Vervolghulp en/of verwijzing financieel")
    REFERRAL_NON_FINANCIAL = "referral_non_financial", _("Vervolghulp en/of verwijzing niet financieel")
    REFERRAL_WITHOUT_RESIDENT = "referral_without_resident", _("Verwijzing zonder tussenkomst inwoner")
    # Set by merging only (``cases.moves``), never chosen on the close form: the
    # case's signals and casework went on in the case it was merged into.
    MERGED = "merged", _("Samengevoegd met een andere casus")


# One line per end result under the close form's list: when to choose it.
OUTCOME_HELP: dict[str, StrPromise] = {
    Outcome.ADVICE_QUICK_FIX: _(
        "Het is in het contact zelf opgelost: advies over het budget of een snelle oplossing."
    ),
    Outcome.UNREACHABLE: _("Na alle contactpogingen is er nooit contact geweest."),
    Outcome.NO_RESPONSE_AFTER_CONTACT: _("Er was eerder contact, daarna reageert de inwoner niet meer."),
    Outcome.ALREADY_IN_DEBT_CARE: _("De inwoner heeft al schuldhulpverlening (of is daar aangemeld)."),
    Outcome.OTHER_ONGOING_SUPPORT: _("De inwoner heeft al een ander lopend hulp- of begeleidingstraject."),
    Outcome.SOLVED_BY_RESIDENT: _("De inwoner heeft de achterstand zelf betaald of een regeling getroffen."),
    Outcome.DECEASED: _("De inwoner is overleden."),
    Outcome.DECLINED_HELP: _("De inwoner regelt het zelf of wil geen hulp vanuit vroegsignalering."),
    Outcome.NOT_PICKED_UP_OTHER: _(
        "Niet opgepakt om een andere reden (bijvoorbeeld onder de drempel); noem de reden."
    ),
    Outcome.NOT_PICKED_UP_REPEAT: _("Niet opgepakt: dezelfde achterstand is al eerder gemeld."),
    Outcome.NOT_PICKED_UP_UNFOUNDED: _(
        "Niet opgepakt: het signaal bleek onterecht (geen achterstand, verkeerd adres)."
    ),
    Outcome.MOVED_AWAY: _("De persoon woont niet (meer) in de gemeente."),
    Outcome.REFERRAL: _("Hulp geaccepteerd: vervolghulp of verwijzing, soort niet vastgelegd."),
    Outcome.REFERRAL_FINANCIAL: _(
        "Hulp geaccepteerd: doorverwezen naar financiële hulp, zoals schuldhulpverlening."
    ),
    Outcome.REFERRAL_NON_FINANCIAL: _(
        "Hulp geaccepteerd: doorverwezen naar andere hulp, zoals maatschappelijk werk."
    ),
    Outcome.REFERRAL_WITHOUT_RESIDENT: _(
        "Doorverwezen zonder dat de inwoner zelf betrokken was (bijvoorbeeld met een collega)."
    ),
}

# The outcome codes used before the DDAS end results: the API still takes them
# and stores the end result each one became (migration cases 0016 did the same
# to the cases closed with them).
LEGACY_OUTCOMES = {
    "help_accepted": Outcome.REFERRAL_FINANCIAL,
    "solved_with_creditor": Outcome.SOLVED_BY_RESIDENT,
    "already_in_care": Outcome.ALREADY_IN_DEBT_CARE,
    "no_problem_found": Outcome.NOT_PICKED_UP_UNFOUNDED,
    # A signal under the type's minimum amount is a real arrear that the
    # municipality chose not to take up: "another reason", not "unfounded".
    "below_threshold": Outcome.NOT_PICKED_UP_OTHER,
    "duplicate": Outcome.NOT_PICKED_UP_REPEAT,
    "other": Outcome.NOT_PICKED_UP_OTHER,
}


def outcome_code(value: str) -> str:
    """The end result for ``value``: itself, or the one an old code became."""
    return str(LEGACY_OUTCOMES.get(value, value))


class Deadline(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("Eerste contactpoging")
    FIRST_CONVERSATION = "first_conversation", _("Eerste gesprek")
    LEAD_ASSIGNMENT = "lead_assignment", _("Regisseur toewijzen")


class PartnerStatus(models.TextChoices):
    """What a filing partner sees of its signal: closed-loop feedback, no case content."""

    RECEIVED = "received", _("Ontvangen")
    PICKED_UP = "picked_up", _("Opgepakt")
    HELP_ACCEPTED = "help_accepted", _("Hulp geaccepteerd")
    NOT_PICKED_UP = "not_picked_up", _("Niet opgepakt")
    CLOSED = "closed", _("Afgesloten")


# The outcomes a person chooses when closing; ``merged`` is the merge's own.
CLOSING_OUTCOMES = tuple((value, label) for value, label in Outcome.choices if value != Outcome.MERGED)

# Closing a case with one of these outcomes tells the partner "not picked up".
NOT_PICKED_UP_OUTCOMES = frozenset(
    {
        Outcome.NOT_PICKED_UP_OTHER,
        Outcome.NOT_PICKED_UP_REPEAT,
        Outcome.NOT_PICKED_UP_UNFOUNDED,
        Outcome.UNREACHABLE,
        Outcome.DECLINED_HELP,
    }
)

# Closing with a referral is help accepted: the day is recorded and the partner hears it.
HELP_ACCEPTED_OUTCOMES = frozenset(
    {
        Outcome.REFERRAL,
        Outcome.REFERRAL_FINANCIAL,
        Outcome.REFERRAL_NON_FINANCIAL,
        Outcome.REFERRAL_WITHOUT_RESIDENT,
    }
)


class AgeBand(models.TextChoices):
    """The person's age at intake, kept as a band only (never the date of birth)."""

    UNDER_27 = "under_27", _("Jonger dan 27")
    FROM_27_TO_66 = "27_66", _("27 tot en met 66")
    FROM_67 = "67_plus", _("67 en ouder")


class RecommendedAction(models.TextChoices):
    LETTER = "letter", _("Brief")
    PHONE = "phone", _("Telefoon")
    HOME_VISIT = "home_visit", _("Huisbezoek")
    OTHER = "other", _("Anders")


class WorkTray(models.Model):
    """A work tray of the municipality's weighing framework (*afwegingskader*).

    A case is in the first tray, by ``position``, whose criteria it meets
    (``cases.trays``); a tray without criteria takes every case ("the rest").
    Criteria are over facts the case keeps without plaintext. Every criterion
    that is set must hold; a list criterion holds when the case has one of its
    values. Lists hold codes: signal types (``signals.SignalType.code``), threats
    and age bands.
    """

    name = models.CharField(_("naam"), max_length=80)
    position = models.PositiveSmallIntegerField(
        _("volgorde"), default=100, help_text=_("Een casus komt in de eerste bak (laagste nummer) die past.")
    )
    recommended_action = models.CharField(
        _("aanbevolen eerste actie"), max_length=16, choices=RecommendedAction.choices
    )
    active = models.BooleanField(_("actief"), default=True)
    signal_types = models.JSONField(
        _("signaalsoorten"), default=list, blank=True, help_text=_("Een van deze signaalsoorten (codes).")
    )
    threats = models.JSONField(
        _("dreigingen"), default=list, blank=True, help_text=_("Een van deze dreigingen.")
    )
    crisis = models.BooleanField(_("crisis"), null=True, blank=True)
    children = models.BooleanField(_("kinderen in het huishouden"), null=True, blank=True)
    min_creditor_kinds = models.PositiveSmallIntegerField(
        _("minimaal aantal soorten schuldeisers"), null=True, blank=True
    )
    arrears_above = models.DecimalField(
        _("totale achterstand boven (euro)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    age_bands = models.JSONField(_("leeftijdsgroepen"), default=list, blank=True)
    repeat = models.BooleanField(_("herhaalsignaal"), null=True, blank=True)
    multiple = models.BooleanField(_("meervoudig"), null=True, blank=True)

    class Meta:
        verbose_name = _("werkbak")
        verbose_name_plural = _("werkbakken")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Case(ConcurrentTransitionMixin, models.Model):
    """One case per household episode; signals about the household join it while it is open."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=16, unique=True, default=new_case_reference)
    # household, team and lead lead the composite indexes below, which serve
    # their lookups too: no single-column index of their own to keep up on
    # every insert.
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases", db_index=False)
    state = FSMField(default=State.NEW, choices=State.choices, protected=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    # No index of their own for district and claimed_by: nothing looks cases up
    # by them but the PROTECT check when an admin deletes a district or user.
    district = models.ForeignKey(
        "coordination.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    team = models.ForeignKey(
        "coordination.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
        db_index=False,
    )
    opened_at = models.DateTimeField(default=timezone.now)
    last_signal_at = models.DateTimeField(default=timezone.now)
    signal_count = models.PositiveIntegerField(default=0)
    # The kinds of creditor (``SignalType.creditor``) of the case's signals,
    # sorted and comma-separated: two or more raise the priority. Kept here so
    # that placing a signal never reads the signals table.
    creditor_kinds = models.CharField(max_length=200, blank=True, default="", db_default="")
    # When each kind of creditor was last seen (kind -> ISO date): two kinds
    # within a month make the case ``multiple``.
    creditor_seen = models.JSONField(default=dict, blank=True, db_default={})
    # The facts the work trays weigh (``cases.trays``), kept without plaintext:
    # the signal types and threats seen, each as ",code,code," (a criterion
    # looks for ",code,"), whether any signal said crisis or children, how many
    # kinds of creditor, the arrears added up, the age band at intake.
    signal_types = models.CharField(max_length=400, blank=True, default="", db_default="")
    threats = models.CharField(max_length=100, blank=True, default="", db_default="")
    crisis = models.BooleanField(default=False, db_default=False)
    children = models.BooleanField(default=False, db_default=False)
    creditor_kind_count = models.PositiveSmallIntegerField(default=0, db_default=0)
    total_arrears = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True, default="", db_default="")
    # A signal for a household whose last case closed within the policy's
    # repeat window opens a ``repeat`` case linked to that one.
    repeat = models.BooleanField(default=False, db_default=False)
    previous_case = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="later_cases"
    )
    multiple = models.BooleanField(default=False, db_default=False)
    # The work tray the case is in; its criteria are re-evaluated when a signal
    # joins and when the trays change. Led by the tray queue index below.
    tray = models.ForeignKey(
        WorkTray, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases", db_index=False
    )
    state_entered_at = models.DateTimeField(default=timezone.now)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    first_conversation_at = models.DateTimeField(null=True, blank=True)
    deadline = models.CharField(max_length=24, choices=Deadline.choices, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    overdue = models.BooleanField(default=False)  # set by the deadline run, sorts queues
    # Queue order in one ascending number: overdue first, then by priority.
    # With opened_at and id it is the keyset the queue pages through, so a
    # page costs the same at a million cases as at ten.
    queue_rank = models.GeneratedField(
        expression=models.Case(models.When(overdue=True, then=models.Value(0)), default=models.Value(100))
        + models.Value(100)
        - models.F("priority"),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    erased_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    outcome_reason = EncryptedField()
    # A case closed by merging: the case it was merged into, where its signals went.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    # Set by ``reopen``: a reopened case back in triage is "picked up" for its partners.
    reopened_at = models.DateTimeField(null=True, blank=True)

    # The day the household accepted help: recorded by the lead, or the day
    # the case closed with a referral to help. The one fact about the case
    # that the filing partners hear (the covenant: they suspend collection).
    help_accepted_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("casus")
        verbose_name_plural = _("casussen")
        indexes = [
            models.Index(fields=["state", "queue_rank", "opened_at", "id"], name="case_queue_idx"),
            models.Index(fields=["team", "queue_rank", "opened_at", "id"], name="case_team_queue_idx"),
            # A team's open cases only: the team queue counts in it without
            # passing the years of closed cases; intake (no team yet) never writes it.
            models.Index(
                fields=["team", "queue_rank", "opened_at", "id"],
                name="case_team_open_idx",
                condition=models.Q(team__isnull=False) & ~models.Q(state="closed"),
            ),
            models.Index(fields=["lead", "state"], name="case_lead_idx"),
            # The intake's tabs: one tray's cases in one state, in queue order.
            models.Index(
                fields=["tray", "state", "queue_rank", "opened_at", "id"], name="case_tray_queue_idx"
            ),
            # A team's open cases of one tray (the trays' counts and ``?tray=`` for a coordinator).
            models.Index(
                fields=["team", "tray", "queue_rank", "opened_at", "id"],
                name="case_team_tray_idx",
                condition=models.Q(team__isnull=False) & ~models.Q(state="closed"),
            ),
            # The cases one leads in queue order, for "mijn casussen" page by
            # page; only cases with a lead, so filing a new case never writes it.
            models.Index(
                fields=["lead", "queue_rank", "opened_at", "id"],
                name="case_lead_queue_idx",
                condition=models.Q(lead__isnull=False),
            ),
            models.Index(fields=["household", "state"], name="case_household_idx"),
            models.Index(fields=["due_at"], name="case_due_idx", condition=models.Q(overdue=False)),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def creditor_kinds_seen(self) -> set[str]:
        return set(filter(None, self.creditor_kinds.split(",")))

    @property
    def partner_status(self) -> str:
        if self.help_accepted_on is not None:
            return PartnerStatus.HELP_ACCEPTED
        if self.state in (State.NEW, State.TRIAGE) and self.reopened_at is None:
            return PartnerStatus.RECEIVED
        if self.state != State.CLOSED:
            return PartnerStatus.PICKED_UP
        if self.outcome in NOT_PICKED_UP_OUTCOMES:
            return PartnerStatus.NOT_PICKED_UP
        return PartnerStatus.CLOSED

    # Transitions only set fields: services lock, check, save and log.

    @transition(field=state, source=State.NEW, target=State.TRIAGE)
    def claim(self, *, by: User) -> None:
        self.claimed_by = by

    @transition(field=state, source=State.TRIAGE, target=State.NEW)
    def release(self) -> None:
        self.claimed_by = None

    @transition(field=state, source=State.TRIAGE, target=State.OUTREACH)
    def start_outreach(self) -> None:
        pass

    @transition(field=state, source=[State.TRIAGE, State.OUTREACH], target=State.AWAITING_LEAD)
    def refer_to_team(self, *, team: Team) -> None:
        self.team = team
        self.lead = None

    @transition(field=state, source=State.AWAITING_LEAD, target=State.LEAD_ASSIGNED)
    def assign_lead(self, *, lead: User) -> None:
        self.lead = lead

    @transition(field=state, source=State.LEAD_ASSIGNED, target=State.IN_PROGRESS)
    def accept(self) -> None:
        pass

    @transition(field=state, source=State.LEAD_ASSIGNED, target=State.AWAITING_LEAD)
    def decline(self) -> None:
        self.lead = None

    @transition(field=state, source=[State.LEAD_ASSIGNED, State.IN_PROGRESS], target=State.LEAD_ASSIGNED)
    def reassign(self, *, lead: User) -> None:
        self.lead = lead

    @transition(field=state, source=State.IN_PROGRESS, target=State.MONITORING)
    def start_monitoring(self) -> None:
        pass

    @transition(field=state, source=State.MONITORING, target=State.IN_PROGRESS)
    def resume(self) -> None:
        pass

    @transition(
        field=state,
        source=[State.AWAITING_LEAD, State.LEAD_ASSIGNED, State.IN_PROGRESS],
        target=State.AWAITING_LEAD,
    )
    def reroute(self, *, team: Team) -> None:
        """To another team's queue; the lead is released."""
        self.team = team
        self.lead = None

    @transition(field=state, source=list(OPEN_STATES), target=State.CLOSED)
    def merge_into(self, *, case: Case, at: datetime | None = None) -> None:
        """Closed as merged: its signals and casework went to ``case``."""
        self.merged_into = case
        self.outcome = Outcome.MERGED
        self.closed_at = at or timezone.now()

    @transition(
        field=state,
        source=[State.NEW, State.TRIAGE, State.OUTREACH, State.IN_PROGRESS, State.MONITORING],
        target=State.CLOSED,
    )
    def close(self, *, outcome: str, reason_text: str = "", at: datetime | None = None) -> None:
        self.outcome = outcome
        self.outcome_reason = reason_text or None
        self.closed_at = at or timezone.now()
        if outcome in HELP_ACCEPTED_OUTCOMES and self.help_accepted_on is None:
            self.help_accepted_on = timezone.localdate(self.closed_at)

    @transition(field=state, source=State.CLOSED, target=RETURN_VALUE(State.IN_PROGRESS, State.TRIAGE))
    def reopen(self, *, by: User) -> str:
        """Back to its lead if it had one, else to the intake (claimed by whoever reopens it)."""
        self.outcome = ""
        self.outcome_reason = None
        self.closed_at = None
        self.reopened_at = timezone.now()
        if self.lead_id is not None:
            return State.IN_PROGRESS
        self.claimed_by = by
        return State.TRIAGE


class CaseTransition(models.Model):
    """One applied transition: who moved the case from where to where, and why."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=32)
    source = models.CharField(max_length=16, choices=State.choices)
    target = models.CharField(max_length=16, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = EncryptedField()

    class Meta:
        verbose_name = _("statusovergang")
        verbose_name_plural = _("statusovergangen")
        indexes = [models.Index(fields=["case", "at"], name="transition_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.name}: {self.source} → {self.target}"


class ContactAttempt(models.Model):
    class Channel(models.TextChoices):
        LETTER = "letter", _("Brief")
        PHONE = "phone", _("Telefoon")
        TEXT_MESSAGE = "text_message", _("SMS / WhatsApp")
        EMAIL = "email", _("E-mail")
        HOME_VISIT = "home_visit", _("Huisbezoek")
        CARD_LEFT = "card_left", _("Kaartje achtergelaten")
        OFFICE_APPOINTMENT = "office_appointment", _("Afspraak op kantoor")
        ADMINISTRATIVE = "administrative", _("Administratief")
        OTHER = "other", _("Overige")

    class Result(models.TextChoices):
        REACHED = "reached", _("Contact gehad")
        NOT_REACHED = "not_reached", _("Niet bereikt")
        APPOINTMENT = "appointment", _("Afspraak gemaakt")
        DECLINED = "declined", _("Wil geen hulp")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contacts")
    channel = models.CharField(max_length=24, choices=Channel.choices)
    result = models.CharField(max_length=16, choices=Result.choices)
    at = models.DateTimeField(default=timezone.now)
    # Whether the household was reached (DDAS "bereikt"): follows the result on every save.
    reached = models.BooleanField(default=False)
    note = EncryptedField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contactpoging")
        verbose_name_plural = _("contactpogingen")
        indexes = [models.Index(fields=["case", "at"], name="contact_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.reached = self.result in REACHED_RESULTS
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "result" in update_fields:
            kwargs["update_fields"] = {*update_fields, "reached"}
        super().save(*args, **kwargs)


# The results that say the household was reached: a conversation, an appointment
# made with them, or their own "no" to help.
REACHED_RESULTS = frozenset(
    {ContactAttempt.Result.REACHED, ContactAttempt.Result.APPOINTMENT, ContactAttempt.Result.DECLINED}
)


class PlanGoal(models.Model):
    """A goal in the household's plan; ``position`` orders goals by priority."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    position = models.PositiveSmallIntegerField(default=1)
    description = EncryptedField()
    achieved = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("doel")
        verbose_name_plural = _("doelen")
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return f"{_('doel')} {self.position}"


class PlanAction(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="actions")
    description = EncryptedField()
    owner = EncryptedField()  # who does it: the household, a professional, an organisation
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("actie")
        verbose_name_plural = _("acties")
        ordering = ["due_date"]

    def __str__(self) -> str:
        return f"{_('actie')} {self.due_date or ''}"


class NetworkMember(models.Model):
    """A professional or organisation involved with the household (één gezin, één plan)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="network")
    organisation = models.CharField(max_length=200)
    person = EncryptedField()
    role = models.CharField(max_length=200)
    contact = EncryptedField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("netwerklid")
        verbose_name_plural = _("netwerk")
        ordering = ["added_at"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.role})"


class CasePlan(models.Model):
    """The plan's own texts beside its goals: what goes well, and the problems in order of priority."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="plan_texts")
    strengths = EncryptedField()
    # The problems, most pressing first, one per line (encrypted as one text).
    problems = EncryptedField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plannen")

    def __str__(self) -> str:
        return str(self.case_id)

    @property
    def problem_list(self) -> list[str]:
        return [line for line in (self.problems or "").split("\n") if line.strip()]


class RecordChange(models.Model):
    """A correction or removal of casework (a contact attempt, goal, action, network member, the plan).

    What stays of a removed record is this trace: what kind of record it was,
    a label without personal data, who removed it, when and why. Its content is gone.
    """

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contactpoging")
        GOAL = "goal", _("Doel")
        ACTION = "action", _("Actie")
        NETWORK = "network", _("Netwerklid")
        PLAN = "plan", _("Plan")

    class Change(models.TextChoices):
        EDITED = "edited", _("gecorrigeerd")
        REMOVED = "removed", _("verwijderd")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="record_changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    change = models.CharField(max_length=16, choices=Change.choices)
    object_id = models.UUIDField(null=True, blank=True)
    label = models.CharField(max_length=200, blank=True, default="")  # no personal data
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = EncryptedField()

    class Meta:
        verbose_name = _("correctie")
        verbose_name_plural = _("correcties")
        indexes = [models.Index(fields=["case", "at"], name="record_change_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.change}"


class DeadlineBreach(models.Model):
    """A deadline that passed: recorded once, so its notifications go out once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="breaches")
    deadline = models.CharField(max_length=24, choices=Deadline.choices)
    due_at = models.DateTimeField()
    noticed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("termijnoverschrijding")
        verbose_name_plural = _("termijnoverschrijdingen")
        constraints = [
            models.UniqueConstraint(fields=["case", "deadline", "due_at"], name="breach_once_per_deadline")
        ]

    def __str__(self) -> str:
        return f"{self.deadline} {self.due_at:%Y-%m-%d}"


class Notification(models.Model):
    """An e-mail to send, written in the same transaction as the change it tells of.

    The outbox survives a broker outage: a task drains it after commit and
    the beat drains it every minute. Each send is claimed first by a
    conditional update that pushes ``next_attempt_at`` past the claim
    timeout, so two drains never send the same row and a drain that died
    mid-send leaves a row that becomes claimable again. A failure is
    recorded (``last_error``) and retried later with backoff; after
    ``NOTIFICATION_MAX_ATTEMPTS`` attempts the row is parked for the
    administrator. The message carries the case reference and a link, never
    personal data.
    """

    class Kind(models.TextChoices):
        NEW_SIGNAL = "new_signal", _("Nieuw signaal bij uw casus")
        NEW_IN_QUEUE = "new_in_queue", _("Nieuwe casus in de wachtrij van uw team")
        OVERDUE = "overdue", _("Termijn verstreken")
        REROUTED = "rerouted", _("Casus naar uw team omgeleid")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("verstuurd"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    # Not before this moment: the backoff after a failure, or the end of a
    # running claim.
    next_attempt_at = models.DateTimeField(_("volgende poging"), default=timezone.now)
    last_attempt_at = models.DateTimeField(_("laatste poging"), null=True, blank=True)
    last_error = models.CharField(_("laatste fout"), max_length=500, blank=True, default="")
    parked_at = models.DateTimeField(_("geparkeerd"), null=True, blank=True)
    # The inbox on screen (``cases.inbox``): when the recipient marked it read.
    read_at = models.DateTimeField(_("gelezen"), null=True, blank=True)

    class Meta:
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "case", "recipient", "dedupe_key"], name="notification_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due_idx",
                condition=models.Q(sent_at=None, parked_at=None),
            ),
            models.Index(
                fields=["parked_at"], name="notification_parked_idx", condition=~models.Q(parked_at=None)
            ),
            # The inbox, newest first, and its unread count in every page's header.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_inbox_idx"),
            models.Index(
                fields=["recipient"], name="notification_unread_idx", condition=models.Q(read_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class PossibleMatch(models.Model):
    """Two cases that may be about one household, on evidence too weak to join them.

    ``case`` is the case of the signal that found ``other``. Triage sees the
    mark on both cases and decides; the mark holds no personal data.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    evidence = models.CharField(max_length=24, choices=Evidence.choices)
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("mogelijke match")
        verbose_name_plural = _("mogelijke matches")
        constraints = [models.UniqueConstraint(fields=["case", "other"], name="possible_match_once")]
        indexes = [models.Index(fields=["other"], name="possible_match_other_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} ~ {self.other_id}"


class CaseAccessGrant(models.Model):
    """Break-the-glass: a triage officer or coordinator opens one case outside their
    scope for a while, having given a reason (``cases.access``).

    The reason may name a resident, so it is encrypted here and travels only in a
    request body, never in a URL. Every read under the grant is logged as a
    break-the-glass read carrying it, which is how the auditor sees it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = EncryptedField()
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("inzage met reden")
        verbose_name_plural = _("inzages met reden")
        indexes = [models.Index(fields=["case", "user", "-expires_at"], name="access_grant_case_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id} ({self.expires_at:%Y-%m-%d %H:%M})"
