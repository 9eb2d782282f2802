"""The console's customer list: filters on indexed columns, keyset pages, the newest locks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.errors import InvalidParameter
from trackpost.customers import list_repository as lists
from trackpost.customers.fields import CUSTOMER_STATUSES

STATUSES = tuple(sorted(CUSTOMER_STATUSES))

SORTS = tuple(lists.CONSOLE_SORTS)
FILTERS = (
    "customer_id",
    "username",
    "email",
    "subscription_id",
    "orderid",
    "status",
    "offerid",
    "landing_pageid",
    "loginid",
    "advertiserid",
    "locked",
    "join_start",
    "join_end",
)


@dataclass(frozen=True)
class CustomerPage:
    """One page of the list, and the cursors of the pages before and after it (None: none)."""

    rows: list[RowMapping]
    after: str | None
    before: str | None


def _key(row: RowMapping, sort: str) -> str:
    if sort.startswith("joined"):
        joined: dt.datetime = row["join_date"]
        return f"{joined.astimezone(dt.UTC).isoformat()}~{row['customer_id']}"
    return str(row["customer_id"])


def _cursor(raw: str, sort: str, name: str) -> tuple[Any, ...]:
    try:
        if sort.startswith("joined"):
            when, _, cid = raw.partition("~")
            return (dt.datetime.fromisoformat(when), int(cid))
        return (int(raw),)
    except ValueError:
        raise InvalidParameter(f"Parameter '{name}' is not a page cursor of this list.") from None


def customer_page(
    conn: Connection,
    filters: Mapping[str, Any],
    sort: str = "newest",
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
) -> CustomerPage:
    """A page of customers matching every filter (username and email in lower case)."""
    if sort not in lists.CONSOLE_SORTS:
        raise InvalidParameter(f"Parameter 'sort' must be one of {', '.join(SORTS)}.")
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise InvalidParameter(f"Unknown customer filter {sorted(unknown)[0]!r}.")
    start, end = filters.get("join_start"), filters.get("join_end")
    if start is not None and end is not None and start >= end:
        raise InvalidParameter("Parameter 'join_end' must not be before 'join_start'.")
    backwards = before is not None and after is None
    raw = before if backwards else after
    cursor = _cursor(raw, sort, "before" if backwards else "after") if raw else None
    rows = lists.console_page(conn, filters, sort, cursor, backwards, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    first, last = (_key(rows[0], sort), _key(rows[-1], sort)) if rows else (None, None)
    if backwards:
        return CustomerPage(rows, after=last, before=first if more else None)
    return CustomerPage(rows, after=last if more else None, before=first if cursor else None)


def newest_locks(conn: Connection, limit: int = 10) -> list[RowMapping]:
    """The customers locked most recently, with who locked them, when and why."""
    return lists.newest_locks(conn, limit)
