"""The partner's pages: file a signal, see it received, follow its status.

The form posts the API's field names; ``SignalInputSerializer`` validates
them and ``file_signal`` files them, exactly as for ``POST /api/v1/signals/``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from coordination.models import Role
from schakelpunt.forms import flatten_errors
from schakelpunt.views import actor_of, page_query, paginate, role_required

from . import selectors, services
from .forms import ARREARS_FIELDS, CONSENT_FIELDS, payload, signal_form
from .models import SignalType
from .serializers import SignalInputSerializer

PER_PAGE = 25


def _type_names() -> dict[str, str]:
    return {code: _(name) for code, name in SignalType.objects.values_list("code", "name")}


@role_required(Role.PARTNER)
def signal_list(request: HttpRequest) -> HttpResponse:
    """Mijn signalen: the organisation's signals with the minimal status (logged as ``signal.list``)."""
    actor = actor_of(request)
    page = paginate(request, selectors.signals_for_partner(actor), PER_PAGE)
    rows = list(page.object_list)
    selectors.log_partner_list(actor=actor, count=len(rows))
    names = _type_names()
    items = [(signal, names.get(signal.signal_type.code, signal.signal_type.code)) for signal in rows]
    return render(
        request, "signals/signal_list.html", {"page": page, "items": items, "query": page_query(request)}
    )


@role_required(Role.PARTNER)
def signal_new(request: HttpRequest) -> HttpResponse:
    form = signal_form()
    # One key per form shown: a second click or a browser resubmit files nothing new.
    idempotency_key = (request.POST.get("idempotency_key") or "").strip()[:200] or uuid.uuid4().hex
    if request.method == "POST":
        form.bind(request.POST)
        serializer = SignalInputSerializer(data=payload(form.values()))
        if serializer.is_valid():
            filing = services.file_signal(
                actor=actor_of(request), data=serializer.validated_data, idempotency_key=idempotency_key
            )
            reference = filing.signal.reference
            if filing.created:
                messages.success(request, _("Uw signaal is ontvangen onder nummer %s.") % reference)
            else:
                messages.info(
                    request,
                    _("Dit signaal was al ontvangen onder nummer %s; er is geen tweede gemaakt.") % reference,
                )
            return redirect("signals_web:detail", signal_id=filing.signal.pk)
        form.add_errors(flatten_errors(serializer.errors))
    return render(
        request,
        "signals/signal_form.html",
        {
            "form": form,
            "idempotency_key": idempotency_key,
            "arrears_fields": ARREARS_FIELDS,
            "consent_fields": CONSENT_FIELDS,
        },
        status=400 if form.has_errors else 200,
    )


@role_required(Role.PARTNER)
def signal_detail(request: HttpRequest, signal_id: uuid.UUID) -> HttpResponse:
    """One signal's reference and status; also the confirmation after filing (``signal.read``)."""
    signal = selectors.open_partner_signal(actor=actor_of(request), signal_id=signal_id)
    return render(
        request,
        "signals/signal_detail.html",
        {"signal": signal, "type_name": _type_names().get(signal.signal_type.code, signal.signal_type.code)},
    )
