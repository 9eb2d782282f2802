"""PostgreSQL group commit: clicks share a transaction; every other write keeps its own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import replace

import httpx
import psycopg
import pytest
from sqlalchemy import Connection, event, text

from tests.core.test_batch import run_batch
from tests.core.test_batch_scope import audit
from tests.customers.factory import add_advertiser, add_customer
from tests.support import ApiClient
from tests.tracking.support import click_rows, code_of, network
from trackpost.app import build_services, create_app
from trackpost.core.batch import WriteBatcher
from trackpost.core.config import Settings
from trackpost.core.db import WRITE_OPTION
from trackpost.core.errors import NotFound
from trackpost.core.http import Services


@pytest.fixture
def postgres_only(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("PostgreSQL's group commit; SQLite's has tests of its own")


pytestmark = pytest.mark.usefixtures("postgres_only")


@pytest.fixture
def appender(services: Services) -> WriteBatcher:
    assert services.batcher is None, "PostgreSQL has no writer turn to share"
    assert services.append_batcher is not None, "on by default"
    return services.append_batcher


@pytest.fixture
def write_transactions(services: Services) -> Iterator[list[int]]:
    """Counts transactions begun on connections that write."""
    opened: list[int] = []

    def count(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION, False):
            opened.append(1)

    event.listen(services.db.engine, "begin", count)
    yield opened
    event.remove(services.db.engine, "begin", count)


def committed_actors(services: Services) -> list[str]:
    with services.db.transaction(write=False) as conn:
        rows = conn.execute(text("SELECT actor FROM customer_audit ORDER BY auditid"))
        return [r[0] for r in rows]


def new_code(api: ApiClient) -> str:
    net = network(api)
    return code_of(api, loginid=net["loginid"], offerid=net["offerid"])


def concurrent_clicks(services: Services, settings: Settings, target: str, n: int) -> list[int]:
    """n clicks sent at once into one worker, as a busy ad network sends them; their statuses."""
    app = create_app(settings, services)

    async def scenario() -> list[int]:
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://t.example") as client:
            answers = await asyncio.gather(*(client.get(target) for _ in range(n)))
        return [a.status_code for a in answers]

    return asyncio.run(scenario())


def test_concurrent_clicks_share_one_commit_and_all_are_recorded(
    settings: Settings,
    services: Services,
    api: ApiClient,
    appender: WriteBatcher,
    write_transactions: list[int],
) -> None:
    code = new_code(api)
    before = len(click_rows(services))
    statuses = concurrent_clicks(services, settings, f"/track/{code}?subaff1=x", 12)
    assert statuses == [302] * 12
    rows = click_rows(services)[before:]
    assert len(rows) == 12
    assert len({r["click_hash"] for r in rows}) == 12
    assert [r["subaff1"] for r in rows] == ["x"] * 12
    # Fewer transactions than clicks (a click arriving while a batch runs joins the next one);
    # with the setting off each click has its own (the last test).
    assert 1 <= len(write_transactions) < 12


def test_other_writes_keep_a_transaction_each(
    services: Services, api: ApiClient, appender: WriteBatcher, write_transactions: list[int]
) -> None:
    """A lock takes a row lock, which another worker's batch could wait for: never batched."""
    advertiser = add_advertiser(services.db, "pg-batch-adv")
    add_customer(services.db, advertiser, "pg-batch-sub")
    setup = len(write_transactions)
    for op in ("lock", "unlock"):
        resp = api.patch(f"/api/customer/{op}", {"subscription_id": "pg-batch-sub"})
        assert resp.json() is True, resp.text
    assert len(write_transactions) - setup == 2


def test_a_failed_requests_deferred_rows_are_dropped(
    services: Services, appender: WriteBatcher
) -> None:
    customer = add_customer(services.db, add_advertiser(services.db, "pg-adv"), "pg-sub")

    def refused(conn: Connection) -> str:
        audit(customer, "refused")(conn)
        raise NotFound("No such customer.", code="customer_not_found")

    before = len(committed_actors(services))
    first, second, third = run_batch(
        appender, [audit(customer, "a"), refused, audit(customer, "b")]
    )
    assert (first, third) == ("a", "b")
    assert isinstance(second, NotFound)
    assert committed_actors(services)[before:] == ["a", "b"]


def test_a_row_that_cannot_go_in_fails_only_its_request(
    services: Services, appender: WriteBatcher
) -> None:
    """The batch's insert fails; run again row by row, PostgreSQL aborts the transaction at the
    bad row, and the batch runs once more without it: only that request fails."""
    customer = add_customer(services.db, add_advertiser(services.db, "pg-adv2"), "pg-sub2")
    ops: list[Callable[[Connection], str]] = [
        audit(customer, "ok-1"),
        audit(999_999, "orphan"),
        audit(customer, "ok-2"),
    ]
    before = len(committed_actors(services))
    first, second, third = run_batch(appender, ops)
    assert (first, third) == ("ok-1", "ok-2")
    assert isinstance(second, psycopg.errors.ForeignKeyViolation)
    assert committed_actors(services)[before:] == ["ok-1", "ok-2"]
    # The connection is usable afterwards: the next batch commits.
    assert run_batch(appender, [audit(customer, "later")]) == ["later"]


def test_the_setting_turns_it_off(settings: Settings, api: ApiClient) -> None:
    plain = replace(settings, postgres_group_commit=False)
    svc = build_services(plain, pool_size=2)
    try:
        assert svc.append_batcher is None
        code = new_code(api)
        before = len(click_rows(svc))
        opened: list[int] = []
        event.listen(svc.db.engine, "begin", lambda conn: opened.append(1))
        assert concurrent_clicks(svc, plain, f"/track/{code}", 4) == [302] * 4
        assert len(opened) == 4  # one transaction per click
        assert len(click_rows(svc)) == before + 4
    finally:
        svc.close()
