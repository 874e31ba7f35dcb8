"""The partner's signal form: the API's field names, flattened (``subject_surname``)."""

from __future__ import annotations

from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.matching import SUBJECT_FIELDS
from helpers.forms import Choice, FormField, WebForm

from .models import Children, SignalType, Threat
from .serializers import SignalInputSerializer

# The seeded signal types' names, so that they are translated; types an
# administrator adds show as they were typed.
SEEDED_TYPE_NAMES = (
    gettext_noop("Huurachterstand"),
    gettext_noop("Energieachterstand"),
    gettext_noop("Einde levering energie"),
    gettext_noop("Achterstand drinkwater"),
    gettext_noop("Premieachterstand zorgverzekering"),
    gettext_noop("Signaal huisarts"),
    gettext_noop("Signaal school"),
    gettext_noop("Ander signaal (werkgever, maatschappelijk werk)"),
    gettext_noop("Hypotheekachterstand"),
    gettext_noop("Achterstand Belastingdienst"),
    gettext_noop("Terugvordering Dienst Toeslagen"),
    gettext_noop("Achterstand eigen bijdrage CAK"),
    gettext_noop("Wanbetaling zorgverzekering (CAK)"),
    gettext_noop("Achterstand DUO"),
    gettext_noop("Andere betalingsachterstand"),
)

# Shown per signal type: the page's script hides a group that does not apply;
# without a script every group shows and the serializer decides.
ARREARS_FIELDS = ("arrears_amount", "arrears_since")
CONSENT_FIELDS = ("consent_given",)


def _type_choices(kinds: list[SignalType]) -> list[Choice]:
    choices = [Choice("", _("Kies een soort signaal"))]
    for kind in kinds:
        data = {"arrears": "1" if kind.is_arrears else "0", "consent": "1" if kind.requires_consent else "0"}
        choices.append(Choice(kind.code, _(kind.name), data))
    return choices


def signal_form(kinds: list[SignalType]) -> WebForm:
    """The signal form, offering ``kinds``: the types the partner's organisation may file
    (one type is chosen already)."""
    form = WebForm(
        "signal",
        [
            FormField(
                "signal_type", _("Soort signaal"), "select", required=True, choices=_type_choices(kinds)
            ),
            FormField(
                "partner_reference",
                _("Uw kenmerk"),
                required=True,
                width="m",
                hint=_(
                    "Uw eigen dossier- of klantnummer, één per signaal. Hetzelfde signaal nog eens "
                    "geeft geen tweede; een kenmerk dat al bij een ander signaal hoort, wordt geweigerd."
                ),
            ),
            FormField(
                "subject_bsn",
                _("BSN"),
                inputmode="numeric",
                width="m",
                hint=_("9 cijfers. Wordt gecontroleerd met de elfproef."),
            ),
            FormField("subject_initials", _("Voorletters"), width="s", autocomplete="off"),
            FormField("subject_given_names", _("Voornamen"), autocomplete="off"),
            FormField(
                "subject_surname_prefix", _("Tussenvoegsel"), width="s", hint=_("Bijvoorbeeld: van der")
            ),
            FormField("subject_surname", _("Achternaam"), required=True, autocomplete="off"),
            FormField(
                "subject_date_of_birth",
                _("Geboortedatum"),
                "date",
                width="m",
                hint=_("Geef een BSN, een geboortedatum of een adres, zodat het huishouden te vinden is."),
            ),
            FormField("subject_postcode", _("Postcode"), width="s", hint=_("Bijvoorbeeld: 1012 AB")),
            FormField("subject_house_number", _("Huisnummer"), inputmode="numeric", width="s"),
            FormField("subject_house_number_addition", _("Toevoeging"), width="s"),
            FormField("subject_street", _("Straat")),
            FormField("subject_city", _("Woonplaats")),
            FormField("subject_phone", _("Telefoonnummer"), "tel", width="m"),
            FormField("subject_email", _("E-mailadres"), "email"),
            FormField(
                "arrears_amount",
                _("Bedrag achterstand (euro)"),
                inputmode="decimal",
                width="s",
                hint=_("Bijvoorbeeld: 850,00"),
            ),
            FormField("arrears_since", _("Achterstand sinds"), "date", width="m"),
            FormField(
                "threat",
                _("Dreiging"),
                "select",
                choices=[Choice(value, str(label)) for value, label in Threat.choices],
                value=Threat.NONE,
            ),
            FormField(
                "children_in_household",
                _("Kinderen in het huishouden"),
                "select",
                choices=[Choice(value, str(label)) for value, label in Children.choices],
                value=Children.UNKNOWN,
            ),
            FormField(
                "signal_date",
                _("Datum signaal"),
                "date",
                width="m",
                hint=_("De dag waarop u het signaal verstuurt; leeg is vandaag. Niet in de toekomst."),
            ),
            FormField(
                "crisis",
                _("Crisissignaal: de situatie vraagt om directe actie"),
                "checkbox",
            ),
            FormField(
                "warm_handover",
                _("Warme overdracht: u heeft de bewoner al gesproken en vraagt de gemeente het op te pakken"),
                "checkbox",
            ),
            FormField(
                "note",
                _("Toelichting"),
                "textarea",
                hint=_("Wat ziet u? Schrijf alleen op wat nodig is om de bewoner te helpen."),
            ),
            FormField(
                "consent_given",
                _("De bewoner heeft toestemming gegeven om dit signaal door te geven"),
                "checkbox",
            ),
        ],
    )
    if len(kinds) == 1:
        form["signal_type"].value = kinds[0].code
    return form


def payload(values: dict[str, str]) -> dict[str, Any]:
    """The posted form as the API's request body, for ``SignalInputSerializer``."""
    subject: dict[str, Any] = {name: values.get(f"subject_{name}", "") for name in SUBJECT_FIELDS}
    subject["date_of_birth"] = subject["date_of_birth"] or None
    return {
        "signal_type": values.get("signal_type", ""),
        "partner_reference": values.get("partner_reference", ""),
        "subject": subject,
        "arrears_amount": values.get("arrears_amount", "").strip() or None,
        "arrears_since": values.get("arrears_since") or None,
        "threat": values.get("threat") or Threat.NONE,
        "children_in_household": values.get("children_in_household") or Children.UNKNOWN,
        "note": values.get("note", ""),
        "consent_given": values.get("consent_given") == "true",
        "crisis": values.get("crisis") == "true",
        "warm_handover": values.get("warm_handover") == "true",
        "signal_date": values.get("signal_date") or None,
    }


def bulk_columns() -> list[str]:
    """A bulk file's column names in the API's order, ``subject`` flattened to ``subject_*``."""
    columns: list[str] = []
    names: list[str] = list(SignalInputSerializer().fields)
    for name in names:
        if name == "subject":
            columns.extend(f"subject_{inner}" for inner in SUBJECT_FIELDS)
        else:
            columns.append(name)
    return columns


def bulk_form(max_bytes: int) -> WebForm:
    return WebForm(
        "bulk",
        [
            FormField(
                "file",
                _("Bestand"),
                "file",
                required=True,
                hint=_(
                    "Een Excel-werkmap (.xlsx, het eerste blad) of een CSV-bestand (met ; of , ertussen, "
                    "UTF-8 of Windows-1252) met de kolomnamen uit het sjabloon in de eerste regel, of JSON "
                    "lines: één signaal per regel. Hoogstens %(size)s. In het foutenoverzicht verwijzen "
                    "regelnummers naar het bestand; de kopregel is regel 1."
                )
                % {"size": filesizeformat(max_bytes)},
            ),
        ],
    )
