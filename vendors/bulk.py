"""Bulk writes of plain tuples, without model instances or Django's per-value SQL compiler.

The evaluation writes tens of thousands of rows at once; ``bulk_create`` builds a model instance
and compiles every value of every row, which costs more than the database's own work. These
helpers send the values as they are, prepared per column only where the backend needs it
(datetimes, dates, JSON, and Decimals on SQLite). Booleans, integers and text adapt natively on
SQLite and PostgreSQL, Decimals on PostgreSQL. Values must already be what the field would store
(validated, rounded); defaults and ``auto_now_add`` are not applied: pass every column. Each
call is atomic, like ``bulk_create`` (outside a transaction, one commit instead of one per row).

Used by the ingestion (``vendors.services.reports``) and the evaluation (``scorecard``); it lives
in ``vendors`` because ``vendors`` never imports ``scorecard``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict

ROWS_PER_STATEMENT = 100  # rows per multi-row INSERT statement (fewer if the backend's limit)
BATCH_ROWS = 5000  # rows per executemany call, about
RETURNING_BATCH_ROWS = 500  # rows per multi-row INSERT ... RETURNING statement
UNPIVOT_KEYS = 40  # keys per statement of insert_unpivoted (fewer if the backend's limit)


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

    One multi-row ``INSERT ... VALUES (...), (...)`` statement prepared once and executed for
    every ``ROWS_PER_STATEMENT`` rows (``executemany``), then one for the rows left over: fewer
    statements for the database to step through than one per row.
    """
    if not rows:
        return
    connection = _connection()
    fields = _fields(model, columns)
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
    # A list given more than once (the very same object) is sent once: where[i] is the place
    # of columns[i] among those sent.
    position: dict[int, int] = {}
    for column in columns:
        position.setdefault(id(column), len(position))
    where = [position[id(column)] for column in columns]
    sent = list({id(column): column for column in columns}.values())
    width = 1 + len(sent)
    cte = ", ".join(["k", *(f"c{i}" for i in range(len(sent)))])
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        # SQLite converts each value by its column's affinity as it stores it: a CAST would
        # only convert it twice.
        casts = ["{}"] * len(fields[1:])
    else:
        # Typed on the database's side: to PostgreSQL a column of NULLs (or of bare literals)
        # would be text.
        casts = [f"CAST({{}} AS {f.cast_db_type(connection)})" for f in fields[1:]]
    selects: list[str] = []
    constants: list[Any] = []
    kinds: dict[int, set[str]] = defaultdict(set)  # what the fields taking each column are
    for mapping, present in groups:
        terms = []
        for cast, field, value in zip(casts, fields[1:], mapping.values(), strict=True):
            if isinstance(value, Param):
                terms.append(cast.format(f"c{where[value]}"))
                kinds[where[value]].add(field.get_internal_type())
            else:
                terms.append(cast.format("%s"))
                constants.append(field.get_db_prep_save(value, connection=connection))
        selects.append(f"SELECT k, {', '.join(terms)} FROM u WHERE c{where[present]} IS NOT NULL")
    limit = connection.features.max_query_params or 10_000
    per = max(1, min(UNPIVOT_KEYS, (limit - len(constants)) // width))
    head = _insert_head(connection, model, fields)
    one = "(" + ", ".join(["%s"] * width) + ")"
    union = " UNION ALL ".join(selects)

    def statement(count: int) -> str:
        return f"{head} WITH u ({cte}) AS (VALUES {', '.join([one] * count)}) {union}"

    if sqlite:  # Decimals as _decimal_text makes them, a column at a time
        sent = [
            list(map(_decimal_text, column)) if kinds.get(i) == {"DecimalField"} else column
            for i, column in enumerate(sent)
        ]
    rows = list(zip(keys, *sent, strict=True))
    flat = itertools.chain.from_iterable
    whole = len(rows) - len(rows) % per
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if whole:
            cursor.executemany(
                statement(per),
                [[*flat(rows[i : i + per]), *constants] for i in range(0, whole, per)],
            )
        if whole < len(rows):
            cursor.execute(statement(len(rows) - whole), [*flat(rows[whole:]), *constants])


def insert_rows_returning_ids(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert many rows and return their primary keys in the order of ``rows``.

    Multi-row ``INSERT ... VALUES (...), (...) RETURNING id`` statements, as ``bulk_create`` sends
    on SQLite and PostgreSQL (and relying, as it does, on the ids coming back in row order).
    """
    if not rows:
        return []
    connection = _connection()
    fields = _fields(model, columns)
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
