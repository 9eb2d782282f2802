"""One engine factory for SQLite or PostgreSQL, and the per-request transaction."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, DateTime, Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from trackpost.core.config import Settings

WRITE_OPTION = "trackpost_write"
# The OS names of trackpost's own threads (bench/procs.py reports CPU by them).
CHECKPOINT_THREAD = "tp-checkpoint"
GATE_THREAD = "tp-writer-gate"


# SQLite's primary result codes that say the storage failed, not the request: the disk is full
# or read-only, an I/O error, the file cannot be opened.
_SQLITE_UNAVAILABLE = frozenset(
    {"SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_NOMEM"}
)
# PostgreSQL's SQLSTATE classes of the same kind: connection exception, insufficient resources
# (disk full, too many connections), system error; and 57P01-57P05, the server shutting down or
# not yet accepting connections.
_PG_UNAVAILABLE_CLASSES = ("08", "53", "58", "57P")


def unavailable(exc: BaseException) -> bool:
    """True when a database error says the database (or its disk) is away, not that the request
    was wrong: the request may succeed as it is once the database is back."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, sqlite3.Error):
        name = str(getattr(orig, "sqlite_errorname", ""))
        return "_".join(name.split("_")[:2]) in _SQLITE_UNAVAILABLE
    if isinstance(orig, psycopg.Error):
        state = orig.sqlstate
        if state is None:  # the client's own failure: refused, reset, or the connection closed
            return isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError)
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


def name_os_thread(name: str) -> None:
    """Name the calling thread for the OS, so that `top -H` and /proc tell trackpost's apart."""
    # Python 3.11 names threads for itself only; a thread may rename itself through procfs
    # (Linux; at most 15 characters). Elsewhere the name is only cosmetic, so failure is fine.
    try:
        with open("/proc/thread-self/comm", "w", encoding="ascii") as comm:
            comm.write(name[:15])
    except OSError:
        pass


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


class WriterGate:
    """Queues SQLite writers of every process on one host in the kernel, not in SQLite.

    SQLite's own busy handler sleeps 1 ms, then 2, 5, 10 ... when a second process finds the
    write lock taken, and it sleeps inside the event loop, so two busy workers spend most of
    their time asleep. An exclusive flock on a file beside the database is granted the moment
    the holder releases it, which keeps writes serial (as SQLite requires) without the sleeps.
    SQLite's lock still guards correctness; this only decides who asks for it first.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".writer")
        self._fd: int | None = None
        self._pid = 0
        # Re-entrant, and the flock is taken once per outermost hold, so a nested write
        # transaction in the same thread does not deadlock on the gate itself.
        self._thread_lock = threading.RLock()
        self._depth = 0

    def _file(self) -> int:
        # Opened per process: a descriptor inherited across fork would share one lock.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def try_lock(self) -> bool:
        """Take the gate now if it is free; for a holder that is not re-entrant (the batcher)."""
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def lock(self) -> None:
        """Wait for the gate; blocks the calling thread."""
        fcntl.flock(self._file(), fcntl.LOCK_EX)

    def unlock(self) -> None:
        fcntl.flock(self._file(), fcntl.LOCK_UN)

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread_lock:
            fd = self._file()
            if self._depth == 0:
                fcntl.flock(fd, fcntl.LOCK_EX)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(fd, fcntl.LOCK_UN)


class Checkpointer:
    """Copies SQLite's WAL back into the database from a background thread, off the write path.

    Left to itself SQLite checkpoints inside whichever commit crosses the threshold, so that one
    request pays for writing back and syncing a thousand pages while every other writer waits
    behind the write lock. A PASSIVE checkpoint never waits for readers or writers.

    One thread per database file checkpoints, whichever worker process holds the `.checkpoint`
    flock beside it; the others stand by and take over within `standby_interval` if that
    worker goes. With one checkpointer per worker the WAL was copied twice as often, so a page
    rewritten by every batch (a click table's last leaf) was copied and synced twice as often
    too, at a measured cost in every worker's CPU (BENCHMARKS.md).
    """

    # Small and often while writes come in: at 1M customers nearly every write dirties a
    # different page, and the copy and fsync of many pages stall commits; the shorter the
    # interval, the shorter the stalls (BENCHMARKS.md measures each interval). With nothing new
    # in the WAL it backs off, so an idle server does not wake hundreds of times a second.
    def __init__(
        self,
        path: Path,
        interval: float = 0.005,
        idle_interval: float = 0.1,
        standby_interval: float = 0.5,
    ) -> None:
        self.path = path
        self.interval = interval
        self.idle_interval = idle_interval
        self.standby_interval = standby_interval
        self.leading = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def _lead(self) -> int | None:
        """The flock that makes this thread the file's checkpointer, or None if another has it."""
        lock_path = self.path.with_name(self.path.name + ".checkpoint")
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        self.leading.set()
        return fd

    def _run(self) -> None:
        name_os_thread(CHECKPOINT_THREAD)
        lock_fd = None
        while lock_fd is None:
            lock_fd = self._lead()
            if lock_fd is None and self._stop.wait(self.standby_interval):
                return
        try:
            self._checkpoint_until_stopped()
        finally:
            self.leading.clear()
            os.close(lock_fd)  # closing the last descriptor releases the flock

    def _checkpoint_until_stopped(self) -> None:
        conn: sqlite3.Connection | None = None
        wait, last_size = self.interval, -1
        while not self._stop.wait(wait):
            try:
                if conn is None:
                    conn = sqlite3.connect(self.path, isolation_level=None, timeout=0)
                # (busy, frames in the WAL, frames copied): the WAL's size changes with each
                # commit, and when a writer starts it over from the beginning.
                _busy, size, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            except sqlite3.Error:
                # Busy or not yet created: the next tick tries again, the backstop still holds.
                size = -1
            if size == -1 and conn is not None:
                # Also -1 when the file was not in WAL mode as this connection opened it: it
                # would not notice the switch (the first writer's), so it is opened again.
                conn.close()
                conn = None
            if size != last_size:
                wait, last_size = self.interval, size
            else:
                wait = min(wait * 2, self.idle_interval)
        if conn is not None:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


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
        self.engine.dispose()
