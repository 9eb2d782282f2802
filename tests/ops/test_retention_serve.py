"""Click retention beside a real server: on demand while clicks stream in, and as serve's job."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from tests.ops.support import BACKENDS, add_clicks, cli, site
from tests.reliability.traffic import Network
from trackpost.core.db import utcnow
from trackpost.models.tables import clicks, customers
from trackpost.tracking.retention import LEADER_KEY

OLD = utcnow() - dt.timedelta(days=45)


class Clicker:
    """Clicks on the affiliate link from a thread until stopped, recording every answer."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.hashes: list[str] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                self.hashes.append(self.net.click())
            except Exception as exc:  # every click must be answered with its redirect
                self.failures.append(repr(exc)[:300])

    def __enter__(self) -> Clicker:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._thread.join(timeout=60)


@pytest.mark.parametrize("backend", BACKENDS)
def test_clicks_posted_while_pruning_all_succeed(backend: str, tmp_path: Path) -> None:
    with site(backend, tmp_path) as live:
        server = live.start()
        net = Network(server.url, live.headers).build()
        # Three real conversions whose clicks are then made old: kept, since they converted.
        for n in range(3):
            net.customer(f"ret-{n}")
        with live.db.transaction(write=True) as conn:
            conn.execute(update(clicks).values(created_at=OLD))
            add_clicks(conn, "stale", 3500, OLD)
        with Clicker(net) as clicker:
            while len(clicker.hashes) < 5:
                time.sleep(0.01)
            pruned = cli(live.env, "clicks", "prune", "--days", "30")
            during = len(clicker.hashes)
        assert clicker.failures == []
        assert pruned.returncode == 0, pruned.stderr
        assert "pruned 3,500 clicks older than 30 days and kept 3" in pruned.stdout
        assert "clicks: " in pruned.stderr  # progress
        with live.db.transaction(write=False) as conn:
            left = {str(r[0]) for r in conn.execute(select(clicks.c.click_hash))}
            converted = conn.execute(
                select(func.count())
                .select_from(customers)
                .where(customers.c.clickid.in_(select(clicks.c.clickid)))
            ).scalar_one()
        assert live.server_errors() == []
    assert during > 5, "no click was posted while the prune ran"
    assert set(clicker.hashes) <= left  # every acknowledged click is there
    assert not any(h.startswith("stale") for h in left)
    assert converted == 3


def _leaders(live_url: str, db_path: Path | None, engine: object) -> int:
    """How many processes hold the retention lock (a probe takes it when nobody does)."""
    if db_path is not None:
        fd = os.open(db_path.with_name(db_path.name + ".retention"), os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 1
        finally:
            os.close(fd)
        return 0
    with engine.connect() as conn:  # type: ignore[attr-defined]
        held = conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND objid = :key AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": LEADER_KEY},
        ).scalar_one()
    return int(held)


@pytest.mark.parametrize("backend", BACKENDS)
def test_serve_prunes_in_one_worker(backend: str, tmp_path: Path) -> None:
    with site(backend, tmp_path, TRACKPOST_CLICK_RETENTION_DAYS="30") as live:
        with live.db.transaction(write=True) as conn:
            add_clicks(conn, "aged", 1500, OLD)
            add_clicks(conn, "young", 10, utcnow())
        server = live.start(workers=2)
        deadline = time.monotonic() + 60
        while True:
            with live.db.transaction(write=False) as conn:
                left = conn.execute(select(func.count()).select_from(clicks)).scalar_one()
            if left == 10:
                break
            assert time.monotonic() < deadline, f"{left} clicks left"
            time.sleep(0.2)
        assert _leaders(server.url, live.db.path, live.db.engine) == 1
        net = Network(server.url, live.headers).build()
        assert net.click()  # serving goes on
        assert live.server_errors() == []
