"""The fold job in the jobs process's thread, and `trackpost stats status` and `rebuild`."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pytest

from tests.accounts.test_cli import run_cli
from tests.postbacks.network import Network
from trackpost.stats import job

PL = "/api/report/profitloss"


def test_the_job_folds_in_the_background_and_stops(net: Network) -> None:
    for _ in range(3):
        net.click()
    net.convert(amount="12.00")
    assert job.status(net.services.db).clicks_behind == 4
    settings = net.services.settings.replace(stats_fold_seconds=0.05)
    worker = job.StatsJob(settings).start()
    try:
        deadline = time.monotonic() + 20
        while job.status(net.services.db).clicks_behind and time.monotonic() < deadline:
            time.sleep(0.05)
        state = job.status(net.services.db)
        assert (state.clicks_behind, state.transactions_behind) == (0, 0)
        assert state.folded_at is not None
    finally:
        worker.stop()
    assert not worker._thread.is_alive()
    body = net.api.get(PL, {"period": 7, "view": "offer"}).json()
    assert (body["total"]["raw_clicks"], body["total"]["income"]) == (4, "12.00")


def test_cli_status_and_rebuild(net: Network) -> None:
    net.convert(amount="12.00")
    net.click()
    before = net.api.get(PL, {"period": 7, "view": "login"}).json()
    status = run_cli(net.services.settings, "stats", "status")
    assert status.returncode == 0, status.stderr
    assert "2 behind" in status.stdout
    job.fold_all(net.services.db, 86400)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    done = run_cli(net.services.settings, "stats", "rebuild", "--from", today, "--to", today)
    assert done.returncode == 0, done.stderr
    assert f"rebuilt the statistics of {today} to {today}" in done.stdout
    assert net.api.get(PL, {"period": 7, "view": "login"}).json() == before
    assert "0 behind" in run_cli(net.services.settings, "stats", "status").stdout
    bad = run_cli(net.services.settings, "stats", "rebuild", "--from", today, "--to", "2000-01-01")
    assert bad.returncode != 0
    assert "--to" in bad.stderr


def test_cli_fold_catches_the_rollups_up(net: Network) -> None:
    net.convert(amount="12.00")
    net.click()
    before = net.api.get(PL, {"period": 7, "view": "login"}).json()
    done = run_cli(net.services.settings, "stats", "fold")
    assert done.returncode == 0, done.stderr
    assert "folded 2 clicks and 1 ledger events; none left" in done.stdout
    assert "0 behind" in run_cli(net.services.settings, "stats", "status").stdout
    # Reports read the same from the rollups as they did from the live tail.
    assert net.api.get(PL, {"period": 7, "view": "login"}).json() == before
    again = run_cli(net.services.settings, "stats", "fold")
    assert "folded 0 clicks and 0 ledger events" in again.stdout


def _nice(native_id: int) -> int:
    """A thread's niceness, from the kernel's view of it."""
    stat = Path(f"/proc/self/task/{native_id}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def test_on_sqlite_the_fold_sums_niced_and_copies_at_full_priority(net: Network) -> None:
    if net.services.db.path is None:
        pytest.skip("PostgreSQL sums and copies in the database's own processes")
    net.click()
    settings = net.services.settings.replace(stats_fold_seconds=0.05, stats_fold_nice=7)
    worker = job.StatsJob(settings).start()
    try:
        deadline = time.monotonic() + 20
        while job.status(net.services.db).clicks_behind and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.status(net.services.db).clicks_behind == 0
        threads = {t.name: t.native_id for t in threading.enumerate()}
        copier = next(i for n, i in threads.items() if n.startswith("tp-stats-copy"))
        assert worker._thread.native_id is not None
        assert copier is not None
        # The summing thread yields the CPU; the one holding SQLite's writer does not.
        assert _nice(worker._thread.native_id) == _nice(threading.get_native_id()) + 7
        assert _nice(copier) == _nice(threading.get_native_id())
    finally:
        worker.stop()
