"""Bounded database waits for the web server's requests.

gunicorn kills a worker that has not answered within its ``--timeout``
(30 s by default), taking every request of that worker down with it; a
single held row lock used to be enough. Each PostgreSQL connection a web
process opens therefore gets ``statement_timeout`` (``DB_STATEMENT_TIMEOUT``)
and ``lock_timeout`` (``DB_LOCK_TIMEOUT``), both below gunicorn's timeout. A
request that hits one fails with ``OperationalError``, its transaction rolls
back, and it is answered ``503`` with ``Retry-After`` (``helpers.failures``).

Only the web entry point (``schakelpunt.wsgi``, which ``runserver`` uses too)
installs this. Migrations, management commands, the benchmarks' data loads
and the Celery workers (the integrity check of a large access log, bulk
files) legitimately run statements longer than a web request may take.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created


def _milliseconds(name: str) -> str:
    seconds = float(getattr(settings, name))
    return f"{round(seconds * 1000)}ms"  # 0 switches the limit off, as in PostgreSQL


def limit_waits(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Set the session's statement and lock timeouts on a new PostgreSQL connection."""
    if connection.vendor != "postgresql":
        return  # SQLite's wait is its ``timeout`` option (settings.DATABASES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, false), set_config('lock_timeout', %s, false)",
            [_milliseconds("DB_STATEMENT_TIMEOUT"), _milliseconds("DB_LOCK_TIMEOUT")],
        )


def bound_request_waits() -> None:
    """Give every database connection this process opens from now on the web request limits."""
    connection_created.connect(limit_waits, dispatch_uid="schakelpunt.database.limit_waits")
