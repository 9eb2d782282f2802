"""SQLite's single writer and its WAL: the writer gate every writer of a host queues on, and the
checkpointer that copies the WAL back into the database without meeting a WAL restart."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

# The OS names of trackpost's own threads (bench/procs.py reports CPU by them).
CHECKPOINT_THREAD = "tp-checkpoint"
GATE_THREAD = "tp-writer-gate"


def name_os_thread(name: str) -> None:
    """Name the calling thread for the OS, so that `top -H` and /proc tell trackpost's apart."""
    # Python 3.11 names threads for itself only; a thread may rename itself through procfs
    # (Linux; at most 15 characters). Elsewhere the name is only cosmetic, so failure is fine.
    try:
        with open("/proc/thread-self/comm", "w", encoding="ascii") as comm:
            comm.write(name[:15])
    except OSError:
        pass


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

    def close(self) -> None:
        """Close this process's descriptor (releasing the gate if held); reopened on next use."""
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

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
    """Copies SQLite's WAL back into the database from a background thread, off the request path.

    Left to itself SQLite checkpoints inside whichever commit crosses the threshold, so that one
    request pays for writing back and syncing a thousand pages while every other writer waits
    behind the write lock. A PASSIVE checkpoint never waits for readers or writers.

    A checkpoint starts only while the wal-index shows frames not yet copied. SQLite before
    3.51.3 (Debian 12 links 3.40) has a race, the "WAL-reset bug": a checkpoint started just
    after another completed, while a commit starts the WAL over, can mark frames as copied that
    were not, and readers, write transactions included, then read those pages from the database
    file, older than commits already acknowledged. A commit starts the WAL over only while every
    frame is copied, and only a checkpoint makes it so, so a checkpoint started while frames
    wait cannot meet a restart. The other checkpoints on the file are SQLite's own backstop,
    run inside a writer's commit once the WAL reaches `wal_autocheckpoint` frames, and a
    writer holds the gate; from `gate_frames` on, the checkpoint holds the gate too
    (docs/ARCHITECTURE.md, "Why an acknowledged write is visible to every later request").

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
        gate_frames: int = 10_000,
    ) -> None:
        self.path = path
        self.interval = interval
        self.idle_interval = idle_interval
        self.standby_interval = standby_interval
        # Half the backstop (db.configure_sqlite): between this thread's look at the wal-index
        # and its checkpoint's start, no commit writes the other half (40 MB). Lower, and a
        # checkpointer that fell behind under load would hold writers up more often.
        self.gate_frames = gate_frames
        # A gate handle of its own (its own open file description), so that it excludes this
        # process's writers as well as the other processes'.
        self.gate = WriterGate(path)
        self.index = WalIndex(path)
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
            self.gate.close()

    def _checkpoint_until_stopped(self) -> None:
        conn: sqlite3.Connection | None = None
        wait, last_size = self.interval, -1
        try:
            while not self._stop.wait(wait):
                size = last_size
                frames, copied = self.index.read()
                if frames != copied or frames < 0:
                    # Unreadable (-1): no look, so the gate stands in for it.
                    gated = frames < 0 or frames >= self.gate_frames
                    conn, size = self._checkpoint(conn, gated)
                if size != last_size:
                    wait, last_size = self.interval, size
                else:
                    wait = min(wait * 2, self.idle_interval)
        finally:
            if conn is not None:
                conn.close()

    def _checkpoint(
        self, conn: sqlite3.Connection | None, gated: bool
    ) -> tuple[sqlite3.Connection | None, int]:
        """One PASSIVE checkpoint; the WAL's frames after it, or -1 when it failed."""
        try:
            if conn is None:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=0)
            with self.gate.hold() if gated else nullcontext():
                # (busy, frames in the WAL, frames copied): the WAL's size changes with each
                # commit, and when a writer starts it over from the beginning.
                row = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
            size = int(row[1])
        except (sqlite3.Error, OSError):
            # Busy or not yet created: the next tick tries again, the backstop still holds.
            size = -1
        if size == -1 and conn is not None:
            # Also -1 when the file was not in WAL mode as this connection opened it: it
            # would not notice the switch (the first writer's), so it is opened again.
            conn.close()
            conn = None
        return conn, size

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class WalIndex:
    """A look at the WAL-index header (the `-shm` file) that takes no lock: how many frames the
    WAL holds, and how many of them a checkpoint has copied into the database file.

    The offsets are SQLite's documented, stable wal-index format: the header is stored twice
    (48 bytes each) and mxFrame is at byte 16 of the first copy, which a commit writes last;
    the checkpoint information follows the two copies, nBackfill first (byte 96). Both are
    native-endian u32. A restart writes the header before it sets nBackfill to 0, so a look
    that meets a restart half done sees frames waiting, and the checkpoint that follows (its
    own read of the header comes later still) sees the new WAL.
    """

    _SIZE = 100

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + "-shm")

    def read(self) -> tuple[int, int]:
        """(frames in the WAL, frames copied); (-1, -1) when the file cannot be read."""
        # Opened each time: SQLite deletes the file when the last connection closes and makes
        # a new one after, and a descriptor kept open would go on reading the deleted one.
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return -1, -1
        try:
            raw = os.pread(fd, self._SIZE, 0)
        except OSError:
            return -1, -1
        finally:
            os.close(fd)
        if len(raw) < self._SIZE:
            return -1, -1
        return int.from_bytes(raw[16:20], sys.byteorder), int.from_bytes(raw[96:100], sys.byteorder)
