"""Read-only customer views: details with transactions, search, and the audit history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.core.errors import InvalidParameter
from trackpost.customers import repository as repo
from trackpost.customers.audit import decode_changes
from trackpost.customers.lookup import Lookup, find_by, parse_id
from trackpost.customers.schemas import CUSTOMER_SCHEMA

DETAIL_TRANSACTIONS = 100
DEFAULT_COUNT = 100
MAX_COUNT = 1000

# The response schema is the one list of what a customer shows; the password never is.
_CUSTOMER_COLUMNS = tuple(name for name in CUSTOMER_SCHEMA["properties"] if name != "has_password")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def customer_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A customer as the API shows it: every field but the password, which is only `has_password`."""
    out = {name: _jsonable(row[name]) for name in _CUSTOMER_COLUMNS}
    out["locked"] = bool(out["locked"])
    out["has_password"] = row["password_hash"] is not None
    return out


def _transaction_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _jsonable(value) for key, value in row.items()}


def customer_details(conn: Connection, lookup: Lookup) -> dict[str, Any]:
    """The customer, its lock state and its newest transactions (at most 100) with their count."""
    customer = find_by(conn, lookup, for_update=False)
    cid = customer["customer_id"]
    rows = repo.transactions(conn, cid, DETAIL_TRANSACTIONS)
    count = len(rows) if len(rows) < DETAIL_TRANSACTIONS else repo.transaction_count(conn, cid)
    return {
        "result": "success",
        "customer": customer_json(customer),
        "transactions": [_transaction_json(r) for r in rows],
        "transaction_count": count,
    }


def parse_paging(start: str | None, count: str | None) -> tuple[int, int]:
    """start (offset, default 0) and count (default 100, 1 to 1000)."""
    first = 0
    if start not in (None, ""):
        text = str(start).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            raise InvalidParameter(
                f"Parameter 'start' must be a whole number 0 or more, got {str(start)[:32]!r}."
            )
        first = int(text)
    size = DEFAULT_COUNT
    if count not in (None, ""):
        text = str(count).strip()
        if not text.isascii() or not text.isdigit() or not 1 <= int(text[:6]) <= MAX_COUNT:
            raise InvalidParameter(
                f"Parameter 'count' must be a whole number from 1 to {MAX_COUNT}, "
                f"got {str(count)[:32]!r}."
            )
        size = int(text)
    return first, size


def customer_history(
    conn: Connection, lookup: Lookup, start: str | None, count: str | None
) -> dict[str, Any]:
    """The customer's audit trail, newest first."""
    first, size = parse_paging(start, count)
    customer = find_by(conn, lookup, for_update=False)
    cid = customer["customer_id"]
    rows = repo.history(conn, cid, first, size)
    total = first + len(rows) if 0 < len(rows) < size else repo.history_count(conn, cid)
    return {
        "result": "success",
        "customer_id": cid,
        "total": total,
        "start": first,
        "count": len(rows),
        "history": [
            {
                "auditid": r["auditid"],
                "at": _jsonable(r["at"]),
                "actor": r["actor"],
                "source": r["source"],
                "source_ip": r["source_ip"],
                "action": r["action"],
                "changes": decode_changes(r["changes"]),
                "reason": r["reason"],
                "request_id": r["request_id"],
            }
            for r in rows
        ],
    }


def _parse_time(name: str, raw: str, *, end: bool) -> dt.datetime:
    """A date (a whole day) or an ISO 8601 time; times without an offset are UTC."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            return start + dt.timedelta(days=1) if end else start
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"Parameter '{name}' must be a date (YYYY-MM-DD) or an ISO 8601 time, got {raw[:40]!r}."
        ) from None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    # join_end is inclusive; the query compares with "<", so step past the instant itself.
    return value + dt.timedelta(microseconds=1) if end else value


def _like_fragment(fragment: str) -> str:
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_filters(raw: Mapping[str, str | None]) -> dict[str, Any]:
    """Turn the search parameters into typed filters; empty values are ignored."""
    filters: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        if name == "email":
            filters["email"] = value.strip().lower()
        elif name == "name":
            filters["name"] = _like_fragment(value.strip())
        elif name == "locked":
            flag = value.strip().lower()
            if flag not in _TRUE | _FALSE:
                raise InvalidParameter(
                    f"Parameter 'locked' must be 1 or 0 (true or false), got {value[:16]!r}."
                )
            filters["locked"] = flag in _TRUE
        elif name == "advertiserid":
            filters["advertiserid"] = parse_id("advertiserid", value)
        elif name in ("join_start", "join_end"):
            filters[name] = _parse_time(name, value, end=name == "join_end")
        else:
            filters[name] = value
    return filters


def search_customers(
    conn: Connection, raw: Mapping[str, str | None], start: str | None, count: str | None
) -> dict[str, Any]:
    """Customers matching every filter, in customer_id order, with the total that match."""
    first, size = parse_paging(start, count)
    filters = search_filters(raw)
    start_at, end_at = filters.get("join_start"), filters.get("join_end")
    if start_at is not None and end_at is not None and start_at >= end_at:
        raise InvalidParameter("Parameter 'join_end' must not be before 'join_start'.")
    total, rows = repo.search(conn, filters, first, size)
    return {
        "result": "success",
        "total": total,
        "start": first,
        "count": len(rows),
        "customers": [customer_json(r) for r in rows],
    }
