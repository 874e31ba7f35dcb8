"""Inserting new rows without the ORM's per-statement compiler.

Filing a signal writes a household, its match keys, a case, the signal and
an access-log entry; a partner's monthly file writes a hundred thousand of
each. ``bulk_create`` rebuilds its SQL and walks every field's
``pre_save``/``get_db_prep_save`` chain through the query compiler on every
call, which costs more than the database's own work. Here the column list of
a model is worked out once, each value still goes through its field's
``pre_save`` and ``get_db_prep_save`` (so encryption, defaults and
adaptation are the model's own), and the rows go out as one ``INSERT`` — or,
for large batches on PostgreSQL, through ``COPY``.

``Insert`` statements can be combined into one round trip with
``execute_together``; on PostgreSQL they become data-modifying CTEs of one
statement (foreign keys are checked at its end, so the parts may refer to
each other), elsewhere they run one after another.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.db import connections, models

from .crypto import EncryptedField

COPY_FROM_ROWS = 64
"""From this many rows on, ``insert`` uses COPY on PostgreSQL (no ids come back)."""


@cache
def _columns(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    # Generated columns are computed by the database; every other concrete
    # field is written, the primary key included when it is set in Python.
    return tuple(f for f in model._meta.concrete_fields if not isinstance(f, models.GeneratedField))


# Fields whose value psycopg writes as it is: for these the ORM's
# pre_save/get_db_prep_save chain returns its input on PostgreSQL.
_AS_IS = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.UUIDField,
    models.BooleanField,
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.DecimalField,
    models.DateField,
)


def _getter(f: models.Field[Any, Any], connection: Any) -> Any:
    attname = f.attname
    if connection.vendor == "postgresql" and not (
        getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ):
        kind = type(f)
        if kind in _AS_IS or (
            isinstance(f, models.ForeignKey) and kind is models.ForeignKey and type(f.target_field) in _AS_IS
        ):
            return lambda obj: obj.__dict__.get(attname)
        if kind is models.DateTimeField:
            # Aware datetimes, as everything here makes them (timezone.now()).
            def aware(obj: models.Model) -> Any:
                value = obj.__dict__.get(attname)
                if value is not None and value.tzinfo is None:
                    return f.get_db_prep_save(value, connection)
                return value

            return aware
        if isinstance(f, models.BinaryField):
            # pre_save gives bytes (encrypted fields: the ciphertext) or None;
            # psycopg writes bytes as bytea without Django's Binary wrapper.
            def raw(obj: models.Model) -> Any:
                value = f.pre_save(obj, True)
                return (
                    value if value is None or type(value) is bytes else f.get_db_prep_save(value, connection)
                )

            return raw
        if kind in (models.CharField, models.TextField, models.SlugField):

            def text(obj: models.Model) -> Any:
                value = obj.__dict__.get(attname)
                return value if value is None or type(value) is str else f.get_db_prep_save(value, connection)

            return text
    return lambda obj: f.get_db_prep_save(f.pre_save(obj, True), connection)


def _auto_pk(model: type[models.Model]) -> models.Field[Any, Any] | None:
    pk = model._meta.pk
    return pk if isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField) else None


@dataclass
class Insert:
    """One INSERT of new ``objects`` of one model, ready to run alone or with others."""

    model: type[models.Model]
    objects: Sequence[models.Model]
    fields: tuple[models.Field[Any, Any], ...] = field(init=False)
    returns_pk: bool = field(init=False)

    def __post_init__(self) -> None:
        auto = _auto_pk(self.model)
        self.returns_pk = auto is not None and any(obj.pk is None for obj in self.objects)
        self.fields = tuple(f for f in _columns(self.model) if not (self.returns_pk and f is auto))

    def values(self, connection: Any) -> list[list[Any]]:
        """Each object's column values, as its fields prepare them for ``connection``."""
        getters = [_getter(f, connection) for f in self.fields]
        return [[get(obj) for get in getters] for obj in self.objects]

    def sql(self, connection: Any) -> tuple[str, list[Any]]:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        params = [value for values in self.values(connection) for value in values]
        text = (
            f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(self.objects))}"
        )
        if self.returns_pk:
            text += f" RETURNING {quote(self.model._meta.pk.column)}"
        return text, params

    def saved(self, alias: str, pks: Sequence[Any] = ()) -> None:
        """Mark the objects as stored, as ``save()`` would; give them the returned ids."""
        for n, obj in enumerate(self.objects):
            if self.returns_pk and n < len(pks):
                obj.pk = pks[n]
            obj._state.adding = False
            obj._state.db = alias


def insert(model: type[models.Model], objects: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert new ``objects`` of ``model`` in one statement, or by COPY when there are many.

    With COPY (PostgreSQL, ``COPY_FROM_ROWS`` or more) auto-increment ids are
    not read back: the objects keep ``pk`` None.
    """
    if not objects:
        return
    connection = connections[using]
    statement = Insert(model, objects)
    if connection.vendor == "postgresql":
        if len(objects) >= COPY_FROM_ROWS:
            _copy(statement, connection)
            statement.returns_pk = False
            statement.saved(using)
        else:
            execute_together([statement], using=using)
        return
    # SQLite limits the parameters of one statement.
    size = max(1, connection.ops.bulk_batch_size(list(statement.fields), objects))
    for start in range(0, len(objects), size):
        execute_together([Insert(model, objects[start : start + size])], using=using)


def write(statements: Sequence[Insert], *, using: str = "default") -> None:
    """Insert each statement's rows: a few rows in one round trip for all of them,
    a batch statement by statement (COPY where it can) — see ``insert``."""
    statements = [s for s in statements if s.objects]
    connection = connections[using]
    if connection.vendor == "postgresql" and sum(len(s.objects) for s in statements) < COPY_FROM_ROWS:
        execute_together(statements, using=using)
        return
    for statement in statements:
        insert(statement.model, statement.objects, using=using)


def _copy(statement: Insert, connection: Any) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in statement.fields)
    table = quote(statement.model._meta.db_table)
    rows = statement.values(connection)
    # Django's cursor wraps psycopg's; COPY is psycopg's own interface.
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def execute_together(
    statements: Sequence[Insert], *, tail: tuple[str, list[Any]] | None = None, using: str = "default"
) -> None:
    """Run the inserts (and an optional last statement ``tail``) in one round trip.

    At most one insert may read back auto-increment ids. On PostgreSQL the
    statements become one: ``WITH i0 AS (INSERT ...), i1 AS (...) <last>``.
    """
    statements = [s for s in statements if s.objects]
    if not statements and tail is None:
        return
    connection = connections[using]
    returning = [s for s in statements if s.returns_pk]
    if len(returning) > 1:
        raise ValueError("only one of the combined inserts may return ids")
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for statement in statements:
                cursor.execute(*statement.sql(connection))
                pks = [row[0] for row in cursor.fetchall()] if statement.returns_pk else []
                statement.saved(using, pks)
            if tail is not None:
                cursor.execute(*tail)
            return
        # One statement: the insert that reads back ids is the main one (its
        # rows are the result), the others and the tail are CTEs before it.
        parts = [s.sql(connection) for s in statements if not s.returns_pk]
        if tail is not None:
            parts.append(tail)
        main = returning[0].sql(connection) if returning else parts.pop()
        text = ""
        if parts:
            text = "WITH " + ", ".join(f"w{n} AS ({sql})" for n, (sql, _p) in enumerate(parts)) + " "
        cursor.execute(text + main[0], [p for _sql, params in [*parts, main] for p in params])
        pks = [row[0] for row in cursor.fetchall()] if returning else []
    for statement in statements:
        statement.saved(using, pks if statement.returns_pk else ())


def update(
    model: type[models.Model],
    objects: Sequence[models.Model],
    names: Sequence[str],
    *,
    using: str = "default",
) -> None:
    """Write the fields ``names`` of stored ``objects``, all in one statement.

    ``bulk_update``'s CASE WHEN per field and row costs more to build than to
    run; on PostgreSQL this is ``UPDATE ... FROM (VALUES ...)``. Values are
    written as they are (as with ``bulk_update``, no field's ``pre_save``
    runs), so fields that change a value on saving are refused: an encrypted
    field would be stored in the clear, an ``auto_now`` field not touched.
    """
    meta = model._meta
    fields: list[Any] = [meta.pk, *(meta.get_field(name) for name in names)]
    refused = [f.name for f in fields[1:] if _changed_on_save(f)]
    if refused:
        raise ValueError(f"rows.update cannot write {', '.join(refused)} of {meta.label}: use save()")
    if not objects:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._default_manager.using(using).bulk_update(objects, list(names))
        return
    quote = connection.ops.quote_name

    def cast(f: Any, where: str) -> str:
        return f"CAST({where}.{quote(f.column)} AS {f.cast_db_type(connection)})"

    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    assignments = ", ".join(f"{quote(f.column)} = {cast(f, 'v')}" for f in fields[1:])
    text = (
        f"UPDATE {quote(meta.db_table)} AS o SET {assignments} "  # noqa: S608
        f"FROM (VALUES {', '.join([row] * len(objects))}) AS v({', '.join(quote(f.column) for f in fields)}) "
        f"WHERE o.{quote(fields[0].column)} = {cast(fields[0], 'v')}"
    )
    params = [f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objects for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(text, params)


def _changed_on_save(f: models.Field[Any, Any]) -> bool:
    """Whether saving turns the attribute into another value (encryption, ``auto_now``)."""
    return (
        isinstance(f, EncryptedField)
        or getattr(f, "auto_now", False)
        or getattr(f, "auto_now_add", False)
        or not f.concrete
        or f.primary_key
    )


def any_of(values: Collection[Any], *, using: str = "default") -> str:
    """A membership test for ``values``, passed as one list parameter (see ``flat_params``).

    ``= ANY(%s)`` on PostgreSQL: one array parameter, the same statement text
    whatever the count, where ``IN (%s, ...)`` of a thousand keys costs more
    to pass than to run; ``IN`` elsewhere.
    """
    if connections[using].vendor == "postgresql":
        return "= ANY(%s)"
    return "IN ({})".format(", ".join(["%s"] * len(values)))


def flat_params(params: Sequence[Any], *, using: str = "default") -> list[Any]:
    """Parameters for a statement with ``any_of``: its lists stay arrays on
    PostgreSQL and are spread out elsewhere."""
    if connections[using].vendor == "postgresql":
        return list(params)
    return [item for p in params for item in (p if isinstance(p, list) else [p])]
