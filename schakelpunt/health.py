"""A liveness probe for load balancers and the benchmarks' ceiling: one trivial query.

``503`` with ``Retry-After`` while the database cannot be reached (or does
not answer within the web server's timeouts), so a load balancer takes the
instance out instead of sending users to it.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from helpers.failures import database_unavailable, retry_after


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        # Not logged: a probe every few seconds during an outage would bury the first error.
        return JsonResponse({"status": "unavailable"}, status=503, headers={"Retry-After": retry_after()})
    return JsonResponse({"status": "ok"})
