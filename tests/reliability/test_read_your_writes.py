"""Read your writes across real workers: a client that got an answer to a write, then at once sends
the request that depends on it, is answered as if the write is there, whichever worker takes it.

Two topologies, each on SQLite and (with TRACKPOST_TEST_POSTGRES_URL) PostgreSQL:
  servers: two `trackpost serve` processes of one worker each on one database, each pair's
    second request sent to the other server (keep-alive sessions), so every pair crosses
    processes;
  workers: one `trackpost serve` with TRACKPOST_WORKERS=2, as issue 26 found the defect, every
    request on a new connection so that the kernel hands the pairs to either worker.
Client threads, each with its own customer, run pairs one after another:
  click: GET /track/<code>, then the conversion postback with the hash of its Location: 200,
    never 404 unknown_click_hash;
  lock: lock, then set_customer_details: 409 customer_locked, never 200; and then
    get_customer_details (a read on a pooled read connection, not the writer's): locked;
  unlock: unlock, then set_customer_details: 200.
Afterwards every acknowledged click and postback is stored exactly once, and on SQLite the file
passes `PRAGMA integrity_check`: a write that a reader missed must not be lost either.
TRACKPOST_RYW_PAIRS sets the pairs per topology (default 300; `make crash` runs 20,000).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select, text

from tests.reliability.servers import BACKENDS, Site, site
from tests.reliability.traffic import PIXEL, Network, orderid_counts
from trackpost.models.tables import clicks

PAIRS = int(os.environ.get("TRACKPOST_RYW_PAIRS", "300"))
THREADS = 6
KINDS = ("click", "lock", "unlock")
COOKIE = "tp_click"
_orders = itertools.count(1)


@pytest.fixture(
    params=[(backend, topology) for backend in BACKENDS for topology in ("servers", "workers")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Site, bool]]:
    """The site, and whether each request goes on a connection of its own (the workers form)."""
    backend, topology = request.param
    with site(backend, tmp_path / "site") as the_site:
        if topology == "servers":
            the_site.start()
            the_site.start()
        else:
            the_site.start(workers=2)
        yield the_site, topology == "workers"


class Client:
    """One client thread: a customer of its own, and the servers it alternates between."""

    def __init__(self, s: Site, net: Network, customer_id: int, fresh: bool) -> None:
        urls = [server.url for server in s.servers]
        self.urls = urls if len(urls) == 2 else urls * 2
        self.headers = s.headers
        self.link = net.link
        self.customer = str(customer_id)
        # A new connection per request (fresh) lets the kernel pick either worker each time.
        self.sessions = [requests.Session() for _ in self.urls]
        self.fresh = fresh
        self.orderids: list[str] = []
        self.hashes: list[str] = []

    def _send(self, server: int, method: str, url: str, **kw: Any) -> requests.Response:
        if self.fresh:
            kw["headers"] = {**kw.get("headers", {}), "Connection": "close"}
        return self.sessions[server].request(method, url, timeout=60, **kw)

    def pair(self, kind: str, first: int) -> str | None:
        """Write on server `first`, read on the other; what went wrong, or None."""
        second = 1 - first
        if kind == "click":
            return self._click_then_convert(first, second)
        written = self._patch(first, kind, {})
        if written.status_code != 200:
            return f"{kind} on {first}: {written.status_code} {written.text[:200]}"
        edit = self._patch(second, "set_customer_details", {"custom1": f"{kind}-{first}"})
        expected = (409, "customer_locked") if kind == "lock" else (200, None)
        got = (edit.status_code, _code(edit))
        if got != expected:
            return f"{kind} on {first}, then edit on {second}: {got}, wanted {expected}"
        if kind == "lock":
            return self._read_locked(first, second)
        return None

    def _read_locked(self, first: int, second: int) -> str | None:
        read = self._send(
            second,
            "GET",
            f"{self.urls[second]}/api/customer/get_customer_details",
            params={"customer_id": self.customer},
            headers=self.headers,
        )
        if read.status_code != 200 or read.json()["customer"]["locked"] is not True:
            return f"lock on {first}, then read on {second}: {read.status_code} {read.text[:200]}"
        return None

    def _click_then_convert(self, first: int, second: int) -> str | None:
        click = self._send(first, "GET", self.urls[first] + self.link, allow_redirects=False)
        if click.status_code != 302:
            return f"click on {first}: {click.status_code} {click.text[:200]}"
        click_hash = parse_qs(urlsplit(click.headers["location"]).query)["ch"][0]
        cookie = click.cookies.get(COOKIE)
        # The advertiser posts from its own server, which never saw the visitor's cookie.
        self.sessions[first].cookies.clear()
        if cookie != click_hash:
            return f"click on {first}: cookie {cookie!r}, Location's hash {click_hash!r}"
        self.hashes.append(click_hash)
        orderid = f"ryw-{next(_orders)}"
        params = {"click_hash": click_hash, "orderid": orderid, "amount": "1.00"}
        post = self._send(second, "GET", self.urls[second] + PIXEL, params=params)
        if post.status_code != 200:
            return (
                f"click {click_hash} answered by {first}, its postback on {second}: "
                f"{post.status_code} {post.text[:200]}"
            )
        self.orderids.append(orderid)
        return None

    def _patch(self, server: int, action: str, data: dict[str, str]) -> requests.Response:
        return self._send(
            server,
            "PATCH",
            f"{self.urls[server]}/api/customer/{action}",
            data={"customer_id": self.customer, **data},
            headers=self.headers,
        )

    def run(self, pairs: int, offset: int) -> list[str]:
        problems = []
        for n in range(pairs):
            # Lock and unlock alternate per customer, so every one of them changes the state.
            problem = self.pair(KINDS[n % len(KINDS)], (n + offset) % 2)
            if problem is not None:
                problems.append(problem)
        for session in self.sessions:
            session.close()
        return problems


def _code(resp: requests.Response) -> str | None:
    """An error answer's code; None for anything else (a success is the bare `true`)."""
    if not resp.headers.get("content-type", "").startswith("application/json"):
        return None
    body = resp.json()
    return body.get("code") if isinstance(body, dict) else None


def stored_problems(s: Site, clients: list[Client]) -> list[str]:
    """Every acknowledged click and postback stored once; on SQLite, a file that checks clean."""
    stored = orderid_counts(s.db)
    with s.db.transaction(write=False) as conn:
        hashes = set(conn.execute(select(clicks.c.click_hash)).scalars())
        integrity = (
            [str(r[0]) for r in conn.execute(text("PRAGMA integrity_check"))]
            if s.backend == "sqlite"
            else ["ok"]
        )
    problems = [f"integrity_check: {integrity[:5]}"] if integrity != ["ok"] else []
    for client in clients:
        problems += [
            f"click {h} answered 302, not stored" for h in client.hashes if h not in hashes
        ]
        problems += [
            f"postback {o} acknowledged, stored {stored.get(o, 0)}x"
            for o in client.orderids
            if stored.get(o) != 1
        ]
    return problems


def test_every_acknowledged_write_is_seen_by_the_next_request_on_any_worker(
    live: tuple[Site, bool],
) -> None:
    s, fresh = live
    net = Network(s.servers[0].url, s.headers).build()
    clients = [Client(s, net, net.customer(f"ryw-sub-{t}"), fresh) for t in range(THREADS)]
    per_thread = max(len(KINDS), PAIRS // THREADS)
    start = threading.Barrier(THREADS)

    def run(t: int) -> list[str]:
        start.wait(timeout=30)
        return clients[t].run(per_thread, t)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        problems = [p for found in pool.map(run, range(THREADS)) for p in found]
    problems += stored_problems(s, clients)
    problems += s.server_errors()
    assert not problems, f"{len(problems)} of {per_thread * THREADS} pairs:\n" + "\n".join(
        problems[:40]
    )
