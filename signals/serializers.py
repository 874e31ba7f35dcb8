from __future__ import annotations

import threading
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from helpers.serializers import StrictSerializer

from . import validators
from .models import Children, Signal, SignalType, Threat


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, trim_whitespace=True, **kwargs
    )


class SubjectSerializer(StrictSerializer):
    bsn = _text(12)
    initials = _text(20)
    given_names = _text(200)
    surname_prefix = _text(20)
    surname = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, validators=[validators.validate_birth_date]
    )
    postcode = _text(10)
    house_number = _text(10)
    house_number_addition = _text(10)
    street = _text(200)
    city = _text(100)
    phone = _text(30)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)

    # Field validators run before the value is normalised, so the cleaning
    # ones are hooks (their return value replaces the input).
    def validate_bsn(self, value: str) -> str:
        return validators.validate_bsn(value)

    def validate_postcode(self, value: str) -> str:
        return validators.validate_postcode(value)

    def validate_house_number(self, value: str) -> str:
        return validators.validate_house_number(value)

    def validate_phone(self, value: str) -> str:
        return validators.validate_phone(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        if attrs.get("postcode") and not attrs.get("house_number"):
            errors["house_number"] = _("Een huisnummer hoort bij de postcode.")
        if attrs.get("house_number") and not attrs.get("postcode"):
            errors["postcode"] = _("Een postcode hoort bij het huisnummer.")
        if not (attrs.get("bsn") or attrs.get("date_of_birth") or attrs.get("postcode")):
            errors["date_of_birth"] = _(
                "Geef een BSN, een geboortedatum of een adres (postcode en huisnummer), "
                "zodat het huishouden te vinden is."
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def signal_types_by_code() -> dict[str, SignalType]:
    return SignalType.active_by_code()


class SignalTypeField(serializers.SlugRelatedField[SignalType]):
    """An active signal type by code, from the per-process cache of active types;
    a batch passes ``context["signal_types"]`` to use one set for every row."""

    def to_internal_value(self, data: Any) -> SignalType:
        known = self.context.get("signal_types")
        if known is None:
            known = signal_types_by_code()
        if not isinstance(data, str) or data not in known:
            # Never the value itself: in a shifted column it may be a BSN or a name.
            self.fail("does_not_exist")
        return known[data]


class SignalInputSerializer(StrictSerializer):
    signal_type = SignalTypeField(slug_field="code", queryset=SignalType.objects.filter(active=True))
    partner_reference = serializers.CharField(max_length=64)
    subject = SubjectSerializer()
    arrears_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    arrears_since = serializers.DateField(
        required=False, allow_null=True, validators=[validators.validate_not_future]
    )
    threat = serializers.ChoiceField(choices=Threat.choices, default=Threat.NONE)
    children_in_household = serializers.ChoiceField(choices=Children.choices, default=Children.UNKNOWN)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    consent_given = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        signal_type: SignalType = attrs["signal_type"]
        errors: dict[str, str] = {}
        if signal_type.requires_consent and not attrs.get("consent_given"):
            errors["consent_given"] = _("Voor dit soort signaal is toestemming van de bewoner nodig.")
        if signal_type.is_arrears and attrs.get("arrears_amount") is None:
            errors["arrears_amount"] = _("Geef het bedrag van de achterstand.")
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class SignalReceiptSerializer(serializers.ModelSerializer[Signal]):
    """The answer to filing: enough to follow the signal up, nothing more."""

    class Meta:
        model = Signal
        fields = ("id", "reference", "status", "received_at")


class PartnerSignalSerializer(serializers.ModelSerializer[Signal]):
    """What a partner sees of its own organisation's signals: the minimal status."""

    signal_type: serializers.SlugRelatedField[SignalType] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    partner_reference = serializers.CharField(read_only=True)
    status_changed_at = serializers.DateTimeField(
        source="status_since", read_only=True, help_text="When the status became what it is."
    )
    help_accepted_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="With status help_accepted: the day help was accepted."
    )
    suspend_collection_until = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="With status help_accepted: suspend collection until this day (the covenant).",
    )

    class Meta:
        model = Signal
        fields = (
            "id",
            "reference",
            "partner_reference",
            "signal_type",
            "status",
            "received_at",
            "status_changed_at",
            "help_accepted_on",
            "suspend_collection_until",
        )


_built = threading.local()


def validate_signal(data: Any) -> dict[str, Any]:
    """``SignalInputSerializer``'s validated data for one request body; raises its
    ``ValidationError`` (errors per field).

    DRF deep-copies every declared field each time a serializer is made; one
    instance per thread, built once, serves every request instead (validation
    keeps no state on the instance).
    """
    validator = getattr(_built, "validator", None)
    if validator is None:
        validator = _built.validator = SignalInputSerializer()
    validated: dict[str, Any] = validator.run_validation(data)
    return validated


def receipt(signal: Signal) -> dict[str, Any]:
    """``SignalReceiptSerializer``'s representation, from a per-thread instance."""
    serializer = getattr(_built, "receipt", None)
    if serializer is None:
        serializer = _built.receipt = SignalReceiptSerializer()
    represented: dict[str, Any] = serializer.to_representation(signal)
    return represented


class BulkRowErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text="Line number in the file (the CSV header is line 1).")
    field = serializers.CharField()
    message = serializers.CharField()


BulkProgressSerializer = inline_serializer(
    "BulkProgress",
    {
        "id": serializers.UUIDField(),
        "state": serializers.CharField(),
        "total": serializers.IntegerField(allow_null=True),
        "processed": serializers.IntegerField(),
        "accepted": serializers.IntegerField(help_text="Rows filed as a new signal."),
        "already_filed": serializers.IntegerField(
            help_text="Rows identical to an earlier filing: nothing new was filed for them."
        ),
        "rejected": serializers.IntegerField(),
        "failure": serializers.CharField(help_text="Why the file failed, in plain words; empty otherwise."),
        # "errors" shadows Serializer.errors, so this schema-only serializer is built inline.
        "errors": BulkRowErrorSerializer(many=True, help_text="One page of refused rows (?page=)."),
        "errors_page": serializers.IntegerField(),
        "errors_pages": serializers.IntegerField(),
        "errors_count": serializers.IntegerField(help_text="Refused rows' reasons kept, on all pages."),
        "errors_not_stored": serializers.IntegerField(
            help_text="Reasons not kept: past the limit of stored errors per file (rows still counted)."
        ),
        "errors_next": serializers.URLField(allow_null=True),
        "errors_previous": serializers.URLField(allow_null=True),
    },
)
