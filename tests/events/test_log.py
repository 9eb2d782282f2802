"""The event log: an event commits or rolls back with its cause; consumers read each once, in order."""

from __future__ import annotations

import time

import pytest

from trackpost.core.http import Services
from trackpost.events.service import Event, StoredEvent, advance, pending, record
from trackpost.webhooks.service import add_endpoint


@pytest.fixture(autouse=True)
def subscribed(services: Services) -> None:
    """An endpoint for every type: a type is recorded only while one is wanted (docs/events.md)."""
    with services.db.transaction(write=True) as conn:
        add_endpoint(conn, "https://hooks.example.com/log", ["*"], None)


def _read(services: Services, consumer: str, limit: int = 500) -> list[StoredEvent]:
    """What the consumer would take now, waiting out other tests' transactions on PostgreSQL.

    On PostgreSQL any running write transaction of the cluster holds readers back (docs/events.md).
    """
    for _ in range(200):
        with services.db.transaction(write=True) as conn:
            events = pending(conn, consumer, limit)
        if events or services.db.is_sqlite:
            return events
        time.sleep(0.02)
    return []


def _types(services: Services, consumer: str) -> list[str]:
    return [e.type for e in _read(services, consumer)]


def test_an_event_commits_with_its_cause_and_not_without(services: Services) -> None:
    with services.db.transaction(write=True) as conn:
        record(conn, Event("customer.locked", {"customer_id": 7, "reason": "fraud"}, 7))
    try:
        with services.db.transaction(write=True) as conn:
            record(conn, Event("customer.unlocked", {"customer_id": 7}, 7))
            raise RuntimeError("the cause failed")
    except RuntimeError:
        pass
    (event,) = _read(services, "stats")
    assert (event.type, event.customer_id) == ("customer.locked", 7)
    assert event.payload == {"customer_id": 7, "reason": "fraud"}


def test_each_consumer_reads_every_event_once_in_order(services: Services) -> None:
    with services.db.transaction(write=True) as conn:
        for n in range(5):
            record(conn, Event(f"e{n}", {"n": n}))
    first = _read(services, "delivery", limit=3)
    with services.db.transaction(write=True) as conn:
        advance(conn, "delivery", first[-1])
    assert [e.type for e in first] == ["e0", "e1", "e2"]
    assert _types(services, "delivery") == ["e3", "e4"]
    # Another consumer has its own position.
    assert _types(services, "stats") == ["e0", "e1", "e2", "e3", "e4"]


def test_an_unadvanced_read_is_read_again(services: Services) -> None:
    """A consumer that fails before advancing loses nothing: the next read starts where it was."""
    with services.db.transaction(write=True) as conn:
        record(conn, Event("transaction.created", {"amount": 4900}))
    assert _types(services, "delivery") == ["transaction.created"]
    assert _types(services, "delivery") == ["transaction.created"]


def test_a_later_commit_never_appears_before_an_earlier_running_one(services: Services) -> None:
    """PostgreSQL gives ids out of commit order; a reader must wait for the slower writer."""
    if services.db.is_sqlite:
        pytest.skip("SQLite has one writer: ids are in commit order")
    engine = services.db.engine
    slow = engine.connect()
    slow_tx = slow.begin()
    record(slow, Event("slow", {}))  # takes the lower id, commits last
    with services.db.transaction(write=True) as conn:
        record(conn, Event("fast", {}))
    # The fast one is committed, but reading it now would let "slow" appear behind the cursor.
    with services.db.transaction(write=True) as conn:
        assert pending(conn, "stats") == []
    slow_tx.commit()
    slow.close()
    assert _types(services, "stats") == ["slow", "fast"]
