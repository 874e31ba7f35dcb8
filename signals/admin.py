from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cases.models import AgeBand, WorkTray
from coordination.models import Organisation

from .allowed import default_codes
from .models import OrganisationSignalTypes, SignalType, Threat, ThreatUrgency


@admin.register(SignalType)
class SignalTypeAdmin(admin.ModelAdmin[SignalType]):
    """Signal types and their thresholds. Signals themselves are case content and
    are not shown in the admin: administrators never see personal data."""

    list_display = (
        "code",
        "name",
        "statutory",
        "requires_consent",
        "is_arrears",
        "minimum_amount",
        "priority",
        "active",
    )
    list_editable = ("minimum_amount", "priority", "active")


@admin.register(OrganisationSignalTypes)
class OrganisationSignalTypesAdmin(admin.ModelAdmin[OrganisationSignalTypes]):
    """Which signal types an organisation may file. Without a setting here an
    organisation files the types of its kind; a new setting starts from those."""

    list_display = ("organisation", "kind", "types")
    list_select_related = ("organisation",)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "signal_types":
            kwargs["widget"] = forms.CheckboxSelectMultiple
            kwargs["help_text"] = _(
                "Alleen deze soorten kan de organisatie doorgeven, met het formulier, de API en een "
                "bestand. Zonder instelling hier geldt de standaard voor haar soort organisatie."
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        organisation_id = request.GET.get("organisation", "")
        organisation = (
            Organisation.objects.filter(pk=organisation_id).first() if organisation_id.isdigit() else None
        )
        if organisation is not None:
            defaults = SignalType.objects.filter(code__in=default_codes(organisation.kind))
            initial["signal_types"] = [str(pk) for pk in defaults.values_list("pk", flat=True)]
        return initial

    @admin.display(description=_("soort organisatie"))
    def kind(self, obj: OrganisationSignalTypes) -> str:
        return str(obj.organisation.get_kind_display())

    @admin.display(description=_("signaalsoorten"))
    def types(self, obj: OrganisationSignalTypes) -> str:
        return ", ".join(obj.signal_types.order_by("code").values_list("code", flat=True))


class WorkTrayForm(forms.ModelForm[WorkTray]):
    """The criteria as choices: signal types (this app's), threats and age bands."""

    signal_types = forms.MultipleChoiceField(
        label=_("signaalsoorten"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("De casus heeft een signaal van een van deze soorten. Leeg: elke soort."),
    )
    threats = forms.MultipleChoiceField(
        label=_("dreigingen"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(value, label) for value, label in Threat.choices if value != Threat.NONE],
        help_text=_("Een signaal van de casus noemt een van deze dreigingen. Leeg: maakt niet uit."),
    )
    age_bands = forms.MultipleChoiceField(
        label=_("leeftijdsgroepen"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=AgeBand.choices,
        help_text=_("Berekend bij binnenkomst uit de geboortedatum. Leeg: maakt niet uit."),
    )

    class Meta:
        model = WorkTray
        fields = (
            "name",
            "position",
            "recommended_action",
            "active",
            "signal_types",
            "threats",
            "crisis",
            "children",
            "min_creditor_kinds",
            "arrears_above",
            "age_bands",
            "repeat",
            "multiple",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.MultipleChoiceField, self.fields["signal_types"])
        field.choices = list(SignalType.objects.order_by("name").values_list("code", "name"))


@admin.register(WorkTray)
class WorkTrayAdmin(admin.ModelAdmin[WorkTray]):
    """The work trays (``cases.trays``). Registered here, not in ``cases``: the
    criteria offer the signal types, which this app keeps. A change is logged
    and places the open cases in the trays again once it is saved."""

    form = WorkTrayForm
    list_display = ("position", "name", "recommended_action", "active")
    list_display_links = ("name",)
    ordering = ("position", "id")


@admin.register(ThreatUrgency)
class ThreatUrgencyAdmin(admin.ModelAdmin[ThreatUrgency]):
    """How urgent each threat makes a case; a change applies to signals filed after it."""

    list_display = ("threat", "priority")
    list_editable = ("priority",)
