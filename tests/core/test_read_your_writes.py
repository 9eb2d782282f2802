"""Read your writes across workers: what one worker acknowledged, the next request on another sees.

Each worker here is a set of Services of its own on the same database, as a `trackpost serve`
worker process has: its own pool, batcher (with its own writer gate handle and kept writer
connection) and caches. The second worker is warmed first, so that everything it keeps from
request to request (the writer connection, a pooled read connection, the click path's cache,
the IP lists) was filled before the other worker's write. tests/reliability/test_read_your_writes.py
sends the same pairs to real servers from several threads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, event, select
from sqlalchemy.pool import NullPool
from starlette.testclient import TestClient

from tests.conftest import Admin
from tests.postbacks.network import PIXEL, Network, build_network
from tests.support import ApiClient, assert_error
from trackpost.app import build_services, create_app
from trackpost.core.config import Settings
from trackpost.core.http import RequestContext, Services
from trackpost.models.tables import clicks
from trackpost.tracking.routes import router as tracking_router

ROUNDS = 10
_orders = itertools.count(1)


@pytest.fixture
def other(settings: Settings) -> Iterator[TestClient]:
    """A second worker on the same database."""
    svc = build_services(settings, pool_size=1)
    with TestClient(create_app(settings, svc), raise_server_exceptions=False) as client:
        yield client
    svc.close()


@pytest.fixture
def net(api: ApiClient, services: Services) -> Network:
    return build_network(api, services)


def click_on(client: TestClient, net: Network) -> str:
    """A click through this worker; the hash the advertiser will post back."""
    resp = client.get(net.link, follow_redirects=False)
    assert resp.status_code == 302, resp.text
    client.cookies.clear()
    location = httpx.URL(resp.headers["location"])
    return str(location.params["ch"])


def convert_on(client: TestClient, click_hash: str) -> httpx.Response:
    params = {"click_hash": click_hash, "orderid": f"ryw-{next(_orders)}", "amount": "1.00"}
    resp: httpx.Response = client.get(PIXEL, params=params)
    return resp


def customer_api(client: TestClient, admin: Admin, action: str, **data: Any) -> httpx.Response:
    resp: httpx.Response = client.patch(f"/api/customer/{action}", data=data, headers=admin.headers)
    return resp


def warm(client: TestClient, net: Network, admin: Admin, customer_id: int) -> None:
    """Fill what the worker keeps between requests, before another worker writes."""
    assert convert_on(client, click_on(client, net)).status_code == 200
    assert customer_api(client, admin, "unlock", customer_id=customer_id).status_code == 200
    details = client.get(
        "/api/customer/get_customer_details",
        params={"customer_id": customer_id},
        headers=admin.headers,
    )
    assert details.status_code == 200, details.text


def test_a_click_one_worker_answered_converts_on_the_other_at_once(
    http: TestClient, other: TestClient, net: Network, admin: Admin
) -> None:
    """The conversion reads the click in the other worker's next batch, never an older state."""
    customer_id = net.convert()["customer_id"]
    warm(other, net, admin, customer_id)
    warm(http, net, admin, customer_id)
    for n in range(ROUNDS):
        for clicked, posted in ((http, other), (other, http)):
            click_hash = click_on(clicked, net)
            resp = convert_on(posted, click_hash)
            assert resp.status_code == 200, (n, resp.text)


def test_a_lock_one_worker_answered_refuses_the_next_edit_on_the_other(
    http: TestClient, other: TestClient, net: Network, admin: Admin
) -> None:
    """Lock then edit elsewhere is 409, unlock then edit elsewhere is 200, and reads agree."""
    customer_id = net.convert()["customer_id"]
    warm(other, net, admin, customer_id)
    warm(http, net, admin, customer_id)
    for n in range(ROUNDS):
        first, second = (http, other) if n % 2 else (other, http)
        assert customer_api(first, admin, "lock", customer_id=customer_id).status_code == 200
        edit = customer_api(
            second, admin, "set_customer_details", customer_id=customer_id, custom1=f"x{n}"
        )
        assert_error(edit, 409, "customer_locked")
        details = second.get(
            "/api/customer/get_customer_details",
            params={"customer_id": customer_id},
            headers=admin.headers,
        )
        assert details.json()["customer"]["locked"] is True
        assert customer_api(first, admin, "unlock", customer_id=customer_id).status_code == 200
        edit = customer_api(
            second, admin, "set_customer_details", customer_id=customer_id, custom1=f"y{n}"
        )
        assert edit.status_code == 200, edit.text


def test_the_click_is_answered_only_once_every_connection_can_read_it(
    settings: Settings,
    services: Services,
    net: Network,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """By the time the redirect is built, its click (inserted just before the COMMIT) is readable."""
    engine = create_engine(settings.database_url, poolclass=NullPool)
    seen: list[bool] = []

    def visible(click_hash: str) -> bool:
        with engine.connect() as conn:
            stmt = select(clicks.c.clickid).where(clicks.c.click_hash == click_hash)
            return conn.execute(stmt).first() is not None

    def checked(render: Any) -> Any:
        def answer(ctx: RequestContext, outcome: Any) -> Any:
            seen.append(visible(outcome.click_hash))
            return render(ctx, outcome)

        return answer

    tracks = [ep for ep in tracking_router.endpoints if ep.path.startswith("/track/")]
    assert len(tracks) == 4  # GET and POST, with and without a deep-link path
    for ep in tracks:
        assert ep.render is not None
        monkeypatch.setattr(ep, "render", checked(ep.render))
    try:
        with TestClient(create_app(settings, services)) as client:
            for _ in range(ROUNDS):
                click_on(client, net)
    finally:
        engine.dispose()
    assert seen == [True] * ROUNDS


# Statements of a connection that have started and not run to their end (the query itself aside).
RUNNING = "SELECT sql FROM sqlite_stmt WHERE busy AND sql NOT LIKE '%sqlite_stmt%'"


def test_no_request_leaves_a_statement_running_on_its_connection(
    http: TestClient, services: Services, net: Network, admin: Admin
) -> None:
    """SQLite keeps a connection's read snapshot while any of its statements is unfinished, even
    across COMMIT and the pool's rollback: a connection handed back so would serve the next
    request a state older than writes acknowledged meanwhile. Every read and write endpoint,
    paged lists cut short included, must leave its connection with nothing running."""
    if not services.settings.is_sqlite:
        pytest.skip("sqlite_stmt is SQLite's")
    running: list[str] = []

    def check(dbapi_conn: Any, _record: Any) -> None:
        running.extend(str(row[0]) for row in dbapi_conn.execute(RUNNING).fetchall())

    event.listen(services.db.engine, "checkin", check)
    try:
        customer_id = net.convert(orderid="open-1", subscription_id="open-sub")["customer_id"]
        net.convert(orderid="open-2")
        assert customer_api(http, admin, "lock", customer_id=customer_id).status_code == 200
        code = urlsplit(net.link).path.rsplit("/", 1)[-1]
        reads = {
            "/api/customer/get_customer_details": {"customer_id": customer_id},
            "/api/customer/search": {"count": 1},
            "/api/customer/history": {"customer_id": customer_id, "count": 1},
            "/api/affiliate/search": {"count": 1},
            "/api/offer/get_details": {"advertiserid": net.advertiser, "count": 1},
            "/api/affiliate/get_single_link": {"loginid": net.affiliate, "offerid": net.offer},
            "/api/affiliate/get_links": {"loginid": net.affiliate},
            "/api/affiliate/decode_trackingcode": {"ocode": code},
            "/api/offer/check_orderid_exists": {"orderid": "open-1"},
            "/api/config/get_global_ips": {},
            "/api/report/transaction": {"period": 8},
        }
        for path, params in reads.items():
            resp = http.get(path, params=params, headers=admin.headers)
            assert resp.status_code == 200, (path, resp.text)
        assert services.batcher is not None
        writer = services.batcher._conn  # kept from batch to batch, never checked in
        assert writer is not None
        check(writer.connection.driver_connection, None)
    finally:
        event.remove(services.db.engine, "checkin", check)
    assert running == []
