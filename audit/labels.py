"""Access-log actions in words, for the auditor's pages and the resident's letter.

The code (``case.read``) stays in the entry, the API and the CSV; people read
the words, in the page's language. An action without words here (one added
later) shows its code, which is still accurate.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .forms import KNOWN_ACTIONS

ACTIONS: dict[str, Promise] = {
    "case.read": _("Casus ingezien"),
    "case.list": _("Wachtrij ingezien"),
    "case.claim": _("Casus opgepakt"),
    "case.release": _("Casus teruggelegd"),
    "case.start_outreach": _("Outreach gestart"),
    "case.refer_to_team": _("Doorverwezen naar een wijkteam"),
    "case.assign_lead": _("Regisseur toegewezen"),
    "case.accept": _("Casus aanvaard door de regisseur"),
    "case.decline": _("Casus geweigerd door de regisseur"),
    "case.reassign": _("Andere regisseur toegewezen"),
    "case.start_monitoring": _("Monitoring gestart"),
    "case.resume": _("Monitoring beëindigd, weer in behandeling"),
    "case.close": _("Casus afgesloten"),
    "case.reroute": _("Naar een ander wijkteam verplaatst"),
    "case.reopen": _("Casus heropend"),
    "case.merge": _("Casussen samengevoegd"),
    "case.split": _("Casus gesplitst"),
    "case.erase": _("Persoonsgegevens van de casus verwijderd"),
    "case.deadline.overdue": _("Termijn verstreken gemeld"),
    "case.merged_into": _("Casus opgegaan in een andere casus"),
    "case.split_from": _("Casus ontstaan door afsplitsen"),
    "case.help_accepted": _("Vastgelegd dat de hulp is geaccepteerd"),
    "case.contact.create": _("Contactpoging vastgelegd"),
    "case.contact.update": _("Contactpoging gecorrigeerd"),
    "case.contact.delete": _("Contactpoging verwijderd"),
    "case.plan.update": _("Plan bijgewerkt"),
    "case.letter.read": _("Brief aan het huishouden gemaakt"),
    "letter.run.create": _("Printrun van brieven gestart"),
    "case.plan.goal.create": _("Doel aan het plan toegevoegd"),
    "case.plan.goal.update": _("Doel gecorrigeerd"),
    "case.plan.goal.delete": _("Doel uit het plan verwijderd"),
    "case.plan.action.create": _("Actie aan een doel toegevoegd"),
    "case.plan.action.update": _("Actie bijgewerkt"),
    "case.plan.action.delete": _("Actie verwijderd"),
    "case.network.create": _("Betrokkene aan het netwerk toegevoegd"),
    "case.network.update": _("Netwerklid gecorrigeerd"),
    "case.network.delete": _("Netwerklid verwijderd"),
    "case.search": _("Huishouden gezocht"),
    "case.access.grant": _("Inzage met reden gekregen (doorbreking)"),
    "signal.create": _("Signaal ingediend"),
    "signal.list": _("Eigen signalen ingezien"),
    "signal.read": _("Signaal ingezien"),
    "signal.erase": _("Persoonsgegevens van het signaal verwijderd"),
    "signal.bulk.upload": _("Signaalbestand geüpload"),
    "notification.release": _("Melding verstuurd"),
    "notification.list": _("Meldingen ingezien"),
    "notification.read": _("Melding als gelezen gemarkeerd"),
    "notification.read_all": _("Alle meldingen als gelezen gemarkeerd"),
    "login": _("Ingelogd"),
    "logout": _("Uitgelogd"),
    "keys.rotate": _("Sleutels vernieuwd"),
    "audit.events.list": _("Toegangslog ingezien"),
    "figures.read": _("Cijfers ingezien"),
    "figures.export": _("Cijfers geëxporteerd"),
    "audit.events.export": _("Toegangslog geëxporteerd"),
    "ddas.export": _("Levering aan de landelijke monitor (DDAS) gemaakt"),
    "audit.subjects.find": _("Huishouden gezocht in het toegangslog"),
    "audit.subjects.read": _("Overzicht 'wie zag dit huishouden' ingezien"),
    "audit.subjects.export": _("Overzicht 'wie zag dit huishouden' geëxporteerd"),
    "audit.subjects.letter": _("Inzagebrief voor een bewoner gemaakt"),
    "audit.verify": _("Integriteit van het toegangslog gecontroleerd"),
    "audit.verify.start": _("Integriteitscontrole gestart"),
    "audit.verify.read": _("Integriteitscontrole ingezien"),
    "admin.audit.list": _("Toegangslog ingezien in het beheer"),
    "admin.audit.read": _("Toegangslogregel ingezien in het beheer"),
}

_REFUSED = _("Verzoek geweigerd")

ROLES: dict[str, Promise] = {
    "partner": _("medewerker van een partnerorganisatie"),
    "triage": _("medewerker van het schakelpunt"),
    "coordinator": _("coördinator van een wijkteam"),
    "professional": _("regisseur (coördinerend professional)"),
    "auditor": _("privacy officer"),
    "admin": _("functioneel beheerder"),
    "monitor": _("account voor de landelijke monitor"),
}


def is_refusal(action: str) -> bool:
    """A refused request's action: its method and path (``GET /api/v1/cases/…``)."""
    method = action.split(" ", 1)[0]
    return method.isupper() and " /" in action


def action_label(action: str) -> str:
    """The action in words; a refused request (``GET /path``) as "request refused"."""
    label = ACTIONS.get(action)
    if label is not None:
        return str(label)
    return str(_REFUSED) if is_refusal(action) else action


def role_label(roles: str) -> str:
    """One or more role codes (``triage,coordinator``) in words."""
    codes = [code for code in roles.split(",") if code]
    return ", ".join(str(ROLES[code]) if code in ROLES else code for code in codes)


def known_actions() -> list[str]:
    return sorted(set(KNOWN_ACTIONS) | set(ACTIONS))
