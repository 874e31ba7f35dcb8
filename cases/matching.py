"""Normalisation and blind match keys for households.

Matching never compares plaintext: each signal yields a small set of keyed
HMACs (blind indexes) of normalised values. The normalisation is what makes
"Jansen-de Vries" and "JANSEN DE VRIES", "1234 ab" and "1234AB", "Émile" and
"Emile" the same.

Not every shared key is enough to put two signals in one case: the lead of a
case sees every name, BSN and address in it, so joining two households by
mistake shows one household's data to the other's lead. Evidence that is
strong enough joins; weaker evidence only marks the cases as a *possible
match* for triage, who merge them if they are one household.

=====================================================  ============  ======================
evidence (all normalised)                              effect        key (purpose)
=====================================================  ============  ======================
BSN                                                    joins         ``bsn``
full surname + date of birth                           joins         ``dob+surname``
postcode + house number + addition + date of birth     joins         ``address+dob``
one part of a double surname + date of birth           suggests      ``dob+surname-part``
  ("Jansen-de Vries" and "Jansen" or "de Vries-Bakker")
postcode + house number + date of birth, the addition  suggests      ``address-bare+dob``
  missing on one side or different ("12" and "12-A")
postcode + house number (with and without addition)    neither:      ``address``
                                                       search only
=====================================================  ============  ======================

The house-number addition belongs to the address: "12-A" and "12-B" are two
homes, often two households in one building, so only the same addition (or
none on both sides) joins. Half of a double surname joins only together with
one of the joining keys (BSN or address), which then carries the join by
itself. When one signal's joining keys lead to the open cases of two
households (the surname of one, the address of the other), it joins the
older case and marks the two as a possible match. Suggestions are made
against open cases only, since only open cases can be merged.

``keys_for`` gives the three sets a signal needs: the joining keys (stored
under its household, a shared one joins), the partial keys (stored apart, so
later signals can find them) and the digests to look up that only suggest.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpers.crypto import blind_index

# Dutch surname prefixes (tussenvoegsels). They are dropped from the matching
# form of a surname, because partners file them inconsistently: in the prefix
# field, in the surname field, capitalised or not, or not at all.
SURNAME_PREFIXES = frozenset(
    {
        "van", "de", "der", "den", "het", "t", "te", "ter", "ten", "la", "le", "les", "l",
        "d", "da", "di", "do", "du", "dos", "des", "del", "della", "in", "op", "onder",
        "over", "uit", "aan", "bij", "voor", "vander", "vanden", "vd", "vanler", "s", "zu", "von",
    }
)  # fmt: skip

# The subject fields a signal carries, in the contract's order (DESIGN.md).
SUBJECT_FIELDS = (
    "bsn",
    "initials",
    "given_names",
    "surname_prefix",
    "surname",
    "date_of_birth",
    "postcode",
    "house_number",
    "house_number_addition",
    "street",
    "city",
    "phone",
    "email",
)

_NON_LETTER = re.compile(r"[^a-z]+")
_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Za-z]{2})$")


def fold(text: str) -> str:
    """Lower case without diacritics: "Émile Çelik" -> "emile celik"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def surname_parts(surname: str, prefix: str = "") -> list[str]:
    """The significant parts of a (double) surname, prefixes dropped.

    "Jansen-de Vries" -> ["jansen", "vries"]; "van 't Hof" -> ["hof"].
    """
    words = _NON_LETTER.split(fold(f"{prefix} {surname}"))
    return [w for w in words if w and w not in SURNAME_PREFIXES]


def normalise_surname(surname: str, prefix: str = "") -> str:
    return "".join(surname_parts(surname, prefix))


def normalise_postcode(postcode: str) -> str | None:
    """ "1234 ab" -> "1234AB"; None when it is not a Dutch postcode."""
    compact = re.sub(r"[\s.\-]+", "", postcode or "")
    match = _POSTCODE.match(compact)
    if not match:
        return None
    letters = match.group(2).upper()
    if letters in {"SA", "SD", "SS"}:  # never issued
        return None
    return f"{match.group(1)}{letters}"


def normalise_house_number(number: str | int | None, addition: str = "") -> str:
    """ "12", " 12 ", "12-A", "12 a" all become "12" + addition folded: "12a"."""
    digits = re.sub(r"\D", "", str(number or ""))
    return digits.lstrip("0") + _NON_LETTER.sub("", fold(addition or ""))


@dataclass(frozen=True)
class SubjectFacts:
    """The identifying facts of a signal's subject, as given by the partner."""

    bsn: str = ""
    surname: str = ""
    surname_prefix: str = ""
    date_of_birth: datetime.date | None = None
    postcode: str = ""
    house_number: str = ""
    house_number_addition: str = ""


class Evidence(models.TextChoices):
    """Why two cases are marked as a possible match."""

    SURNAME_PART = "surname_part", _("Zelfde geboortedatum en een deel van een dubbele achternaam")
    ADDRESS_ADDITION = (
        "address_addition",
        _("Zelfde geboortedatum, postcode en huisnummer, maar een andere of geen toevoeging"),
    )
    FITS_BOTH = "fits_both", _("Een later signaal past op voldoende bewijs bij beide casussen")


@dataclass(frozen=True)
class MatchKeys:
    """The blind keys of one subject (see the table in the module docstring)."""

    joining: frozenset[str]
    """Stored under the household; another signal sharing one joins its case."""
    partial: frozenset[str]
    """Stored as partial keys; found again, they only suggest."""
    suggesting: dict[str, Evidence]
    """Digests to look up among both kinds of stored keys; a hit only suggests."""
    locks: frozenset[str]
    """What an intake locks: the joining keys and the reduced forms of the subject
    in the joining keys' terms ("jansen" for "Jansen-de Vries", "12" for "12-A").
    Any two subjects that can join or mark each other share one, so concurrent
    signals about them are serialised; a plain "Jansen" at "12" locks no more
    than its joining keys (a batch of a thousand takes as many advisory locks
    as before, in PostgreSQL's shared lock table)."""
    searching: frozenset[str] = frozenset()
    """Stored as search keys: a search by address finds the household by them
    (``cases.search``); intake never looks them up, so they join and suggest nothing."""

    @property
    def lookup(self) -> frozenset[str]:
        return self.joining | self.suggesting.keys()


def keys_for(facts: SubjectFacts) -> MatchKeys:
    """The joining keys, partial keys, suggesting digests and locks of a subject."""
    joining: set[str] = set()
    partial: set[str] = set()
    reduced: set[str] = set()  # reduced forms as joining keys: looked up and locked
    suggesting: dict[str, Evidence] = {}
    if facts.bsn:
        joining.add(blind_index("bsn", facts.bsn.zfill(9)))
    # Found by a search only (``cases.search``): intake never looks them up.
    searching = frozenset(address_keys(facts.postcode, facts.house_number, facts.house_number_addition))
    dob = facts.date_of_birth.isoformat() if facts.date_of_birth else ""
    if not dob:
        return MatchKeys(frozenset(joining), frozenset(), {}, frozenset(joining), searching)
    parts = surname_parts(facts.surname, facts.surname_prefix)
    if parts:
        joining.add(blind_index("dob+surname", f"{dob}|{''.join(parts)}"))
        for part in parts:
            # A double surname's halves are kept apart from full surnames:
            # "Jansen" finds "Jansen-de Vries" by its half "jansen" ...
            suggesting[blind_index("dob+surname-part", f"{dob}|{part}")] = Evidence.SURNAME_PART
        if len(parts) > 1:
            partial.update(blind_index("dob+surname-part", f"{dob}|{part}") for part in parts)
            # ... and "Jansen-de Vries" finds "Jansen" by its full-surname key.
            reduced.update(blind_index("dob+surname", f"{dob}|{part}") for part in parts)
            suggesting.update(dict.fromkeys(reduced, Evidence.SURNAME_PART))
    postcode = normalise_postcode(facts.postcode)
    bare = normalise_house_number(facts.house_number)
    if postcode and bare:
        number = normalise_house_number(facts.house_number, facts.house_number_addition)
        joining.add(blind_index("address+dob", f"{postcode}|{number}|{dob}"))
        bare_key = blind_index("address-bare+dob", f"{postcode}|{bare}|{dob}")
        suggesting[bare_key] = Evidence.ADDRESS_ADDITION  # finds the same number with an addition
        if number != bare:
            partial.add(bare_key)
            # Finds the same number filed without an addition.
            without = blind_index("address+dob", f"{postcode}|{bare}|{dob}")
            reduced.add(without)
            suggesting[without] = Evidence.ADDRESS_ADDITION
    for key in joining:
        suggesting.pop(key, None)
    return MatchKeys(
        frozenset(joining), frozenset(partial), suggesting, frozenset(joining | reduced), searching
    )


def address_keys(postcode: str, house_number: str, addition: str = "") -> set[str]:
    """The keys a home is found by in a search: the number with its addition, and the
    bare number (a search for "12" finds "12-A" and "12-B"; one for "12-A" only "12-A")."""
    normalised = normalise_postcode(postcode)
    bare = normalise_house_number(house_number)
    if not normalised or not bare:
        return set()
    full = normalise_house_number(house_number, addition)
    return {blind_index("address", f"{normalised}|{full}"), blind_index("address", f"{normalised}|{bare}")}


def match_keys(facts: SubjectFacts) -> set[str]:
    """The keys on which a subject joins a household: any shared one is enough."""
    return set(keys_for(facts).joining)
