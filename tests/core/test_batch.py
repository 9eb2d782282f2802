"""SQLite group commit: concurrent write handlers share one transaction, each isolated."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, text
from starlette.testclient import TestClient

from tests.conftest import make_admin
from tests.customers.factory import add_advertiser, add_customer, customer_row
from tests.support import assert_error, os_thread_name
from trackpost.app import build_services, create_app
from trackpost.core.batch import WriteBatcher
from trackpost.core.config import Settings
from trackpost.core.db import GATE_THREAD, Database, WriterGate, utcnow
from trackpost.core.errors import NotFound
from trackpost.core.http import Services
from trackpost.iplists import service as config_service
from trackpost.iplists.rules import IpListCache

LOCK = "/api/customer/lock"


pytestmark = pytest.mark.usefixtures("sqlite_only")


def _path(db: Database) -> Path:
    assert db.path is not None
    return db.path


def committed_ips(db: Database) -> set[str]:
    """What another process would see: a fresh sqlite3 connection, outside every transaction."""
    with closing(sqlite3.connect(_path(db))) as other:
        return {r[0] for r in other.execute("SELECT ip FROM ip_list_entries")}


def insert_ip(ip: str, log: list[str] | None = None) -> Callable[[Connection], str]:
    def op(conn: Connection) -> str:
        if log is not None:
            log.append(ip)
        conn.execute(
            text("INSERT INTO ip_list_entries (list, ip, created_at) VALUES ('post', :ip, :at)"),
            {"ip": ip, "at": utcnow().replace(tzinfo=None)},
        )
        return ip

    return op


def run_batch(batcher: WriteBatcher, ops: list[Callable[[Connection], str]]) -> list[object]:
    """Queue the ops concurrently in one event loop; each outcome is a result or an exception."""

    async def scenario() -> list[object]:
        calls = asyncio.gather(*(batcher.run(op) for op in ops), return_exceptions=True)
        return list(await asyncio.wait_for(calls, timeout=10))

    return asyncio.run(scenario())


def concurrent_locks(
    settings: Settings, services: Services, headers: dict[str, str], customer_ids: list[str]
) -> list[httpx.Response]:
    """Lock requests sent at once into one worker, so that they can share a batch."""
    transport = httpx.ASGITransport(app=create_app(settings, services))

    async def scenario() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            bodies = [{"customer_id": c} for c in customer_ids]
            calls = (client.patch(LOCK, data=b, headers=headers) for b in bodies)
            return list(await asyncio.gather(*calls))

    return asyncio.run(scenario())


def test_concurrent_writes_share_one_transaction_and_all_commit(
    services: Services, batcher: WriteBatcher, batches: list[int]
) -> None:
    """Handlers queued together run in one transaction, all commit, each gets its own result."""
    ips = [f"192.0.2.{i}" for i in range(5)]
    unseen_outside: list[bool] = []

    def op_for(ip: str) -> Callable[[Connection], str]:
        def op(conn: Connection) -> str:
            # Earlier ops' rows are visible inside the shared transaction, but not committed yet.
            inside = {r[0] for r in conn.execute(text("SELECT ip FROM ip_list_entries"))}
            unseen_outside.append(
                not committed_ips(services.db) and inside == set(ips[: len(unseen_outside)])
            )
            return insert_ip(ip)(conn)

        return op

    assert run_batch(batcher, [op_for(ip) for ip in ips]) == ips
    assert batches == [1]
    assert unseen_outside == [True] * len(ips)
    assert committed_ips(services.db) == set(ips)


@pytest.mark.parametrize("error", [NotFound("no such thing"), RuntimeError("handler bug")])
def test_failing_op_gets_its_error_and_only_its_writes_roll_back(
    services: Services, batcher: WriteBatcher, batches: list[int], error: Exception
) -> None:
    """An op that writes then raises loses its writes and gets its error; its batch-mates commit."""
    calls: list[int] = []

    def failing(conn: Connection) -> str:
        calls.append(1)
        insert_ip("198.51.100.2")(conn)
        raise error

    ops = [insert_ip("198.51.100.1"), failing, insert_ip("198.51.100.3")]
    first, second, third = run_batch(batcher, ops)
    assert (first, third) == ("198.51.100.1", "198.51.100.3")
    assert second is error
    # Rolled back once, then run again without the failing op, which is not run twice.
    assert batches == [1, 1]
    assert calls == [1]
    assert committed_ips(services.db) == {"198.51.100.1", "198.51.100.3"}


def test_an_op_failing_before_any_write_costs_no_rerun(
    services: Services, batcher: WriteBatcher, batches: list[int]
) -> None:
    """A refusal that changed no rows (the usual 4xx) leaves its batch-mates' single commit alone."""

    def refused(conn: Connection) -> str:
        raise NotFound("No such customer.", code="customer_not_found")

    ops = [insert_ip("198.51.100.4"), refused, insert_ip("198.51.100.5")]
    first, second, third = run_batch(batcher, ops)
    assert (first, third) == ("198.51.100.4", "198.51.100.5")
    assert isinstance(second, NotFound)
    assert batches == [1]
    assert committed_ips(services.db) == {"198.51.100.4", "198.51.100.5"}


def _orphan_audit(conn: Connection) -> None:
    """Makes the batch's COMMIT fail: a deferred foreign key that is never satisfied."""
    conn.execute(text("PRAGMA defer_foreign_keys=ON"))
    conn.execute(
        text(
            "INSERT INTO customer_audit (customer_id, at, actor, source, action, changes)"
            " VALUES (999999, :at, 'test', 'api', 'lock', '{}')"
        ),
        {"at": utcnow().replace(tzinfo=None)},
    )


def test_failed_commit_fails_every_op_and_writes_nothing(
    services: Services, batcher: WriteBatcher, batches: list[int]
) -> None:
    """When SQLite refuses the COMMIT, every waiter gets an error and none of the batch is kept."""

    def orphan_audit(conn: Connection) -> str:
        _orphan_audit(conn)
        return "orphan"

    outcomes = run_batch(
        batcher, [insert_ip("203.0.113.1"), orphan_audit, insert_ip("203.0.113.3")]
    )
    assert batches == [1]
    assert all(isinstance(o, Exception) for o in outcomes), outcomes
    assert "FOREIGN KEY" in str(outcomes[0])
    assert committed_ips(services.db) == set()
    with closing(sqlite3.connect(_path(services.db))) as other:
        assert other.execute("SELECT count(*) FROM customer_audit").fetchone() == (0,)
    # The connection went back clean: the next batch commits normally.
    assert run_batch(batcher, [insert_ip("203.0.113.9")]) == ["203.0.113.9"]
    assert committed_ips(services.db) == {"203.0.113.9"}


def test_failed_commit_resets_the_ip_list_cache(services: Services, batcher: WriteBatcher) -> None:
    """A cache filled from a failed batch's uncommitted lists is not trusted afterwards."""
    cache = services.cache(IpListCache)

    def add_listed(conn: Connection) -> str:
        config_service.add_ip(conn, "post", "10.9.9.9")
        return "added"

    def read_lists(conn: Connection) -> str:
        return str(cache.get(conn).version)

    def break_commit(conn: Connection) -> str:
        _orphan_audit(conn)
        return "orphan"

    outcomes = run_batch(batcher, [add_listed, read_lists, break_commit])
    assert all(isinstance(o, Exception) for o in outcomes), outcomes
    # A later committed change reaches the same version number the failed batch had used.
    with services.db.transaction(write=True) as conn:
        config_service.add_ip(conn, "post", "10.1.1.1")
    with services.db.transaction(write=False) as conn:
        assert [str(n) for n in cache.get(conn).post] == ["10.1.1.1/32"]


def test_answer_comes_only_after_commit(services: Services, batcher: WriteBatcher) -> None:
    """When run() returns, another connection already sees the write (no answer before COMMIT)."""

    async def scenario() -> set[str]:
        await batcher.run(insert_ip("192.0.2.77"))
        return committed_ips(services.db)

    assert asyncio.run(scenario()) == {"192.0.2.77"}


def test_cancelled_waiter_does_not_break_its_batch(
    services: Services, batcher: WriteBatcher, batches: list[int]
) -> None:
    """A waiter cancelled after queueing leaves its batch-mates intact; its queued op still runs."""
    ran: list[str] = []
    ips = ["192.0.2.10", "192.0.2.11", "192.0.2.12"]

    async def scenario() -> tuple[list[str], list[str]]:
        tasks = [asyncio.create_task(batcher.run(insert_ip(ip, ran))) for ip in ips]
        await asyncio.sleep(0)  # every op is queued; the drain is scheduled but has not run
        ran_before_cancel = list(ran)
        tasks[1].cancel()
        await asyncio.wait(tasks, timeout=10)
        assert tasks[1].cancelled()
        return ran_before_cancel, [tasks[0].result(), tasks[2].result()]

    ran_before_cancel, results = asyncio.run(scenario())
    assert ran_before_cancel == []
    assert results == [ips[0], ips[2]]
    assert ran == ips
    assert batches == [1]
    # Documented in batch.py: an op already queued runs and commits even if nobody awaits it.
    assert committed_ips(services.db) == set(ips)


@pytest.mark.parametrize("holder", ["writer_gate", "write_transaction"])
def test_gate_contention_waits_without_blocking_the_event_loop(
    services: Services, batcher: WriteBatcher, holder: str
) -> None:
    """While another writer holds the gate the loop keeps serving; the write lands after release."""
    held, release, released = threading.Event(), threading.Event(), threading.Event()
    ran: list[str] = []

    def hold() -> None:
        cm: AbstractContextManager[Any] = (
            WriterGate(_path(services.db)).hold()
            if holder == "writer_gate"
            else services.db.transaction(write=True)
        )
        with cm:
            held.set()
            release.wait(timeout=10)  # a blocked event loop would only resume after this
        released.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(timeout=5)

    async def scenario() -> tuple[int, str]:
        task = asyncio.create_task(batcher.run(insert_ip("192.0.2.99", ran)))
        ticks = 0
        while ticks < 200:
            await asyncio.sleep(0)
            ticks += 1
        await asyncio.sleep(0.05)  # real time for the gate wait to be under way in its thread
        assert not released.is_set(), "the event loop stalled until the holder gave up"
        assert batcher._executor is not None
        waiting = [os_thread_name(t) for t in batcher._executor._threads]
        assert waiting == [GATE_THREAD], "the waiting thread is named for top -H"
        assert not task.done()
        assert ran == []
        release.set()
        return ticks, await asyncio.wait_for(task, timeout=10)

    try:
        assert asyncio.run(scenario()) == (200, "192.0.2.99")
    finally:
        release.set()
        thread.join(timeout=10)
    assert committed_ips(services.db) == {"192.0.2.99"}


def test_http_lock_under_group_commit(
    http: TestClient, services: Services, batches: list[int]
) -> None:
    """Through HTTP with group commit on, an unknown customer is a 404 writing nothing."""
    admin = make_admin(services, "gc_admin")
    customer = add_customer(services.db, add_advertiser(services.db, "acme"), "SUB-1")
    before = customer_row(services.db, customer)
    with closing(sqlite3.connect(_path(services.db))) as other:
        audits = other.execute("SELECT count(*) FROM customer_audit").fetchone()
    setup = len(batches)
    resp = http.patch(LOCK, data={"customer_id": "999999"}, headers=admin.headers)
    assert_error(resp, 404, "customer_not_found", "999999")
    assert customer_row(services.db, customer) == before
    with closing(sqlite3.connect(_path(services.db))) as other:
        assert other.execute("SELECT count(*) FROM customer_audit").fetchone() == audits
    resp = http.patch(LOCK, data={"customer_id": customer}, headers=admin.headers)
    assert resp.status_code == 200
    assert resp.content == b"true"
    assert customer_row(services.db, customer)["locked"] is True
    assert len(batches) - setup == 2  # both requests went through the batcher


def test_http_concurrent_requests_share_a_batch_yet_fail_alone(
    settings: Settings, services: Services, batches: list[int]
) -> None:
    """Concurrent lock requests in one batch: the unknown one is a 404, the real one still locks."""
    admin = make_admin(services, "gc_admin")
    customer = add_customer(services.db, add_advertiser(services.db, "acme"), "SUB-1")
    setup = len(batches)
    missing, found = concurrent_locks(settings, services, admin.headers, ["999999", str(customer)])
    assert_error(missing, 404, "customer_not_found", "999999")
    assert found.status_code == 200
    assert found.content == b"true"
    assert len(batches) - setup == 1
    assert customer_row(services.db, customer)["locked"] is True


def test_http_without_group_commit(settings: Settings) -> None:
    """With group_commit=False there is no batcher and the same write endpoints still work."""
    plain = settings.replace(group_commit=False)
    svc = build_services(plain, pool_size=2)
    try:
        assert svc.batcher is None
        admin = make_admin(svc, "plain_admin")
        customer = add_customer(svc.db, add_advertiser(svc.db, "acme"), "SUB-1")
        with TestClient(create_app(plain, svc), raise_server_exceptions=False) as client:
            resp = client.patch(LOCK, data={"customer_id": "999999"}, headers=admin.headers)
            assert_error(resp, 404, "customer_not_found", "999999")
            resp = client.patch(LOCK, data={"customer_id": customer}, headers=admin.headers)
            assert resp.status_code == 200
            assert resp.content == b"true"
        assert customer_row(svc.db, customer)["locked"] is True
    finally:
        svc.db.dispose()
