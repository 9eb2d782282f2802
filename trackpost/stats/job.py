"""The fold: new clicks and ledger events past the cursors, added to the rollups in batches by
serve's jobs process (thread `tp-stats`) every few seconds; and `trackpost stats rebuild`."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection

from trackpost.core.config import Settings
from trackpost.core.db import WRITE_OPTION, Database, utcnow
from trackpost.core.leader import LeaderJob
from trackpost.stats import daily_repository as daily
from trackpost.stats import repository as repo

log = logging.getLogger("trackpost.stats")

BATCH = 20_000  # ids of each table per fold transaction: the writer's turn stays short
THREAD_NAME = "tp-stats"
LEADER_NAME = "stats"
LEADER_KEY = 7351028  # payments holds 7351027, retention 7351025, migrations 7351024
STANDBY = 30.0
FORGET_EVERY = 600.0  # seconds between prunes of the unique-click memory


@dataclass
class Folded:
    """What one fold transaction added."""

    clicks: int = 0
    transactions: int = 0


def _now(fn: Callable[[], Folded]) -> Folded:
    return fn()


Copier = Callable[[Callable[[], Folded]], Folded]


def fold_once(db: Database, uwin: int, batch: int = BATCH, writer: Copier = _now) -> Folded:
    """Fold up to `batch` new ids of each table; nothing when there is nothing new. On SQLite
    `writer` runs the writer's turn (the job's: on a thread of full priority)."""
    if db.path is not None:
        return _fold_sqlite(db, uwin, batch, writer)
    highs: tuple[int, int] | None = None
    if db.path is None:
        with db.transaction(write=True) as conn:
            highs = repo.fence(conn)
        if highs is None:
            return Folded()
    with db.transaction(write=True) as conn:
        c, t, _at = repo.state(conn)
        hc, ht = highs if highs is not None else repo.highs(conn)
        hc, ht = max(c, min(hc, c + batch)), max(t, min(ht, t + batch))
        if (hc, ht) == (c, t):
            return Folded()
        repo.fold(conn, (c, hc), (t, ht), uwin)
        repo.move(conn, hc, ht, utcnow())
    return Folded(hc - c, ht - t)


def _fold_sqlite(db: Database, uwin: int, batch: int, writer: Copier) -> Folded:
    """SQLite has one writer: sum the batch in a read transaction into the connection's
    temporary tables, then copy them in the writer's turn on the same connection, if no fold
    and no in-place ledger change came in between."""
    with db.engine.connect() as conn:
        with conn.begin():
            seen = repo.version(conn)
            c, t, _changes = seen
            hc, ht = repo.highs(conn)
            hc, ht = max(c, min(hc, c + batch)), max(t, min(ht, t + batch))
            if (hc, ht) == (c, t):
                return Folded()
            gathered = repo.gather(conn, (c, hc), (t, ht), uwin)
        conn.execution_options(**{WRITE_OPTION: True})

        def copy() -> Folded:
            with _writing(db, conn):
                repo.state(conn)  # the row exists from here on
                if repo.version(conn) != seen:
                    return Folded()  # the next round sums again
                repo.write(conn, gathered)
                repo.move(conn, hc, ht, utcnow())
            return Folded(hc - c, ht - t)

        return writer(copy)


def ensure_zone(db: Database, zone: str) -> bool:
    """Put the daily rollup's days in `zone`, rebuilding it from the hourly rows if they are
    in another (or none yet); True when rebuilt."""
    with db.transaction(write=False) as conn:
        if daily.zone(conn) == zone:
            return False
    with db.transaction(write=True) as conn:
        repo.state(conn)  # the row exists, and on PostgreSQL the fold waits for us
        return daily.rezone(conn, zone)


def fold_all(
    db: Database,
    uwin: int,
    batch: int = BATCH,
    zone: str = "UTC",
    progress: Callable[[Folded], None] | None = None,
) -> Folded:
    """Fold until nothing is left (`trackpost stats fold`, tests and the bench's seeder), the
    daily rows in `zone`; `progress` hears the running total after each batch."""
    ensure_zone(db, zone)
    total = Folded()
    while True:
        done = fold_once(db, uwin, batch)
        if not (done.clicks or done.transactions):
            return total
        total.clicks += done.clicks
        total.transactions += done.transactions
        if progress is not None:
            progress(total)


@dataclass
class Status:
    """The fold's position and how far behind the raw tables it is."""

    click_cursor: int
    txn_cursor: int
    folded_at: dt.datetime | None
    clicks_behind: int
    transactions_behind: int


def status(db: Database) -> Status:
    """Where the fold stands (ids not yet folded are still counted live by the reports)."""
    with db.transaction(write=False) as conn:
        c, t, at = repo.peek(conn)
        hc, ht = repo.highs(conn)
    return Status(c, t, at, max(0, hc - c), max(0, ht - t))


@contextlib.contextmanager
def _writing(db: Database, conn: Connection) -> Iterator[None]:
    """One write transaction on a kept connection (the rebuild's scratch table lives on it)."""
    gate = db.gate.hold() if db.gate is not None else contextlib.nullcontext()
    with gate, conn.begin():
        yield


def rebuild(
    db: Database,
    lo: dt.datetime,
    hi: dt.datetime,
    uwin: int,
    *,
    chunk: int = 200_000,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Recount the rollups of the hours in [lo, hi) from the raw rows; returns the cursors the
    recount went up to. Rows past them are the fold's, as before."""
    with db.engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with _writing(db, conn):
            c_top, t_top, _ = repo.state(conn)
            c_low, t_low = repo.lows(conn)
            repo.clear(conn, lo, hi)
            repo.scratch(conn)
        c, t = min(c_low, c_top), min(t_low, t_top)
        while c < c_top or t < t_top:
            nc, nt = min(c + chunk, c_top), min(t + chunk, t_top)
            with _writing(db, conn):
                repo.refold(conn, (c, nc), (t, nt), (lo, hi), uwin)
            c, t = nc, nt
            if progress is not None:
                progress(c - c_low, c_top - c_low)
        with _writing(db, conn):
            repo.state(conn)
            daily.derive(conn, lo, hi)
    return c_top, t_top


class StatsJob(LeaderJob):
    """Folds every `interval` seconds from a daemon thread of the jobs process that leads."""

    thread_name, leader_name, leader_key, title = THREAD_NAME, LEADER_NAME, LEADER_KEY, "stats"

    def __init__(self, settings: Settings, *, standby: float = STANDBY) -> None:
        super().__init__(settings, interval=settings.stats_fold_seconds, standby=standby)
        self.uwin = settings.stats_unique_seconds
        self.zone = settings.timezone
        self.nice = settings.stats_fold_nice
        self._zoned = False
        self._forgot = 0.0
        # The writer's turn runs here, at the process's own priority: a niced thread holding
        # SQLite's single writer would be preempted by the very requests that wait for it.
        self._copier = ThreadPoolExecutor(1, thread_name_prefix="tp-stats-copy")
        self._writer: Copier = _now  # the copier once this thread is niced

    def _copy(self, fn: Callable[[], Folded]) -> Folded:
        return self._copier.submit(fn).result()

    def work(self, db: Database) -> float | None:
        if not self._zoned:
            ensure_zone(db, self.zone)
            self._zoned = True
            if self.nice and db.path is not None:
                # Summing a batch only reads: on a saturated host the clicks get the CPU first
                # and the fold catches up when the load eases (its lag: `trackpost stats status`).
                # The copier's thread is made first: a new thread takes its maker's niceness.
                self._copier.submit(int).result()
                self._writer = self._copy
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.nice)
        done = fold_once(db, self.uwin, writer=self._writer)
        if time.monotonic() - self._forgot > FORGET_EVERY:
            self._forget(db)
        # A full batch means more waits: go on at once rather than let the lag grow.
        return 0.05 if max(done.clicks, done.transactions) >= BATCH else None

    def _forget(self, db: Database) -> None:
        self._forgot = time.monotonic()

        def forget() -> Folded:
            with db.transaction(write=True) as conn:
                longest = repo.longest_window(conn, self.uwin)
                # An hour's slack: a click folded later is never that much older than now.
                repo.forget(conn, utcnow() - dt.timedelta(seconds=longest + 3600))
            return Folded()

        self._writer(forget)  # a write: at full priority, as the fold's copy

    def stop(self) -> None:
        super().stop()
        self._copier.shutdown(wait=False)
