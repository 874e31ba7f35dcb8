"""Merging two cases of one household, and splitting off signals that do not belong.

The case side of both moves: the cases, their casework and timeline, the
households' match keys. The signals follow through ``cases.events``
(merge) or are moved by the signals app itself (``signals.moves.split``,
which reads its own rows and calls ``split_off`` here): this module never
reads or writes the signals table.

Who may: triage when the cases are in the intake, the coordinator of the
team that holds them (``permissions.move_role``). Both moves land in the
timeline of both cases (a ``merge`` or ``split`` entry) and in the access log.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import SubjectKey
from audit.services import record
from audit.subjects import subject_key
from coordination.models import User
from coordination.selectors import PostcodeRouter

from . import events, notifications, permissions
from .deadlines import refresh_deadline
from .facts import absorb, add_case_facts, reset_facts
from .matching import MatchKeys, keys_for, normalise_postcode
from .models import (
    Case,
    CaseTransition,
    ContactAttempt,
    Household,
    HouseholdKey,
    NetworkMember,
    Notification,
    PartialKey,
    PlanGoal,
    PossibleMatch,
    RetiredKey,
    State,
)
from .placement import Arrival, lock_match_keys
from .trays import place_in_tray


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Geef een reden.")})
    return reason


def _earliest(*moments: datetime.datetime | None) -> datetime.datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def _log(actor: User, role: str, case: Case, action: str, detail: dict[str, str]) -> None:
    record(
        actor=actor,
        role=role,
        event_type="write",
        action=action,
        object_type="case",
        object_id=str(case.pk),
        case_id=case.pk,
        subject_id=str(case.household_id),
        detail=detail,
    )


def _entry(case: Case, actor: User, name: str, source: str, reason: str) -> None:
    """A timeline entry for the move: from the case's state to where it is now."""
    CaseTransition.objects.create(
        case=case, name=name, source=source, target=case.state, actor=actor, reason=reason
    )


# ---------------------------------------------------------------- merge


@transaction.atomic
def merge(*, actor: User, case_id: uuid.UUID, other_id: uuid.UUID | None = None, reason: str = "") -> Case:
    """Merge case ``other_id`` into case ``case_id``: one household, one case.

    The other case's signals (through ``events.case_merged``), contacts,
    plan, network and timeline move here; its household's match keys now
    point to this household, so later signals join this case; it is closed
    with the outcome ``merged`` and links here. Both cases are locked in one
    order, so two merges of the same pair cannot deadlock: the second finds
    a case closed and gets a Conflict (409).
    """
    seen = permissions.cases_for(actor).filter(pk=case_id).first()
    if seen is None:
        raise Http404
    permissions.move_role(actor, seen)  # refused before the arguments are looked at
    if other_id is None:
        raise ValidationError({"case": _("Kies de casus die hierin opgaat.")})
    if other_id == case_id:
        raise ValidationError({"case": _("Een casus gaat niet in zichzelf op.")})
    # Intake takes the match keys' locks before it locks a case: so does a merge,
    # or a signal placed meanwhile could miss the keys it now finds here.
    households = permissions.cases_for(actor).filter(pk__in=(case_id, other_id)).values("household_id")
    lock_match_keys(
        set(HouseholdKey.objects.filter(household_id__in=households).values_list("digest", flat=True))
    )
    locked: dict[uuid.UUID, Case] = {}
    for pk in sorted((case_id, other_id), key=str):
        try:
            locked[pk] = permissions.locked_case(actor, pk)
        except Http404:
            if pk == case_id:
                raise
            raise ValidationError({"case": _("Onbekende casus.")}) from None
    case, other = locked[case_id], locked[other_id]
    role = permissions.move_role(actor, case, other=other)
    reason = require_reason(reason)

    moved = _move_casework(other, case)
    _move_keys(other.household_id, case.household_id)
    _move_marks(other, case)

    now = timezone.now()
    source, other_source = case.state, other.state
    case.signal_count += other.signal_count
    add_case_facts(case, other)
    case.priority = max(case.priority, other.priority)
    place_in_tray(case)
    case.last_signal_at = max(case.last_signal_at, other.last_signal_at)
    case.first_contact_at = _earliest(case.first_contact_at, other.first_contact_at)
    case.first_conversation_at = _earliest(case.first_conversation_at, other.first_conversation_at)
    refresh_deadline(case)
    case.save()
    other.merge_into(case=case, at=now)
    # What it counted now counts on this case (figures count each household once).
    other.signal_count = 0
    other.first_contact_at = other.first_conversation_at = None
    other.state_entered_at = now
    other.save()

    _entry(case, actor, "merge", source, reason)
    _entry(other, actor, "merge", other_source, reason)
    # The partners' signals follow to this case (signals.receivers).
    events.case_merged.send(sender=Case, case=case, other=other)
    _log(actor, role, case, "case.merge", {"merged": str(other.pk), "moved": str(moved)})
    _log(actor, role, other, "case.merged_into", {"into": str(case.pk), "from": other_source})
    return case


def _move_casework(other: Case, case: Case) -> int:
    """The other case's contacts, plan, network and timeline, now this case's; how many rows."""
    return sum(
        model.objects.filter(case=other).update(case=case)
        for model in (ContactAttempt, PlanGoal, NetworkMember, CaseTransition)
    )


def _move_keys(from_household: uuid.UUID, to_household: uuid.UUID) -> None:
    """Match keys follow the merge; the auditor's BSN keys are added, not moved: the
    household the resident was part of before stays findable."""
    if from_household == to_household:
        return
    HouseholdKey.objects.filter(household_id=from_household).update(household_id=to_household)
    held = set(PartialKey.objects.filter(household_id=to_household).values_list("digest", flat=True))
    PartialKey.objects.filter(household_id=from_household, digest__in=held).delete()
    PartialKey.objects.filter(household_id=from_household).update(household_id=to_household)
    SubjectKey.objects.bulk_create(
        SubjectKey(digest=digest, subject_id=str(to_household))
        for digest in set(
            SubjectKey.objects.filter(subject_id=str(from_household)).values_list("digest", flat=True)
        )
        - set(SubjectKey.objects.filter(subject_id=str(to_household)).values_list("digest", flat=True))
    )


def _move_marks(other: Case, case: Case) -> None:
    """Possible-match marks: the pair's own mark is settled; the other case's marks
    with third cases become this case's (once per pair)."""
    PossibleMatch.objects.filter(case=other, other=case).delete()
    PossibleMatch.objects.filter(case=case, other=other).delete()
    known = set(PossibleMatch.objects.filter(case=case).values_list("other_id", flat=True))
    known |= set(PossibleMatch.objects.filter(other=case).values_list("case_id", flat=True))
    for mark in PossibleMatch.objects.filter(case=other):
        if mark.other_id in known:
            mark.delete()
        else:
            known.add(mark.other_id)
            PossibleMatch.objects.filter(pk=mark.pk).update(case=case)
    for mark in PossibleMatch.objects.filter(other=other):
        if mark.case_id in known:
            mark.delete()
        else:
            known.add(mark.case_id)
            PossibleMatch.objects.filter(pk=mark.pk).update(other=case)


# ---------------------------------------------------------------- split


@dataclass(frozen=True)
class Split:
    """The case split, and the new case the signals went to."""

    case: Case
    new_case: Case


def split_off(
    *,
    actor: User,
    role: str,
    case: Case,
    leaving: list[Arrival],
    staying: list[Arrival],
    reason: str,
) -> Split:
    """Open a new household and case for the ``leaving`` signals of ``case`` (locked by the caller).

    Called by ``signals.moves.split``, which read the signals, checked who may
    (``permissions.move_role``) and moves its rows to the new case. The match
    keys that joined the leaving subjects to this household (shared with a
    staying subject) are removed, so the next such signal is not joined
    wrongly again; the leaving subjects' own keys go with them to the new
    household. The new case waits where the old one is: in the intake (new),
    or in the same team's queue for a lead.
    """
    leaving_keys = [keys_for(part.subject) for part in leaving]
    staying_keys = [keys_for(part.subject) for part in staying]
    # The same locks as intake (``signals.moves.split`` took them before the case's):
    # a signal placed meanwhile waits and sees the split.
    lock_match_keys(set().union(*(k.locks for k in leaving_keys + staying_keys)))
    now = timezone.now()
    household = Household.objects.create(created_at=now)
    _split_keys(case.household_id, household.id, leaving_keys, staying_keys)
    _add_subject_keys(household.id, leaving)

    in_team = case.state not in permissions.INTAKE_STATES
    new_case = Case(
        household=household,
        state=State.AWAITING_LEAD if in_team else State.NEW,
        team_id=case.team_id if in_team else None,
        district=PostcodeRouter().district_for(normalise_postcode(leaving[0].subject.postcode)),
        opened_at=now,
        state_entered_at=now,
        last_signal_at=now,
        signal_count=len(leaving),
    )
    _count_facts(new_case, leaving, now)
    refresh_deadline(new_case)
    new_case.save()

    source = case.state
    case.signal_count = len(staying)
    _count_facts(case, staying, now)
    refresh_deadline(case)
    case.save()

    _entry(case, actor, "split", source, reason)
    _entry(new_case, actor, "split", new_case.state, reason)
    if in_team:
        notifications.enqueue(
            new_case,
            Notification.Kind.NEW_IN_QUEUE,
            notifications.team_coordinators(new_case),
            f"split:{case.pk}",
        )
    _log(actor, role, case, "case.split", {"new_case": str(new_case.pk), "signals": str(len(leaving))})
    _log(actor, role, new_case, "case.split_from", {"from": str(case.pk), "signals": str(len(leaving))})
    return Split(case=case, new_case=new_case)


def _count_facts(case: Case, parts: Iterable[Arrival], now: datetime.datetime) -> None:
    """The case's signal facts and tray from these signals alone (a split's two sides).
    Repeat and its link stay: they are about the household's earlier case."""
    reset_facts(case)
    for part in parts:
        absorb(case, part.facts, date_of_birth=part.subject.date_of_birth, at=now)
    place_in_tray(case)


def _split_keys(
    household_id: uuid.UUID,
    new_household_id: uuid.UUID,
    leaving: list[MatchKeys],
    staying: list[MatchKeys],
) -> None:
    leaving_joining = frozenset().union(*(k.joining for k in leaving))
    staying_joining = frozenset().union(*(k.joining for k in staying))
    # The keys both sides share joined the wrong subjects: kept by neither, and
    # retired, so a later signal of either side does not bring them back.
    shared = leaving_joining & staying_joining
    HouseholdKey.objects.filter(digest__in=shared).delete()
    RetiredKey.objects.bulk_create([RetiredKey(digest=digest) for digest in shared], ignore_conflicts=True)
    HouseholdKey.objects.filter(
        household_id=household_id, digest__in=leaving_joining - staying_joining
    ).update(household_id=new_household_id)
    leaving_partial = frozenset().union(*(k.partial for k in leaving))
    staying_partial = frozenset().union(*(k.partial for k in staying))
    PartialKey.objects.filter(household_id=household_id, digest__in=leaving_partial - staying_partial).update(
        household_id=new_household_id
    )
    # A partial key only suggests: both households may keep a shared one.
    PartialKey.objects.bulk_create(
        PartialKey(digest=digest, household_id=new_household_id)
        for digest in leaving_partial & staying_partial
    )


def _add_subject_keys(household_id: uuid.UUID, leaving: list[Arrival]) -> None:
    """The auditor's BSN keys for the new household (the old household keeps its own)."""
    rows = {}
    for part in leaving:
        kept = subject_key(part.subject.bsn) if part.subject.bsn else None
        if kept is not None:
            kept.subject_id = str(household_id)
            rows[kept.digest] = kept
    SubjectKey.objects.bulk_create(rows.values())
