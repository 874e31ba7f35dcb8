"""The one place where the API's errors become responses (DRF's ``EXCEPTION_HANDLER``).

The apps' API views ask ``coordination.api_access`` who is acting and whether their roles admit them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit.services import record_denied
from helpers.errors import Conflict
from helpers.failures import (
    BAD_INPUT_MESSAGE,
    UNAVAILABLE_MESSAGE,
    database_unavailable,
    log_failure,
    refused_by_database,
    retry_after,
)

_DENIED = (
    exceptions.NotAuthenticated,
    exceptions.AuthenticationFailed,
    exceptions.PermissionDenied,
    exceptions.NotFound,
)


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = UNAVAILABLE_MESSAGE
    default_code = "service_unavailable"


class RefusedValue(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = BAD_INPUT_MESSAGE
    default_code = "invalid"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if database_unavailable(exc) or refused_by_database(exc):
        # Unreachable, broken off, or past statement_timeout / lock_timeout: nothing was
        # changed or served (a read is logged before it is returned), so the client may retry.
        log_failure(exc, context.get("request"))
        unavailable = database_unavailable(exc)
        response = drf_exception_handler(ServiceUnavailable() if unavailable else RefusedValue(), context)
        if response is not None and unavailable:
            response["Retry-After"] = retry_after()
        return response
    if isinstance(exc, Conflict) and exc.field:
        exc = exceptions.APIException(detail={exc.field: [str(exc)]})
        exc.status_code = status.HTTP_409_CONFLICT
    elif isinstance(exc, (Conflict, ConcurrentTransition, TransitionNotAllowed)):
        exc = exceptions.APIException(detail=str(exc) or "Conflict")
        exc.status_code = status.HTTP_409_CONFLICT
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    request: Request | None = context.get("request")
    if isinstance(exc, _DENIED) and request is not None:
        # ``_user``: the user DRF authenticated, if any; ``request.user`` would
        # authenticate again and raise again for a refused token. A refusal for a
        # missing second factor names its user itself (schakelpunt.second_factor_api).
        record_denied(
            actor=getattr(exc, "user", None) or getattr(request, "_user", None),
            request=request,
            status=exc.status_code,
            code=exc.default_code,
        )
    return drf_exception_handler(exc, context)
