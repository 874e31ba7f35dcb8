"""Serializer helpers shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework import relations, serializers


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not know instead of silently dropping them.

    A partner system that sends ``surname_prefx`` must hear about it, not find
    out months later that the prefix was never stored.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Onbekend veld."] for name in unknown})
        return super().to_internal_value(data)


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
    relations.PrimaryKeyRelatedField: {"does_not_exist": _("Er bestaat niets met dit id.")},
    relations.HyperlinkedRelatedField: {"does_not_exist": _("Er bestaat niets op dit adres.")},
    forms.ChoiceField: {"invalid_choice": _("Kies een van de toegestane waarden.")},
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
