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
from contextlib import contextmanager, nullcontext

import orjson
import psycopg
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
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
    if _as_is(field):
        return _identity
    return lambda value: field.get_db_prep_save(value, connection)


def _converted(converters, values) -> list:
    return [convert(value) for convert, value in zip(converters, values, strict=True)]


# Fields whose Python values psycopg (COPY) and orjson (JSON rows) take as they are:
# text, numbers, dates, aware datetimes, booleans, UUIDs. Exact types only: a subclass
# such as the encrypted text field prepares its value through Django.
_AS_IS = frozenset(
    {
        models.AutoField,
        models.BigAutoField,
        models.BooleanField,
        models.CharField,
        models.DateField,
        models.DateTimeField,
        models.EmailField,
        models.ForeignKey,
        models.IntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.TextField,
        models.UUIDField,
    }
)


def _as_is(field) -> bool:
    return type(field) in _AS_IS


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
    return _take_ids(models, count)[1]


@contextmanager
def _prepared_cursor():
    """A cursor whose statements PostgreSQL parses and plans once per connection.

    Django's cursors bind parameters on the client, so every statement arrives as new
    text. This one binds on the server, and psycopg prepares a statement the fifth time
    the connection runs its text: for the few statements a submit runs every time,
    that halves the database's work on them. Wrapped as Django wraps its own cursors
    (query logging, error translation).
    """
    with connection.cursor():  # connects, or checks a reused connection
        raw = psycopg.Cursor(connection.connection)
    wrapped = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with wrapped as cursor:
        yield cursor


_SEQUENCES: dict[str, str] = {}


def _sequences(models: Sequence[type[Model]]) -> list[str]:
    """The key sequence of each model's table, looked up once per process."""
    missing = [m for m in models if m._meta.db_table not in _SEQUENCES]
    if missing:
        columns = ", ".join(["pg_get_serial_sequence(%s, %s)"] * len(missing))
        params: list = []
        for model in missing:
            params += [_quote(model._meta.db_table), model._meta.pk.column]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns}", params)
            names = cursor.fetchone()
        _SEQUENCES.update(zip((m._meta.db_table for m in missing), names, strict=True))
    return [_SEQUENCES[m._meta.db_table] for m in models]


def _take_ids(
    models: Sequence[type[Model]], count: int, beside: str | None = None
) -> tuple[tuple | None, list[list[int]]]:
    """PostgreSQL: ``count`` keys of each model, and the row ``beside`` reads, at once."""
    columns = ", ".join(["nextval(%s::regclass)"] * len(models))
    sql = f"SELECT {columns} FROM generate_series(1, %s)"
    if beside is not None:
        sql = (
            f"SELECT {columns}, q.* FROM generate_series(1, %s) "
            f"LEFT JOIN (SELECT TRUE AS found, q0.* FROM ({beside}) AS q0) AS q ON TRUE"
        )
    with _prepared_cursor() as cursor:
        cursor.execute(sql, [*_sequences(models), count])
        rows = cursor.fetchall()
    width = len(models)
    ids = [[row[n] for row in rows] for n in range(width)]
    found = beside is not None and rows[0][width]
    return (tuple(rows[0][width + 1 :]) if found else None), ids


def reserve_ids_beside(
    query: str, models: Sequence[type[Model]], count: int
) -> tuple[tuple | None, list[list[int] | None]]:
    """``reserve_ids``, and in the same round trip the one row ``query`` reads (a SELECT
    without parameters; None when it reads no row). Elsewhere than on PostgreSQL the
    query runs alone and the keys are None (the database assigns them at insert)."""
    if not _on_postgresql() or not count:
        with connection.cursor() as cursor:
            cursor.execute(query)
            row = cursor.fetchone()
        return (None if row is None else tuple(row)), [None for _model in models]
    return _take_ids(models, count, beside=query)


_ENCODER = DjangoJSONEncoder()
_INSERT_PLANS: dict[tuple, tuple[str, list]] = {}


def _insert_plan(meta, with_pk: bool) -> tuple[str, list]:
    key = (meta.label, with_pk)
    plan = _INSERT_PLANS.get(key)
    if plan is None:
        fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
        if any(field.generated or field.has_db_default() for field in fields):
            # Their values come from the database, which this statement would override.
            raise ValueError(f"{meta.label} has generated or database-default fields")
        names = ", ".join(_quote(field.column) for field in fields)
        # One JSON document per table: the statement's text and its few parameters are
        # the same for every submit, however many rows, where a VALUES list of literals
        # would be parsed anew each time, on both ends.
        sql = (
            f"INSERT INTO {_quote(meta.db_table)} ({names}) SELECT {names} "
            f"FROM json_populate_recordset(NULL::{_quote(meta.db_table)}, %s)"
        )
        plan = _INSERT_PLANS[key] = (sql, [_column_plan(field) for field in fields])
    return plan


def _plain_pre_save(field) -> bool:
    """Whether ``field.pre_save`` on insert only reads the attribute."""
    overridden = type(field).pre_save is not models.Field.pre_save
    if isinstance(field, models.DateField) and type(field).pre_save in (
        models.DateField.pre_save,
        models.DateTimeField.pre_save,
    ):
        return not (field.auto_now or field.auto_now_add)
    return not overridden


def _column_plan(field) -> tuple:
    """(column, attribute, field for pre_save or None, field for db prep or None)."""
    # JSON stays a nested document (orjson writes dates and UUIDs as PostgreSQL reads them).
    prepare = not (_as_is(field) or isinstance(field, JSONField))
    return (
        field.column,
        field.attname,
        None if _plain_pre_save(field) else field,
        field if prepare else None,
    )


def _row(columns, obj) -> dict:
    row = {}
    for column, attname, pre_save, prepare in columns:
        # pre_save as the ORM's insert runs it where it does more than read the value:
        # auto_now(_add), encryption and its hash.
        value = getattr(obj, attname) if pre_save is None else pre_save.pre_save(obj, True)
        if prepare is not None and value is not None:
            value = prepare.get_db_prep_save(value, connection)
        row[column] = value
    return row


def insert_together(groups: Sequence[Sequence[Model]]) -> None:
    """Insert a few new rows into several tables as one write.

    ``groups``: lists of unsaved instances, one model per list. A row may refer to rows
    of any group; on PostgreSQL the keys it refers to must be set beforehand
    (``reserve_ids``). Instances without a primary key get one from the database and,
    on PostgreSQL, keep None here.

    All or nothing: on PostgreSQL one statement (one round trip, its own transaction
    in autocommit mode, foreign keys checked at its end), elsewhere one ``bulk_create``
    per group, in order, in one transaction; inside an outer transaction either is a
    savepoint, so a refused write (an ``IntegrityError``) leaves that transaction
    usable. ``pre_save`` runs as in ``save()``; no signals, as with ``bulk_create``.
    """
    groups = [list(group) for group in groups if group]
    if not groups:
        return
    if not _on_postgresql():
        with transaction.atomic():
            for group in groups:
                type(group[0]).objects.bulk_create(group)
        return
    statements: list[str] = []
    params: list[str] = []
    for group in groups:
        with_pk = group[0].pk is not None
        if any((obj.pk is not None) != with_pk for obj in group):
            raise ValueError("a group's rows must all have primary keys, or none")
        sql, columns = _insert_plan(group[0]._meta, with_pk)
        statements.append(sql)
        rows = [_row(columns, obj) for obj in group]
        params.append(orjson.dumps(rows, default=_ENCODER.default).decode())
    *earlier, last = statements
    ctes = ", ".join(f"w{n} AS ({statement})" for n, statement in enumerate(earlier))
    # A BEGIN and a COMMIT would be two more round trips for a statement that is atomic.
    block = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with block, _prepared_cursor() as cursor:
        cursor.execute(f"WITH {ctes} {last}" if ctes else last, params)
    for group in groups:
        for obj in group:
            obj._state.adding = False
            obj._state.db = connection.alias


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
