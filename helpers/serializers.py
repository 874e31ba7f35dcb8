"""Serializer helpers shared by the apps' APIs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import relations, serializers
from rest_framework.fields import SkipField, get_error_detail


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not know instead of silently dropping them, and
    reports every error at once.

    A partner system that sends ``surname_prefx`` must hear about it, not find
    out months later that the prefix was never stored. A person filling in a
    form must see every mistake in one go: the checks across fields
    (``cross_checks``) also run when some fields are wrong, on the fields that
    are right, instead of only after everything else has been put right.
    """

    def cross_checks(self, attrs: dict[str, Any]) -> dict[str, str]:
        """Errors across fields, by field name; ``attrs`` may lack fields that were refused."""
        return {}

    def validate(self, attrs: Any) -> Any:
        errors = self.cross_checks(attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)
        errors: dict[str, Any] = {
            name: [_("Onbekend veld.")] for name in sorted(set(data) - set(self.fields))
        }
        attrs: dict[str, Any] = {}
        for field in self._writable_fields:
            name = str(field.field_name)
            validate_method = getattr(self, "validate_" + name, None)
            try:
                value = field.run_validation(field.get_value(data))
                if validate_method is not None:
                    value = validate_method(value)
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
            except DjangoValidationError as exc:
                errors[name] = get_error_detail(exc)
            except SkipField:
                pass
            else:
                self.set_value(attrs, field.source_attrs, value)
        if errors:
            for name, message in self.cross_checks(attrs).items():
                errors.setdefault(name, [message])
            raise serializers.ValidationError(errors)
        return attrs


class RowIdField(serializers.IntegerField):
    """A database id (a user's, say): a whole number the id column can hold.

    Without the upper bound a huge number reaches the database, which refuses
    it in its own way (SQLite raises before the query is sent).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)


# Error messages of DRF's and Django's fields that quote the value they refuse
# ('"X" is not a valid choice.', 'Object with code=X does not exist.'). A value
# in the wrong column can be a BSN or a name, and error texts end up in bulk
# reports, logs and screenshots: the message names what is wrong, the field
# (and in a file the line) says where, the value is never repeated.
VALUE_FREE_MESSAGES: dict[type[Any], dict[str, Any]] = {
    serializers.ChoiceField: {"invalid_choice": _("Dit is geen van de toegestane waarden.")},
    serializers.MultipleChoiceField: {"invalid_choice": _("Dit is geen van de toegestane waarden.")},
    serializers.FilePathField: {"invalid_choice": _("Dit is geen van de toegestane waarden.")},
    relations.SlugRelatedField: {"does_not_exist": _("Er bestaat niets met deze code.")},
    relations.HyperlinkedRelatedField: {"does_not_exist": _("Er bestaat niets op dit adres.")},
    forms.ChoiceField: {"invalid_choice": _("Kies een van de toegestane waarden.")},
    # Plain sentences instead of the framework's ("Date has wrong format. Use one of
    # these formats instead: YYYY-MM-DD", "Ensure that there are no more than 10
    # digits in total"): what is wrong and how to write it, in the page's language.
    serializers.Field: {
        "required": _("Vul dit veld in."),
        "null": _("Vul dit veld in."),
    },
    serializers.Serializer: {"invalid": _("Stuur hier een object met velden.")},
    serializers.ListSerializer: {
        "not_a_list": _("Stuur hier een lijst."),
        "empty": _("Deze lijst mag niet leeg zijn."),
    },
    serializers.CharField: {
        "invalid": _("Dit moet tekst zijn."),
        "blank": _("Vul dit veld in."),
        "max_length": _("Gebruik hoogstens {max_length} tekens."),
        "min_length": _("Gebruik minstens {min_length} tekens."),
    },
    serializers.EmailField: {"invalid": _("Dit is geen geldig e-mailadres.")},
    serializers.URLField: {"invalid": _("Dit is geen geldig webadres.")},
    serializers.UUIDField: {"invalid": _("Dit is geen geldig id.")},
    serializers.IntegerField: {
        "invalid": _("Dit moet een geheel getal zijn."),
        "max_value": _("Dit getal mag hoogstens {max_value} zijn."),
        "min_value": _("Dit getal moet minstens {min_value} zijn."),
        "max_string_length": _("Dit getal is te lang."),
    },
    serializers.DecimalField: {
        "invalid": _("Dit is geen getal."),
        "max_value": _("Dit getal mag hoogstens {max_value} zijn."),
        "min_value": _("Dit getal moet minstens {min_value} zijn."),
        "max_digits": _("Dit getal is te groot: hoogstens {max_digits} cijfers."),
        "max_decimal_places": _("Gebruik hoogstens {max_decimal_places} cijfers achter de komma."),
        "max_whole_digits": _("Dit getal is te groot: hoogstens {max_whole_digits} cijfers voor de komma."),
        "max_string_length": _("Dit getal is te lang."),
    },
    serializers.BooleanField: {"invalid": _("Geef ja of nee (true of false).")},
    serializers.DateField: {
        "invalid": _("Dit is geen datum. Schrijf een datum als dd-mm-jjjj of jjjj-mm-dd."),
        "datetime": _("Geef alleen een datum, zonder tijd."),
    },
    serializers.DateTimeField: {
        "invalid": _(
            "Dit is geen tijdstip. Schrijf het als jjjj-mm-ddTuu:mm, bijvoorbeeld 2026-03-01T09:30."
        ),
        "date": _("Geef een tijdstip met datum en tijd."),
        "make_aware": _("Dit tijdstip bestaat niet in de tijdzone {timezone}."),
        "overflow": _("Dit tijdstip ligt buiten het bereik dat Schakelpunt aankan."),
    },
    serializers.ListField: {
        "not_a_list": _("Stuur hier een lijst."),
        "empty": _("Deze lijst mag niet leeg zijn."),
        "min_length": _("Deze lijst moet minstens {min_length} onderdelen hebben."),
        "max_length": _("Deze lijst mag hoogstens {max_length} onderdelen hebben."),
    },
    serializers.DictField: {"not_a_dict": _("Stuur hier een object met velden.")},
    serializers.JSONField: {"invalid": _("Dit is geen geldige JSON.")},
    relations.PrimaryKeyRelatedField: {
        "does_not_exist": _("Er bestaat niets met dit id."),
        "incorrect_type": _("Geef hier een id (een getal)."),
    },
    relations.ManyRelatedField: {
        "not_a_list": _("Stuur hier een lijst."),
        "empty": _("Deze lijst mag niet leeg zijn."),
    },
    forms.MultipleChoiceField: {"invalid_choice": _("Kies alleen uit de toegestane waarden.")},
    forms.ModelMultipleChoiceField: {
        "invalid_choice": _("Kies alleen uit de toegestane waarden."),
        "invalid_pk_value": _("Dit is geen geldige waarde."),
    },
}


def quote_no_values() -> None:
    """Give the fields above messages without the refused value, for every form and serializer.

    Called once at start-up (``schakelpunt.apps``); fields read their class's
    messages when they are made, which DRF does again for every serializer.
    """
    for field_class, messages in VALUE_FREE_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
