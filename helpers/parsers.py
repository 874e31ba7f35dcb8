"""The API's request parsers: DRF's, refusing what cannot be used with a ``400``.

PostgreSQL refuses a NUL character in text, and Python's JSON decoder gives
up with a ``RecursionError`` on very deep nesting; both used to surface as a
``500`` somewhere behind the parser. Here they are a ``400`` before any view
sees the data: a NUL as an error on its field, deep nesting as a
``ParseError``. (Query strings, headers and the pages' forms are
checked by ``schakelpunt.middleware``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.http import QueryDict
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

from .failures import NUL_MESSAGE, TOO_DEEP_MESSAGE, Refusal, contains_nul, find_refusal


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP_MESSAGE) from None
        refusal = find_refusal(data)
        if refusal is not None and refusal.too_deep:
            raise ParseError(refusal.message)
        if refusal is not None:
            # Named like a serializer's field error, so a partner system shows it at the field.
            raise ValidationError(refusal.errors())
        return data


def _check_fields(data: QueryDict) -> None:
    for key, values in data.lists():
        if contains_nul([key, *values]):
            path = () if contains_nul([key]) else (key,)
            raise ValidationError(Refusal(str(NUL_MESSAGE), path).errors())


class FormParser(parsers.FormParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _check_fields(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Form fields are checked; file contents are the file's business (Django strips control characters
    from file names)."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _check_fields(parsed.data)
        return parsed
