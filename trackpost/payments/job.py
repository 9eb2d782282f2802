"""Running builds: `trackpost payments build --as-of`, and the job serve's jobs process runs.

Each build is its own short transaction, so a long catch-up never holds the writer for long,
and a run that stops half-way resumes where it stopped (each build is claimed once).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from trackpost.core.config import Settings
from trackpost.core.db import Database, utcnow
from trackpost.core.leader import LeaderJob
from trackpost.core.origin import Origin
from trackpost.core.payperiods import network_zone
from trackpost.payments.build import Due, Outcome, build_one, due

log = logging.getLogger("trackpost.payments")
SYSTEM = Origin("payments", "system")
INTERVAL = 300.0  # seconds between looks for a period that ended
STANDBY = 30.0
THREAD_NAME = "tp-payments"
LEADER_NAME = "payments"
LEADER_KEY = 7351027  # the PostgreSQL advisory lock (retention holds 7351025)


@dataclass
class BuildRun:
    """What a run did: builds made, builds another process had made, payments, stored."""

    due: int = 0
    built: int = 0
    skipped: int = 0
    payments: int = 0
    stored: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


def run_builds(
    db: Database,
    as_of: dt.datetime,
    zone: dt.tzinfo,
    origin: Origin = SYSTEM,
    *,
    progress: Callable[[BuildRun, Due], None] | None = None,
    stop: threading.Event | None = None,
) -> BuildRun:
    """Build every period that ended by `as_of`, one transaction per period end."""
    with db.transaction(write=False) as conn:
        todo = due(conn, as_of, zone)
    run = BuildRun(due=len(todo))
    for item in todo:
        if stop is not None and stop.is_set():
            break
        with db.transaction(write=True) as conn:
            outcome = build_one(conn, item, origin, zone)
        if outcome is None:
            run.skipped += 1
        else:
            run.built += 1
            run.payments += outcome.payments
            run.stored += outcome.stored
            run.outcomes.append(outcome)
        if progress is not None:
            progress(run, item)
    return run


class PaymentsJob(LeaderJob):
    """Builds ended periods every INTERVAL from a daemon thread of whichever worker leads."""

    thread_name, leader_name, leader_key, title = THREAD_NAME, LEADER_NAME, LEADER_KEY, "payments"

    def __init__(self, settings: Settings, *, interval: float = INTERVAL) -> None:
        super().__init__(settings, interval=interval, standby=STANDBY)

    def work(self, db: Database) -> None:
        run = run_builds(db, utcnow(), network_zone(self.settings), stop=self._stop)
        if run.built:
            log.info(
                "payments: %d builds, %d payments, %d stored", run.built, run.payments, run.stored
            )
