"""The outbox's rules: fan-out from events, claiming, outcomes and backoff, destinations' health.

Products (affiliate postbacks, webhooks) subscribe by giving the fan-out a function that turns
events into `NewDelivery`s; the fan-out writes them and moves the `delivery` cursor in one
transaction, so an event becomes its deliveries exactly once. Nothing here sends or commits.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import utcnow
from trackpost.delivery import repository as repo
from trackpost.delivery.errors import DeliveryNotFound
from trackpost.events.service import Event, StoredEvent, pending, record
from trackpost.events.service import advance as advance_events

CONSUMER = "delivery"
PAUSED_EVENT = "delivery.destination_paused"
STATUSES = ("pending", "sending", "done", "failed", "gone", "paused", "cancelled")


@dataclass(frozen=True)
class NewDelivery:
    """One message a subscriber wants sent for an event."""

    kind: str
    subscription_id: int
    event: StoredEvent | None
    event_type: str
    method: str
    url: str
    body: str | None = None
    content_type: str | None = None
    customer_id: int | None = None
    loginid: int | None = None
    delay_seconds: float = 0.0  # sent no sooner (account postbacks' delay option)


Subscriber = Callable[[Connection, Sequence[StoredEvent]], list[NewDelivery]]


@dataclass(frozen=True)
class Policy:
    """Retries and health: attempts, backoff (seconds), jitter, and when to pause."""

    max_attempts: int = 8
    base: float = 60.0
    factor: float = 3.15
    jitter: float = 0.2
    pause_after: float = 86400.0
    lease: float = 60.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds before the try after `attempt` (1-based): exponential, +-jitter."""
        spread = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return self.base * self.factor ** (attempt - 1) * spread


def host_key(url: str) -> str:
    """host:port, the key of a destination's concurrency limit."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"[:262]


def enqueue(conn: Connection, items: Sequence[NewDelivery], now: dt.datetime | None = None) -> int:
    """Write deliveries; a paused destination's wait paused, a gone one's are not written."""
    now = now or utcnow()
    states: dict[tuple[str, int], str] = {}
    for kind in {i.kind for i in items}:
        subs = [i.subscription_id for i in items if i.kind == kind]
        for sub, row in repo.destinations(conn, kind, subs).items():
            states[(kind, sub)] = str(row["state"])
    rows = []
    for item in items:
        state = states.get((item.kind, item.subscription_id), "active")
        if state == "gone":
            continue
        rows.append(
            {
                "kind": item.kind,
                "subscription_id": item.subscription_id,
                "event_id": item.event.id if item.event is not None else None,
                "event_type": item.event_type,
                "customer_id": item.customer_id,
                "loginid": item.loginid,
                "method": item.method,
                "url": item.url,
                "body": item.body,
                "content_type": item.content_type,
                "host": host_key(item.url),
                "status": "paused" if state == "paused" else "pending",
                "attempts": 0,
                "next_at": now + dt.timedelta(seconds=item.delay_seconds),
                "lease_until": None,
                "last_status": None,
                "last_error": None,
                "delivered_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    repo.insert(conn, rows)
    return len(rows)


def fan_out(conn: Connection, subscribers: Sequence[Subscriber], limit: int = 500) -> int:
    """Turn the next committed events into deliveries; returns how many events were taken."""
    events = pending(conn, CONSUMER, limit)
    if not events:
        return 0
    items: list[NewDelivery] = []
    for subscriber in subscribers:
        items.extend(subscriber(conn, events))
    # Per customer, in event order: the ids then follow it, and the claim keeps that order.
    items.sort(key=lambda i: i.event.id if i.event is not None else 0)
    enqueue(conn, items)
    advance_events(conn, CONSUMER, events[-1])
    return len(events)


@dataclass
class Claimed:
    """A delivery taken for one attempt; `headers` are added by its kind (signatures)."""

    id: int
    kind: str
    subscription_id: int
    event_type: str
    method: str
    url: str
    body: str | None
    content_type: str | None
    host: str
    attempt: int
    headers: dict[str, str] = field(default_factory=dict)


def claim(
    conn: Connection, limit: int, busy: Sequence[str], policy: Policy, now: dt.datetime
) -> list[Claimed]:
    lease = now + dt.timedelta(seconds=policy.lease)
    return [
        Claimed(
            id=int(r["id"]),
            kind=str(r["kind"]),
            subscription_id=int(r["subscription_id"]),
            event_type=str(r["event_type"]),
            method=str(r["method"]),
            url=str(r["url"]),
            body=r["body"],
            content_type=r["content_type"],
            host=str(r["host"]),
            attempt=int(r["attempts"]) + 1,
        )
        for r in repo.claim(conn, now, lease, limit, busy)
    ]


def give_back(conn: Connection, ids: Sequence[int]) -> None:
    repo.give_back(conn, ids)


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: the answer's status (None if none came), its head, or an error."""

    delivery: Claimed
    started_at: dt.datetime
    latency_ms: int
    logged_url: str
    status_code: int | None = None
    response: str | None = None
    error: str | None = None
    final: bool = False  # refused before sending (SSRF): retrying cannot help

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        return self.status_code == 410


def record_outcomes(
    conn: Connection, outcomes: Sequence[Outcome], policy: Policy, now: dt.datetime | None = None
) -> None:
    """Log the attempts, move each delivery on, and keep the destinations' health."""
    now = now or utcnow()
    updates, attempts = [], []
    health: dict[tuple[str, int], list[Outcome]] = {}
    for o in outcomes:
        d = o.delivery
        attempts.append(
            {
                "delivery_id": d.id,
                "attempt": d.attempt,
                "started_at": o.started_at,
                "url": o.logged_url,
                "status_code": o.status_code,
                "latency_ms": o.latency_ms,
                "response": o.response,
                "error": (o.error or "")[:512] or None,
            }
        )
        next_at = now
        if o.ok:
            status = "done"
        elif o.gone:
            status = "gone"
        elif o.final or d.attempt >= policy.max_attempts:
            status = "failed"
        else:
            status = "pending"
            next_at = now + dt.timedelta(seconds=policy.delay(d.attempt))
        error = o.error or (None if o.ok else f"HTTP {o.status_code}")
        updates.append(
            {
                "b_id": d.id,
                "b_status": status,
                "b_next_at": next_at,
                "b_last_status": o.status_code,
                "b_last_error": error[:512] if error else None,
                "b_delivered_at": now if o.ok else None,
                "b_now": now,
            }
        )
        health.setdefault((d.kind, d.subscription_id), []).append(o)
    repo.log_attempts(conn, attempts)
    repo.finish(conn, updates)
    _keep_health(conn, health, policy, now)


def _keep_health(
    conn: Connection,
    health: Mapping[tuple[str, int], list[Outcome]],
    policy: Policy,
    now: dt.datetime,
) -> None:
    """Success clears a destination's failing clock; 24 h of failures pause it; 410 stops it."""
    known: dict[tuple[str, int], RowMapping] = {}
    for kind in {k for k, _ in health}:
        subs = [s for k, s in health if k == kind]
        known.update({(kind, s): r for s, r in repo.destinations(conn, kind, subs).items()})
    rows = []
    for key, outs in health.items():
        row = known.get(key)
        state = str(row["state"]) if row is not None else "active"
        failing = row["failing_since"] if row is not None else None
        success = row["last_success_at"] if row is not None else None
        last = outs[-1]
        if any(o.gone for o in outs):
            state, failing = "gone", failing or now
            repo.move_queue(conn, key[0], key[1], "pending", "cancelled", now)
            repo.move_queue(conn, key[0], key[1], "paused", "cancelled", now)
        elif last.ok:
            if failing is None and row is not None and state == "active":
                continue  # healthy and known: nothing to write on the fast path
            failing, success = None, now
        else:
            failing = failing or now
            if state == "active" and (now - failing).total_seconds() >= policy.pause_after:
                state = "paused"
                repo.move_queue(conn, key[0], key[1], "pending", "paused", now)
                record(
                    conn,
                    Event(
                        PAUSED_EVENT,
                        {
                            "kind": key[0],
                            "subscription_id": key[1],
                            "failing_since": failing.isoformat(),
                            "last_error": last.error or f"HTTP {last.status_code}",
                        },
                    ),
                )
        rows.append(
            {
                "kind": key[0],
                "subscription_id": key[1],
                "state": state,
                "failing_since": failing,
                "last_success_at": success,
                "updated_at": now,
            }
        )
    repo.save_destinations(conn, rows)


def destination_states(conn: Connection, kind: str, ids: Sequence[int]) -> dict[int, str]:
    """Each subscription's delivery state: active (the default), paused or gone."""
    found = repo.destinations(conn, kind, ids)
    return {i: str(found[i]["state"]) if i in found else "active" for i in ids}


def resume(conn: Connection, kind: str, sub: int) -> None:
    """A paused or gone destination is active again; its paused deliveries are due now."""
    now = utcnow()
    row = {
        "kind": kind,
        "subscription_id": sub,
        "state": "active",
        "failing_since": None,
        "last_success_at": None,
        "updated_at": now,
    }
    repo.save_destinations(conn, [row])
    repo.move_queue(conn, kind, sub, "paused", "pending", now)


def stop(conn: Connection, kind: str, sub: int) -> None:
    """A removed subscription: what waits for it is cancelled."""
    now = utcnow()
    for status in ("pending", "paused"):
        repo.move_queue(conn, kind, sub, status, "cancelled", now)


def retry(conn: Connection, ids: Sequence[int]) -> list[int]:
    """Deliveries back to pending with a fresh schedule; 404 naming any unknown id."""
    found = {int(r["id"]) for r in repo.by_ids(conn, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise DeliveryNotFound(
            f"Parameter 'deliveryid': no delivery {', '.join(map(str, missing[:10]))}."
        )
    repo.retry(conn, ids, utcnow())
    return sorted(found)


def search(
    conn: Connection, filters: dict[str, Any], limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Deliveries with their attempt logs, newest first."""
    total, rows = repo.search(conn, filters, limit, offset)
    attempts: dict[int, list[RowMapping]] = {}
    for a in repo.attempts_of(conn, [int(r["id"]) for r in rows]):
        attempts.setdefault(int(a["delivery_id"]), []).append(a)
    return total, [{**r, "attempt_log": attempts.get(int(r["id"]), [])} for r in rows]


def unhealthy_destinations(conn: Connection, limit: int = 200) -> list[dict[str, Any]]:
    """Paused or gone destinations, each with how many deliveries wait for it to resume."""
    waiting = repo.paused_counts(conn)
    return [
        {**r, "waiting": waiting.get((str(r["kind"]), int(r["subscription_id"])), 0)}
        for r in repo.destinations_in(conn, ("paused", "gone"), limit)
    ]


def recent_failures(conn: Connection, since: dt.datetime, limit: int = 10) -> list[RowMapping]:
    """Deliveries made since a time that failed, were refused as gone, or wait paused."""
    return repo.failing(conn, since, limit)
