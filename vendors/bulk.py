"""Bulk writes of plain tuples, without model instances or Django's per-value SQL compiler.

The evaluation writes tens of thousands of rows at once; ``bulk_create`` builds a model instance
and compiles every value of every row, which costs more than the database's own work. These
helpers send the values as they are, prepared per column only where the backend needs it
(datetimes, dates, JSON, and Decimals on SQLite). Booleans, integers and text adapt natively on
SQLite and PostgreSQL, Decimals on PostgreSQL. On PostgreSQL the rows go through ``COPY ... FROM
STDIN`` (psycopg's ``cursor.copy``), on SQLite through multi-row ``INSERT`` statements: one code
path per function, choosing by ``connection.vendor``. Values must already be what the field
would store (validated, rounded); defaults and ``auto_now_add`` are not applied: pass every
column. Each call is atomic, like ``bulk_create`` (outside a transaction, one commit instead of
one per row).

Used by the ingestion (``vendors.services.reports``) and the evaluation (``scorecard``); it lives
in ``vendors`` because ``vendors`` never imports ``scorecard``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict

ROWS_PER_STATEMENT = 100  # rows per multi-row INSERT statement (fewer if the backend's limit)
BATCH_ROWS = 5000  # rows per executemany call, about
RETURNING_BATCH_ROWS = 500  # rows per multi-row INSERT ... RETURNING statement
UNPIVOT_KEYS = 40  # keys per statement of insert_unpivoted (fewer if the backend's limit)

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause CPython's cycle collector for one bulk operation, then restore it as it was.

    Reading and storing a 10,000-row file allocates a few hundred thousand tuples, lists and
    dicts that all live until the end; the collector would walk them (and every object of the
    process) again and again, about a fifth of the run, to find no cycles among them. Reference
    counting still frees everything as usual; only cycles wait until the collector is back on.
    The collector is process-wide: in a threaded server, another thread's cycles wait too, for
    the second or so this lasts.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _connection() -> BaseDatabaseWrapper:
    # The wrapper itself: every attribute read through ``django.db.connection`` (a proxy) looks
    # the connection up again, which counts when a value is prepared per row.
    return connections[DEFAULT_DB_ALIAS]


def _decimal_text(value: Any) -> str | None:
    """A Decimal as SQLite is sent it: Django registers ``str`` as sqlite3's adapter, which the
    driver looks up and calls per value (about 0.5 us each); called here, it costs a tenth."""
    return None if value is None else str(value)


def _preparers(
    connection: BaseDatabaseWrapper, fields: Sequence[Any]
) -> list[tuple[int, Callable[[Any], Any]]]:
    """(column index, function) for the columns whose values the backend needs prepared."""
    ops = connection.ops
    prepare: list[tuple[int, Callable[[Any], Any]]] = []
    for i, f in enumerate(fields):
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            # A run writes the same few datetimes (its ``now``, None) many times: adapt once each.
            prepare.append((i, functools.lru_cache(maxsize=64)(ops.adapt_datetimefield_value)))
        elif kind == "DateField":
            prepare.append((i, functools.lru_cache(maxsize=1024)(ops.adapt_datefield_value)))
        elif kind == "JSONField":
            prepare.append((i, functools.partial(f.get_db_prep_save, connection=connection)))
        elif kind == "DecimalField" and connection.vendor == "sqlite":
            prepare.append((i, _decimal_text))
    return prepare


def _prepared(
    connection: BaseDatabaseWrapper, rows: Sequence[Sequence[Any]], fields: Sequence[Any]
) -> Sequence[Sequence[Any]]:
    """The rows with the values of ``fields`` (the leading values of each row) prepared."""
    prepare = _preparers(connection, fields)
    if not prepare:
        return rows
    out = []
    for row in rows:
        values = list(row)
        for i, fn in prepare:
            values[i] = fn(values[i])
        out.append(values)
    return out


def _fields(model: type[models.Model], columns: Sequence[str]) -> list[Any]:
    return [model._meta.get_field(c) for c in columns]


def _insert_head(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: Sequence[Any],
    *,
    ignore_conflicts: bool = False,
) -> str:
    ops = connection.ops
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    insert = ops.insert_statement(on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    return f"{insert} {ops.quote_name(model._meta.db_table)} ({names})"


def _rows_per_statement(connection: BaseDatabaseWrapper, columns: int, most: int) -> int:
    limit = connection.features.max_query_params
    return max(1, min(most, limit // columns)) if limit else most


def _copies(connection: BaseDatabaseWrapper) -> bool:
    """Whether rows go through COPY: on PostgreSQL (psycopg 3), not on SQLite."""
    return connection.vendor == "postgresql"


def _copy(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: Sequence[Any],
    rows: Iterator[Sequence[Any]] | Sequence[Sequence[Any]],
) -> None:
    """``COPY table (columns) FROM STDIN`` of the rows, prepared values (psycopg adapts them).

    Django's cursor does not see a COPY: it is logged here as one query, like any statement, so
    that query counts (and ``connection.queries`` under DEBUG) still tell the truth.
    """
    ops = connection.ops
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    sql = f"COPY {ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    started = time.monotonic()
    # The raw cursor's errors are psycopg's own: wrapped, they are Django's (IntegrityError...).
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        write = copy.write_row
        for row in rows:
            write(row)
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def _reserve_ids(
    connection: BaseDatabaseWrapper, model: type[models.Model], count: int
) -> list[int] | None:
    """``count`` primary keys taken from the table's identity sequence, in increasing order, or
    None when the key is not drawn from a sequence."""
    ops = connection.ops
    table, pk = model._meta.db_table, str(model._meta.pk.column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [ops.quote_name(table), pk])
        (sequence,) = cursor.fetchone()
        if sequence is None:  # pragma: no cover - every model here has an identity key
            return None
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return sorted(row[0] for row in cursor.fetchall())


def analyze_after_load(counts: Mapping[type[models.Model], int]) -> None:
    """After the transaction commits, ``ANALYZE`` each table that received at least
    ``settings.BULK_ANALYZE_ROWS`` rows (0: never), so that the planner's statistics know of a
    large load at once instead of when autovacuum next passes (PostgreSQL) or never (SQLite,
    which keeps none until asked; ``PRAGMA analysis_limit`` bounds its work there).

    Statistics only: a failure is logged, never raised (the load has committed by then).
    """
    threshold = settings.BULK_ANALYZE_ROWS
    tables = sorted({m._meta.db_table for m, n in counts.items() if threshold and n >= threshold})
    if tables:
        transaction.on_commit(functools.partial(_analyze, tables))


def _analyze(tables: Sequence[str]) -> None:
    connection = _connection()
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA analysis_limit = 1000")
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    except DatabaseError:
        logger.warning("ANALYZE of %s failed after a bulk load", ", ".join(tables), exc_info=True)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Insert many rows (values in the order of ``columns``); with ``ignore_conflicts`` a row
    that breaks a unique constraint is skipped, as ``bulk_create(ignore_conflicts=True)`` does.
    Primary keys are not returned.

    On PostgreSQL (without ``ignore_conflicts``, which COPY cannot do) one COPY. Otherwise one
    multi-row ``INSERT ... VALUES (...), (...)`` statement prepared once and executed for
    every ``ROWS_PER_STATEMENT`` rows (``executemany``), then one for the rows left over: fewer
    statements for the database to step through than one per row.
    """
    if not rows:
        return
    connection = _connection()
    fields = _fields(model, columns)
    if _copies(connection) and not ignore_conflicts:
        with transaction.atomic(savepoint=False):
            _copy(connection, model, fields, _prepared(connection, rows, fields))
        return
    head = _insert_head(connection, model, fields, ignore_conflicts=ignore_conflicts)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    suffix = ""
    if ignore_conflicts:
        suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None)

    def statement(count: int) -> str:
        return f"{head} VALUES {', '.join([one] * count)} {suffix}".rstrip()

    per = _rows_per_statement(connection, len(fields), ROWS_PER_STATEMENT)
    prepared = _prepared(connection, rows, fields)
    whole = len(prepared) - len(prepared) % per  # rows in full statements
    batch = per * max(1, BATCH_ROWS // per)
    flat = itertools.chain.from_iterable
    full = statement(per)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for start in range(0, whole, batch):
            stop = min(start + batch, whole)
            cursor.executemany(
                full,
                [list(flat(prepared[i : i + per])) for i in range(start, stop, per)],
            )
        if whole < len(prepared):
            cursor.execute(statement(len(prepared) - whole), list(flat(prepared[whole:])))


class Param(int):
    """In ``insert_unpivoted``: the index of the per-key value column a model column takes."""


def insert_unpivoted(
    model: type[models.Model],
    key: str,
    keys: Sequence[Any],
    columns: Sequence[Sequence[Any]],
    groups: Sequence[tuple[Mapping[str, Any], int]],
) -> None:
    """Insert, for each key, one row per group whose presence column holds a value.

    The shape of wide data stored long: ``keys`` (say, report ids) and ``columns``, value lists
    as long as ``keys`` (a list given twice, the same object, is sent once). Each group maps
    every other model column to ``Param(i)``, the key's value in ``columns[i]``, or to a
    constant; its second item is the index of the column whose None means "no row for this
    key". Rows come out key block by key block, group by group within a block (so, per key, in
    group order).

    The database turns the rows round itself: ``INSERT ... WITH u (k, c0, c1, ...) AS
    (VALUES ...) SELECT k, ... FROM u WHERE ci IS NOT NULL UNION ALL SELECT ...``, so each value
    crosses to it once however many rows use it, instead of once per row and column. That
    halves the cost of storing a 10,000-row network file on SQLite.
    """
    if not keys or not groups:
        return
    connection = _connection()
    names = list(groups[0][0])
    fields = _fields(model, [key, *names])
    for mapping, _ in groups:
        if list(mapping) != names:
            raise ValueError(f"every group maps the same columns, in order: {names}")
    with transaction.atomic(savepoint=False):
        if _copies(connection):
            rows = _unpivoted_rows(connection, fields[1:], keys, columns, groups)
            _copy(connection, model, fields, rows)
        else:
            _insert_unpivoted_sql(
                connection, model, fields, keys=keys, columns=columns, groups=groups
            )


def _unpivot_selects(
    connection: BaseDatabaseWrapper,
    fields: Sequence[Any],
    groups: Sequence[tuple[Mapping[str, Any], int]],
    where: Sequence[int],
) -> tuple[list[str], list[Any], dict[int, set[str]]]:
    """insert_unpivoted's SELECT per group over ``u``, the constants they take (in order), and
    what the fields taking each sent column are."""
    if connection.vendor == "sqlite":
        # SQLite converts each value by its column's affinity as it stores it: a CAST would
        # only convert it twice.
        casts = ["{}"] * len(fields)
    else:
        # Typed on the database's side: to PostgreSQL a column of NULLs (or of bare literals)
        # would be text.
        casts = [f"CAST({{}} AS {f.cast_db_type(connection)})" for f in fields]
    selects: list[str] = []
    constants: list[Any] = []
    kinds: dict[int, set[str]] = defaultdict(set)
    for mapping, present in groups:
        terms = []
        for cast, field, value in zip(casts, fields, mapping.values(), strict=True):
            if isinstance(value, Param):
                terms.append(cast.format(f"c{where[value]}"))
                kinds[where[value]].add(field.get_internal_type())
            else:
                terms.append(cast.format("%s"))
                constants.append(field.get_db_prep_save(value, connection=connection))
        selects.append(f"SELECT k, {', '.join(terms)} FROM u WHERE c{where[present]} IS NOT NULL")
    return selects, constants, kinds


def _insert_unpivoted_sql(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: Sequence[Any],
    *,
    keys: Sequence[Any],
    columns: Sequence[Sequence[Any]],
    groups: Sequence[tuple[Mapping[str, Any], int]],
) -> None:
    """insert_unpivoted by multi-row ``INSERT ... WITH u AS (VALUES ...) SELECT`` statements."""
    # A list given more than once (the very same object) is sent once: where[i] is the place
    # of columns[i] among those sent.
    position: dict[int, int] = {}
    for column in columns:
        position.setdefault(id(column), len(position))
    where = [position[id(column)] for column in columns]
    sent = list({id(column): column for column in columns}.values())
    width = 1 + len(sent)
    cte = ", ".join(["k", *(f"c{i}" for i in range(len(sent)))])
    selects, constants, kinds = _unpivot_selects(connection, fields[1:], groups, where)
    limit = connection.features.max_query_params or 10_000
    per = max(1, min(UNPIVOT_KEYS, (limit - len(constants)) // width))
    head = _insert_head(connection, model, fields)
    one = "(" + ", ".join(["%s"] * width) + ")"
    union = " UNION ALL ".join(selects)

    def statement(count: int) -> str:
        return f"{head} WITH u ({cte}) AS (VALUES {', '.join([one] * count)}) {union}"

    if connection.vendor == "sqlite":  # Decimals as _decimal_text makes them, a column at a time
        sent = [
            list(map(_decimal_text, column)) if kinds.get(i) == {"DecimalField"} else column
            for i, column in enumerate(sent)
        ]
    rows = list(zip(keys, *sent, strict=True))
    flat = itertools.chain.from_iterable
    whole = len(rows) - len(rows) % per
    with connection.cursor() as cursor:
        if whole:
            cursor.executemany(
                statement(per),
                [[*flat(rows[i : i + per]), *constants] for i in range(0, whole, per)],
            )
        if whole < len(rows):
            cursor.execute(statement(len(rows) - whole), [*flat(rows[whole:]), *constants])


def _unpivoted_rows(
    connection: BaseDatabaseWrapper,
    fields: Sequence[Any],
    keys: Sequence[Any],
    columns: Sequence[Sequence[Any]],
    groups: Sequence[tuple[Mapping[str, Any], int]],
) -> Iterator[tuple[Any, ...]]:
    """insert_unpivoted's rows, in its order, made by the database's client (for COPY): each
    group's rows zipped whole, then taken key by key, group by group, where present."""
    per_group, presence = [], []
    for mapping, present in groups:
        parts: list[Any] = []
        for field, value in zip(fields, mapping.values(), strict=True):
            if isinstance(value, Param):
                parts.append(columns[value])
            else:
                parts.append(itertools.repeat(field.get_db_prep_save(value, connection=connection)))
        per_group.append(zip(keys, *parts, strict=False))
        presence.append([v is not None for v in columns[present]])
    flat = itertools.chain.from_iterable
    return itertools.compress(
        flat(zip(*per_group, strict=False)), flat(zip(*presence, strict=True))
    )


def _prefixed(first: Any, row: Sequence[Any]) -> tuple[Any, ...]:
    return (first, *row)


def insert_rows_returning_ids(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert many rows and return their primary keys in the order of ``rows``.

    On PostgreSQL the keys are drawn from the table's sequence first (``nextval``, one query),
    then the rows with their keys go through one COPY. On SQLite multi-row ``INSERT ... VALUES
    (...), (...) RETURNING id`` statements, as ``bulk_create`` sends (and relying, as it does, on
    the ids coming back in row order).
    """
    if not rows:
        return []
    connection = _connection()
    fields = _fields(model, columns)
    if _copies(connection):
        with transaction.atomic(savepoint=False):
            reserved = _reserve_ids(connection, model, len(rows))
            if reserved is not None:
                keyed = [model._meta.pk, *fields]
                prepared = _prepared(connection, rows, fields)
                _copy(connection, model, keyed, map(_prefixed, reserved, prepared))
                return reserved
    ops = connection.ops
    head = _insert_head(connection, model, fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk = ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
    size = _rows_per_statement(connection, len(fields), RETURNING_BATCH_ROWS)
    prepared = _prepared(connection, rows, fields)
    ids: list[int] = []
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(prepared), size):
            batch = prepared[start : start + size]
            sql = f"{head} VALUES {', '.join([one] * len(batch))} RETURNING {pk}"
            cursor.execute(sql, [v for row in batch for v in row])
            ids.extend(row[0] for row in cursor.fetchall())
    if len(ids) != len(rows):  # pragma: no cover - a backend that returns fewer rows
        raise RuntimeError(f"Inserted {len(rows)} rows but {len(ids)} ids came back.")
    return ids


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Update many rows by primary key (the last value of each row) with one prepared
    statement; Django's ``bulk_update`` builds a large CASE per column instead."""
    if not rows:
        return
    connection = _connection()
    ops = connection.ops
    fields = _fields(model, columns)
    sets = ", ".join(f"{ops.quote_name(f.column)} = %s" for f in fields)
    pk = ops.quote_name(str(model._meta.pk.column))  # type: ignore[union-attr]
    sql = f"UPDATE {ops.quote_name(model._meta.db_table)} SET {sets} WHERE {pk} = %s"
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.executemany(sql, _prepared(connection, rows, fields))
