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

from django.db import connection
from django.db.models import JSONField, Model

# Rows per bulk_update elsewhere: one CASE per column over a whole chunk would be huge.
SMALL_BATCH = 100


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _db_value(field, value):
    if isinstance(field, JSONField):
        # COPY's text format takes the JSON text as it is.
        return None if value is None else json.dumps(value, cls=field.encoder)
    value = field.get_db_prep_save(value, connection)
    # TextChoices members are str subclasses: COPY adapts by exact type.
    return str(value) if isinstance(value, str) and type(value) is not str else value


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` fresh primary keys from the table's sequence (PostgreSQL only)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [_quote(table), model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def insert_rows(model: type[Model], objects: Iterable[Model]) -> list[Model]:
    """Insert unsaved ``objects`` and give each its primary key; returns them.

    Bypasses ``save()`` and signals, as ``bulk_create`` does.
    """
    objects = list(objects)
    if not objects:
        return objects
    if not _on_postgresql():
        return model.objects.bulk_create(objects)
    meta = model._meta
    for obj, pk in zip(objects, reserve_ids(model, len(objects)), strict=True):
        obj.pk = pk
    fields = meta.concrete_fields
    columns = ", ".join(_quote(field.column) for field in fields)
    statement = f"COPY {_quote(meta.db_table)} ({columns}) FROM STDIN"
    # Django's cursor wrapper holds psycopg's own cursor, which speaks COPY.
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objects:
            copy.write_row([_db_value(field, field.pre_save(obj, True)) for field in fields])
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects


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
                model(pk=row[0], **dict(zip(attnames, row[1:], strict=True)))
                for row in rows[start : start + SMALL_BATCH]
            ]
            model.objects.bulk_update(batch, [field.name for field in columns])
        return len(rows)
    if not connection.in_atomic_block:
        raise RuntimeError("update_rows needs a transaction on PostgreSQL")
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
                values = map(_db_value, columns, values)
                copy.write_row([pk, *values])
        assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM {temporary} AS v "
            f"WHERE t.{names[0]} = v.{names[0]}"
        )
        # A second call in the same transaction needs the name again.
        cursor.execute(f"DROP TABLE {temporary}")
    return len(rows)
