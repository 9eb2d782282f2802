"""Running builds: `trackpost payments build --as-of`, and the job one serve worker runs.

Each build is its own short transaction, so a long catch-up never holds the writer for long,
and a run that stops half-way resumes where it stopped (each build is claimed once).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine, name_os_thread, utcnow
from trackpost.core.leader import Leadership
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


class PaymentsJob:
    """Builds ended periods every INTERVAL from a daemon thread of whichever worker leads."""

    def __init__(self, settings: Settings, *, interval: float = INTERVAL) -> None:
        self.settings = settings
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)

    def start(self) -> PaymentsJob:
        self._thread.start()
        atexit.register(self.stop)
        return self

    def _run(self) -> None:
        name_os_thread(THREAD_NAME)
        db = Database(create_db_engine(self.settings, pool_size=1), checkpoint=False)
        leader = Leadership(db, LEADER_NAME, LEADER_KEY)
        wait = 0.0
        try:
            while not self._stop.wait(wait):
                wait = self._tick(db, leader)
        finally:
            leader.release()
            db.dispose()

    def _tick(self, db: Database, leader: Leadership) -> float:
        try:
            if not leader.acquire():
                return STANDBY
            run = run_builds(db, utcnow(), network_zone(self.settings), stop=self._stop)
        except Exception:
            # A database that is down now may be back by the next look; serving goes on.
            log.exception("payments: build failed")
            leader.release()
            return STANDBY
        if run.built:
            log.info(
                "payments: %d builds, %d payments, %d stored", run.built, run.payments, run.stored
            )
        return self.interval

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
