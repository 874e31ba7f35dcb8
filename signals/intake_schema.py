"""The JSON Schema (draft 2020-12) of a signal as ``POST /api/v1/signals/`` accepts it.

Built from ``SignalInputSerializer`` itself: each field's type, length,
choices and whether it may be left out or null come from the serializer's
fields, the signal types from the active types, and the rules of the
serializers' ``validate()`` (consent, amounts, address, a way to find the
household) are written beside them. What JSON Schema cannot express — the
BSN's elfproef, dates not in the future, a birth date from 1900 on, the
postcodes never issued (SA, SD, SS) — is said in the field's description;
the API still checks it. ``tests/signals/test_intake_schema.py`` runs
accepted and refused examples through both.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .models import SignalType
from .serializers import SignalInputSerializer

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Separators the validators remove before they check (signals.validators).
_SEP = r"[\s.-]*"
_PHONE_SEP = r"[ ().-]*"
_PATTERNS: dict[str, tuple[str, str]] = {
    "bsn": (
        r"^[0-9 .-]*$",
        "BSN, 8 or 9 digits (spaces, dots and dashes are ignored); must pass the elfproef.",
    ),
    "postcode": (
        rf"^{_SEP}([1-9]{_SEP}([0-9]{_SEP}){{3}}[A-Za-z]{_SEP}[A-Za-z]{_SEP})?$",
        "Dutch postcode, e.g. '1012 AB' (SA, SD and SS are never issued).",
    ),
    "house_number": (r"^\s*(0*[1-9][0-9]{0,4})?\s*$", "House number, 1 to 99999; the addition apart."),
    "phone": (
        rf"^{_PHONE_SEP}(\+?({_PHONE_SEP}[0-9]){{8,15}}{_PHONE_SEP})?$",
        "8 to 15 digits, optionally starting with +; spaces, dashes, dots and brackets are ignored.",
    ),
}
_DATE_NOTES = {
    "date_of_birth": "A date (YYYY-MM-DD, or DD-MM-YYYY), not in the future and not before 1900.",
    "arrears_since": "A date (YYYY-MM-DD, or DD-MM-YYYY) since when the arrears run; not in the future.",
}
_NON_BLANK = {"type": "string", "pattern": r"\S"}


def _choices(field: serializers.ChoiceField) -> list[Any]:
    return [str(key) for key in field.choices]


def _boolean(field: serializers.BooleanField) -> dict[str, Any]:
    # DRF also takes the usual spellings of true and false.
    spellings = sorted(v for v in field.TRUE_VALUES | field.FALSE_VALUES if isinstance(v, str))
    return {"anyOf": [{"type": "boolean"}, {"enum": [*spellings, 0, 1]}]}


def _field(name: str, field: serializers.Field[Any, Any, Any, Any]) -> dict[str, Any]:
    schema: dict[str, Any]
    if isinstance(field, serializers.Serializer):
        return object_schema(field)
    if isinstance(field, serializers.RelatedField):
        schema = {"type": "string", "enum": sorted(SignalType.active_by_code())}
    elif isinstance(field, serializers.ChoiceField):
        schema = {"type": "string", "enum": _choices(field)}
    elif isinstance(field, serializers.BooleanField):
        schema = _boolean(field)
    elif isinstance(field, serializers.DateField):
        # As the API reads it: ISO, or day-month-year as Dutch files write it.
        schema = {
            "type": "string",
            "pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}[-/.][0-9]{2}[-/.][0-9]{4})$",
        }
    elif isinstance(field, serializers.DecimalField):
        whole = (field.max_digits or 10) - (field.decimal_places or 0)
        places = field.decimal_places or 0
        schema = {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float("9" * whole + "." + "9" * places)},
                {"type": "string", "pattern": rf"^\s*[0-9]{{1,{whole}}}(\.[0-9]{{0,{places}}})?\s*$"},
            ],
            "description": f"Euros with at most {places} decimals, as a number or a string ('850.00').",
        }
    elif isinstance(field, serializers.EmailField):
        email = {"type": "string", "format": "email", "maxLength": field.max_length}
        schema = {"anyOf": [email, {"const": ""}]} if field.allow_blank else email
    elif isinstance(field, serializers.CharField):
        schema = {"type": "string"}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
        if not field.allow_blank:
            schema["pattern"] = r"\S"  # blank after trimming is refused
        if name in _PATTERNS:
            schema["pattern"], schema["description"] = _PATTERNS[name]
    else:  # pragma: no cover - a new kind of field must be described here first
        raise TypeError(f"no JSON Schema for {type(field).__name__} ({name})")
    if name in _DATE_NOTES:
        schema["description"] = _DATE_NOTES[name]
    if field.help_text:
        schema["description"] = str(field.help_text)
    if getattr(field, "allow_null", False):
        description = schema.pop("description", None)
        schema = {"anyOf": [schema, {"type": "null"}]}
        if description:
            schema["description"] = description
    return schema


def object_schema(serializer: serializers.Serializer[Any]) -> dict[str, Any]:
    """An object of the serializer's fields, none other (the serializers are strict)."""
    fields = {name: f for name, f in serializer.fields.items() if not f.read_only}
    return {
        "type": "object",
        "properties": {name: _field(name, f) for name, f in fields.items()},
        "required": [name for name, f in fields.items() if f.required],
        "additionalProperties": False,
    }


def _filled(name: str) -> dict[str, Any]:
    """``name`` is given and not blank (the validators treat blank as absent)."""
    return {"required": [name], "properties": {name: _NON_BLANK}}


def _subject_rules() -> list[dict[str, Any]]:
    # SubjectSerializer.validate: a way to find the household; postcode and house number together.
    return [
        {
            "anyOf": [
                _filled("bsn"),
                {"required": ["date_of_birth"], "properties": {"date_of_birth": {"type": "string"}}},
                _filled("postcode"),
            ]
        },
        {"if": _filled("postcode"), "then": _filled("house_number")},
        {"if": _filled("house_number"), "then": _filled("postcode")},
    ]


def _type_rules() -> list[dict[str, Any]]:
    # SignalInputSerializer.validate: consent and amount, by the signal type's settings.
    types = SignalType.active_by_code().values()
    consent = sorted(t.code for t in types if t.requires_consent)
    arrears = sorted(t.code for t in types if t.is_arrears)
    truthy = sorted(v for v in serializers.BooleanField.TRUE_VALUES if isinstance(v, str))
    rules: list[dict[str, Any]] = []
    if consent:
        rules.append(
            {
                "if": {"properties": {"signal_type": {"enum": consent}}},
                "then": {
                    "required": ["consent_given"],
                    "properties": {"consent_given": {"anyOf": [{"const": True}, {"enum": [*truthy, 1]}]}},
                },
            }
        )
    if arrears:
        rules.append(
            {
                "if": {"properties": {"signal_type": {"enum": arrears}}},
                "then": {
                    "required": ["arrears_amount"],
                    "properties": {"arrears_amount": {"not": {"type": "null"}}},
                },
            }
        )
    return rules


def signal_schema() -> dict[str, Any]:
    """The schema document, with the signal types active now."""
    schema = object_schema(SignalInputSerializer())
    schema["properties"]["subject"]["allOf"] = _subject_rules()
    rules = _type_rules()
    if rules:
        schema["allOf"] = rules
    return {
        "$schema": DIALECT,
        "$id": f"{settings.SITE_URL}/api/v1/signals/schema.json",
        "title": "Schakelpunt signal",
        "description": "One signal as POST /api/v1/signals/ accepts it (a bulk file's row, with "
        "subject_* flattened in CSV). The API also checks what JSON Schema cannot express: "
        "the BSN's elfproef, dates not in the future, a birth date from 1900 on.",
        **schema,
    }


class SignalSchemaApi(GenericAPIView[Any]):
    """The JSON Schema (draft 2020-12) of a signal, for partners' systems to check before sending."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(signal_schema())
