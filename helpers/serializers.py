"""Serializer helpers shared by the apps' APIs."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


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
