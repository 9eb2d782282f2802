"""A mixed stream of clicks, conversions, postbacks, locks and edits from several client threads,
every answer recorded, and the check that every acknowledged write is in the database once."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from tests.reliability.traffic import PIXEL, Network, session, token
from trackpost.core.db import Database
from trackpost.models.tables import clicks, customer_audit, transactions

KINDS = ("click", "click", "conversion", "postback", "lock", "unlock", "edit")


@dataclass
class Sent:
    """One request: its kind, the token that finds its write, the answer (None: no answer)."""

    kind: str
    token: str
    status: int | None
    at: float
    error: str = ""
    retry_after: str | None = None
    code: str | None = None
    done: float = 0.0  # when the answer (or the failure) came

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 400


@dataclass
class Mixed:
    """Client threads sending a mix of writes to `url` until stopped.

    Locks and unlocks go to `lockable` customers, admin edits to `editable` ones (never locked,
    so an edit is never refused), postbacks to `subs` (subscription ids).
    """

    net: Network
    lockable: list[int]
    editable: list[int]
    subs: list[str]
    timeout: float = 30.0
    sent: list[Sent] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _clicks: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, threads: int = 4, seed: int = 1) -> Mixed:
        self.stop.clear()
        self._threads = [
            threading.Thread(target=self._run, args=(seed * 100 + n,), daemon=True)
            for n in range(threads)
        ]
        for t in self._threads:
            t.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        for t in self._threads:
            t.join(timeout=self.timeout + 30)

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            sent = self.one(rng.choice(KINDS), rng)
            sent.done = time.monotonic()
            with self._lock:
                self.sent.append(sent)

    def one(self, kind: str, rng: random.Random) -> Sent:
        """Send one request of `kind`; a conversion without an acknowledged click is a click."""
        click = None
        if kind == "conversion":
            with self._lock:
                click = self._clicks.pop() if self._clicks else None
            if click is None:
                kind = "click"
        tok = token(kind)
        at = time.monotonic()
        headers = {"X-Request-ID": tok}
        try:
            resp = self._send(kind, tok, click, rng, headers)
        except requests.RequestException as exc:
            return Sent(kind, tok, None, at, f"{type(exc).__name__}: {str(exc)[:300]}")
        code = None
        if resp.status_code >= 400 and "json" in resp.headers.get("content-type", ""):
            code = resp.json().get("code")
        if kind == "click" and resp.status_code == 302:
            ch = parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0]
            with self._lock:
                self._clicks.append(ch)
        return Sent(kind, tok, resp.status_code, at, "", resp.headers.get("retry-after"), code)

    def _send(
        self,
        kind: str,
        tok: str,
        click: str | None,
        rng: random.Random,
        headers: dict[str, str],
    ) -> requests.Response:
        url, s = self.net.url, session()
        if kind == "click":
            return s.get(
                url + self.net.link,
                params={"subaff1": tok},
                headers=headers,
                allow_redirects=False,
                timeout=self.timeout,
            )
        if kind in ("conversion", "postback"):
            params: dict[str, Any] = {"orderid": tok, "amount": "2.00"}
            if click is not None:
                params.update(click_hash=click, subscription_id=tok)
            else:
                params.update(type="continuity", subscription_id=rng.choice(self.subs))
            return s.get(url + PIXEL, params=params, headers=headers, timeout=self.timeout)
        data = {"customer_id": str(rng.choice(self.editable if kind == "edit" else self.lockable))}
        if kind == "edit":
            data["custom2"] = tok
        path = {"lock": "lock", "unlock": "unlock", "edit": "set_customer_details"}[kind]
        return s.patch(
            f"{url}/api/customer/{path}",
            data=data,
            headers={**self.net.headers, **headers},
            timeout=self.timeout,
        )

    def tally(self) -> dict[str, int]:
        return dict(Counter(f"{s.kind}:{s.status or s.error.split(':')[0]}" for s in self.sent))


def lost_or_doubled(db: Database, sent: list[Sent]) -> list[str]:
    """Every acknowledged write present exactly once; nothing unacknowledged present twice."""
    with db.transaction(write=False) as conn:
        by_click = Counter(r[0] for r in conn.execute(select(clicks.c.subaff1)))
        by_order = Counter(r[0] for r in conn.execute(select(transactions.c.orderid)))
        by_request = Counter(r[0] for r in conn.execute(select(customer_audit.c.request_id)))
    problems = []
    for s in sent:
        if s.kind == "click":
            present = by_click[s.token]
        elif s.kind in ("conversion", "postback"):
            present = by_order[s.token]
        else:
            present = by_request[s.token]
        if (s.acknowledged and present != 1) or present > 1:
            problems.append(f"{s.kind} {s.token} answered {s.status}, present {present}x")
    return problems


def build_network(url: str, headers: dict[str, str], customers: int = 4) -> Mixed:
    """An offer, a page, a link, and customers made by conversions; half lockable, half edited."""
    net = Network(url, headers).build()
    subs = [f"mixed-{token('sub')}" for _ in range(customers)]
    ids = [net.customer(sub) for sub in subs]
    half = max(1, customers // 2)
    return Mixed(net, ids[:half], ids[half:] or ids[:half], subs)


# A 503 during an outage: trackpost's own, or the balancer's when no host is up.
UNAVAILABLE_CODES = frozenset({"database_unavailable", "database_busy", "service_unavailable"})


def health(url: str) -> int | None:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code
    except requests.RequestException:
        return None


def outage_problems(sent: list[Sent]) -> list[str]:
    """Each answer is a success or a 503 with Retry-After; the server never stopped answering."""
    problems = []
    for s in sent:
        if s.status is None:
            problems.append(f"{s.kind} {s.token}: no answer ({s.error})")
        elif s.status == 503:
            if s.retry_after is None or s.code not in UNAVAILABLE_CODES:
                problems.append(f"{s.kind} {s.token}: 503 {s.code} Retry-After {s.retry_after}")
        elif not s.acknowledged:
            problems.append(f"{s.kind} {s.token}: answered {s.status} {s.code}")
    return problems


def all_acknowledged(after: list[Sent]) -> None:
    """Service is back: everything sent from here on succeeded."""
    assert after, "nothing was sent after the recovery"
    failed = [x for x in after if not x.acknowledged]
    assert not failed, failed[:20]
