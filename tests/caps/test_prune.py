"""Pruning forgets the unique-click addresses and counted sales of ended windows only."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlalchemy import select

from tests.accounts.test_cli import run_cli
from tests.caps.support import add_cap
from tests.postbacks.network import Network
from trackpost.caps import job
from trackpost.caps import service as caps
from trackpost.caps.service import CapGate
from trackpost.cli import background
from trackpost.core.db import utcnow
from trackpost.models.tables import cap_bookings, cap_visitors

OLD = dt.datetime(2026, 1, 5, 10, 30, tzinfo=dt.UTC)


def _visit(net: Network, when: dt.datetime, ip: str) -> None:
    """A unique click through the gate at `when`, committed."""
    with net.services.db.transaction(write=True) as conn:
        assert CapGate().admit(conn, 10**9, net.offer, net.affiliate, ip, when) is None


def _book(net: Network, tid: int, when: dt.datetime) -> None:
    row: dict[str, Any] = {
        "trans_type": "initial",
        "status": "approved",
        "amount": 995,
        "offerid": net.offer,
        "loginid": net.affiliate,
        "parent_transactionid": None,
    }
    with net.services.db.transaction(write=True) as conn:
        caps.count_booking(conn, tid, row, when)


def _kept(net: Network) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
    """(capid, ip) of the remembered addresses and (capid, transactionid) of counted sales."""
    with net.services.db.transaction(write=False) as conn:
        visitors = conn.execute(
            select(cap_visitors.c.capid, cap_visitors.c.ip).order_by("capid", "ip")
        )
        bookings = conn.execute(
            select(cap_bookings.c.capid, cap_bookings.c.transactionid).order_by(
                "capid", "transactionid"
            )
        )
        return [(int(r[0]), str(r[1])) for r in visitors], [
            (int(r[0]), int(r[1])) for r in bookings
        ]


def _memories(net: Network) -> tuple[int, int, int]:
    """A day's unique-click cap, a day's revenue cap, an all-time unique-click cap; each with
    memories of an ended window (OLD) and of the current one."""
    notify = {"redirect_type": "notify"}
    day = add_cap(net, cap="1000", type="Unique Clicks", duration="Day", **notify)
    money = add_cap(net, cap="1000.00", type="Dollars", duration="Day", **notify)
    ever = add_cap(net, cap="1000", type="Unique Clicks", duration="All Time", **notify)
    now = utcnow()
    for n in range(5):
        _visit(net, OLD, f"10.0.0.{n}")
        _book(net, 100 + n, OLD)
    _visit(net, now, "10.9.9.9")
    _book(net, 200, now)
    return day, money, ever


def test_caps_prune_forgets_ended_windows_and_keeps_the_current(net: Network) -> None:
    day, money, ever = _memories(net)
    old_ips = [f"10.0.0.{n}" for n in range(5)]
    assert len(_kept(net)[0]) == 12
    assert len(_kept(net)[1]) == 6
    done = run_cli(net.services.settings, "caps", "prune")
    assert done.returncode == 0, done.stderr
    assert "pruned 5 unique-click addresses and 5 counted sales" in done.stdout
    visitors, bookings = _kept(net)
    # The day cap keeps today's address; the all-time cap's one window never ends.
    assert visitors == [(day, "10.9.9.9"), *((ever, ip) for ip in [*old_ips, "10.9.9.9"])]
    assert bookings == [(money, 200)]
    # A repeat of today's address is still known: not counted again.
    _visit(net, utcnow(), "10.9.9.9")
    assert _kept(net)[0] == visitors


def test_prune_goes_in_bounded_batches_and_clears_a_deleted_cap(net: Network) -> None:
    day, money, ever = _memories(net)
    resp = net.api.patch("/api/offer/remove_conversion_cap", {"cap_redirect_id": ever})
    assert resp.status_code == 200, resp.text
    report = job.prune(net.services.db, batch=2)
    assert (report.visitors, report.bookings) == (5 + 6, 5)
    # Each kind of each cap: full batches, then one short one.
    assert report.batches == (3 + 1) + (1 + 3) + (4 + 1)
    visitors, bookings = _kept(net)
    assert (visitors, bookings) == ([(day, "10.9.9.9")], [(money, 200)])
    # Nothing left: a second run deletes nothing.
    assert job.prune(net.services.db).visitors == 0


def test_the_serve_job_prunes(net: Network) -> None:
    _memories(net)
    runner = job.CapsJob(net.services.settings)
    runner.work(net.services.db)
    visitors, bookings = _kept(net)
    assert len(visitors) == 1 + 6
    assert len(bookings) == 1


def test_serves_jobs_process_runs_the_prune(net: Network) -> None:
    _memories(net)
    settings = net.services.settings.replace(
        delivery_workers=False,
        stats_fold_seconds=0,
        payments_build=False,
        click_retention_days=None,
        caps_prune_seconds=0.05,
    )
    assert background.wanted(settings)
    assert not background.wanted(settings.replace(caps_prune_seconds=0))
    [runner] = background.start_jobs(settings)
    try:
        assert isinstance(runner, job.CapsJob)
        deadline = time.monotonic() + 10
        while len(_kept(net)[1]) > 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        runner.stop()
    assert len(_kept(net)[1]) == 1
