"""Background work on cases. Tasks take ids, reload, and are safe to run twice."""

from __future__ import annotations

import uuid

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from .models import Case


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def notify_lead_of_new_signal(case_id: str) -> None:
    """Tell the lead professional that a new signal joined their case.

    The mail holds the case reference and a link, never personal data.
    """
    case = Case.objects.select_related("lead").filter(pk=uuid.UUID(case_id)).first()
    if case is None or case.lead is None or not case.lead.email:
        return
    send_mail(
        subject=_("Nieuw signaal bij casus %s") % case.reference,
        message=_("Er is een nieuw signaal bij casus %(ref)s binnengekomen.\n\n%(url)s")
        % {"ref": case.reference, "url": f"{settings.SITE_URL}/cases/{case.pk}/"},
        from_email=None,
        recipient_list=[case.lead.email],
    )
