"""Every refused advertiser post is kept: what it sent (passwords masked), who sent it, the answer.

The record is written after the refusal, in a transaction of its own (the refused request's
rolled back), so an accepted post pays nothing for it. Admins list the records and replay them
once the cause is fixed (postbacks/redo.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import orjson
from sqlalchemy import Connection

from trackpost.core.db import utcnow
from trackpost.core.errors import TrackpostError
from trackpost.core.fields import iso, parse_id
from trackpost.core.throttle import FailureThrottle
from trackpost.postbacks import repository as repo

PIXEL, VOID = "pixel", "void"
MASK = "********"
MAX_VALUE = 2048
MAX_PARAMS = 100
# One write in this many also deletes a bounded batch of expired records.
PRUNE_EVERY = 100
PRUNE_BATCH = 500


class KeepLimit:
    """This worker's count of records kept per sender address in the last minute."""

    def __init__(self) -> None:
        self._throttle: FailureThrottle | None = None
        self._writes = 0

    def clear(self) -> None:
        """Nothing here is read from the database, so a failed batch leaves it true."""

    def allow(self, sender_ip: str, per_minute: int) -> bool:
        """Whether this refusal is kept; 0 keeps every one."""
        if per_minute == 0:
            return True
        if self._throttle is None or self._throttle.limit != per_minute:
            self._throttle = FailureThrottle(per_minute, 60.0)
        if self._throttle.retry_after(sender_ip):
            return False
        self._throttle.record(sender_ip)
        return True

    def prune_due(self) -> bool:
        """True once every PRUNE_EVERY kept records (and for the first)."""
        self._writes += 1
        return self._writes % PRUNE_EVERY == 1


def _secret(name: str) -> bool:
    return "pass" in name.lower()


def _kept(name: str, value: Any) -> Any:
    if _secret(name):
        return MASK
    if isinstance(value, str):
        return value[:MAX_VALUE]
    if isinstance(value, list):
        return [_kept(name, v) for v in value[:MAX_PARAMS]]
    if isinstance(value, dict):
        return {str(k)[:MAX_VALUE]: _kept(str(k), v) for k, v in list(value.items())[:MAX_PARAMS]}
    return str(value)[:MAX_VALUE]


def kept_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as they are kept: passwords masked, long values and long lists cut."""
    return {name[:MAX_VALUE]: _kept(name, v) for name, v in list(params.items())[:MAX_PARAMS]}


def _first(params: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _advertiser(conn: Connection, params: Mapping[str, Any], cookie: str | None) -> int | None:
    """The advertiser the post names or its click, page or orderid belongs to, if any."""
    named = _first(params, "advertiserid")
    if named is not None:
        try:
            return parse_id("advertiserid", named)
        except TrackpostError:
            pass
    click = _first(params, "click_hash", "transid", "transaction_hash") or cookie
    if click is not None:
        found = repo.advertiser_of(conn, "hash", click[:64])
        if found is not None:
            return found
    page = _first(params, "landing_pageid")
    if page is not None and page.isascii() and page.isdigit() and len(page) < 19:
        found = repo.advertiser_of(conn, "lp", int(page))
        if found is not None:
            return found
    orderid = _first(params, "orderid")
    return None if orderid is None else repo.advertiser_of(conn, "oid", orderid[:255])


def record(
    conn: Connection,
    *,
    endpoint: str,
    params: Mapping[str, Any],
    cookie: str | None,
    sender_ip: str,
    request_id: str,
    error: TrackpostError,
    prune_before: dt.datetime | None = None,
) -> None:
    """Keep one refused post (and, when given a time, delete a batch of records older than it)."""
    if prune_before is not None:
        repo.prune_failed(conn, prune_before, PRUNE_BATCH)
    repo.insert_failed(
        conn,
        {
            "received_at": utcnow(),
            "endpoint": endpoint,
            "sender_ip": sender_ip[:64] or None,
            "advertiserid": _advertiser(conn, params, cookie),
            "status": error.status,
            "code": error.error_code[:64],
            "message": error.message,
            "params": orjson.dumps(kept_params(params)).decode(),
            "cookie_hash": cookie[:64] if cookie else None,
            "request_id": request_id[:64] or None,
            "replay_count": 0,
            "replayed_at": None,
            "replayed_by": None,
            "replay_answer": None,
            "resolved": False,
        },
    )


def failed_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A failed post as the API shows it."""
    answer = row["replay_answer"]
    return {
        "failedid": row["failedid"],
        "received_at": iso(row["received_at"]),
        "endpoint": row["endpoint"],
        "sender_ip": row["sender_ip"],
        "advertiserid": row["advertiserid"],
        "status": row["status"],
        "code": row["code"],
        "message": row["message"],
        "params": orjson.loads(row["params"]),
        "has_cookie": row["cookie_hash"] is not None,
        "request_id": row["request_id"],
        "replay_count": row["replay_count"],
        "replayed_at": iso(row["replayed_at"]),
        "replayed_by": row["replayed_by"],
        "replay_answer": orjson.loads(answer) if answer else None,
        "resolved": bool(row["resolved"]),
    }


def list_failed(
    conn: Connection, filters: dict[str, Any], start: int, count: int
) -> dict[str, Any]:
    """The failed posts matching every filter, newest first, with the total that match."""
    total, rows = repo.failed(conn, filters, start, count)
    return {
        "result": "success",
        "total": total,
        "start": start,
        "count": len(rows),
        "failed": [failed_json(r) for r in rows],
    }
