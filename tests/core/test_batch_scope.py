"""What a group-commit batch shares: deferred inserts, and reads that hold for its transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any

import pytest
from sqlalchemy import Connection, text

from tests.core.test_batch import run_batch
from tests.customers.factory import add_advertiser, add_customer
from trackpost.core.batch import WriteBatcher, batch_scope
from trackpost.core.db import Database, utcnow
from trackpost.core.errors import NotFound
from trackpost.core.hot import Hot
from trackpost.core.http import Services
from trackpost.customers import repository as customers_repo
from trackpost.tracking import repository as tracking_repo

pytestmark = pytest.mark.usefixtures("sqlite_only")


def committed_actors(db: Database) -> list[str]:
    """Audit actors in insertion order, as another process sees them (committed rows only)."""
    assert db.path is not None
    with closing(sqlite3.connect(db.path)) as other:
        return [r[0] for r in other.execute("SELECT actor FROM customer_audit ORDER BY auditid")]


def audit_row(customer_id: int, actor: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "at": utcnow(),
        "actor": actor,
        "source": "api",
        "source_ip": None,
        "action": "lock",
        "changes": "{}",
        "reason": None,
        "request_id": None,
    }


def audit(customer_id: int, actor: str, seen: list[int] | None = None) -> Callable[..., str]:
    """An op that adds one audit row and notes how many rows its own transaction can see."""

    def op(conn: Connection) -> str:
        customers_repo.insert_audit(conn, audit_row(customer_id, actor))
        if seen is not None:
            seen.append(conn.execute(text("SELECT count(*) FROM customer_audit")).scalar_one())
        return actor

    return op


@pytest.fixture
def customer(services: Services) -> int:
    advertiser = add_advertiser(services.db, "scope-adv")
    return add_customer(services.db, advertiser, "scope-sub")


def test_deferred_rows_go_in_at_commit_in_arrival_order(
    services: Services, batcher: WriteBatcher, customer: int
) -> None:
    """Audit rows wait for the batch's end, then all commit, in the order the requests came."""
    before = len(committed_actors(services.db))
    seen: list[int] = []
    ops = [audit(customer, name, seen) for name in ("first", "second", "third")]
    assert run_batch(batcher, ops) == ["first", "second", "third"]
    # Inside the batch no audit row was inserted yet: one executemany did it before COMMIT.
    assert seen == [before, before, before]
    assert committed_actors(services.db)[before:] == ["first", "second", "third"]


def test_a_failed_requests_deferred_rows_are_dropped(
    services: Services, batcher: WriteBatcher, customer: int
) -> None:
    """A request that deferred a row and then failed leaves no row; its batch-mates' stay."""

    def refused(conn: Connection) -> str:
        audit(customer, "refused")(conn)
        raise NotFound("No such customer.", code="customer_not_found")

    before = len(committed_actors(services.db))
    first, second, third = run_batch(batcher, [audit(customer, "a"), refused, audit(customer, "b")])
    assert (first, third) == ("a", "b")
    assert isinstance(second, NotFound)
    assert committed_actors(services.db)[before:] == ["a", "b"]


def test_a_deferred_row_that_cannot_go_in_fails_only_its_request(
    services: Services, batcher: WriteBatcher, customer: int
) -> None:
    """The batch's insert fails on one bad row; run again row by row, only its request fails."""
    before = len(committed_actors(services.db))
    ops = [audit(customer, "ok-1"), audit(999_999, "orphan"), audit(customer, "ok-2")]
    first, second, third = run_batch(batcher, ops)
    assert (first, third) == ("ok-1", "ok-2")
    assert isinstance(second, sqlite3.IntegrityError)  # the foreign key to customers
    assert committed_actors(services.db)[before:] == ["ok-1", "ok-2"]


def test_without_a_batch_a_deferred_insert_happens_at_once(
    services: Services, customer: int
) -> None:
    """Outside group commit (a CLI job, PostgreSQL) the row is in the transaction at once."""
    with services.db.transaction(write=True) as conn:
        assert batch_scope(conn) is None
        customers_repo.insert_audit(conn, audit_row(customer, "direct"))
        count = conn.execute(
            text("SELECT count(*) FROM customer_audit WHERE actor = 'direct'")
        ).scalar_one()
        assert count == 1


def test_cache_version_is_read_once_per_batch_and_a_bump_in_it_is_seen(
    batcher: WriteBatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Clicks of one batch share one version read; a change in the batch is seen by later ones."""
    reads: list[int] = []
    real_first = Hot.first

    def counting(self: Hot, conn: Connection, values: Any) -> Any:
        if self is tracking_repo._VERSION:
            reads.append(1)
        return real_first(self, conn, values)

    monkeypatch.setattr(Hot, "first", counting)

    def version(conn: Connection) -> str:
        return str(tracking_repo.cache_version(conn))

    def bump(conn: Connection) -> str:
        tracking_repo.bump_version(conn)
        return "bumped"

    results = run_batch(batcher, [version, version, bump, version, version])
    assert results[2] == "bumped"
    v1, v2, v3, v4 = (int(str(r)) for i, r in enumerate(results) if i != 2)
    assert v1 == v2
    assert v3 == v4 == v1 + 1
    assert len(reads) == 2  # once at the start, once after the bump
