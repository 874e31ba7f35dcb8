"""Finding a household's cases without plaintext: exact matches on blind indexes.

A search never compares personal data in the clear and never scans
encrypted columns: what a person types is normalised the way matching
normalises a signal's subject (``cases.matching``) and turned into the same
keyed HMACs, which are looked up in the households' keys. So "JANSEN-de vries"
finds "Jansen-de Vries", "1234 ab" finds "1234AB", and "Emile" finds "Émile";
"Jans" finds nothing (no substring search on encrypted data).

==========================  =====================================================
kind                        looked up
==========================  =====================================================
``bsn``                     the household's BSN match key
``name`` (surname + birth)  the full-surname match key, and one half of a double
                            surname (its partial key: "Jansen" finds
                            "Jansen-de Vries")
``address`` (postcode +     the household's search keys (``SearchKey``: one for the
house number)               number with its addition, one for the bare number)
``reference``               a case's reference, or a signal's (``casefile``
                            adds that one: this app does not read signals)
==========================  =====================================================

Only cases in the actor's scope come back (``permissions.cases_for``); a hit
outside it is neither shown nor counted. Every search is access-logged with
its kind and the number of hits, never the values searched for.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from audit.services import record
from coordination.models import CASE_ROLES, User
from helpers.crypto import blind_index

from .matching import normalise_house_number, normalise_postcode, normalise_surname
from .models import Case, HouseholdKey, PartialKey, SearchKey
from .permissions import cases_for
from .selectors import QUEUE_RELATED

MAX_RESULTS = 50
"""A search names one household; more hits than this are cut off (newest first)."""


class Kind:
    BSN = "bsn"
    NAME = "name"
    ADDRESS = "address"
    REFERENCE = "reference"


KINDS = (Kind.BSN, Kind.NAME, Kind.ADDRESS, Kind.REFERENCE)


@dataclass(frozen=True)
class Query:
    """What a person searches for, already validated (one kind's fields filled)."""

    kind: str
    bsn: str = ""
    surname: str = ""
    date_of_birth: datetime.date | None = None
    postcode: str = ""
    house_number: str = ""
    house_number_addition: str = ""
    reference: str = ""


def _household_ids(query: Query) -> list[uuid.UUID]:
    """The households the query's blind keys name: one query over the key tables'
    digest indexes (asked apart from the cases, so that the cases are then found by
    their household index, not by a scan that tests every case against the keys)."""
    joining: set[str] = set()
    partial: set[str] = set()
    searching: set[str] = set()
    if query.kind == Kind.BSN:
        joining.add(blind_index("bsn", query.bsn.zfill(9)))
    elif query.kind == Kind.NAME and query.date_of_birth is not None:
        surname = normalise_surname(query.surname)
        if surname:
            dob = query.date_of_birth.isoformat()
            joining.add(blind_index("dob+surname", f"{dob}|{surname}"))
            partial.add(blind_index("dob+surname-part", f"{dob}|{surname}"))
    elif query.kind == Kind.ADDRESS:
        postcode = normalise_postcode(query.postcode)
        number = normalise_house_number(query.house_number, query.house_number_addition)
        if postcode and number:
            searching.add(blind_index("address", f"{postcode}|{number}"))
    found: list[QuerySet[Any]] = [
        model.objects.filter(digest__in=sorted(digests)).values_list("household_id", flat=True)
        for model, digests in ((HouseholdKey, joining), (PartialKey, partial), (SearchKey, searching))
        if digests
    ]
    if not found:
        return []
    return list(found[0].union(*found[1:]) if len(found) > 1 else found[0].distinct())


def _case_ids(query: Query, also: QuerySet[Any] | None) -> list[uuid.UUID]:
    """The cases a reference names: a case's own, and whatever ``also`` adds (the case
    of a signal with that reference); one query."""
    named = Case.objects.filter(reference=query.reference.strip().upper()).values_list("pk", flat=True)
    return list(named.union(also) if also is not None else named)


def search_cases_logged(actor: User, query: Query, *, also: QuerySet[Any] | None = None) -> list[Case]:
    """The cases in the actor's scope that the query finds, newest first, with what a
    queue row shows; logged as ``case.search`` (kind and number of hits) before they
    are returned.

    ``also`` is what a layer above adds to a reference search: the ids of more
    cases it names (a signal's reference leads to its case).
    """
    wanted: Q | None = None
    if query.kind == Kind.REFERENCE:
        case_ids = _case_ids(query, also)
        wanted = Q(pk__in=case_ids) if case_ids else None
    else:
        households = _household_ids(query)
        wanted = Q(household_id__in=households) if households else None
    hits: list[Case] = []
    if wanted is not None:
        hits = list(
            cases_for(actor)
            .filter(wanted)
            .select_related(*QUEUE_RELATED)
            .order_by("-opened_at", "id")[:MAX_RESULTS]
        )
    one = hits[0] if len(hits) == 1 else None
    record(
        actor=actor,
        role=",".join(sorted(r for r in actor.roles if r in CASE_ROLES)),
        event_type="read",
        action="case.search",
        object_type="case",
        object_id=str(one.pk) if one else "",
        case_id=one.pk if one else None,
        subject_id=str(one.household_id) if one else "",
        detail={"kind": query.kind, "count": len(hits), "cases": [str(case.pk) for case in hits]},
    )
    return hits
