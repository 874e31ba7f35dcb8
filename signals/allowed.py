"""Which signal types an organisation may file.

The administrator sets them per organisation (``OrganisationSignalTypes``,
in the admin); an organisation without a setting files the types of its
kind below. The form offers only these, and the API, the form and bulk files
refuse any other with an error that names the allowed ones.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from coordination.models import Organisation
from helpers.cache import ProcessCache

from .models import OrganisationSignalTypes, SignalType

ARREARS = "*arrears"  # every active arrears type, also one an administrator adds later

DEFAULT_TYPES_BY_KIND: dict[str, tuple[str, ...]] = {
    Organisation.Kind.GP: ("gp_observation",),
    Organisation.Kind.HOUSING: ("rent_arrears",),
    Organisation.Kind.ENERGY: ("energy_arrears", "energy_end_of_supply"),
    Organisation.Kind.WATER: ("water_arrears",),
    Organisation.Kind.HEALTH_INSURER: ("health_insurance_arrears",),
    Organisation.Kind.SCHOOL: ("school_observation",),
    Organisation.Kind.EMPLOYER: ("other_observation",),
    Organisation.Kind.SOCIAL_WORK: ("other_observation",),
    Organisation.Kind.OTHER: ("other_observation",),
    Organisation.Kind.COLLECTION_AGENCY: (ARREARS,),
    Organisation.Kind.MUNICIPALITY: (),
}


def _load_settings() -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = {
        pk: set() for pk in OrganisationSignalTypes.objects.values_list("pk", flat=True)
    }
    through = OrganisationSignalTypes.signal_types.through.objects
    for org_id, code in through.values_list("organisationsignaltypes_id", "signaltype__code"):
        found.setdefault(org_id, set()).add(code)
    return {org_id: frozenset(codes) for org_id, codes in found.items()}


_settings = ProcessCache(_load_settings)
for _sender in (OrganisationSignalTypes, OrganisationSignalTypes.signal_types.through):
    post_save.connect(_settings.clear, sender=_sender, dispatch_uid=f"allowed-saved-{_sender.__name__}")
    post_delete.connect(_settings.clear, sender=_sender, dispatch_uid=f"allowed-deleted-{_sender.__name__}")
m2m_changed.connect(
    _settings.clear, sender=OrganisationSignalTypes.signal_types.through, dispatch_uid="allowed-members"
)


def default_codes(kind: str) -> list[str]:
    """The codes an organisation of this kind files when the administrator set nothing."""
    active = SignalType.active_by_code()
    codes: list[str] = []
    for code in DEFAULT_TYPES_BY_KIND.get(kind, ()):
        if code == ARREARS:
            codes.extend(c for c, kind_ in active.items() if kind_.is_arrears)
        else:
            codes.append(code)
    return codes


def allowed_types(organisation: Organisation) -> dict[str, SignalType]:
    """The active signal types this organisation may file, by code, in a stable order
    (statutory first, then by name)."""
    active = SignalType.active_by_code()
    chosen = _settings.get().get(organisation.pk)
    codes = chosen if chosen is not None else frozenset(default_codes(organisation.kind))
    kinds = sorted((active[c] for c in codes if c in active), key=lambda t: (not t.statutory, t.name))
    return {kind.code: kind for kind in kinds}


def allowed_codes(organisation: Organisation | None) -> list[str]:
    return list(allowed_types(organisation)) if organisation is not None else []
