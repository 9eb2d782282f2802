"""Group commit when things break: the disk fills, a handler misbehaves, the gate fails."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import Connection, text

from tests.core.test_batch import committed_ips, insert_ip, run_batch
from trackpost.core.batch import WriteBatcher, WriterStopped
from trackpost.core.db import WriterGate
from trackpost.core.http import Services

pytestmark = pytest.mark.usefixtures("sqlite_only")


def fills_the_disk(conn: Connection) -> str:
    """A write that needs a new page while the database may not grow: SQLite's "disk full"."""
    pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    conn.exec_driver_sql(f"PRAGMA max_page_count={pages}")
    try:
        conn.execute(
            text(
                "INSERT INTO ip_list_entries (list, ip, created_at)"
                " VALUES ('post', hex(randomblob(200000)), '2026-01-01 00:00:00')"
            )
        )
    finally:
        conn.exec_driver_sql("PRAGMA max_page_count=1073741823")
    return "never"


def test_disk_full_in_one_handler_keeps_every_answer_true(
    services: Services, batcher: WriteBatcher
) -> None:
    """SQLite rolls the whole transaction back on a full disk; no batch-mate is told a lost write."""
    outcomes = run_batch(batcher, [insert_ip("192.0.2.1"), fills_the_disk, insert_ip("192.0.2.3")])
    assert outcomes[0] == "192.0.2.1"
    assert "full" in str(outcomes[1])
    assert outcomes[2] == "192.0.2.3"
    assert committed_ips(services.db) == {"192.0.2.1", "192.0.2.3"}


def test_disk_full_then_a_failing_writer_leaves_nothing_of_the_failures(
    services: Services, batcher: WriteBatcher
) -> None:
    """After SQLite's own rollback no later handler runs outside the transaction."""

    def writes_then_fails(conn: Connection) -> str:
        insert_ip("192.0.2.5")(conn)
        raise RuntimeError("a bug after the write")

    ops = [insert_ip("192.0.2.1"), fills_the_disk, insert_ip("192.0.2.4"), writes_then_fails]
    outcomes = run_batch(batcher, ops)
    assert [outcomes[0], outcomes[2]] == ["192.0.2.1", "192.0.2.4"]
    assert isinstance(outcomes[3], RuntimeError)
    assert committed_ips(services.db) == {"192.0.2.1", "192.0.2.4"}


def test_a_handler_raising_stopiteration_does_not_strand_the_others(
    services: Services, batcher: WriteBatcher
) -> None:
    """asyncio futures refuse StopIteration; it arrives as a RuntimeError, the rest answered."""

    def stops(conn: Connection) -> str:
        raise StopIteration

    outcomes = run_batch(batcher, [insert_ip("192.0.2.1"), stops, insert_ip("192.0.2.3")])
    assert outcomes[0] == "192.0.2.1"
    assert isinstance(outcomes[1], RuntimeError)
    assert outcomes[2] == "192.0.2.3"


def test_a_gate_error_fails_its_waiters_and_the_next_write_works(
    services: Services, batcher: WriteBatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error taking the gate (no file descriptors left) answers the waiters, never hangs them."""
    assert batcher.gate is not None
    real, calls = batcher.gate.try_lock, []

    def once_broken() -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise OSError(24, "Too many open files")
        return real()

    monkeypatch.setattr(batcher.gate, "try_lock", once_broken)
    outcomes = run_batch(batcher, [insert_ip("192.0.2.1")])
    assert isinstance(outcomes[0], OSError)
    assert run_batch(batcher, [insert_ip("192.0.2.2")]) == ["192.0.2.2"]
    assert committed_ips(services.db) == {"192.0.2.2"}


def test_a_cancelled_gate_wait_gives_the_gate_back(
    services: Services, batcher: WriteBatcher
) -> None:
    """Shutdown cancelling a batch that waits for the gate: its waiter hears so, the gate is freed."""
    path = services.db.path
    assert path is not None
    other = WriterGate(path)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with other.hold():
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(5)

    async def scenario() -> tuple[object, bool]:
        waiter = asyncio.ensure_future(batcher.run(insert_ip("192.0.2.9")))
        await asyncio.sleep(0.05)
        task = batcher._task
        assert task is not None
        task.cancel()  # what the loop's shutdown does to its pending tasks
        outcome = (await asyncio.gather(waiter, return_exceptions=True))[0]
        release.set()
        await asyncio.sleep(0.2)
        # Polled: the checkpointer takes the gate too, for one checkpoint at a time.
        probe = WriterGate(path)
        for _ in range(5000):
            if probe.try_lock():
                return outcome, True
            await asyncio.sleep(0.001)
        return outcome, False

    outcome, free = asyncio.run(scenario())
    holder.join(5)
    assert isinstance(outcome, WriterStopped)
    assert free, "the gate thread took the gate after the cancel and must have released it"
    assert committed_ips(services.db) == set()
