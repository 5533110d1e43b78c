"""Writing thousands of rows at once: COPY on PostgreSQL, batched ORM calls elsewhere.

The re-evaluation pipeline writes a chunk's answers, history, events and notices in one
transaction. Through ``bulk_create`` on PostgreSQL every value, JSON documents
included, is quoted into one long statement on the client; COPY streams the rows
instead, and an UPDATE joins a temporary table filled the same way. On other databases
(SQLite in development and tests) the ORM's bulk calls do the same job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models import JSONField, Model

# Rows per bulk_update elsewhere: one CASE per column over a whole chunk would be huge.
SMALL_BATCH = 100


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


class JsonText(str):
    """A JSON document already encoded: written as it is (encode once, write twice)."""


def _identity(value):
    return value


def _converter(field):
    """How a Python value of ``field`` goes into COPY's text format.

    Plain values (text, numbers, dates, aware datetimes, booleans, None) are adapted by
    psycopg itself; asking Django's field for each value costs more than the COPY.
    """
    if isinstance(field, JSONField):
        encoder = field.encoder
        return lambda value: (
            value
            if isinstance(value, JsonText) or value is None
            else json.dumps(value, cls=encoder)
        )
    if isinstance(field, _NATIVE):
        return _identity
    return lambda value: field.get_db_prep_save(value, connection)


def _converted(converters, values) -> list:
    return [convert(value) for convert, value in zip(converters, values, strict=True)]


_NATIVE = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,  # DateTimeField too
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.TextField,
)


def _instance(model: type[Model], attnames: Sequence[str], values: Sequence, **extra) -> Model:
    """An unsaved model for the ORM's bulk calls (JSON given as text decoded again)."""
    decoded = (json.loads(v) if isinstance(v, JsonText) else v for v in values)
    return model(**dict(zip(attnames, decoded, strict=True)), **extra)


def reserve_ids(models: Sequence[type[Model]], count: int) -> list[list[int] | None]:
    """``count`` fresh primary keys from each model's sequence, in one round trip, for
    ``insert_rows(..., ids=...)``; a None per model on databases that assign ids at
    insert (SQLite)."""
    if not _on_postgresql() or not count:
        return [None for _model in models]
    columns = ", ".join(["nextval(pg_get_serial_sequence(%s, %s))"] * len(models))
    params: list = []
    for model in models:
        params += [_quote(model._meta.db_table), model._meta.pk.column]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM generate_series(1, %s)", [*params, count])
        rows = cursor.fetchall()
    return [[row[n] for row in rows] for n in range(len(models))]


def insert_rows(
    model: type[Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    ids: Sequence[int] | None = None,
) -> list[int]:
    """Insert ``rows`` (values in ``fields`` order); returns their new primary keys in order.

    ``ids``: keys taken beforehand with ``reserve_ids`` (PostgreSQL), one per row.

    No ``save()``, no signals, as with ``bulk_create``; fields not named get their default.
    """
    rows = list(rows)
    if not rows:
        return []
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if not _on_postgresql():
        attnames = [field.attname for field in columns]
        created = model.objects.bulk_create(_instance(model, attnames, row) for row in rows)
        return [obj.pk for obj in created]
    if ids is None:
        (ids,) = reserve_ids([model], len(rows))
    # Fields not named get their model default, as bulk_create gives them.
    named = {field.name for field in columns}
    defaulted = [f for f in meta.concrete_fields if f is not meta.pk and f.name not in named]
    converters = [_converter(field) for field in [*columns, *defaulted]]
    names = ", ".join(_quote(field.column) for field in [meta.pk, *columns, *defaulted])
    statement = f"COPY {_quote(meta.db_table)} ({names}) FROM STDIN"
    # Django's cursor wrapper holds psycopg's own cursor, which speaks COPY.
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for pk, row in zip(ids, rows, strict=True):
            values = [*row, *(field.get_default() for field in defaulted)]
            copy.write_row([pk, *_converted(converters, values)])
    return ids


def update_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Set ``fields`` of many rows; ``rows`` are ``(pk, value, ...)`` in ``fields`` order.

    On PostgreSQL: COPY into a temporary table and one UPDATE ... FROM it (call inside
    a transaction; the table goes with the commit). Returns the rows given.
    """
    rows = list(rows)
    if not rows:
        return 0
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if not _on_postgresql():
        attnames = [field.attname for field in columns]
        for start in range(0, len(rows), SMALL_BATCH):
            batch = [
                _instance(model, attnames, row[1:], pk=row[0])
                for row in rows[start : start + SMALL_BATCH]
            ]
            model.objects.bulk_update(batch, [field.name for field in columns])
        return len(rows)
    if not connection.in_atomic_block:
        raise RuntimeError("update_rows needs a transaction on PostgreSQL")
    converters = [_converter(field) for field in columns]
    table = _quote(meta.db_table)
    temporary = _quote(f"bulk_{meta.db_table}")
    names = [_quote(meta.pk.column), *(_quote(field.column) for field in columns)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temporary} ON COMMIT DROP AS "
            f"SELECT {', '.join(names)} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {temporary} ({', '.join(names)}) FROM STDIN") as copy:
            for pk, *values in rows:
                copy.write_row([pk, *_converted(converters, values)])
        assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {temporary} AS v "
            f"WHERE t.{names[0]} = v.{names[0]}"
        )
        # A second call in the same transaction needs the name again.
        cursor.execute(f"DROP TABLE {temporary}")
    return len(rows)


def commit_without_flush() -> None:
    """Let the current transaction's commit return before its WAL reaches the disk.

    Only for work that is safe to lose in a database crash because it is redone: a
    re-evaluation chunk claims itself in the same transaction as its writes, so a lost
    commit leaves the chunk unclaimed for the sweep. Unlike ``fsync = off`` this cannot
    corrupt anything; at worst the last few hundred milliseconds of such commits are
    undone together. Nothing leaves the portal on the strength of such a commit alone:
    a notice is claimed by an ordinary commit before its email is sent, and flushing
    that commit flushes the WAL before it, the chunk's commit included. PostgreSQL
    only; elsewhere nothing changes.
    """
    if _on_postgresql() and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
