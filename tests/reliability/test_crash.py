"""kill -9 a server while postbacks, clicks and edits stream in, several times, and restart it.

Every request that got a 2xx is present exactly once; an unanswered one is present at most once
and never half-written; the database passes its integrity check. TRACKPOST_CRASH_ROUNDS sets the
number of kills (default 3; `make crash` runs many more).
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select, text

from tests.reliability.servers import BACKENDS, Site, site
from tests.reliability.traffic import (
    PIXEL,
    Network,
    Outcome,
    check_trail,
    orderid_counts,
    send,
    session,
    token,
)
from trackpost.models.tables import clicks, customer_audit, customers, transactions

ROUNDS = int(os.environ.get("TRACKPOST_CRASH_ROUNDS", "3"))
THREADS = 6
CUSTOMERS = 3


class Stream:
    """Client threads sending a mix of writes at whichever server is up, recording every answer."""

    def __init__(self, net: Network, headers: dict[str, str], subs: dict[int, str]) -> None:
        self.net = net
        self.headers = headers
        self.subs = subs
        self.outcomes: list[Outcome] = []
        self.clicks: list[str] = []  # acknowledged clicks not yet converted
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            kind = rng.choice(["click", "conversion", "postback", "postback", "edit"])
            outcome = self._one(kind, rng)
            with self.lock:
                self.outcomes.append(outcome)

    def _one(self, kind: str, rng: random.Random) -> Outcome:
        if kind == "click":
            return self._attempt("click", self._click)
        if kind == "conversion":
            with self.lock:
                click = self.clicks.pop() if self.clicks else None
            if click is not None:
                return self._attempt("conversion", lambda tok: self._convert(tok, click))
        cid = rng.choice(list(self.subs))
        return send(
            self.net.url,
            self.headers,
            "edit" if kind == "edit" else "postback",
            cid,
            self.subs[cid],
        )

    def _attempt(self, kind: str, call: Callable[[str], requests.Response]) -> Outcome:
        tok = token(kind)
        try:
            resp = call(tok)
        except requests.ConnectionError:
            return Outcome(kind, 0, tok, None)
        return Outcome(kind, 0, tok, resp.status_code)

    def _click(self, tok: str) -> requests.Response:
        resp = session().get(
            self.net.url + self.net.link, params={"subaff1": tok}, allow_redirects=False, timeout=30
        )
        if resp.status_code == 302:
            with self.lock:
                self.clicks.append(parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0])
        return resp

    def _convert(self, tok: str, click: str) -> requests.Response:
        params = {"click_hash": click, "subscription_id": tok, "orderid": tok, "amount": "5.00"}
        return session().get(self.net.url + PIXEL, params=params, timeout=30)


def _rows(s: Site, stmt: Any) -> list[Any]:
    with s.db.transaction(write=False) as conn:
        return list(conn.execute(stmt))


def _integrity(s: Site) -> list[str]:
    """The database's own consistency checks, plus the relations a half-write would break."""
    problems: list[str] = []
    with s.db.transaction(write=False) as conn:
        if s.backend == "sqlite":
            result = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
            if result != ["ok"]:
                problems.append(f"integrity_check: {result}")
            fk = list(conn.execute(text("PRAGMA foreign_key_check")))
            if fk:
                problems.append(f"foreign_key_check: {fk}")
        orphans = conn.execute(
            select(func.count())
            .select_from(transactions)
            .where(~transactions.c.customer_id.in_(select(customers.c.customer_id)))
        ).scalar_one()
        if orphans:
            problems.append(f"{orphans} transactions without their customer")
        created = select(customer_audit.c.customer_id).where(customer_audit.c.action == "create")
        bare = conn.execute(
            select(func.count()).select_from(customers).where(~customers.c.customer_id.in_(created))
        ).scalar_one()
        if bare:
            problems.append(f"{bare} customers without their creation in the audit trail")
    return problems


@pytest.mark.parametrize("backend", BACKENDS)
def test_acknowledged_writes_survive_kill_9(backend: str, tmp_path: Path) -> None:
    with site(backend, tmp_path / "site") as s:
        server = s.start()
        net = Network(server.url, s.headers).build()
        subs = {net.customer(f"crash-sub-{n}"): f"crash-sub-{n}" for n in range(CUSTOMERS)}
        stream = Stream(net, s.headers, subs)
        rng = random.Random(7)
        for n in range(ROUNDS):
            if n:
                server = s.start()
                net.url = server.url
            stream.stop.clear()
            threads = [
                threading.Thread(target=stream.run, args=(n * 100 + k,)) for k in range(THREADS)
            ]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 1.2))
            server.kill9()
            stream.stop.set()
            for t in threads:
                t.join(timeout=60)
        s.start()  # and it comes back after the last kill, too
        _check(s, stream, subs)


def _check(s: Site, stream: Stream, subs: dict[int, str]) -> None:
    problems = _integrity(s)
    orders = orderid_counts(s.db)
    hashes = {r[0] for r in _rows(s, select(clicks.c.subaff1))}
    written: dict[str, int] = {}
    for cid in subs:
        trail_problems, counts = check_trail(s.db, cid)
        problems += trail_problems
        written.update(counts)
    answered = [o for o in stream.outcomes if o.status is not None]
    for o in stream.outcomes:
        ok = o.status is not None and 200 <= o.status < 400
        if o.status is not None and not ok:
            problems.append(f"{o.kind} {o.token} answered {o.status}")
        if o.kind == "click":
            present = int(o.token in hashes)
        elif o.kind == "conversion":
            present = orders.get(o.token, 0)
        else:
            present = written.get(o.token, 0)
            if o.kind == "postback" and present != orders.get(o.token, 0):
                problems.append(
                    f"postback {o.token}: half-written ({present} audit, {orders.get(o.token, 0)} txn)"
                )
        if (ok and present != 1) or present > 1:
            problems.append(f"{o.kind} {o.token} answered {o.status}, present {present}x")
    problems += [e for e in s.server_errors() if "Traceback" in e]
    assert not problems, "\n".join(problems[:40])
    tally: dict[str, int] = {}
    for o in stream.outcomes:
        key = f"{o.kind}:{o.status}"
        tally[key] = tally.get(key, 0) + 1
    print(f"crash {s.backend}: {sorted(tally.items())}")
    kinds = {o.kind for o in answered if o.status == 200 or o.status == 302}
    assert {"click", "postback", "edit"} <= kinds, kinds
