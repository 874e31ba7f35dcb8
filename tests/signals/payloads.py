"""Signal payloads as partner systems send them."""

from __future__ import annotations

import copy
from typing import Any

# A BSN that passes the elfproef (and one that does not).
VALID_BSN = "111222333"
INVALID_BSN = "123456789"

BASE: dict[str, Any] = {
    "signal_type": "rent_arrears",
    "partner_reference": "HUUR-2026-0001",
    "subject": {
        "bsn": "",
        "initials": "A.",
        "given_names": "Anna",
        "surname_prefix": "",
        "surname": "Jansen-de Vries",
        "date_of_birth": "1984-03-12",
        "postcode": "1012 ab",
        "house_number": "12",
        "house_number_addition": "",
        "street": "Kerkstraat",
        "city": "Amsterdam",
        "phone": "06-12345678",
        "email": "anna@example.org",
    },
    "arrears_amount": "850.00",
    "arrears_since": "2026-08-01",
    "threat": "none",
    "children_in_household": "unknown",
    "note": "Huurder reageert niet op brieven.",
    "consent_given": False,
}


def signal(**changes: Any) -> dict[str, Any]:
    """A copy of BASE; ``subject__surname="X"`` changes a subject field."""
    payload = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key.startswith("subject__"):
            payload["subject"][key.removeprefix("subject__")] = value
        else:
            payload[key] = value
    return payload
