"""The customer audit trail: one row per change, written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection

from trackpost.core.db import utcnow
from trackpost.core.fields import iso
from trackpost.core.origin import Origin
from trackpost.customers import repository as repo

SOURCES = frozenset({"api", "postback", "cli", "system", "ui"})
MASK = "********"
SECRET_FIELDS = frozenset({"password", "password_hash"})

Changes = dict[str, dict[str, Any]]


def masked(field: str, value: Any) -> Any:
    """What the trail shows for a value: secrets only as set (masked) or unset (null)."""
    if field in SECRET_FIELDS:
        return MASK if value else None
    if isinstance(value, dt.datetime):
        return iso(value)
    return value


def change(field: str, before: Any, after: Any) -> dict[str, Any]:
    """One entry of `changes`: before and after, with secrets masked."""
    return {"before": masked(field, before), "after": masked(field, after)}


def write_audit(
    conn: Connection,
    customer_id: int,
    origin: Origin,
    *,
    action: str,
    changes: Mapping[str, Mapping[str, Any]] | None = None,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Record one change to a customer, by `origin`; call it inside the transaction of the change."""
    source = origin.source
    if source not in SOURCES:
        raise ValueError(f"audit source must be one of {sorted(SOURCES)}, not {source!r}")
    source_ip, request_id = origin.source_ip, origin.request_id
    repo.insert_audit(
        conn,
        {
            "customer_id": customer_id,
            "at": at or utcnow(),
            "actor": origin.actor[:128],
            "source": source,
            "source_ip": source_ip[:64] if source_ip else None,
            "action": action[:64],
            "changes": orjson.dumps(changes or {}).decode("utf-8"),
            "reason": reason,
            "request_id": request_id[:64] if request_id else None,
        },
    )


def decode_changes(raw: str) -> Changes:
    value = orjson.loads(raw) if raw else {}
    return value if isinstance(value, dict) else {}
