"""Read-only customer views: details with transactions, search, and the audit history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.core.errors import InvalidParameter
from trackpost.core.fields import cents_text, iso
from trackpost.customers import aside
from trackpost.customers import list_repository as lists
from trackpost.customers import repository as repo
from trackpost.customers.audit import decode_changes
from trackpost.customers.lookup import Lookup, find_by
from trackpost.customers.schemas import CUSTOMER_SCHEMA, SearchParams

DETAIL_TRANSACTIONS = 100

# The response schema is the one list of what a customer shows; the password never is.
_CUSTOMER_COLUMNS = tuple(name for name in CUSTOMER_SCHEMA["properties"] if name != "has_password")


def _jsonable(value: Any) -> Any:
    return iso(value) if isinstance(value, dt.datetime) else value


def customer_json(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A customer as the API shows it: every field but the password, which is only `has_password`."""
    out = {name: _jsonable(row[name]) for name in _CUSTOMER_COLUMNS}
    out["locked"] = bool(out["locked"])
    out["set_aside"] = aside.decode(out["set_aside"]) or None
    out["has_password"] = row["password_hash"] is not None
    return out


# Money in responses is a decimal string in the base currency, as every response gives it.
_MONEY = frozenset({"amount", "affiliate_payout", "chargeback_cost"})


def _transaction_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: cents_text(value) if key in _MONEY else _jsonable(value) for key, value in row.items()
    }


def customer_details(
    conn: Connection, lookup: Lookup, *, with_clickid: bool = False
) -> dict[str, Any]:
    """The customer, its lock state and its newest transactions (at most 100) with their count;
    with_clickid adds the click it came from (the console's acquisition block; not the API's)."""
    customer = find_by(conn, lookup, for_update=False)
    cid = customer["customer_id"]
    rows = repo.transactions(conn, cid, DETAIL_TRANSACTIONS)
    count = len(rows) if len(rows) < DETAIL_TRANSACTIONS else repo.transaction_count(conn, cid)
    out = {
        "result": "success",
        "customer": customer_json(customer),
        "transactions": [_transaction_json(r) for r in rows],
        "transaction_count": count,
    }
    if with_clickid:
        out["clickid"] = customer["clickid"]
    return out


def customer_history(conn: Connection, lookup: Lookup, first: int, size: int) -> dict[str, Any]:
    """The customer's audit trail, newest first, `size` entries from offset `first`."""
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


def _like_fragment(fragment: str) -> str:
    escaped = fragment.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_filters(params: SearchParams) -> dict[str, Any]:
    """The filters sent, as the repository's query takes them; empty values are ignored."""
    filters: dict[str, Any] = {}
    if params.email:
        filters["email"] = params.email.strip().lower()
    if params.name:
        filters["name"] = _like_fragment(params.name.strip())
    if params.subscription_id:
        filters["subscription_id"] = params.subscription_id
    if params.orderid:
        filters["orderid"] = params.orderid
    if params.status:
        filters["status"] = params.status
    if params.locked is not None:
        filters["locked"] = params.locked
    if params.advertiserid is not None:
        filters["advertiserid"] = params.advertiserid
    if params.join_start is not None:
        filters["join_start"] = params.join_start
    if params.join_end is not None:
        filters["join_end"] = params.join_end
    return filters


def search_customers(conn: Connection, params: SearchParams) -> dict[str, Any]:
    """Customers matching every filter, in customer_id order, with the total that match."""
    filters = search_filters(params)
    start_at, end_at = params.join_start, params.join_end
    if start_at is not None and end_at is not None and start_at >= end_at:
        raise InvalidParameter("Parameter 'join_end' must not be before 'join_start'.")
    total, rows = lists.search(conn, filters, params.start, params.count)
    return {
        "result": "success",
        "total": total,
        "start": params.start,
        "count": len(rows),
        "customers": [customer_json(r) for r in rows],
    }
