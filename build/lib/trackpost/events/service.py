"""Record what happened in the transaction that made it happen; let consumers read it in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection

from trackpost.core.db import utcnow
from trackpost.events import repository


@dataclass(frozen=True)
class Event:
    """A change worth telling: its type, its JSON payload and the customer it concerns."""

    type: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    customer_id: int | None = None


@dataclass(frozen=True)
class StoredEvent:
    """An event as the log keeps it."""

    id: int
    type: str
    customer_id: int | None
    payload: dict[str, Any]
    created_at: dt.datetime
    txid: int


def record(conn: Connection, event: Event) -> None:
    """Append the event in the caller's transaction: it commits or rolls back with its cause."""
    repository.insert(
        conn,
        {
            "type": event.type,
            "customer_id": event.customer_id,
            "payload": orjson.dumps(dict(event.payload)).decode(),
            "created_at": utcnow(),
        },
    )


def pending(conn: Connection, consumer: str, limit: int = 500) -> list[StoredEvent]:
    """Committed events this consumer has not taken, oldest first; per customer in commit order."""
    txid, last_id = repository.cursor(conn, consumer)
    return [
        StoredEvent(
            id=int(r[0]),
            type=str(r[1]),
            customer_id=None if r[2] is None else int(r[2]),
            payload=orjson.loads(r[3]),
            created_at=r[4],
            txid=int(r[5] or 0),
        )
        for r in repository.after(conn, txid, last_id, limit)
    ]


def advance(conn: Connection, consumer: str, through: StoredEvent) -> None:
    """Move the consumer past `through`, in the transaction of the consumer's own writes."""
    repository.move(conn, consumer, through.txid, through.id)
