"""Pruning the caps' memories: the unique-click addresses (cap_visitors) and the counted ledger
rows (cap_bookings) of windows that have ended, by `trackpost caps prune` and by serve's jobs
process every TRACKPOST_CAPS_PRUNE_SECONDS (INTERVAL by default)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from trackpost.caps import repository as repo
from trackpost.caps.rules import window_start
from trackpost.core.config import Settings
from trackpost.core.db import Database, utcnow
from trackpost.core.leader import LeaderJob

log = logging.getLogger("trackpost.caps")

# Rows per transaction: the writer's turn stays short, so clicks queued behind it wait little.
BATCH = 1000
# After each batch the prune rests at least as long as the batch took (and never less than
# this), so it never holds more than half of the writer's time.
MIN_PAUSE = 0.01
INTERVAL = 600.0  # seconds between runs (TRACKPOST_CAPS_PRUNE_SECONDS's default)
STANDBY = 30.0  # how often a worker that does not lead asks again
THREAD_NAME = "tp-caps"
LEADER_NAME = "caps"  # the flock file beside a SQLite database: <db>.caps
LEADER_KEY = 7351029  # the PostgreSQL advisory lock (stats holds 7351028)


@dataclass
class PruneReport:
    """What a prune deleted: unique-click addresses and counted ledger rows."""

    visitors: int = 0
    bookings: int = 0
    batches: int = 0
    seconds: float = 0.0


def prune(
    db: Database,
    *,
    batch: int = BATCH,
    stop: threading.Event | None = None,
    now: dt.datetime | None = None,
) -> PruneReport:
    """Delete each cap's memories of windows that began before its current window (every one
    of a deleted cap's), one short transaction a batch."""
    now = now or utcnow()
    report = PruneReport()
    started = time.monotonic()
    resting = stop or threading.Event()
    with db.transaction(write=False) as conn:
        caps = repo.cap_windows(conn)
    for cap in caps:
        if cap["deleted"]:
            before = now + dt.timedelta(days=1)  # every window it has began before that
        else:
            before = window_start(str(cap["duration"]), now, ZoneInfo(str(cap["zone"])))
        for kind in ("visitors", "bookings"):
            while not resting.is_set():
                began = time.monotonic()
                with db.transaction(write=True) as conn:
                    done = repo.prune_memory(conn, kind, int(cap["capid"]), before, batch)
                setattr(report, kind, getattr(report, kind) + done)
                report.batches += 1
                if done < batch:
                    break
                resting.wait(max(MIN_PAUSE, time.monotonic() - began))
    report.seconds = time.monotonic() - started
    return report


class CapsJob(LeaderJob):
    """Prunes every `interval` from a daemon thread of whichever jobs process leads."""

    thread_name, leader_name, leader_key, title = THREAD_NAME, LEADER_NAME, LEADER_KEY, "caps"

    def __init__(
        self, settings: Settings, *, interval: float = INTERVAL, standby: float = STANDBY
    ) -> None:
        super().__init__(settings, interval=interval, standby=standby)

    def work(self, db: Database) -> None:
        report = prune(db, stop=self._stop)
        if report.visitors or report.bookings:
            log.info(
                "caps: pruned %d unique-click addresses and %d counted sales of ended windows "
                "in %.1f s",
                report.visitors,
                report.bookings,
                report.seconds,
            )
