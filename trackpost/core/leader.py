"""One leader among every process on a database, for background jobs that one process runs."""

from __future__ import annotations

import contextlib
import fcntl
import os

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from trackpost.core.db import Database

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
