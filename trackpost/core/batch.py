"""Group commit: a worker's concurrent write requests share one transaction and one COMMIT.

Each request is answered only after the COMMIT that holds its writes; a handler that fails
alone gets its error and the batch runs again without it. docs/ARCHITECTURE.md ("A request")
tells the whole rule, on SQLite (behind the writer gate) and on PostgreSQL (no gate; batches
that wait for each other's rows run again, up to RETRIES times, then one request at a time).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from time import perf_counter
from typing import Any, TypeVar

from sqlalchemy import Connection, event

from trackpost.core.db import GATE_THREAD, Database, WriterGate, name_os_thread
from trackpost.core.metrics import Metrics, new_metrics

T = TypeVar("T")
Op = tuple[Callable[[Connection], Any], "asyncio.Future[Any]"]


class BatchScope:
    """What the handlers of one attempt at a batch share: rows to insert before its COMMIT, and
    reads that stay true for the whole transaction until a handler of the batch changes them."""

    __slots__ = ("conn", "defer", "memo", "rows", "writes")

    def __init__(self, conn: Connection, defer: bool) -> None:
        self.conn = conn
        self.defer = defer
        self.rows: list[tuple[str, Any]] = []
        self.memo: dict[str, Any] = {}
        # Statements run that may have changed rows (PostgreSQL's stand-in for total_changes).
        self.writes = 0

    def flush(self, driver: Any) -> None:
        """Insert the deferred rows, one executemany per statement, each in arrival order."""
        groups: dict[str, list[Any]] = {}
        for sql, params in self.rows:
            groups.setdefault(sql, []).append(params)
        self.rows = []
        cursor = driver.cursor()
        try:
            for sql, rows in groups.items():
                cursor.executemany(sql, rows)
        finally:
            cursor.close()


# The batch runs synchronously on the event loop's thread, so no other code sees its scope.
_SCOPE: ContextVar[BatchScope | None] = ContextVar("trackpost_batch_scope", default=None)


def batch_scope(conn: Connection) -> BatchScope | None:
    """The scope of the batch running on conn, or None outside group commit."""
    scope = _SCOPE.get()
    return scope if scope is not None and scope.conn is conn else None


def note_write() -> None:
    """Called after each statement that may change rows, so a failed handler's writes are known."""
    scope = _SCOPE.get()
    if scope is not None:
        scope.writes += 1


def _count_write(
    conn: Connection, cursor: Any, statement: str, params: Any, context: Any, many: bool
) -> None:
    # Every statement through Connection.execute on PostgreSQL; anything but a query may write.
    if statement.lstrip()[:6].upper() != "SELECT":
        note_write()


# Deadlock, lock wait timeout, serialization failure: nothing wrong with the requests, only with
# when they ran, so their batch runs again.
TRANSIENT = frozenset({"40P01", "55P03", "40001"})
RETRIES = 3


def is_transient(exc: BaseException) -> bool:
    """True for a PostgreSQL error that running the same work again may not meet."""
    orig = getattr(exc, "orig", None) or exc
    return getattr(orig, "sqlstate", None) in TRANSIENT


class WriteBatcher:
    """Queues a worker's write handlers and runs them in shared transactions."""

    def __init__(
        self,
        db: Database,
        gate: WriterGate | None,
        *,
        max_batch: int = 128,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        # A gate handle of its own: the drain holds it across an await, so it must not be the
        # re-entrant handle that Database.transaction uses from ordinary threads. None on
        # PostgreSQL: its batches need no turn.
        self.gate = gate
        self.max_batch = max_batch
        self._pending: list[Op] = []
        self._draining = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        # The writer connection, kept from batch to batch: a pool checkout and return cost
        # several times an empty transaction. Dropped after any batch-wide failure.
        self._conn: Connection | None = None
        # Called when a batch fails as a whole (see Services.on_abort).
        self.on_abort: list[Callable[[], None]] = []
        self.metrics = metrics or new_metrics()
        # When the next drain was scheduled: a batch's wait is measured from there.
        self._scheduled = 0.0
        if gate is None and not event.contains(db.engine, "after_cursor_execute", _count_write):
            event.listen(db.engine, "after_cursor_execute", _count_write)

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """Run fn(conn) inside the next batch's transaction; return once that batch committed."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A new event loop (a test client's portal): nothing of the old one can be pending.
            self._loop, self._pending, self._draining = loop, [], False
        fut: asyncio.Future[T] = loop.create_future()
        self._pending.append((fn, fut))
        if not self._draining:
            self._draining = True
            self._scheduled = perf_counter()
            # The drain starts on the next loop iteration, after the requests already ready
            # to run have queued their handlers too.
            loop.call_soon(self._drain)
        return await fut

    def _drain(self) -> None:
        """Run what is queued now if the gate is free; otherwise wait for it off the loop."""
        try:
            if not self._pending:
                self._draining = False
                return
            if self.gate is not None and not self.gate.try_lock():
                self._task = asyncio.get_running_loop().create_task(self._drain_when_free())
                return
        except Exception as exc:  # the gate file could not be opened or locked
            self._fail_pending(exc)
            return
        self._run_batch()

    async def _drain_when_free(self) -> None:
        assert self.gate is not None
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                1,
                thread_name_prefix="sqlite-writer-gate",
                initializer=name_os_thread,
                initargs=(GATE_THREAD,),
            )
        waiting = self._executor.submit(self.gate.lock)
        try:
            await asyncio.wrap_future(waiting)
        except BaseException as exc:
            # The lock call failed, or the loop is closing and cancelled us: the thread may
            # still take the gate later, and must then give it back; and no waiter may wait
            # for a batch that will not run.
            waiting.add_done_callback(self._unlock_if_taken)
            self._fail_pending(exc if isinstance(exc, Exception) else WriterStopped())
            if not isinstance(exc, Exception):
                raise
            return
        self._run_batch()

    def _unlock_if_taken(self, waiting: Future[None]) -> None:
        if self.gate is not None and not waiting.cancelled() and waiting.exception() is None:
            self.gate.unlock()

    def _fail_pending(self, exc: BaseException) -> None:
        pending, self._pending = self._pending, []
        self._draining = False
        self.metrics.queue_depth.set(0)
        for _fn, fut in pending:
            _settle(fut, None, exc)

    def _run_batch(self) -> None:
        """With the gate held: one batch, then the gate goes back before anything else runs."""
        try:
            batch = self._pending[: self.max_batch]
            self.metrics.batch_began(len(batch), len(self._pending), self._scheduled)
            del self._pending[: self.max_batch]
            self._execute(batch)
        finally:
            try:
                if self.gate is not None:
                    self.gate.unlock()
            finally:
                self.metrics.queue_depth.set(len(self._pending))
                if self._pending:
                    self._scheduled = perf_counter()
                    asyncio.get_running_loop().call_soon(self._drain)
                else:
                    self._draining = False

    def _writer(self) -> Connection:
        conn = self._conn
        if conn is None or conn.closed or conn.invalidated:
            conn = self._conn = self.db.writer()
        return conn

    def close(self) -> None:
        """Give the writer connection back (the worker is stopping)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _execute(self, batch: list[Op], defer: bool = True, attempt: int = 0) -> None:
        failed: dict[int, BaseException] = {}
        retry = attempt < RETRIES
        try:
            conn = self._writer()
            driver = conn.connection.driver_connection
            with conn.begin():
                scope = BatchScope(conn, defer)
                token = _SCOPE.set(scope)
                try:
                    values, clean = _run_all(batch, conn, driver, failed, scope, retry)
                finally:
                    _SCOPE.reset(token)
                if not clean:
                    # A handler failed after writing: roll everything back (leaving the
                    # block by an exception) and run the batch again without it.
                    raise _Replay
                if scope.rows:
                    try:
                        scope.flush(driver)
                    except Exception as exc:
                        raise (_Retry() if retry and is_transient(exc) else _Undefer()) from exc
            # the block's end committed
        except _Replay:
            self.metrics.retry_replay.inc()
            self._forget()
            self._execute_again(batch, failed, defer, attempt)
            return
        except _Undefer:
            # One deferred row could not go in; row by row, only its request fails.
            self.metrics.retry_undefer.inc()
            self._forget()
            self._execute(batch, False, attempt)
            return
        except _Retry:
            # Another worker's batch held rows this one needed (PostgreSQL): run it all again,
            # and after the last retry one request at a time, so no batch-mate is to blame.
            self.metrics.retry_transient.inc()
            self._forget()
            if attempt + 1 < RETRIES or len(batch) == 1:
                self._execute(batch, defer, attempt + 1)
            else:
                for op in batch:
                    self._execute([op], defer, attempt + 1)
            return
        except BaseException as exc:  # every waiter must hear of a failed commit
            self.metrics.batch_failed.inc()
            self._forget()
            self.close()  # whatever state it is in, the next batch starts on a fresh one
            for _fn, fut in batch:
                _settle(fut, None, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for i, (_fn, fut) in enumerate(batch):
            _settle(fut, values.get(i), failed.get(i))

    def _execute_again(
        self, batch: list[Op], failed: dict[int, BaseException], defer: bool, attempt: int
    ) -> None:
        """The batch without the handlers that failed; theirs is the error they raised."""
        keep = [op for i, op in enumerate(batch) if i not in failed]
        for i, (_fn, fut) in enumerate(batch):
            if i in failed:
                _settle(fut, None, failed[i])
        if keep:
            self._execute(keep, defer, attempt)

    def _forget(self) -> None:
        # What a rolled-back batch read may never have been committed (Services.on_abort).
        for forget in self.on_abort:
            forget()


class _Replay(Exception):
    """Leaves the transaction block so that it rolls back; the batch then runs again."""


class _Retry(Exception):
    """A transient error (PostgreSQL): roll back, and run the whole batch again."""


class _Undefer(Exception):
    """The deferred rows' insert failed: roll back, and run the batch with nothing deferred."""


class WriterStopped(RuntimeError):
    """The worker's event loop stopped before the batch could run."""

    def __init__(self) -> None:
        super().__init__("The server is stopping; the write was not made.")


class TransactionLost(RuntimeError):
    """SQLite ended the batch's transaction itself before the commit, so nothing of it stands."""

    def __init__(self) -> None:
        super().__init__("The database ended the write transaction early; nothing was written.")


def _run_all(
    batch: list[Op],
    conn: Connection,
    driver: Any,
    failed: dict[int, BaseException],
    scope: BatchScope,
    retry: bool,
) -> tuple[dict[int, Any], bool]:
    """Run each handler in order; stop at the first that raised after changing rows.

    No savepoint per handler: a handler that raises having changed nothing (a lookup that
    found no customer, a refused edit) needs no undo, and that is nearly every failure, so
    the common batch pays no SAVEPOINT and RELEASE round per request. SQLite's total_changes
    counts the rows a connection has inserted, updated or deleted.
    """
    values: dict[int, Any] = {}
    rows = scope.rows
    for i, (fn, _fut) in enumerate(batch):
        before = _changes(driver, scope)
        mark = len(rows)
        try:
            values[i] = fn(conn)
        except Exception as exc:
            if retry and is_transient(exc):
                raise _Retry from exc
            failed[i] = exc
            del rows[mark:]  # a failed request's deferred rows are not inserted
            # SQLite rolls the whole transaction back itself on some errors (disk full, I/O
            # error), and PostgreSQL refuses every statement after one failed: then the
            # earlier handlers' writes are gone or unusable too, so the batch runs again.
            if _changes(driver, scope) != before or not _intact(driver):
                return values, False
    if not _intact(driver):
        # A handler swallowed such an error: committing now would report lost writes as made.
        raise TransactionLost
    return values, True


def _changes(driver: Any, scope: BatchScope) -> int:
    """Rows changed so far (SQLite), or statements run that may have changed some (PostgreSQL)."""
    return driver.total_changes if isinstance(driver, sqlite3.Connection) else scope.writes


def _intact(driver: Any) -> bool:
    """False when the database has ended or poisoned the batch's transaction."""
    if isinstance(driver, sqlite3.Connection):
        return driver.in_transaction
    # psycopg (loaded: this is its connection): IDLE until the first statement begins the
    # transaction, INERROR after a failure.
    from psycopg.pq import TransactionStatus

    return bool(driver.info.transaction_status != TransactionStatus.INERROR)


def _settle(fut: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if fut.done():  # the client went away and its request task was cancelled
        return
    if error is None:
        fut.set_result(value)
        return
    if isinstance(error, StopIteration):
        # An asyncio future refuses StopIteration (it would end the awaiting coroutine).
        wrapped = RuntimeError("a write handler raised StopIteration")
        wrapped.__cause__ = error
        error = wrapped
    fut.set_exception(error)
