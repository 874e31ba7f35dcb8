"""Token authentication that loads the user, the user's roles and organisation with the token.

A token is looked up by the digest of what the client sent (only digests are
stored, ``schakelpunt.tokens``); an expired one is refused. A partner
organisation's system key acts as the colleague who made it, in the partner
role only, and only while that colleague is still in the key's organisation.

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
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication as DRFTokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from coordination.models import ApiToken, Organisation, Role, User, UserRole
from coordination.tokens import digest


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
        f'SELECT t."id", t."kind", t."organisation_id", {user_columns}, {org_columns}, {roles} '  # noqa: S608
        f'FROM "{ApiToken._meta.db_table}" t '
        f'JOIN "{User._meta.db_table}" u ON u.id = t.user_id '
        f'LEFT JOIN "{Organisation._meta.db_table}" o ON o.id = u.organisation_id '
        'WHERE t."digest" = %s AND t."expires_at" > %s'
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
            cursor.execute(_query(connection.vendor), [digest(key), timezone.now()])
            found = cursor.fetchone()
        if found is None:
            raise AuthenticationFailed("Invalid token.")
        token_id, kind, key_organisation, *columns = found
        width = len(_fields(User))
        user = _instance(User, columns[:width])
        user.remember_roles(columns[-1])
        if not user.is_active:
            raise AuthenticationFailed("User inactive or deleted.")
        if kind == ApiToken.Kind.SYSTEM:
            # A sending system files for its organisation, and does nothing else.
            if user.organisation_id != key_organisation or not user.has_role(Role.PARTNER):
                raise AuthenticationFailed("Invalid token.")
            user.remember_roles(Role.PARTNER)
        if user.organisation_id is not None:
            user.organisation = _instance(Organisation, columns[width:-1])
        # DRF hands the token on as request.auth: which token it was, never its secret.
        return (user, ApiToken(pk=token_id, kind=kind, user=user, organisation_id=key_organisation))
