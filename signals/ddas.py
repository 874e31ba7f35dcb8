"""Our codes in the terms of the national standard, DDAS "Uitwisselmodel
Vroegsignalering" v1.2 (VNG Realisatie): each code maps to exactly one DDAS value.

This is the one place the mapping is written down; the export
(``signals.ddas_export``) and anything else that speaks DDAS read it, and
``tests/signals/test_ddas_vocabulary.py`` checks that every code maps to a
value the published enumerations hold.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.models import ContactAttempt, Outcome, PartnerStatus, State

from .models import Signal, SignalType

# The DDAS enumerations (v1.2), as published.
SIGNAL_PARTNERS = (
    "Belastingdienst",
    "CAK Eigen bijdrage",
    "CAK Zorgverzekeringen",
    "Dienst Toeslagen",
    "DUO",
    "Energie",
    "Huur",
    "Hypotheek",
    "Overige",
    "Water",
    "Zorg",
)
CONTACT_KINDS = (
    "Administratief",
    "Afspraak op locatie",
    "Brief",
    "Huisbezoek",
    "Kaartje",
    "Mail",
    "Onbekend",
    "Overige",
    "SMS/Whatsapp",
    "Telefoon",
)
PARTS_OF_DAY = ("Ochtend", "Middag", "Avond")
SIGNAL_STATUSES = (
    "Inwoner al bekend bij schuldhulpverlening",
    "Inwoner is overleden",
    "Niet opgepakt: andere reden",
    "Niet opgepakt: herhaalde melding",
    "Niet opgepakt: onterecht signaal",
    "Nog niet opgepakt",
    "Opgepakt",
    "Persoon is geen inwoner (meer) in de gemeente",
)

# Signal type code -> signal partner. A type an administrator adds and that is
# not listed here maps by its kind of creditor, else to "Overige".
SIGNAL_TYPE_PARTNER: dict[str, str] = {
    "rent_arrears": "Huur",
    "energy_arrears": "Energie",
    "energy_end_of_supply": "Energie",
    "water_arrears": "Water",
    "health_insurance_arrears": "Zorg",
    "mortgage_arrears": "Hypotheek",
    "tax_arrears": "Belastingdienst",
    "benefits_recovery": "Dienst Toeslagen",
    "cak_personal_contribution": "CAK Eigen bijdrage",
    "cak_health_insurance": "CAK Zorgverzekeringen",
    "duo_arrears": "DUO",
    "other_arrears": "Overige",
    # Consent-based observations have no signal partner of their own in DDAS.
    "gp_observation": "Overige",
    "school_observation": "Overige",
    "other_observation": "Overige",
}
CREDITOR_PARTNER: dict[str, str] = {
    SignalType.Creditor.HOUSING: "Huur",
    SignalType.Creditor.ENERGY: "Energie",
    SignalType.Creditor.WATER: "Water",
    SignalType.Creditor.HEALTH_INSURANCE: "Zorg",
    SignalType.Creditor.MORTGAGE: "Hypotheek",
    SignalType.Creditor.TAX: "Belastingdienst",
    SignalType.Creditor.BENEFITS: "Dienst Toeslagen",
    SignalType.Creditor.CAK: "CAK Eigen bijdrage",
    SignalType.Creditor.STUDENT_FINANCE: "DUO",
    SignalType.Creditor.OTHER: "Overige",
    SignalType.Creditor.NONE: "Overige",
}

CHANNEL_KIND: dict[str, str] = {
    ContactAttempt.Channel.LETTER: "Brief",
    ContactAttempt.Channel.PHONE: "Telefoon",
    ContactAttempt.Channel.TEXT_MESSAGE: "SMS/Whatsapp",
    ContactAttempt.Channel.EMAIL: "Mail",
    ContactAttempt.Channel.HOME_VISIT: "Huisbezoek",
    ContactAttempt.Channel.CARD_LEFT: "Kaartje",
    ContactAttempt.Channel.OFFICE_APPOINTMENT: "Afspraak op locatie",
    ContactAttempt.Channel.ADMINISTRATIVE: "Administratief",
    ContactAttempt.Channel.OTHER: "Overige",
}

# Outcome code -> end result ("EnumEindresultaat"). ``merged`` has none: a
# merged case's signals went to the case it was merged into, which carries
# them and its end result; the export leaves merged cases out.
OUTCOME_RESULT: dict[str, str] = {
    Outcome.ADVICE_QUICK_FIX: "(Budget)advies en/of quick fix",
    Outcome.UNREACHABLE: "Definitief geen contact kunnen krijgen",
    Outcome.NO_RESPONSE_AFTER_CONTACT: "Geen reactie na eerder contact",
    Outcome.ALREADY_IN_DEBT_CARE: "Inwoner al bekend bij schuldhulpverlening",
    Outcome.OTHER_ONGOING_SUPPORT: "Inwoner heeft al een ander lopend traject",
    Outcome.SOLVED_BY_RESIDENT: "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    Outcome.DECEASED: "Inwoner is overleden",
    Outcome.DECLINED_HELP: "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering",
    Outcome.NOT_PICKED_UP_OTHER: "Niet opgepakt: andere reden",
    Outcome.NOT_PICKED_UP_REPEAT: "Niet opgepakt: herhaalde melding",
    Outcome.NOT_PICKED_UP_UNFOUNDED: "Niet opgepakt: onterecht signaal",
    Outcome.MOVED_AWAY: "Persoon is geen inwoner (meer) in de gemeente",
    Outcome.REFERRAL: "Vervolghulp en/of verwijzing",
    Outcome.REFERRAL_FINANCIAL: "Vervolghulp en/of verwijzing financieel",
    Outcome.REFERRAL_NON_FINANCIAL: "Vervolghulp en/of verwijzing niet financieel",
    Outcome.REFERRAL_WITHOUT_RESIDENT: "Verwijzing zonder tussenkomst inwoner",
}
EXCLUDED_OUTCOMES = frozenset({Outcome.MERGED})

# The end results that are also a signal status: the case was not taken up
# for that reason. Every other end result means the signal was picked up.
_RESULT_IS_STATUS: frozenset[str] = frozenset(
    {
        Outcome.ALREADY_IN_DEBT_CARE,
        Outcome.DECEASED,
        Outcome.NOT_PICKED_UP_OTHER,
        Outcome.NOT_PICKED_UP_REPEAT,
        Outcome.NOT_PICKED_UP_UNFOUNDED,
        Outcome.MOVED_AWAY,
    }
)
NOT_YET = "Nog niet opgepakt"
PICKED_UP = "Opgepakt"
# A signal under its type's minimum amount is closed at intake without a case:
# a real arrear the municipality chose not to take up.
BELOW_THRESHOLD_STATUS = "Niet opgepakt: andere reden"

# Part of day by local hour: morning until noon, afternoon until six, evening after.
NOON = 12
EVENING = 18


def signal_partner(signal_type: SignalType) -> str:
    """The DDAS signal partner of a signal type."""
    return SIGNAL_TYPE_PARTNER.get(signal_type.code) or CREDITOR_PARTNER.get(signal_type.creditor, "Overige")


def contact_kind(channel: str) -> str:
    return CHANNEL_KIND.get(channel, "Onbekend")


def part_of_day(at: datetime.datetime) -> str:
    """Ochtend, Middag or Avond from the local time of ``at``.

    The night (before six in the morning) counts as evening: DDAS has no night,
    and an attempt then belongs to the evening that ran into it."""
    hour = timezone.localtime(at).hour
    if 6 <= hour < NOON:
        return "Ochtend"
    if NOON <= hour < EVENING:
        return "Middag"
    return "Avond"


def end_result(outcome: str) -> str | None:
    """The DDAS end result of an outcome code; None for ``merged`` and for no outcome."""
    return OUTCOME_RESULT.get(outcome)


def case_status(state: str, outcome: str, reopened: bool) -> str:
    """The DDAS status of the signals in a case ("EnumSignaalstatus").

    Not yet picked up while the case waits in the intake and nobody has taken
    it up; picked up once it is (claimed and worked, referred, reopened); a
    closed case tells the end result where DDAS has that as a status (not
    picked up for a reason, already in debt care, deceased, moved away), and
    picked up otherwise.
    """
    if state == State.CLOSED:
        if outcome in _RESULT_IS_STATUS:
            return OUTCOME_RESULT[outcome]
        return PICKED_UP
    if state == State.NEW and not reopened:
        return NOT_YET
    return PICKED_UP


def signal_status(signal: Signal) -> str:
    """The DDAS status of one signal, from its case (or, without one, from its own closing)."""
    case = signal.case
    if case is None:
        if signal.closed_reason == "below_threshold" or signal.status == PartnerStatus.NOT_PICKED_UP:
            return BELOW_THRESHOLD_STATUS
        return NOT_YET
    return case_status(case.state, case.outcome, case.reopened_at is not None)
