"""The build job of `trackpost serve`: the worker that leads builds, the others stand by."""

from __future__ import annotations

import datetime as dt

from tests.payments.conftest import Pay
from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine
from trackpost.core.leader import Leadership
from trackpost.payments.job import INTERVAL, LEADER_KEY, LEADER_NAME, STANDBY, PaymentsJob


def test_the_leading_worker_builds_and_the_other_stands_by(pay: Pay, settings: Settings) -> None:
    pay.sale((dt.datetime.now(dt.UTC) - dt.timedelta(days=70)).isoformat())
    dbs = [Database(create_db_engine(settings, pool_size=1), checkpoint=False) for _ in range(2)]
    leaders = [Leadership(db, LEADER_NAME, LEADER_KEY) for db in dbs]
    jobs = [PaymentsJob(settings), PaymentsJob(settings)]
    try:
        assert jobs[0]._tick(dbs[0], leaders[0]) == INTERVAL
        assert jobs[1]._tick(dbs[1], leaders[1]) == STANDBY  # the lock is held: no build
        (p,) = pay.payments()
        assert (p["state"], p["total"]) == ("stored", "5.00")
        assert jobs[0]._tick(dbs[0], leaders[0]) == INTERVAL  # built already: nothing new
        assert len(pay.payments()) == 1
    finally:
        for leader, db in zip(leaders, dbs, strict=True):
            leader.release()
            db.dispose()
