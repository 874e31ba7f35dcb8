from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from coordination.models import Organisation

from .allowed import default_codes
from .models import OrganisationSignalTypes, SignalType


@admin.register(SignalType)
class SignalTypeAdmin(admin.ModelAdmin[SignalType]):
    """Signal types and their thresholds. Signals themselves are case content and
    are not shown in the admin: administrators never see personal data."""

    list_display = ("code", "name", "statutory", "requires_consent", "is_arrears", "minimum_amount", "active")
    list_editable = ("minimum_amount", "active")


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
