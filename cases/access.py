"""Break-the-glass: opening a case outside one's own work, with a reason.

A triage officer or coordinator who must see a case that is not theirs (a
resident calls about a case of another team) gives a reason and gets a grant:
``BREAK_GLASS_MINUTES`` of access to that one case, read only. The reason is
sent in a request body (the API's JSON, the page's form), never in a URL, so it
stays out of server logs and browser history; it is stored encrypted on the
grant, and the grant and every read under it are access-logged as
break-the-glass with the reason as their purpose, which is what the auditor's
pages show.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from coordination.models import CASE_ROLES, User
from helpers.errors import Conflict

from .models import Case, CaseAccessGrant
from .permissions import cases_for, may_break_glass

REASON_MAX_LENGTH = 500


def minutes() -> int:
    """How long a grant runs (``BREAK_GLASS_MINUTES``)."""
    return int(settings.BREAK_GLASS_MINUTES)


@transaction.atomic(durable=True)
def grant_access(*, actor: User, case_id: uuid.UUID, reason: str) -> CaseAccessGrant:
    """Give ``actor`` a running grant to read case ``case_id``, for the reason given.

    403 for a role that may not break the glass; a reason is required (400);
    404 for a case that does not exist; 409 for a case already in the actor's
    own scope (it opens without a reason).
    """
    if not may_break_glass(actor):
        raise PermissionDenied(_("Alleen de schakelpunt en coördinatoren openen een casus met een reden."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Geef een reden.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Houd de reden kort (hoogstens 500 tekens).")})
    household_id = Case.objects.filter(pk=case_id).values_list("household_id", flat=True).first()
    if household_id is None:
        raise Http404
    if cases_for(actor).filter(pk=case_id).exists():
        raise Conflict(_("Deze casus hoort bij uw werk: u opent hem zonder reden."))
    now = timezone.now()
    grant = CaseAccessGrant.objects.create(
        case_id=case_id,
        user=actor,
        reason=reason,
        granted_at=now,
        expires_at=now + datetime.timedelta(minutes=minutes()),
    )
    record(
        actor=actor,
        role=",".join(sorted(r for r in actor.roles if r in CASE_ROLES)),
        event_type="write",
        action="case.access.grant",
        object_type="case_access_grant",
        object_id=str(grant.pk),
        case_id=case_id,
        subject_id=str(household_id),
        break_glass=True,
        purpose=reason,
        detail={"minutes": minutes()},
    )
    return grant
