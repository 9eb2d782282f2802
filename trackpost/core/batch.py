"""Group commit for SQLite: one worker's concurrent write requests share one transaction.

SQLite has one writer for the whole database, so every write request waits its turn, and each
turn used to pay for its own pool checkout, BEGIN IMMEDIATE and COMMIT, while the other worker
process sat blocked on the writer gate, unable even to parse its next request. Here a write
request queues its handler and awaits the outcome; one drain at a time takes the writer gate
(waiting in a thread, so the event loop keeps reading requests meanwhile), runs every queued
handler in arrival order inside one transaction, each under its own SAVEPOINT, and commits once.
A handler that raises has its own writes rolled back to its savepoint and gets its error; the
others are unaffected. No request is answered before the COMMIT that holds its writes, so a
success is as durable as before, and a failed COMMIT fails every request of the batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection

from trackpost.core.db import Database, WriterGate

T = TypeVar("T")
Op = tuple[Callable[[Connection], Any], "asyncio.Future[Any]"]


class WriteBatcher:
    """Queues a worker's write handlers and runs them in shared transactions (SQLite only)."""

    def __init__(self, db: Database, gate: WriterGate, *, max_batch: int = 128) -> None:
        self.db = db
        # A gate handle of its own: the drain holds it across an await, so it must not be the
        # re-entrant handle that Database.transaction uses from ordinary threads.
        self.gate = gate
        self.max_batch = max_batch
        self._pending: list[Op] = []
        self._draining = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task[None] | None = None
        # Called when a batch fails as a whole (see Services.on_abort).
        self.on_abort: list[Callable[[], None]] = []

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
            # The drain starts on the next loop iteration, after the requests already ready
            # to run have queued their handlers too.
            self._task = loop.create_task(self._drain())
        return await fut

    async def _drain(self) -> None:
        try:
            while self._pending:
                try:
                    await self._acquire_gate()
                except Exception as exc:
                    pending, self._pending = self._pending, []
                    for _fn, fut in pending:
                        _settle(fut, None, exc)
                    return
                try:
                    batch = self._pending[: self.max_batch]
                    del self._pending[: self.max_batch]
                    self._execute(batch)
                finally:
                    self.gate.unlock()
        finally:
            self._draining = False

    async def _acquire_gate(self) -> None:
        if self.gate.try_lock():
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer-gate")
        await asyncio.get_running_loop().run_in_executor(self._executor, self.gate.lock)

    def _execute(self, batch: list[Op]) -> None:
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            with self.db.transaction(write=True, gated=False) as conn:
                cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
                try:
                    for fn, fut in batch:
                        outcomes.append(_run_one(cursor, conn, fn, fut))
                finally:
                    cursor.close()
        except BaseException as exc:  # every waiter must hear of a failed commit
            for forget in self.on_abort:
                forget()
            for fut, _value, _error in outcomes:
                _settle(fut, None, exc)
            for _fn, fut in batch[len(outcomes) :]:
                _settle(fut, None, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for fut, value, error in outcomes:
            _settle(fut, value, error)


def _run_one(
    cursor: Any, conn: Connection, fn: Callable[[Connection], Any], fut: asyncio.Future[Any]
) -> tuple[asyncio.Future[Any], Any, BaseException | None]:
    cursor.execute("SAVEPOINT trackpost_op")
    try:
        value = fn(conn)
    except Exception as exc:
        # Only this handler's writes go; if SQLite already ended the transaction (a disk error),
        # ROLLBACK TO fails and the whole batch fails with it, as it must.
        cursor.execute("ROLLBACK TO trackpost_op")
        cursor.execute("RELEASE trackpost_op")
        return fut, None, exc
    cursor.execute("RELEASE trackpost_op")
    return fut, value, None


def _settle(fut: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
    if fut.done():  # the client went away and its request task was cancelled
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(value)
