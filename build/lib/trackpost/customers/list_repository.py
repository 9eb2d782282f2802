"""The customer lists' queries: the API search (offset pages) and the console's keyset pages.

One statement per combination of filters, built on first use; only indexed columns are filtered
and sorted on (tests/core/test_query_plans.py reads the plans).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Select,
    and_,
    bindparam,
    false,
    func,
    or_,
    select,
    text,
    true,
    tuple_,
)

from trackpost.models.tables import customers as C
from trackpost.models.tables import transactions as T


def _conditions(names: frozenset[str]) -> list[Any]:
    conds: list[Any] = []
    if "email" in names:
        conds.append(func.lower(C.c.email) == bindparam("f_email"))
    if "name" in names:
        pattern: Any = bindparam("f_name")
        conds.append(
            or_(
                func.lower(C.c.firstname).like(pattern, escape="\\"),
                func.lower(C.c.lastname).like(pattern, escape="\\"),
            )
        )
    if "subscription_id" in names:
        conds.append(C.c.subscription_id == bindparam("f_subscription_id"))
    if "orderid" in names:
        owners = select(T.c.customer_id).where(T.c.orderid == bindparam("f_orderid"))
        conds.append(C.c.customer_id.in_(owners.scalar_subquery()))
    if "status" in names:
        conds.append(C.c.status == bindparam("f_status"))
    if "locked" in names:
        conds.append(C.c.locked == bindparam("f_locked"))
    if "advertiserid" in names:
        conds.append(C.c.advertiserid == bindparam("f_advertiserid"))
    if "join_start" in names:
        conds.append(C.c.join_date >= bindparam("f_join_start", type_=C.c.join_date.type))
    if "join_end" in names:
        conds.append(C.c.join_date < bindparam("f_join_end", type_=C.c.join_date.type))
    return conds


@lru_cache(maxsize=512)
def _search_stmts(names: frozenset[str]) -> tuple[Select[Any], Select[Any]]:
    where = and_(true(), *_conditions(names))
    rows = (
        select(C)
        .where(where)
        .order_by(C.c.customer_id)
        .limit(bindparam("lim"))
        .offset(bindparam("off"))
    )
    total = select(func.count()).select_from(C).where(where)
    return rows, total


def search(
    conn: Connection, filters: Mapping[str, Any], start: int, count: int
) -> tuple[int, list[RowMapping]]:
    """Customers matching every filter, in customer_id order, and the total that match."""
    rows_stmt, total_stmt = _search_stmts(frozenset(filters))
    params = {f"f_{k}": v for k, v in filters.items()}
    total = int(conn.execute(total_stmt, params).scalar_one())
    if total == 0 or start >= total:
        return total, []
    found = list(conn.execute(rows_stmt, {**params, "lim": count, "off": start}).mappings())
    return total, found


# ---- the console's customer list: keyset pages on indexed columns ---------------------------

# Sort name -> (the key columns, descending?): every key ends in customer_id, so it is unique.
CONSOLE_SORTS: dict[str, tuple[tuple[Any, ...], bool]] = {
    "newest": ((C.c.customer_id,), True),
    "oldest": ((C.c.customer_id,), False),
    "joined_desc": ((C.c.join_date, C.c.customer_id), True),
    "joined_asc": ((C.c.join_date, C.c.customer_id), False),
}
_CONSOLE_EXACT: dict[str, Any] = {
    "customer_id": C.c.customer_id,
    "subscription_id": C.c.subscription_id,
    "status": C.c.status,
    "offerid": C.c.offerid,
    "landing_pageid": C.c.landing_pageid,
    "loginid": C.c.loginid,
    "advertiserid": C.c.advertiserid,
}
# The bare column, as the partial indexes of locked rows state it: SQLite uses a partial index
# only when the query repeats its condition (`locked = 1` is not `locked` to it).
LOCKED = text("customers.locked")
_NEWEST_LOCKS = (
    select(C.c.customer_id, C.c.username, C.c.email, C.c.locked_by, C.c.locked_at, C.c.lock_reason)
    .where(LOCKED)
    .order_by(C.c.locked_at.desc())
    .limit(bindparam("lim"))
)


@lru_cache(maxsize=512)
def _console_stmt(names: frozenset[str], sort: str, backwards: bool, cursor: bool) -> Select[Any]:
    conds: list[Any] = [
        _CONSOLE_EXACT[n] == bindparam(f"f_{n}") for n in names & _CONSOLE_EXACT.keys()
    ]
    if "locked" in names:
        conds.append(LOCKED)
    if "unlocked" in names:
        conds.append(C.c.locked == false())
    if "username" in names:
        conds.append(func.lower(C.c.username) == bindparam("f_username"))
    if "email" in names:
        conds.append(func.lower(C.c.email) == bindparam("f_email"))
    if "orderid" in names:
        owner = select(T.c.customer_id).where(T.c.orderid == bindparam("f_orderid"))
        conds.append(C.c.customer_id == owner.scalar_subquery())
    if "join_start" in names:
        conds.append(C.c.join_date >= bindparam("f_join_start", type_=C.c.join_date.type))
    if "join_end" in names:
        conds.append(C.c.join_date < bindparam("f_join_end", type_=C.c.join_date.type))
    keys, descending = CONSOLE_SORTS[sort]
    descending = descending != backwards
    if cursor:
        marks = [bindparam(f"k{i}", type_=k.type) for i, k in enumerate(keys)]
        left, right = (tuple_(*keys), tuple_(*marks)) if len(keys) > 1 else (keys[0], marks[0])
        conds.append(left < right if descending else left > right)
    order = [k.desc() if descending else k.asc() for k in keys]
    return select(C).where(and_(true(), *conds)).order_by(*order).limit(bindparam("lim"))


def console_page(
    conn: Connection,
    filters: Mapping[str, Any],
    sort: str,
    cursor: Sequence[Any] | None,
    backwards: bool,
    limit: int,
) -> list[RowMapping]:
    """Up to `limit` customers after (or, backwards, before) the cursor's key, in sort order."""
    names = set(filters)
    if "locked" in filters:
        # A literal, not a parameter: the locked rows' partial indexes need the condition written.
        names.discard("locked")
        names.add("locked" if filters["locked"] else "unlocked")
    stmt = _console_stmt(frozenset(names), sort, backwards, cursor is not None)
    params: dict[str, Any] = {f"f_{k}": v for k, v in filters.items() if k != "locked"}
    params["lim"] = limit
    for i, value in enumerate(cursor or ()):
        params[f"k{i}"] = value
    return list(conn.execute(stmt, params).mappings())


def newest_locks(conn: Connection, limit: int) -> list[RowMapping]:
    return list(conn.execute(_NEWEST_LOCKS, {"lim": limit}).mappings())
