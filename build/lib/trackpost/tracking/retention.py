"""Click retention: clicks older than TRACKPOST_CLICK_RETENTION_DAYS that no customer or
transaction refers to are deleted in small batches, by `trackpost clicks prune` and by one
worker of `trackpost serve` every INTERVAL."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from trackpost.core.config import Settings
from trackpost.core.db import Database, utcnow
from trackpost.core.leader import LeaderJob
from trackpost.tracking import repository as repo

log = logging.getLogger("trackpost.retention")

# Clicks per transaction: the writer's turn it takes stays short, so requests queued behind
# it (SQLite's one writer, or PostgreSQL's row locks) wait little.
BATCH = 1000
# After each batch the prune rests at least as long as the batch took (and never less than
# this), so it never holds more than half of the writer's time.
MIN_PAUSE = 0.01
INTERVAL = 600.0  # seconds between runs inside `trackpost serve`
STANDBY = 30.0  # how often a worker that does not lead asks again
THREAD_NAME = "tp-retention"
LEADER_NAME = "retention"  # the flock file beside a SQLite database: <db>.retention
LEADER_KEY = 7351025  # the PostgreSQL advisory lock (migrations hold 7351024)


@dataclass
class PruneReport:
    """How far a prune got; `watermark` is the clickid below which nothing is left to prune."""

    days: int
    dry_run: bool
    examined: int = 0  # clicks read
    old: int = 0  # of those, made before the cutoff
    pruned: int = 0  # deleted (or, in a dry run, deletable)
    batches: int = 0
    seconds: float = 0.0
    watermark: int = 0

    @property
    def kept(self) -> int:
        """Old clicks kept because a customer or transaction refers to them."""
        return self.old - self.pruned


def prune(
    db: Database,
    days: int,
    *,
    dry_run: bool = False,
    after: int = 0,
    batch: int = BATCH,
    stop: threading.Event | None = None,
    progress: Callable[[PruneReport], None] | None = None,
    now: dt.datetime | None = None,
) -> PruneReport:
    """Delete old unreferenced clicks with ids above `after`, one short transaction a batch."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    report = PruneReport(days, dry_run, watermark=after)
    started = time.monotonic()
    resting = stop or threading.Event()
    seen_young = False
    while not resting.is_set():
        began = time.monotonic()
        with db.transaction(write=False) as conn:
            rows = repo.click_ages(conn, after, batch)
        report.examined += len(rows)
        old = [r.created_at < cutoff for r in rows]
        if not any(old):
            break  # the clicks after these are newer still
        upto = int(rows[-1].clickid)
        # The delete checks age and references again itself, in the writer's turn.
        with db.transaction(write=not dry_run) as conn:
            if dry_run:
                done = repo.count_prunable_clicks(conn, after, upto, cutoff)
            else:
                done = repo.prune_clicks(conn, after, upto, cutoff)
        report.old += sum(old)
        report.pruned += done
        report.batches += 1
        # Below the first click still too young, every click is gone or kept for good (a
        # customer or transaction never goes away), so later runs may start there.
        if not seen_young:
            young = old.index(False) if False in old else len(rows)
            if young:
                report.watermark = int(rows[young - 1].clickid)
            seen_young = young < len(rows)
        after = upto
        report.seconds = time.monotonic() - started
        if progress is not None:
            progress(report)
        if len(rows) < batch:
            break
        resting.wait(max(MIN_PAUSE, time.monotonic() - began))
    report.seconds = time.monotonic() - started
    return report


class RetentionJob(LeaderJob):
    """Prunes every INTERVAL from a daemon thread of whichever serve worker leads."""

    thread_name, leader_name, leader_key, title = (
        THREAD_NAME,
        LEADER_NAME,
        LEADER_KEY,
        "click retention",
    )

    def __init__(
        self, settings: Settings, *, interval: float = INTERVAL, standby: float = STANDBY
    ) -> None:
        if settings.click_retention_days is None:
            raise ValueError("click retention is off (TRACKPOST_CLICK_RETENTION_DAYS unset)")
        super().__init__(settings, interval=interval, standby=standby)
        self.days = settings.click_retention_days
        # Where the next run starts: the clicks below it are gone or kept for good.
        self._after = 0

    def work(self, db: Database) -> None:
        report = prune(db, self.days, after=self._after, stop=self._stop)
        self._after = report.watermark
        if report.pruned:
            log.info(
                "click retention: pruned %d clicks older than %d days in %.1f s",
                report.pruned,
                self.days,
                report.seconds,
            )
