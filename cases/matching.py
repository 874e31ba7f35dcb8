"""Normalisation and blind match keys for households.

Matching never compares plaintext: each signal yields a small set of keyed
HMACs (blind indexes) of normalised values, and two signals belong to one
household when they share a key. The keys follow DESIGN.md: the BSN; date of
birth with the normalised surname; postcode and house number with date of
birth. The normalisation is what makes "Jansen-de Vries" and "JANSEN DE VRIES",
"1234 ab" and "1234AB", "Émile" and "Emile" the same.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from schakelpunt.crypto import blind_index

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


def match_keys(facts: SubjectFacts) -> set[str]:
    """Blind match keys for a subject; any shared key means the same household."""
    keys: set[str] = set()
    if facts.bsn:
        keys.add(blind_index("bsn", facts.bsn.zfill(9)))
    dob = facts.date_of_birth.isoformat() if facts.date_of_birth else ""
    if dob:
        parts = surname_parts(facts.surname, facts.surname_prefix)
        if parts:
            keys.add(blind_index("dob+surname", f"{dob}|{''.join(parts)}"))
            # A double surname is often filed as one half only ("de Vries"
            # for "Jansen-de Vries"); each half with the birth date is a key.
            if len(parts) > 1:
                keys.update(blind_index("dob+surname", f"{dob}|{part}") for part in parts)
        postcode = normalise_postcode(facts.postcode)
        number = normalise_house_number(facts.house_number, facts.house_number_addition)
        if postcode and number:
            keys.add(blind_index("address+dob", f"{postcode}|{number}|{dob}"))
    return keys
