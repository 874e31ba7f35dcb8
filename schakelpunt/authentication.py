"""Token authentication that loads the user, the user's roles and organisation with the token.

Every API request logs its access with the organisation's name and checks the
user's roles, and a partner system files signals as fast as it can: one plain
query finds the token's user, roles and organisation, without the ORM
building a three-table query on every request. The roles come as one
comma-separated text from a correlated subquery (STRING_AGG on PostgreSQL,
GROUP_CONCAT on SQLite), the same one ``User.objects.with_roles()`` uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from coordination.models import Organisation, User, UserRole


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    return list(model._meta.concrete_fields)


@cache
def _query(vendor: str) -> str:
    user_columns = ", ".join(f'u."{f.column}"' for f in _fields(User))
    org_columns = ", ".join(f'o."{f.column}"' for f in _fields(Organisation))
    join = "STRING_AGG" if vendor == "postgresql" else "GROUP_CONCAT"
    roles = (
        f'(SELECT {join}(r."role", \',\') FROM "{UserRole._meta.db_table}" r '  # noqa: S608
        'WHERE r."user_id" = u."id")'
    )
    return (
        f"SELECT {user_columns}, {org_columns}, {roles} "  # noqa: S608
        f'FROM "{User._meta.db_table}" u '
        f'JOIN "{Token._meta.db_table}" t ON t.user_id = u.id '
        f'LEFT JOIN "{Organisation._meta.db_table}" o ON o.id = u.organisation_id '
        "WHERE t.key = %s"
    )


@cache
def _converters(model: type[Model], vendor: str) -> list[tuple[int, Any, list[Any]]]:
    # What the ORM applies to a column read (the backend's, then the field's),
    # worked out once: (position, column expression, converters).
    found = []
    for n, f in enumerate(_fields(model)):
        col = f.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if converters:
            found.append((n, col, converters))
    return found


def _instance(model: type[Model], values: Sequence[Any]) -> Any:
    """A model instance from its columns' values, converted as the ORM converts them."""
    converted = list(values)
    for n, col, converters in _converters(model, connection.vendor):
        for convert in converters:
            converted[n] = convert(converted[n], col, connection)
    return model.from_db(connection.alias, [f.attname for f in _fields(model)], converted)


class TokenAuthentication(DRFTokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        with connection.cursor() as cursor:
            cursor.execute(_query(connection.vendor), [key])
            found = cursor.fetchone()
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        width = len(_fields(User))
        user = _instance(User, found[:width])
        user.remember_roles(found[-1])
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        if user.organisation_id is not None:
            user.organisation = _instance(Organisation, found[width:-1])
        # DRF hands the token on as request.auth; only its key is known here.
        return (user, Token(key=key, user=user))
