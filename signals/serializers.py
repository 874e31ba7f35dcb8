from __future__ import annotations

import datetime
import re
import threading
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from helpers.serializers import StrictSerializer

from . import validators
from .models import Children, Signal, SignalType, Threat

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


class PlainDateField(serializers.DateField):
    """A date as ``jjjj-mm-dd`` or, as people and Dutch spreadsheets write it, ``dd-mm-jjjj``.

    A date that does not exist (31-02-2026) is named as such; ``quote`` says
    whether the message may repeat it: never for a date of birth (personal
    data), fine for the date arrears began.
    """

    def __init__(self, *, quote: bool = False, **kwargs: Any) -> None:
        self.quote = quote
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> datetime.date:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return value
        text = value.strip() if isinstance(value, str) else ""
        if match := _ISO_DATE.match(text):
            year, month, day = (int(part) for part in match.groups())
        elif match := _DUTCH_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
        else:
            self.fail("invalid")
        try:
            return datetime.date(year, month, day)
        except ValueError:
            if self.quote:
                raise serializers.ValidationError(
                    _("Datum '%(date)s' bestaat niet.") % {"date": text}, code="no_such_date"
                ) from None
            raise serializers.ValidationError(_("Deze datum bestaat niet."), code="no_such_date") from None


# Thousands dots only together with a decimal comma ("1.234,56"): a bare "12.345" is
# twelve euros and a bit to an API client and twelve thousand to a Dutch clerk, so it
# is read as a decimal point and refused for its three decimals, never guessed.
_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+,\d*$")
_PLAIN_AMOUNT = re.compile(r"^-?\d+([.,]\d*)?$")


class AmountField(serializers.DecimalField):
    """An amount in euros as a number, ``1234.56``, or as Dutch people write it:
    ``1234,56``, ``1.234,56``, ``€ 850``."""

    default_error_messages = {
        "invalid": gettext_lazy("Dit is geen bedrag. Schrijf het als 1234,56 of 1.234,56."),
        "min_value": gettext_lazy("Een bedrag kan niet negatief zijn."),
        "max_digits": gettext_lazy("Dit bedrag is te hoog."),
        "max_whole_digits": gettext_lazy("Dit bedrag is te hoog."),
        "max_decimal_places": gettext_lazy("Een bedrag heeft hoogstens twee cijfers achter de komma."),
    }

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, float):
            data = repr(data)
        if isinstance(data, str):
            text = data.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
            if _THOUSANDS.match(text):
                text = text.replace(".", "").replace(",", ".")
            elif _PLAIN_AMOUNT.match(text):
                text = text.replace(",", ".")
            elif text:
                self.fail("invalid")
            data = text
        try:
            return super().to_internal_value(data)
        except InvalidOperation:
            self.fail("invalid")


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
    date_of_birth = PlainDateField(
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

    def cross_checks(self, attrs: dict[str, Any]) -> dict[str, str]:
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
        return errors


def signal_types_by_code() -> dict[str, SignalType]:
    return SignalType.active_by_code()


# What a signal type's code looks like: lowercase words joined by underscores.
# Only such a value is repeated in an error; anything else (in a shifted
# column it may be a BSN, a name or a date) is not.
_CODE_LIKE = re.compile(r"^[a-z]{2,}(_[a-z]{2,}){0,4}$")


class SignalTypeField(serializers.SlugRelatedField[SignalType]):
    """An active signal type by code, from the per-process cache of active types;
    a batch passes ``context["signal_types"]`` to use one set for every row.

    ``context["allowed_types"]`` (codes) limits it to what the filing
    organisation may file (``signals.allowed``); the error names those.
    """

    def to_internal_value(self, data: Any) -> SignalType:
        known = self.context.get("signal_types")
        if known is None:
            known = signal_types_by_code()
        allowed: list[str] | None = self.context.get("allowed_types")
        choices = ", ".join(allowed if allowed is not None else known)
        code = data.strip() if isinstance(data, str) else ""
        if code not in known:
            if _CODE_LIKE.match(code):
                message = _("Onbekende signaalsoort '%(code)s'. Kies een van: %(choices)s.")
            else:
                message = _("Onbekende signaalsoort. Kies een van: %(choices)s.")
            raise serializers.ValidationError(message % {"code": code, "choices": choices}, code="unknown")
        if allowed is not None and code not in allowed:
            if allowed:
                message = _(
                    "Uw organisatie mag geen signaalsoort '%(code)s' doorgeven. Kies een van: %(choices)s."
                )
            else:
                message = _(
                    "Uw organisatie mag geen signaalsoort '%(code)s' doorgeven, en ook geen andere: "
                    "vraag de beheerder van Schakelpunt welke soorten u mag doorgeven."
                )
            raise serializers.ValidationError(
                message % {"code": code, "choices": choices}, code="not_allowed"
            )
        return known[code]


def _choice(choices: Any, **kwargs: Any) -> serializers.ChoiceField:
    codes = ", ".join(str(value) for value, _label in choices)
    return serializers.ChoiceField(
        choices=choices,
        error_messages={"invalid_choice": format_lazy(gettext_lazy("Kies een van: {codes}."), codes=codes)},
        **kwargs,
    )


class SignalInputSerializer(StrictSerializer):
    signal_type = SignalTypeField(slug_field="code", queryset=SignalType.objects.filter(active=True))
    partner_reference = serializers.CharField(max_length=64)
    subject = SubjectSerializer()
    arrears_amount = AmountField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    arrears_since = PlainDateField(
        quote=True, required=False, allow_null=True, validators=[validators.validate_not_future]
    )
    threat = _choice(Threat.choices, default=Threat.NONE)
    children_in_household = _choice(Children.choices, default=Children.UNKNOWN)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    consent_given = serializers.BooleanField(default=False)
    crisis = serializers.BooleanField(default=False, help_text="A crisis signal (DDAS crisissignaal).")
    warm_handover = serializers.BooleanField(
        default=False,
        help_text="The partner already spoke with the person and asks the municipality to take it up "
        "(DDAS warmeOverdracht).",
    )
    signal_date = PlainDateField(
        quote=True,
        required=False,
        allow_null=True,
        validators=[validators.validate_not_future],
        help_text="The day the partner sent the signal (DDAS signaaldatum); the day received when absent. "
        "Not in the future.",
    )

    def cross_checks(self, attrs: dict[str, Any]) -> dict[str, str]:
        signal_type: SignalType | None = attrs.get("signal_type")
        errors: dict[str, str] = {}
        if signal_type is None:
            return errors
        if signal_type.requires_consent and not attrs.get("consent_given"):
            errors["consent_given"] = _("Voor dit soort signaal is toestemming van de bewoner nodig.")
        if signal_type.is_arrears and attrs.get("arrears_amount") is None:
            errors["arrears_amount"] = _("Geef het bedrag van de achterstand.")
        return errors


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


def validate_signal(data: Any, *, allowed_types: list[str] | None = None) -> dict[str, Any]:
    """``SignalInputSerializer``'s validated data for one request body; raises its
    ``ValidationError`` (errors per field). ``allowed_types``: the codes the
    filing organisation may file (``signals.allowed``).

    DRF deep-copies every declared field each time a serializer is made; one
    instance per thread, built once, serves every request instead (validation
    keeps no state on the instance).
    """
    validator = getattr(_built, "validator", None)
    if validator is None:
        validator = _built.validator = SignalInputSerializer()
    validator._context = {"allowed_types": allowed_types}
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
    column = serializers.CharField(help_text="The column as the file names it (a Dutch header stays Dutch).")
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
