"""One leader among every process on a database, for background jobs that one process runs."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import threading
from typing import TYPE_CHECKING, Self

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from trackpost.core.db import Database, create_db_engine, name_os_thread

if TYPE_CHECKING:
    from trackpost.core.config import Settings

log = logging.getLogger("trackpost")

_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_ALIVE = text("SELECT 1")


class Leadership:
    """Held by one process at a time: an flock beside a SQLite file (one host, like the
    checkpointer's), or a session advisory lock on PostgreSQL (every host on the database).

    The lock goes with its holder: a process that exits or loses its connection frees it, and
    the next `acquire` of another process takes it.
    """

    def __init__(self, db: Database, name: str, key: int) -> None:
        self.db = db
        self.name = name
        self.key = key
        self._fd: int | None = None
        self._conn: Connection | None = None

    def acquire(self) -> bool:
        """Lead now if no other process does (never waits); True while this one leads."""
        if self.db.path is not None:
            return self._flock()
        if self._conn is not None:
            try:
                self._conn.execute(_ALIVE)
                self._conn.commit()
                return True
            except SQLAlchemyError:
                self.release()  # the session, and so the lock, is gone
        conn = self.db.engine.connect()
        try:
            held = bool(conn.execute(_TRY_LOCK, {"key": self.key}).scalar())
            conn.commit()  # a session-level lock outlives the transaction
        except BaseException:
            conn.close()
            raise
        if not held:
            conn.close()
            return False
        self._conn = conn
        return True

    def _flock(self) -> bool:
        if self._fd is not None:
            return True
        assert self.db.path is not None
        lock_path = self.db.path.with_name(f"{self.db.path.name}.{self.name}")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
        if self._conn is not None:
            # Closed for good, not returned to the pool: ending the session frees the lock.
            with contextlib.suppress(SQLAlchemyError):
                self._conn.invalidate()
            with contextlib.suppress(SQLAlchemyError):
                self._conn.close()
            self._conn = None


class LeaderJob:
    """A background job that one process on the database runs every `interval` seconds.

    Each `trackpost serve` worker starts one in a daemon thread with its own one-connection
    engine (the job never takes a connection a request waits for); the worker that holds the
    Leadership runs `work`, the others ask again every `standby` seconds. A failing run (a
    database that is down now may be back by the next) is logged and the lead given up.
    """

    thread_name = "tp-job"
    leader_name = "job"
    leader_key = 0
    title = "job"

    def __init__(self, settings: Settings, *, interval: float, standby: float) -> None:
        self.settings = settings
        self.interval = interval
        self.standby = standby
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def work(self, db: Database) -> float | None:
        """One run, as the leader; how long to wait before the next (None: `interval`)."""
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        # A worker's shutdown stops the thread between two runs rather than inside one.
        atexit.register(self.stop)
        return self

    def _run(self) -> None:
        name_os_thread(self.thread_name)
        db = Database(create_db_engine(self.settings, pool_size=1), checkpoint=False)
        leader = Leadership(db, self.leader_name, self.leader_key)
        wait = 0.0
        try:
            while not self._stop.wait(wait):
                wait = self._tick(db, leader)
        finally:
            leader.release()
            db.dispose()

    def _tick(self, db: Database, leader: Leadership) -> float:
        """One run if this process leads; returns how long to wait before the next."""
        try:
            if not leader.acquire():
                return self.standby
            wait = self.work(db)
        except Exception:
            log.exception("%s: run failed", self.title)
            leader.release()
            return self.standby
        return self.interval if wait is None else wait

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
