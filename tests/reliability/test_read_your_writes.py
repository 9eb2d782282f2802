"""Read your writes across real workers: each pair's second request goes to the other server.

Two `trackpost serve` processes (one worker each, so that every pair crosses processes; a
server with TRACKPOST_WORKERS=2 would send a keep-alive client's pairs to one worker) share one
database. Client threads, each with its own customer, run pairs one after another:
  click: GET /track/<code> on one server, then the conversion postback with the hash of its
  Location on the other: 200, never 404 unknown_click_hash;
  lock: lock on one, then set_customer_details on the other: 409 customer_locked, never 200;
  unlock: unlock on one, then set_customer_details on the other: 200.
TRACKPOST_RYW_PAIRS sets the number of pairs (default 300; `make crash` runs 20,000).
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.reliability.servers import BACKENDS, Site, site
from tests.reliability.traffic import PIXEL, Network, orderid_counts

PAIRS = int(os.environ.get("TRACKPOST_RYW_PAIRS", "300"))
THREADS = 6
KINDS = ("click", "lock", "unlock")
COOKIE = "tp_click"
_orders = itertools.count(1)


@pytest.fixture(params=BACKENDS)
def two_servers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    with site(request.param, tmp_path / "site") as the_site:
        the_site.start()
        the_site.start()
        yield the_site


class Client:
    """One client thread: a keep-alive session to each server, and a customer of its own."""

    def __init__(self, s: Site, net: Network, customer_id: int) -> None:
        self.urls = [server.url for server in s.servers]
        self.headers = s.headers
        self.link = net.link
        self.customer = str(customer_id)
        self.sessions = [requests.Session() for _ in self.urls]
        self.orderids: list[str] = []

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
        return None

    def _click_then_convert(self, first: int, second: int) -> str | None:
        click = self.sessions[first].get(
            self.urls[first] + self.link, allow_redirects=False, timeout=60
        )
        if click.status_code != 302:
            return f"click on {first}: {click.status_code} {click.text[:200]}"
        click_hash = parse_qs(urlsplit(click.headers["location"]).query)["ch"][0]
        cookie = click.cookies.get(COOKIE)
        # The advertiser posts from its own server, which never saw the visitor's cookie.
        self.sessions[first].cookies.clear()
        if cookie != click_hash:
            return f"click on {first}: cookie {cookie!r}, Location's hash {click_hash!r}"
        orderid = f"ryw-{next(_orders)}"
        params = {"click_hash": click_hash, "orderid": orderid, "amount": "1.00"}
        post = self.sessions[second].get(self.urls[second] + PIXEL, params=params, timeout=60)
        if post.status_code != 200:
            return (
                f"click {click_hash} answered by {first}, its postback on {second}: "
                f"{post.status_code} {post.text[:200]}"
            )
        self.orderids.append(orderid)
        return None

    def _patch(self, server: int, action: str, data: dict[str, str]) -> requests.Response:
        return self.sessions[server].patch(
            f"{self.urls[server]}/api/customer/{action}",
            data={"customer_id": self.customer, **data},
            headers=self.headers,
            timeout=60,
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


def test_every_acknowledged_write_is_seen_by_the_next_request_on_the_other_server(
    two_servers: Site,
) -> None:
    s = two_servers
    net = Network(s.servers[0].url, s.headers).build()
    clients = [Client(s, net, net.customer(f"ryw-sub-{t}")) for t in range(THREADS)]
    per_thread = max(len(KINDS), PAIRS // THREADS)
    start = threading.Barrier(THREADS)

    def run(t: int) -> list[str]:
        start.wait(timeout=30)
        return clients[t].run(per_thread, t)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        problems = [p for found in pool.map(run, range(THREADS)) for p in found]
    stored = orderid_counts(s.db)
    for client in clients:
        problems += [
            f"postback {o} acknowledged, stored {stored.get(o, 0)}x"
            for o in client.orderids
            if stored.get(o) != 1
        ]
    problems += s.server_errors()
    assert not problems, f"{len(problems)} of {per_thread * THREADS} pairs:\n" + "\n".join(
        problems[:40]
    )
