"""Web forms whose input the API's serializers validate.

The web pages post the API's field names and hand them to the same DRF
serializers and services as the API, so a rule and its message live in one
place. What this module adds is only what a page needs to show a form again:
each field's label, value, hint and errors, with ids that tie them together
for assistive technology (``aria-describedby``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ErrorDetail


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    data: Mapping[str, str] = field(default_factory=dict)  # data-* attributes for scripts
    help: str = ""  # a line under the option of a radio list: when to choose it


@dataclass
class FormField:
    name: str
    label: str
    kind: str = "text"  # text, email, tel, date, datetime-local, textarea, select, radio, checkbox
    required: bool = False
    hint: str = ""
    choices: Sequence[Choice] = ()
    autocomplete: str = ""
    inputmode: str = ""
    width: str = ""  # a CSS modifier for short inputs: "s", "m"
    suggestions: Sequence[str] = ()  # a datalist for a text input
    value: str = ""
    errors: list[str] = field(default_factory=list)
    form_id: str = ""

    @property
    def id(self) -> str:
        return f"{self.form_id}-{self.name}" if self.form_id else self.name

    @property
    def list_id(self) -> str:
        return f"{self.id}-list" if self.suggestions else ""

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint" if self.hint else ""

    @property
    def error_id(self) -> str:
        return f"{self.id}-error" if self.errors else ""

    @property
    def described_by(self) -> str:
        return " ".join(i for i in (self.hint_id, self.error_id) if i)

    @property
    def checked(self) -> bool:
        return self.value in ("true", "on", "1", "True")


class WebForm:
    """A list of fields with their posted values and errors; the page renders it."""

    def __init__(self, form_id: str, fields: Iterable[FormField]) -> None:
        self.id = form_id
        self.fields: dict[str, FormField] = {}
        for item in fields:
            item.form_id = form_id
            self.fields[item.name] = item
        self.errors: list[str] = []  # errors not tied to one field

    def __iter__(self) -> Iterator[FormField]:
        return iter(self.fields.values())

    def __getitem__(self, name: str) -> FormField:
        return self.fields[name]

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def bind(self, data: Mapping[str, Any]) -> WebForm:
        for name, item in self.fields.items():
            if item.kind == "checkbox":
                item.value = "true" if data.get(name) in ("true", "on", "1", "True") else ""
            else:
                item.value = str(data.get(name, "") or "").strip()
        return self

    def initial(self, **values: Any) -> WebForm:
        for name, value in values.items():
            if name in self.fields and value is not None:
                self.fields[name].value = str(value)
        return self

    def values(self) -> dict[str, str]:
        return {name: item.value for name, item in self.fields.items()}

    def add_errors(self, errors: Mapping[str, list[str]]) -> None:
        for name, messages in errors.items():
            target = self.fields.get(name)
            if target is None:
                self.errors.extend(messages)
            else:
                target.errors.extend(messages)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(item.errors for item in self)

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary at the top of the form."""
        listed = [("", message) for message in self.errors]
        for item in self:
            listed.extend((item.id, f"{item.label}: {message}") for message in item.errors)
        return listed


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as flat input names: ``{"subject": {"bsn": [..]}}`` → ``subject_bsn``.

    ``non_field_errors`` (and errors of a nested list as a whole) go to the
    key ``prefix`` without a name, which the form shows above its fields.
    """
    flat: dict[str, list[str]] = {}

    def add(name: str, message: Any) -> None:
        flat.setdefault(name, []).append(str(message))

    def walk(value: Any, name: str) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                key = "" if key in ("non_field_errors", NON_FIELD_ERRORS) else str(key)
                walk(inner, f"{name}_{key}" if name and key else name or key)
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            for inner in value:  # a list of nested objects: the web form posts one
                walk(inner, name)
        elif isinstance(value, list):
            for message in value:
                if isinstance(message, (Mapping, list)):
                    walk(message, name)
                else:
                    add(name, message)
        elif isinstance(value, (str, ErrorDetail)):
            add(name, value)

    walk(detail, prefix)
    return flat


def django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as ``{input name: [messages]}``; "" holds the general ones."""
    if hasattr(exc, "error_dict"):
        return {
            ("" if name == NON_FIELD_ERRORS else name): list(messages)
            for name, messages in exc.message_dict.items()
        }
    return {"": list(exc.messages)}
