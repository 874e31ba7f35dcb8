"""The partner's pages: file a signal, see it received, follow its status;
upload a batch file and follow its processing.

The form posts the API's field names; ``SignalInputSerializer`` validates
them and ``file_signal`` files them, exactly as for ``POST /api/v1/signals/``.
A batch file goes through ``bulk.receive_file`` as for ``POST
/api/v1/signals/bulk/``, and its page shows what ``GET
/api/v1/signals/bulk/{id}/`` answers.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from coordination.models import Role
from coordination.web_access import actor_of, role_required
from helpers.forms import flatten_errors
from helpers.paging import page_query, paginate

from . import bulk, selectors, services
from .allowed import allowed_types
from .forms import ARREARS_FIELDS, CONSENT_FIELDS, bulk_columns, bulk_form, payload, signal_form
from .models import BulkUpload, SignalType
from .serializers import SignalInputSerializer
from .tabular import DUTCH_HEADER

PER_PAGE = 25
ERRORS_PER_PAGE = 50


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
    actor = actor_of(request)
    allowed = allowed_types(actor.organisation) if actor.organisation is not None else {}
    form = signal_form(list(allowed.values()))
    conflict = False
    # One key per form shown: a second click or a browser resubmit files nothing new.
    idempotency_key = (request.POST.get("idempotency_key") or "").strip()[:200] or uuid.uuid4().hex
    if request.method == "POST":
        form.bind(request.POST)
        serializer = SignalInputSerializer(
            data=payload(form.values()), context={"allowed_types": list(allowed)}
        )
        if serializer.is_valid():
            try:
                filing = services.file_signal(
                    actor=actor, data=serializer.validated_data, idempotency_key=idempotency_key
                )
            except services.FilingConflict as refused:
                conflict = True
                if refused.field == "idempotency_key":
                    # The form's own key is hidden: this form was sent before and
                    # its fields were changed since (the browser's back button).
                    # A fresh key lets the changed form be sent as a new signal.
                    idempotency_key = uuid.uuid4().hex
                    form.add_errors(
                        {
                            "": [
                                _(
                                    "Dit formulier is al verstuurd als signaal %(reference)s, met andere "
                                    "gegevens. Er is niets opgeslagen; verstuur het opnieuw om deze "
                                    "gegevens als nieuw signaal door te geven."
                                )
                                % {"reference": refused.earlier_reference}
                            ]
                        }
                    )
                else:
                    form.add_errors({"partner_reference": [refused.message]})
            else:
                reference = filing.signal.reference
                if filing.outcome is services.Outcome.REPLAYED:
                    messages.info(
                        request,
                        _("Dit signaal was al ontvangen onder nummer %s; er is geen tweede gemaakt.")
                        % reference,
                    )
                else:
                    messages.success(request, _("Uw signaal is ontvangen onder nummer %s.") % reference)
                return redirect("signals_web:detail", signal_id=filing.signal.pk)
        else:
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
        status=409 if conflict else 400 if form.has_errors else 200,
    )


@role_required(Role.PARTNER)
def signal_detail(request: HttpRequest, signal_id: uuid.UUID) -> HttpResponse:
    """One signal's reference and status; also the confirmation after filing (``signal.read``)."""
    signal = selectors.read_partner_signal_logged(actor=actor_of(request), signal_id=signal_id)
    return render(
        request,
        "signals/signal_detail.html",
        {"signal": signal, "type_name": _type_names().get(signal.signal_type.code, signal.signal_type.code)},
    )


@role_required(Role.PARTNER)
def bulk_upload(request: HttpRequest) -> HttpResponse:
    """Upload a batch file (processed in the background) and see the organisation's recent ones."""
    actor = actor_of(request)
    form = bulk_form(settings.BULK_UPLOAD_MAX_BYTES)
    if request.method == "POST":
        try:
            upload = bulk.receive_file(actor=actor, file=request.FILES.get("file"))
        except ValidationError as exc:
            form.add_errors(flatten_errors(exc.detail))
        else:
            # No banner here: the file's own page says what became of it, and a file that
            # could not be read must not be greeted with "Gelukt" above its failure.
            return redirect("signals_web:bulk_detail", upload_id=upload.pk)
    page = paginate(request, bulk.uploads_for(actor).select_related("uploaded_by"), PER_PAGE)
    return render(
        request,
        "signals/bulk_upload.html",
        {
            "form": form,
            "columns": [(column, DUTCH_HEADER.get(column, "")) for column in bulk_columns()],
            "allowed": list(allowed_types(actor.organisation)) if actor.organisation is not None else [],
            "page": page,
            "query": page_query(request),
        },
        status=400 if form.has_errors else 200,
    )


@role_required(Role.PARTNER)
def bulk_detail(request: HttpRequest, upload_id: uuid.UUID) -> HttpResponse:
    """One upload's progress and its refused rows; the page's script refreshes it while it runs."""
    upload = bulk.upload_for(actor_of(request), upload_id)
    running = upload.state in (BulkUpload.State.PENDING, BulkUpload.State.PROCESSING)
    errors = paginate(request, upload.errors.all(), ERRORS_PER_PAGE)
    percent = round(100 * upload.processed / upload.total) if upload.total else None
    return render(
        request,
        "signals/bulk_detail.html",
        {
            "upload": upload,
            "running": running,
            "percent": percent,
            "page": errors,
            "query": page_query(request),
            "stored_errors_limit": settings.BULK_MAX_STORED_ERRORS,
        },
    )
