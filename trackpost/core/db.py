"""One engine factory for SQLite or PostgreSQL, and the per-request transaction."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from trackpost.core.config import Settings
from trackpost.core.wal import CHECKPOINT_THREAD as CHECKPOINT_THREAD
from trackpost.core.wal import GATE_THREAD as GATE_THREAD
from trackpost.core.wal import Checkpointer as Checkpointer
from trackpost.core.wal import WriterGate as WriterGate
from trackpost.core.wal import name_os_thread as name_os_thread

WRITE_OPTION = "trackpost_write"


# SQLite's primary result codes that say the storage failed, not the request: the disk is full
# or read-only, an I/O error, the file cannot be opened.
_SQLITE_UNAVAILABLE = frozenset(
    {"SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOMEM"}
)
# PostgreSQL's SQLSTATE classes of the same kind: connection exception, insufficient resources
# (disk full, too many connections), system error; and 57P01-57P05, the server shutting down or
# not yet accepting connections.
_PG_UNAVAILABLE_CLASSES = ("08", "53", "58", "57P")


def psycopg_error(exc: BaseException, kind: str = "Error") -> bool:
    """True when exc is one of psycopg's errors of that class (Error, OperationalError...)."""
    # psycopg is loaded by a PostgreSQL engine only: a SQLite worker never raises its errors
    # and does not import it for nothing (a tenth of its memory, BENCHMARKS.md).
    pg = sys.modules.get("psycopg")
    return pg is not None and isinstance(exc, getattr(pg, kind))


def unavailable(exc: BaseException) -> bool:
    """True when a database error says the database (or its disk) is away, not that the request
    was wrong: the request may succeed as it is once the database is back."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        name = str(getattr(orig, "sqlite_errorname", ""))
        return "_".join(name.split("_")[:2]) in _SQLITE_UNAVAILABLE
    if psycopg_error(orig):
        state: str | None = getattr(orig, "sqlstate", None)
        if state is None:  # the client's own failure: refused, reset, or the connection closed
            return psycopg_error(orig, "OperationalError") or psycopg_error(orig, "InterfaceError")
        return state.startswith(_PG_UNAVAILABLE_CLASSES)
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp always stored and returned as UTC, whatever the backend keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        # SQLite keeps text; dropping the offset keeps the text sortable and comparable.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


# The last timestamp formatted: a row's created_at, updated_at and join_date are one `now`.
_last_utc: tuple[dt.datetime | None, str] = (None, "")


def sqlite_utc_text(value: dt.datetime | None) -> str | None:
    """UTCDateTime's SQLite text in one step: the same text as Core's two bind processors."""
    global _last_utc
    if value is None:
        return None
    last = _last_utc
    if value is last[0]:  # datetimes are immutable: the same object has the same text
        return last[1]
    if value.tzinfo is dt.UTC:
        # utcnow()'s, the common case: its text less the "+00:00" (no keyword-argument replace,
        # which costs more than the formatting on the click and lock paths).
        formatted = value.isoformat(" ", "microseconds")[:-6]
        _last_utc = (value, formatted)
        return formatted
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def utcnow() -> dt.datetime:
    """Aware current UTC time; the only clock the service layer uses."""
    return dt.datetime.now(dt.UTC)


def _sqlite_path(url: str) -> Path | None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path.startswith(":memory:"):
        return None
    return Path(path.split("?", 1)[0])


def configure_sqlite(dbapi_conn: sqlite3.Connection, synchronous: str) -> None:
    """Set what every trackpost connection relies on; bench/floor.py uses it too, to match."""
    # We issue BEGIN ourselves so that writes can take the lock up front (BEGIN IMMEDIATE).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute(f"PRAGMA synchronous={synchronous}")
    # A backstop only: the Checkpointer thread normally checkpoints long before this.
    cur.execute("PRAGMA wal_autocheckpoint=20000")
    cur.close()


def bind_plain_values_directly() -> None:
    """Let sqlite3 bind None and bool without its adaptation protocol's failed lookups."""
    # sqlite3 (CPython 3.11) sends every parameter that is not exactly an int, float, str or
    # bytearray through its adapter registry, and on a miss looks up `__adapt__` on its protocol
    # type: a raised and cleared AttributeError, formatted message and all, for each NULL bound.
    # A ledger row binds dozens of NULLs. With an adapter registered the lookup is one dict hit;
    # the adapters are C callables that return the value sqlite3 would have bound anyway.
    returns_none = cast(Callable[[None], None], {}.get)  # {}.get(None) is None: NULL
    sqlite3.register_adapter(type(None), returns_none)
    sqlite3.register_adapter(bool, int)  # True -> 1: INTEGER, as sqlite3 binds a bool


def create_db_engine(settings: Settings, *, pool_size: int = 8) -> Engine:
    """Build the engine for TRACKPOST_DATABASE_URL with the pragmas and BEGIN mode we rely on."""
    url = settings.database_url
    if not url.startswith("sqlite"):
        return create_engine(
            url,
            # A server that does not answer at all (a network partition, not a refusal) would
            # otherwise hold a connection attempt, and the event loop with it, for the system's
            # TCP timeout; the URL's own connect_timeout wins.
            connect_args={} if "connect_timeout=" in url else {"connect_timeout": 5},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
            pool_pre_ping=False,
            pool_recycle=1800,
            # Statement errors would otherwise quote the bound values (a customer's details, a
            # request's body) into exception text and so into logged tracebacks.
            hide_parameters=True,
        )
    bind_plain_values_directly()
    path = _sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        hide_parameters=True,
    )
    sync = settings.sqlite_synchronous

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        configure_sqlite(dbapi_conn, sync)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write request takes SQLite's write lock before its first read, so that a check and
        # the write that depends on it can never interleave with another writer.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        # On the driver: exec_driver_sql's execution context costs four times the BEGIN itself,
        # once per transaction. Its errors are still SQLAlchemy's (a busy database is a 503).
        try:
            conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.OperationalError as exc:
            raise sa_exc.OperationalError(statement, None, exc) from exc

    return engine


class Database:
    """Owns the engine; hands each request one connection inside one transaction."""

    def __init__(self, engine: Engine, *, checkpoint: bool = True) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        path = self.path = _sqlite_path(str(engine.url)) if self.is_sqlite else None
        self.gate = WriterGate(path) if path is not None else None
        self.checkpointer = Checkpointer(path) if path is not None and checkpoint else None

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        """Commit when the block ends normally, roll back when it raises."""
        with self.engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            if write and self.gate is not None:
                # The pool checkout above stays outside the queue; only BEGIN..COMMIT is inside.
                with self.gate.hold(), conn.begin():
                    yield conn
            else:
                with conn.begin():
                    yield conn

    def writer(self) -> Connection:
        """A pooled connection whose transactions take SQLite's write lock; the caller begins
        and ends them (group commit), holds the writer gate meanwhile, and closes it."""
        conn = self.engine.connect()
        conn.execution_options(**{WRITE_OPTION: True})
        return conn

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def lost(self, exc: BaseException) -> None:
        """After an `unavailable` error on PostgreSQL: drop every pooled connection.

        The server went away, so every connection it had is dead, yet the pool would hand each
        one out once more (the hot statements run on the driver, where SQLAlchemy does not see
        the failure). A new pool connects afresh: refused at once while the server is down, and
        served as soon as it is back.
        """
        if not self.is_sqlite:
            state = getattr(getattr(exc, "orig", None) or exc, "sqlstate", None)
            if state is None or str(state)[:2] in ("08", "57"):
                self.engine.dispose()

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self.gate is not None:
            # Else `serve` forks its workers holding the descriptor its start-up opened.
            self.gate.close()
        self.engine.dispose()
