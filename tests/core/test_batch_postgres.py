"""PostgreSQL group commit: a worker's writes share a transaction, with no writer gate."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import httpx
import psycopg
import pytest
from sqlalchemy import Connection, event, text
from starlette.testclient import TestClient

from tests.conftest import make_admin
from tests.core.test_batch import concurrent_locks, insert_ip, run_batch
from tests.core.test_batch_scope import audit
from tests.customers.factory import add_advertiser, add_customer, customer_row
from tests.support import ApiClient, assert_error
from tests.tracking.support import click_rows, code_of, network
from trackpost.app import build_services, create_app
from trackpost.core.batch import WriteBatcher, is_transient
from trackpost.core.config import Settings
from trackpost.core.errors import NotFound
from trackpost.core.http import Services


@pytest.fixture
def postgres_only(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("PostgreSQL's group commit; SQLite's has tests of its own")


pytestmark = pytest.mark.usefixtures("postgres_only")


@pytest.fixture
def batcher(services: Services) -> WriteBatcher:
    assert services.batcher is not None, "on by default"
    assert services.batcher.gate is None, "PostgreSQL has no single writer to queue for"
    return services.batcher


def committed(services: Services, sql: str) -> list[object]:
    with services.db.transaction(write=False) as conn:
        return [r[0] for r in conn.execute(text(sql))]


def committed_actors(services: Services) -> list[object]:
    return committed(services, "SELECT actor FROM customer_audit ORDER BY auditid")


def committed_ips(services: Services) -> set[object]:
    return set(committed(services, "SELECT ip FROM ip_list_entries"))


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


def test_concurrent_clicks_share_commits_and_all_are_recorded(
    settings: Settings,
    services: Services,
    api: ApiClient,
    batcher: WriteBatcher,
    batches: list[int],
) -> None:
    code = new_code(api)
    before = len(click_rows(services))
    setup = len(batches)
    statuses = concurrent_clicks(services, settings, f"/track/{code}?subaff1=x", 12)
    assert statuses == [302] * 12
    rows = click_rows(services)[before:]
    assert len({r["click_hash"] for r in rows}) == 12
    assert [r["subaff1"] for r in rows] == ["x"] * 12
    # Fewer transactions than clicks (a click arriving while a batch runs joins the next one);
    # with the setting off each click has its own (the last test).
    assert 1 <= len(batches) - setup < 12


def test_concurrent_locks_share_a_batch_yet_fail_alone(
    settings: Settings, services: Services, batcher: WriteBatcher, batches: list[int]
) -> None:
    admin = make_admin(services, "pg_gc_admin")
    customer = add_customer(services.db, add_advertiser(services.db, "pg-acme"), "PG-SUB-1")
    setup = len(batches)
    missing, found = concurrent_locks(settings, services, admin.headers, ["999999", str(customer)])
    assert_error(missing, 404, "customer_not_found", "999999")
    assert found.content == b"true"
    # One batch, or two when the second request's authentication (a read) came after the first
    # batch began; never a rerun, as the 404 wrote nothing.
    assert len(batches) - setup <= 2
    assert customer_row(services.db, customer)["locked"] is True


def test_a_handler_failing_after_a_write_is_undone_alone(
    services: Services, batcher: WriteBatcher, batches: list[int]
) -> None:
    """PostgreSQL has no total_changes: the batch counts the statements that may write."""

    def wrote_then_failed(conn: Connection) -> str:
        insert_ip("192.0.2.66")(conn)
        raise NotFound("No such thing.", code="thing_not_found")

    ops = [insert_ip("192.0.2.1"), wrote_then_failed, insert_ip("192.0.2.2")]
    first, second, third = run_batch(batcher, ops)
    assert (first, third) == ("192.0.2.1", "192.0.2.2")
    assert isinstance(second, NotFound)
    assert committed_ips(services) == {"192.0.2.1", "192.0.2.2"}
    assert len(batches) == 2  # the batch, then the batch without the failed one


def test_a_failed_statement_fails_only_its_request(
    services: Services, batcher: WriteBatcher
) -> None:
    """PostgreSQL refuses every statement after a failed one: the batch runs again without it."""
    ops = [insert_ip("192.0.2.1"), insert_ip("not an address at all" * 10), insert_ip("192.0.2.2")]
    first, second, third = run_batch(batcher, ops)
    assert (first, third) == ("192.0.2.1", "192.0.2.2")
    assert isinstance(second, Exception)
    assert committed_ips(services) == {"192.0.2.1", "192.0.2.2"}
    assert run_batch(batcher, [insert_ip("192.0.2.3")]) == ["192.0.2.3"]


def test_a_failed_requests_deferred_rows_are_dropped(
    services: Services, batcher: WriteBatcher
) -> None:
    customer = add_customer(services.db, add_advertiser(services.db, "pg-adv"), "pg-sub")

    def refused(conn: Connection) -> str:
        audit(customer, "refused")(conn)
        raise NotFound("No such customer.", code="customer_not_found")

    before = len(committed_actors(services))
    first, second, third = run_batch(batcher, [audit(customer, "a"), refused, audit(customer, "b")])
    assert (first, third) == ("a", "b")
    assert isinstance(second, NotFound)
    assert committed_actors(services)[before:] == ["a", "b"]


def test_a_deferred_row_that_cannot_go_in_fails_only_its_request(
    services: Services, batcher: WriteBatcher
) -> None:
    """The batch's insert fails; row by row, PostgreSQL stops at the bad row, and the batch runs
    once more without it: only that request fails."""
    customer = add_customer(services.db, add_advertiser(services.db, "pg-adv2"), "pg-sub2")
    ops: list[Callable[[Connection], str]] = [
        audit(customer, "ok-1"),
        audit(999_999, "orphan"),
        audit(customer, "ok-2"),
    ]
    before = len(committed_actors(services))
    first, second, third = run_batch(batcher, ops)
    assert (first, third) == ("ok-1", "ok-2")
    assert isinstance(second, psycopg.errors.ForeignKeyViolation)
    assert committed_actors(services)[before:] == ["ok-1", "ok-2"]


def test_two_workers_batches_that_deadlock_both_commit(settings: Settings) -> None:
    """Worker A's batch updates customer x then y, worker B's y then x, both at once. PostgreSQL
    aborts one of them; that batch runs again, and every request of both succeeds."""
    workers = [build_services(settings, pool_size=2) for _ in range(2)]
    try:
        db = workers[0].db
        adv = add_advertiser(db, "pg-deadlock")
        x, y = add_customer(db, adv, "dl-x"), add_customer(db, adv, "dl-y")
        both_hold_one = threading.Barrier(2, timeout=10)

        def touch(customer: int, tag: str, wait: bool) -> Callable[[Connection], str]:
            first_try = [wait]

            def op(conn: Connection) -> str:
                conn.execute(
                    text("UPDATE customers SET custom1 = :t WHERE customer_id = :c"),
                    {"t": tag, "c": customer},
                )
                if first_try[0]:
                    first_try[0] = False
                    both_hold_one.wait()
                return tag

            return op

        plans = [
            [touch(x, "a1", True), touch(y, "a2", False)],
            [touch(y, "b1", True), touch(x, "b2", False)],
        ]
        outcomes: list[list[object]] = [[], []]

        def work(i: int) -> None:
            batcher = workers[i].batcher
            assert batcher is not None
            outcomes[i] = run_batch(batcher, plans[i])

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert outcomes == [["a1", "a2"], ["b1", "b2"]]
        values = [customer_row(db, c)["custom1"] for c in (x, y)]
        assert sorted(values) in (["a1", "a2"], ["b1", "b2"])  # whole batches, one came last
    finally:
        for svc in workers:
            svc.close()


def test_a_row_held_too_long_is_a_503_after_the_retries(settings: Settings) -> None:
    """Another session holds the customer's row; with lock_timeout set, the lock request's batch
    times out, runs again (whole, then alone), and the client gets 503 database_busy."""
    impatient = settings.replace(database_url=settings.database_url + "%20-clock_timeout%3D100")
    svc = build_services(impatient, pool_size=2)
    try:
        admin = make_admin(svc, "pg_busy_admin")
        customer = add_customer(svc.db, add_advertiser(svc.db, "pg-busy"), "busy-sub")
        with svc.db.engine.connect() as other, other.begin():
            other.execute(
                text("SELECT 1 FROM customers WHERE customer_id = :c FOR UPDATE"), {"c": customer}
            )
            with TestClient(create_app(impatient, svc)) as client:
                resp = client.patch(
                    "/api/customer/lock", data={"customer_id": customer}, headers=admin.headers
                )
        assert_error(resp, 503, "database_busy")
        assert resp.headers["retry-after"] == "1"
        assert customer_row(svc.db, customer)["locked"] is False  # nothing written
    finally:
        svc.close()


def test_deadlocks_and_lock_timeouts_count_as_busy() -> None:
    """What a request meets after the retries: a 503 database_busy, not a 500."""
    assert is_transient(psycopg.errors.DeadlockDetected())
    assert is_transient(psycopg.errors.LockNotAvailable())
    assert not is_transient(psycopg.errors.UniqueViolation())


def test_the_setting_turns_it_off(settings: Settings, api: ApiClient) -> None:
    plain = settings.replace(postgres_group_commit=False)
    svc = build_services(plain, pool_size=2)
    try:
        assert svc.batcher is None
        code = new_code(api)
        before = len(click_rows(svc))
        opened: list[int] = []
        event.listen(svc.db.engine, "begin", lambda conn: opened.append(1))
        assert concurrent_clicks(svc, plain, f"/track/{code}", 4) == [302] * 4
        assert len(opened) == 4  # one transaction per click
        assert len(click_rows(svc)) == before + 4
    finally:
        svc.close()
