"""Record what happened in the transaction that made it happen; let consumers read it in order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import orjson
from sqlalchemy import Connection, Engine

from trackpost.core.batch import batch_scope
from trackpost.core.db import utcnow
from trackpost.events import repository

# The batch memo's key of the types not recorded (core/batch.py, BatchScope.memo).
_MEMO = "events.skipped"
_NOTHING: frozenset[str] = frozenset()


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


@dataclass(frozen=True)
class Interest:
    """One product's subscriptions: every type they can take, and a read of the types its
    enabled subscriptions want now (docs/events.md, "Recorded while wanted")."""

    types: frozenset[str]
    wanted: Callable[[Connection], Iterable[str]]


class Wants:
    """A worker's view of which subscribable types nobody wants, kept at the log's version."""

    def __init__(self, interests: Iterable[Interest]) -> None:
        self.interests = tuple(interests)
        self.types = frozenset().union(*(i.types for i in self.interests))
        # (version, types not recorded); replaced whole, so a reader on another thread sees
        # one consistent pair.
        self._known: tuple[int, frozenset[str]] | None = None

    def clear(self) -> None:
        """Forget (a group commit failed: what it read may never have been written)."""
        self._known = None

    def read(self, conn: Connection) -> frozenset[str]:
        """The types not recorded now, from the worker's copy at the log's current version."""
        version = repository.version(conn)
        if version is None:  # no version row (not migrated): record everything
            return _NOTHING
        known = self._known
        if known is not None and known[0] == version:
            return known[1]
        wanted: set[str] = set()
        for interest in self.interests:
            wanted.update(interest.wanted(conn))
        skip = self.types - wanted
        self._known = (version, skip)
        return skip


# Per database (a process may hold several, as the tests do); none registered: all recorded.
_WANTS: WeakKeyDictionary[Engine, Wants] = WeakKeyDictionary()


def watch(engine: Engine, interests: Iterable[Interest]) -> Wants:
    """Record the subscribable types on `engine` only while a subscription wants them."""
    wants = _WANTS[engine] = Wants(interests)
    return wants


def wanted(conn: Connection, type_: str) -> bool:
    """Whether an event of this type is recorded now (a producer asks before building one).

    Read once per write batch (nothing else writes while it holds the writer, and
    interest_changed forgets it when a request of the batch changes it); outside one per call.
    """
    scope = batch_scope(conn)
    if scope is not None:
        memo: frozenset[str] | None = scope.memo.get(_MEMO)
        if memo is not None:
            return type_ not in memo
    wants = _WANTS.get(conn.engine)
    skip = _NOTHING if wants is None else wants.read(conn)
    if scope is not None:
        scope.memo[_MEMO] = skip
    return type_ not in skip


def interest_changed(conn: Connection) -> None:
    """Called in the transaction of every change to what a subscription wants (an endpoint or
    postback added, edited, enabled, disabled or removed), so every worker reads it again."""
    scope = batch_scope(conn)
    if scope is not None:
        scope.memo.pop(_MEMO, None)
    repository.bump_version(conn)


def record(conn: Connection, event: Event) -> None:
    """Append the event in the caller's transaction: it commits or rolls back with its cause.
    A type some product can subscribe to is left out while no subscription wants it."""
    if not wanted(conn, event.type):
        return
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
