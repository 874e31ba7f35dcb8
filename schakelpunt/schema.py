"""The OpenAPI schema's error answers, documented once for every operation.

Each view documents what it answers when it succeeds (and a conflict where
it has its own). The errors every operation can give come from the same
places for all of them (authentication, ``coordination.api_access``, the
exception handler in ``schakelpunt.api``, the request-size limits, the
database being away), so a postprocessing hook adds them here instead of
each view repeating them.
"""

from __future__ import annotations

from typing import Any

_ERROR = {"$ref": "#/components/schemas/Error"}
_ERROR_SCHEMA = {
    "type": "object",
    "description": "Wat er mis is: `detail` voor het hele verzoek, of per veld een lijst meldingen.",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
_DESCRIPTIONS = {
    "400": "Ongeldige invoer; de melding zegt per veld wat er mis is.",
    "401": "Geen of een ongeldig token.",
    "403": "De rol van de gebruiker geeft geen toegang tot deze handeling.",
    "404": "Niet gevonden, of buiten wat deze gebruiker mag zien.",
    "409": "Botst met de huidige stand (een gelijktijdige wijziging, een stap die nu niet kan).",
    "413": "Het verzoek is te groot.",
    "415": "Dit soort inhoud wordt niet aangenomen.",
    "429": "Te veel pogingen; probeer het later opnieuw.",
    "503": "De database is even niet bereikbaar; probeer het na Retry-After opnieuw.",
}


def _error_codes(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    parameters = {parameter.get("in") for parameter in operation.get("parameters", [])}
    query = {
        parameter.get("name")
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }
    has_body = "requestBody" in operation
    secured = any(requirement for requirement in operation.get("security", [{}]))
    codes = ["503"]
    if has_body or "query" in parameters or "header" in parameters:
        codes.append("400")
    if secured:
        codes += ["401", "403"]
    if "path" in parameters or query & {"page", "format"}:
        codes.append("404")  # also a page past the last one, or a ?format= the view does not render
    if has_body:
        codes += ["413", "415"]
    if method in ("post", "put", "patch", "delete") and path.startswith("/api/v1/cases/{"):
        codes.append("409")
    if not secured:
        codes.append("429")  # the token endpoint's login throttle
    return codes


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the shared error answers to each operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in _error_codes(path, method, operation):
                responses.setdefault(
                    code,
                    {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": _ERROR}}},
                )
    return result
