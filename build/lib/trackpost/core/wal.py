"""SQLite's single writer and its WAL: the writer gate every writer of a host queues on, and the
checkpointer that copies the WAL back into the database without meeting a WAL restart."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
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

    SQLite before 3.51.3 (Debian 12 links 3.40) has a race, the "WAL-reset bug": a checkpoint
    started while every frame of the WAL is copied, as a commit starts the WAL over, can mark
    frames as copied that were not; readers, write transactions included, then read those pages
    from the database file, older than commits already acknowledged. A commit starts the WAL
    over only while every frame is copied, and only a checkpoint makes it so. So a checkpoint
    runs without the writer gate only when frames are known to wait: the last one left some, or
    a commit came after it copied them all (`PRAGMA data_version` moved); otherwise, and for a
    long WAL (SQLite's own backstop, inside a writer's commit, could complete a checkpoint
    meanwhile), it holds the gate, so no trackpost commit runs beside it. A WAL wholly copied
    with no commit since is not checkpointed at all until `idle_interval` passes, then under
    the gate (docs/ARCHITECTURE.md, "Why an acknowledged write is visible to every later
    request").

    Nothing here opens the `-shm` file itself: closing any descriptor of a file drops every
    POSIX lock the process holds on it, SQLite's read and write locks on the wal-index included.

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
        # Half the backstop (db.configure_sqlite): between two ticks, no commit writes the other
        # half (40 MB). Lower, and a checkpointer that fell behind under load would hold writers
        # up more often.
        self.gate_frames = gate_frames
        # A gate handle of its own (its own open file description), so that it excludes this
        # process's writers as well as the other processes'.
        self.gate = WriterGate(path)
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
        wait, last_size, state = self.interval, -1, _WalState()
        try:
            while not self._stop.wait(wait):
                size = last_size
                try:
                    if conn is None:
                        conn = sqlite3.connect(self.path, isolation_level=None, timeout=0)
                    gated = state.gated(_data_version(conn), self.gate_frames, self.idle_interval)
                    if gated is not None:
                        size = self._checkpoint(conn, gated, state)
                except (sqlite3.Error, OSError):
                    # Busy or not yet created: the next tick tries again, the backstop holds.
                    size = -1
                if size == -1:
                    state = _WalState()
                    if conn is not None:
                        # Also -1 when the file was not in WAL mode as this connection opened
                        # it: it would not notice the switch (the first writer's), so reopen.
                        conn.close()
                        conn = None
                if size != last_size:
                    wait, last_size = self.interval, size
                else:
                    wait = min(wait * 2, self.idle_interval)
        finally:
            if conn is not None:
                conn.close()

    def _checkpoint(self, conn: sqlite3.Connection, gated: bool, state: _WalState) -> int:
        """One PASSIVE checkpoint; the WAL's frames after it, -1 when it failed."""
        with self.gate.hold() if gated else nullcontext():
            # (busy, frames in the WAL, frames copied): the WAL's size changes with each
            # commit, and when a writer starts it over from the beginning.
            _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()[0]
        state.checkpointed(int(frames), int(copied), _data_version(conn))
        return int(frames)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _data_version(conn: sqlite3.Connection) -> int:
    """Moves whenever another connection, of any process, committed since this one last looked."""
    return int(conn.execute("PRAGMA data_version").fetchall()[0][0])


class _WalState:
    """What the checkpointer knows of the WAL from its own last checkpoint."""

    __slots__ = ("at", "frames", "version", "waiting")

    def __init__(self) -> None:
        self.frames = -1  # the WAL's frames at the last checkpoint; -1: unknown
        self.waiting = False  # that checkpoint left frames uncopied
        self.version: int | None = None  # data_version just after it copied every frame
        self.at = 0.0

    def gated(self, version: int, gate_frames: int, idle: float) -> bool | None:
        """None: skip this tick; else whether the checkpoint must hold the writer gate."""
        if self.version is not None and version == self.version:
            # Every frame copied and no commit since: nothing to do, and a checkpoint now
            # could meet the next commit's restart. Only after a while, behind the gate, in case
            # a commit slipped in between the last checkpoint and its data_version.
            return None if time.monotonic() - self.at < idle else True
        # Frames wait (some left over, or committed since all were copied): no commit can start
        # the WAL over until a checkpoint copies them, and this thread is the one that does,
        # unless the WAL is long enough for SQLite's backstop to do it first.
        known = self.waiting or self.version is not None
        return not known or self.frames < 0 or self.frames >= gate_frames

    def checkpointed(self, frames: int, copied: int, version: int) -> None:
        self.frames, self.waiting = frames, copied < frames
        self.version = None if self.waiting else version
        self.at = time.monotonic()
