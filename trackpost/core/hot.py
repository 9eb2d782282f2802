"""Core statements compiled once per dialect and run on the request connection's DBAPI cursor.

Through `Connection.execute` a statement costs about 50 microseconds of SQLAlchemy bookkeeping,
several times SQLite's own work, so the hottest statements (the click, the conversion, lock and
unlock, the audit row) skip it. They are still Core statements, compiled once per dialect with each
column type's bind processor, and they run inside the request's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from itertools import repeat
from operator import is_, itemgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, ColumnElement

from trackpost.core.batch import batch_scope, note_write
from trackpost.core.db import UTCDateTime, sqlite_utc_text

_MISSING: Any = object()
T = TypeVar("T")
_NONES = repeat(None)
# The NULL patterns an insert keeps its own SQL for (a route's inserts show a handful); past
# this many, others bind their NULLs as parameters.
MAX_NULL_SHAPES = 64


def _all_rows(cursor: Any) -> list[tuple[Any, ...]]:
    return list(cursor.fetchall()) if cursor.description else []


def _rowcount(cursor: Any) -> int:
    return int(cursor.rowcount)


def _new_id(cursor: Any) -> int | None:
    # rowcount is 0 when ON CONFLICT DO NOTHING skipped the row; lastrowid is then stale.
    return int(cursor.lastrowid) if cursor.rowcount == 1 else None


class HotStatement:
    """One statement compiled for one dialect, with its parameters' bind processors."""

    def __init__(self, stmt: ClauseElement, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        self.sql = compiled.string
        # Counted for a PostgreSQL batch's failure handling; SQLite counts its own total_changes.
        self.writes = dialect.name != "sqlite" and bool(
            compiled.isinsert or compiled.isupdate or compiled.isdelete
        )
        self.positions: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if dialect.positional else None
        )
        # Literal values in the statement (locked=True, anonymous binds) travel as parameters too.
        self.defaults: dict[str, Any] = dict(compiled.construct_params(_check=False))
        self.processors: dict[str, Callable[[Any], Any]] = {}
        for bind, name in compiled.bind_names.items():
            if isinstance(bind.type, UTCDateTime) and dialect.name == "sqlite":
                self.processors[name] = sqlite_utc_text
                continue
            proc = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                self.processors[name] = proc

        # For positional drivers (SQLite): each slot's name, default and bind processor, in order,
        # so that binding is one pass over a list instead of three dictionary merges.
        self.plan: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...] | None = None
        # A query's columns, with each type's result processor (text to datetime on SQLite, UTC
        # normalisation everywhere), so that mappings() gives what Connection.execute gives.
        self.keys: tuple[str, ...] = ()
        self.results: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
        selected = getattr(stmt, "selected_columns", None)
        if selected is not None:
            self.keys = tuple(selected.keys())
            found = []
            for i, column in enumerate(selected):
                impl = column.type.dialect_impl(dialect)
                proc = impl.result_processor(dialect, None)
                if proc is not None:
                    found.append((i, proc))
            self.results = tuple(found)

        # sqlite3 binds a NULL through its adapter registry (core/db.py), several times the cost
        # of binding a number; a wide insert binds dozens. An insert whose SQL has one `?` per
        # parameter runs with its NULLs written into the SQL instead, one text per NULL pattern.
        self._null_shapes: dict[tuple[bool, ...], tuple[str, Callable[[Any], Any]]] | None = None
        if (
            dialect.name == "sqlite"
            and compiled.isinsert
            and self.positions
            and self.sql.count("?") == len(self.positions)
        ):
            self._null_shapes = {}

        # Wide inserts (a customer, a click, a ledger row) name every column: one C-level
        # itemgetter call then fetches them all, and only the few typed slots are converted.
        self._getter: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None = None
        self._converted: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
        if self.positions is not None:
            self.plan = tuple(
                (name, self.defaults.get(name, _MISSING), self.processors.get(name))
                for name in self.positions
            )
            if len(self.plan) > 1 and all(default is None for _n, default, _p in self.plan):
                self._getter = itemgetter(*self.positions)
                self._converted = tuple(
                    (i, proc) for i, (_n, _d, proc) in enumerate(self.plan) if proc is not None
                )
        # The columns, in order, when a row's values bind as they are (no default, no processing):
        # then deferred rows need not pass through a mapping (Hot.later_values).
        self.plain_positions: tuple[str, ...] | None = (
            self.positions if self._getter is not None and not self._converted else None
        )

    def params(self, values: Mapping[str, Any]) -> Any:
        getter = self._getter
        if getter is not None:
            try:
                fetched = list(getter(values))
            except KeyError:
                pass  # a column left out binds NULL: the slot-by-slot loop below
            else:
                for i, convert in self._converted:
                    fetched[i] = convert(fetched[i])
                return fetched
        plan = self.plan
        if plan is not None:
            get = values.get
            out: list[Any] = []
            append = out.append
            for name, default, proc in plan:
                value = get(name, default)
                if value is _MISSING:
                    raise KeyError(f"no value for bind parameter {name!r}")
                append(value if proc is None else proc(value))
            return out
        if self.defaults:
            values = {**self.defaults, **values}
        if self.processors:
            values = {
                **values,
                **{k: p(values.get(k)) for k, p in self.processors.items() if k in values},
            }
        return values

    def statement(self, params: Any) -> tuple[str, Any]:
        """The SQL and parameters to run: an insert's NULLs, on SQLite, written into its SQL."""
        shapes = self._null_shapes
        if shapes is None:
            return self.sql, params
        mask = tuple(map(is_, params, _NONES))
        found = shapes.get(mask)
        if found is None:
            if len(shapes) >= MAX_NULL_SHAPES:
                return self.sql, params
            found = shapes[mask] = self._with_nulls(mask)
        sql, keep = found
        return sql, keep(params)

    def _with_nulls(self, mask: tuple[bool, ...]) -> tuple[str, Callable[[Any], Any]]:
        parts = self.sql.split("?")
        sql = parts[0]
        for null, part in zip(mask, parts[1:], strict=True):
            sql += ("NULL" if null else "?") + part
        kept = [i for i, null in enumerate(mask) if not null]
        if len(kept) == 1:
            only = kept[0]
            return sql, lambda params: (params[only],)
        return sql, itemgetter(*kept) if kept else (lambda _params: ())


class Hot:
    """A statement to run hot; compiled on first use for each dialect it meets."""

    __slots__ = ("_compiled", "stmt")

    def __init__(self, stmt: ClauseElement) -> None:
        self.stmt = stmt
        self._compiled: dict[str, HotStatement] = {}

    def _for(self, conn: Connection) -> HotStatement:
        name = conn.dialect.name
        hs = self._compiled.get(name)
        if hs is None:
            hs = self._compiled[name] = HotStatement(self.stmt, conn.dialect)
        return hs

    def _run(self, conn: Connection, values: Mapping[str, Any], collect: Callable[[Any], T]) -> T:
        """Execute on a driver cursor and hand the cursor to collect before closing it."""
        hs = self._for(conn)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(*hs.statement(hs.params(values)))
            if hs.writes:
                note_write()
            return collect(cursor)
        finally:
            cursor.close()

    def rows(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it and fetch every row (raw driver values: no result processing)."""
        return self._run(conn, values, _all_rows)

    def rowcount(self, conn: Connection, values: Mapping[str, Any]) -> int:
        """Run a write that returns nothing; the number of rows it changed."""
        return self._run(conn, values, _rowcount)

    def mappings(self, conn: Connection, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a query and return its rows as column-name dicts, each value processed by its
        column's type exactly as through Connection.execute (about a tenth of the cost)."""
        hs = self._for(conn)
        if not hs.keys:
            raise TypeError("mappings() needs a SELECT: the statement selects no columns")
        keys, results = hs.keys, hs.results
        out = []
        for raw in self.rows(conn, values):
            row = list(raw)
            for i, proc in results:
                row[i] = proc(row[i])
            out.append(dict(zip(keys, row, strict=True)))
        return out

    def mapping(self, conn: Connection, values: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first row of mappings(), or None."""
        rows = self.mappings(conn, values)
        return rows[0] if rows else None

    def later(self, conn: Connection, values: Mapping[str, Any]) -> None:
        """Insert a row that nothing reads back in its own transaction: under group commit it
        goes in with the batch's other deferred rows just before the COMMIT, else at once."""
        scope = batch_scope(conn)
        if scope is not None and scope.defer:
            hs = self._for(conn)
            scope.rows.append((hs.sql, hs.params(values)))
            return
        self.rows(conn, values)

    def later_values(
        self, conn: Connection, names: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        """`later` for several rows given as values in `names` order (a conversion's payee
        rows): deferred as they are when the compiled statement binds exactly those names, in
        that order, with no processing; else as mappings."""
        scope = batch_scope(conn)
        if scope is not None and scope.defer:
            hs = self._for(conn)
            if hs.plain_positions == names:
                sql = hs.sql
                scope.rows.extend((sql, values) for values in rows)
                return
            scope.rows.extend((hs.sql, hs.params(dict(zip(names, v, strict=True)))) for v in rows)
            return
        for values in rows:
            self.rows(conn, dict(zip(names, values, strict=True)))

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        rows = self.rows(conn, values)
        return rows[0] if rows else None

    def scalar(self, conn: Connection, values: Mapping[str, Any]) -> Any:
        """The first column of the first row (a new id, a count), or None when there is none."""
        row = self.first(conn, values)
        return row[0] if row is not None else None


def flush_later(conn: Connection) -> None:
    """Insert the rows `later` deferred so far in this batch, now: for a read, in the same
    transaction, of a table whose rows are deferred (a void reading its sale's payout rows)."""
    scope = batch_scope(conn)
    if scope is not None and scope.rows:
        scope.flush(conn.connection.driver_connection)


class HotInsert:
    """An INSERT ... ON CONFLICT DO NOTHING run hot that tells the new row's id (or None).

    RETURNING on PostgreSQL; the cursor's lastrowid on SQLite, where RETURNING first collects
    the rows in a temporary table, which costs (BENCHMARKS.md).
    """

    __slots__ = ("_returning", "_sqlite")

    def __init__(
        self, table: Table, values: Mapping[str, Any], id_column: ColumnElement[Any]
    ) -> None:
        self._sqlite = Hot(sqlite_insert(table).values(values).on_conflict_do_nothing())
        self._returning = Hot(
            pg_insert(table).values(values).on_conflict_do_nothing().returning(id_column)
        )

    def new_id(self, conn: Connection, values: Mapping[str, Any]) -> int | None:
        if conn.dialect.name == "sqlite":
            return self._sqlite._run(conn, values, _new_id)
        found = self._returning.scalar(conn, values)
        return int(found) if found is not None else None
