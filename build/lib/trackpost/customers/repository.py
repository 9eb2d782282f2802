"""Every customer query; statements are built once at import (or once per filter combination)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    false,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.sql.dml import Update
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from trackpost.core.hot import Hot, HotInsert
from trackpost.models.tables import customer_audit as A
from trackpost.models.tables import customers as C
from trackpost.models.tables import transactions as T

CustomerRow = Mapping[str, Any]

_BY_ID = select(C).where(C.c.customer_id == bindparam("cid"))
# No ORDER BY: two rows are enough to call it ambiguous, and an ORDER BY on the primary key can
# tempt the planner into walking the whole table instead of the subscription_id index.
_BY_SUB = select(C).where(C.c.subscription_id == bindparam("sid")).limit(2)
_BY_SUB_ADV = select(C).where(
    C.c.subscription_id == bindparam("sid"), C.c.advertiserid == bindparam("adv")
)
# The owners are found through the orderid index first, then the customers by primary key: a
# plan that holds whatever the table statistics say. An orderid is unique per advertiser, so it
# may name customers of several advertisers (up to two are read: two is ambiguous).
_ORDER_OWNERS = select(T.c.customer_id).where(T.c.orderid == bindparam("oid"))
_BY_ORDER = select(C).where(C.c.customer_id.in_(_ORDER_OWNERS)).limit(2)
_BY_ORDER_ADV = select(C).where(
    C.c.customer_id.in_(_ORDER_OWNERS.where(T.c.advertiserid == bindparam("adv")))
)
_BY_ID_FU = _BY_ID.with_for_update()
_BY_SUB_FU = _BY_SUB.with_for_update()
_BY_SUB_ADV_FU = _BY_SUB_ADV.with_for_update()
_BY_ORDER_FU = _BY_ORDER.with_for_update()
_BY_ORDER_ADV_FU = _BY_ORDER_ADV.with_for_update()

_USERNAME_TAKEN = (
    select(C.c.customer_id)
    .where(
        C.c.advertiserid == bindparam("adv"),
        func.lower(C.c.username) == func.lower(bindparam("u")),
        C.c.customer_id != bindparam("cid"),
    )
    .limit(1)
)
_SUBSCRIPTION_TAKEN = (
    select(C.c.customer_id)
    .where(C.c.advertiserid == bindparam("adv"), C.c.subscription_id == bindparam("sid"))
    .limit(1)
)

# Lock and unlock in one statement when a single lookup key names the customer: the conditional
# UPDATE finds the row, takes its lock and tests the state at once. Each key's predicate keeps
# the lookup rules: a subscription_id must belong to exactly one customer (else it is ambiguous,
# and the caller falls back to the full lookup, which says so).
_C2 = C.alias("c2")
_SINGLE_OWNER = (
    select(func.count())
    .select_from(_C2)
    .where(_C2.c.subscription_id == bindparam("b_key"))
    .scalar_subquery()
)
_KEY_PREDICATES: dict[str, Any] = {
    "customer_id": C.c.customer_id == bindparam("b_key"),
    "subscription_id": and_(C.c.subscription_id == bindparam("b_key"), _SINGLE_OWNER == 1),
    # Like a subscription_id, an orderid must have one holder (else the full lookup says so).
    "orderid": and_(
        C.c.customer_id.in_(select(T.c.customer_id).where(T.c.orderid == bindparam("b_key"))),
        select(func.count()).where(T.c.orderid == bindparam("b_key")).scalar_subquery() == 1,
    ),
}
_LOCK_VALUES: dict[str, Any] = {
    "locked": True,
    "locked_at": bindparam("b_now"),
    "locked_by": bindparam("b_by"),
    "lock_reason": bindparam("b_reason"),
}
_UNLOCK_VALUES: dict[str, Any] = {
    "locked": False,
    "locked_at": None,
    "locked_by": None,
    "lock_reason": None,
}


def _set_lock_statement(key: str, lock: bool) -> Update:
    """The conditional UPDATE that moves the customer `key` names into the `lock` state."""
    stmt = (
        update(C)
        .where(_KEY_PREDICATES[key], C.c.locked == (false() if lock else true()))
        .values(**(_LOCK_VALUES if lock else _UNLOCK_VALUES), updated_at=bindparam("b_now"))
    )
    # By customer_id the caller knows the id, so the count of changed rows answers without
    # RETURNING, which on SQLite first collects the rows in a temporary table (BENCHMARKS.md).
    return stmt if key == "customer_id" else stmt.returning(C.c.customer_id)


_LOCK_BY = {key: _set_lock_statement(key, True) for key in _KEY_PREDICATES}
_UNLOCK_BY = {key: _set_lock_statement(key, False) for key in _KEY_PREDICATES}

_INSERT_AUDIT = Hot(
    insert(A).values(
        {c.name: bindparam(c.name, type_=c.type) for c in A.columns if c.name != "auditid"}
    )
)
# Lock and unlock are the hottest customer writes: run them on the driver cursor.
_LOCK_HOT = {key: Hot(stmt) for key, stmt in _LOCK_BY.items()}
_UNLOCK_HOT = {key: Hot(stmt) for key, stmt in _UNLOCK_BY.items()}
# A conversion racing another for the same new subscription_id must not abort the transaction,
# so the insert skips on any unique conflict and the caller learns which one from a re-check.
# Every column is bound (absent ones as their default), so one compiled statement serves every
# conversion and runs hot, on the driver cursor.
_CUSTOMER_COLUMNS = {
    c.name: (c.default.arg if isinstance(c.default, ScalarElementColumnDefault) else None)
    for c in C.columns
    if c.name != "customer_id"
}
# NOT NULL columns without a plain value default (created_at's is a function, which a hot
# statement does not call): the caller must pass them.
_CUSTOMER_REQUIRED = frozenset(
    c.name
    for c in C.columns
    if not c.nullable and c.name != "customer_id" and _CUSTOMER_COLUMNS[c.name] is None
)
_CUSTOMER_BINDS = {n: bindparam(n, type_=C.c[n].type) for n in _CUSTOMER_COLUMNS}
_INSERT_CUSTOMER = HotInsert(C, _CUSTOMER_BINDS, C.c.customer_id)

_TRANSACTIONS = (
    select(
        T.c.transactionid,
        T.c.orderid,
        T.c.trans_type,
        T.c.status,
        T.c.amount,
        T.c.affiliate_payout,
        T.c.chargeback_cost,
        T.c.click_hash,
        T.c.loginid,
        T.c.offerid,
        T.c.landing_pageid,
        T.c.parent_transactionid,
        T.c.created_at,
    )
    .where(T.c.customer_id == bindparam("cid"))
    .order_by(T.c.transactionid.desc())
    .limit(bindparam("lim"))
)
_TRANSACTION_COUNT = select(func.count()).where(T.c.customer_id == bindparam("cid"))
# get_customer_details and every lookup by key run hot: through Connection.execute each of these
# would cost several times the query in SQLAlchemy (see core/hot.py).
_BY_ID_HOT = {False: Hot(_BY_ID), True: Hot(_BY_ID_FU)}
_BY_SUB_HOT = {False: Hot(_BY_SUB), True: Hot(_BY_SUB_FU)}
_BY_SUB_ADV_HOT = {False: Hot(_BY_SUB_ADV), True: Hot(_BY_SUB_ADV_FU)}
_BY_ORDER_HOT = {False: Hot(_BY_ORDER), True: Hot(_BY_ORDER_FU)}
_BY_ORDER_ADV_HOT = {False: Hot(_BY_ORDER_ADV), True: Hot(_BY_ORDER_ADV_FU)}
_TRANSACTIONS_HOT = Hot(_TRANSACTIONS)
_TRANSACTION_COUNT_HOT = Hot(_TRANSACTION_COUNT)

_HISTORY = (
    select(A)
    .where(A.c.customer_id == bindparam("cid"))
    .order_by(A.c.auditid.desc())
    .limit(bindparam("lim"))
    .offset(bindparam("off"))
)
_HISTORY_COUNT = select(func.count()).where(A.c.customer_id == bindparam("cid"))
_HISTORY_HOT = Hot(_HISTORY)
_HISTORY_COUNT_HOT = Hot(_HISTORY_COUNT)


def by_id(conn: Connection, customer_id: int, *, for_update: bool) -> CustomerRow | None:
    """The customer with this id, row-locked when the caller will write."""
    return _BY_ID_HOT[for_update].mapping(conn, {"cid": customer_id})


def by_subscription(
    conn: Connection, subscription_id: str, advertiserid: int | None, *, for_update: bool
) -> Sequence[CustomerRow]:
    """Up to two customers with this subscription id (two means it is ambiguous)."""
    if advertiserid is None:
        return _BY_SUB_HOT[for_update].mappings(conn, {"sid": subscription_id})
    return _BY_SUB_ADV_HOT[for_update].mappings(conn, {"sid": subscription_id, "adv": advertiserid})


def by_orderid(
    conn: Connection, orderid: str, advertiserid: int | None, *, for_update: bool
) -> Sequence[CustomerRow]:
    """Up to two customers holding this orderid (the advertiser's, when given; two is
    ambiguous: an orderid is unique per advertiser)."""
    if advertiserid is None:
        return _BY_ORDER_HOT[for_update].mappings(conn, {"oid": orderid})
    return _BY_ORDER_ADV_HOT[for_update].mappings(conn, {"oid": orderid, "adv": advertiserid})


def username_taken(conn: Connection, advertiserid: int, username: str, customer_id: int) -> bool:
    """True when another customer of the advertiser uses this username (case-insensitively)."""
    params = {"adv": advertiserid, "u": username, "cid": customer_id}
    return conn.execute(_USERNAME_TAKEN, params).first() is not None


def subscription_taken(conn: Connection, advertiserid: int, subscription_id: str) -> bool:
    params = {"adv": advertiserid, "sid": subscription_id}
    return conn.execute(_SUBSCRIPTION_TAKEN, params).first() is not None


def set_lock(
    conn: Connection,
    key: str,
    value: str | int,
    lock: bool,
    by: str,
    reason: str | None,
    now: dt.datetime,
) -> int | None:
    """Move the customer `key` names into the lock state; its id, or None (none, ambiguous, as is)."""
    if lock:
        hot = _LOCK_HOT[key]
        params = {"b_key": value, "b_now": now, "b_by": by, "b_reason": reason}
    else:
        hot = _UNLOCK_HOT[key]
        params = {"b_key": value, "b_now": now}
    if key == "customer_id":
        return int(value) if hot.rowcount(conn, params) == 1 else None
    found = hot.scalar(conn, params)
    return int(found) if found is not None else None


@lru_cache(maxsize=256)
def _update_hot(columns: frozenset[str]) -> Hot:
    return Hot(
        update(C)
        .where(C.c.customer_id == bindparam("b_cid"))
        .values({name: bindparam(f"b_{name}", type_=C.c[name].type) for name in sorted(columns)})
    )


def update_customer(conn: Connection, customer_id: int, values: Mapping[str, Any]) -> None:
    """Write these columns of one customer (one hot statement per column set, built once)."""
    params = {f"b_{k}": v for k, v in values.items()}
    params["b_cid"] = customer_id
    _update_hot(frozenset(values)).rows(conn, params)


def insert_customer(conn: Connection, values: Mapping[str, Any]) -> int | None:
    """Insert a customer; None when a unique key (subscription_id, username) is already used."""
    unknown = values.keys() - _CUSTOMER_COLUMNS.keys()
    if unknown:
        raise KeyError(f"not customer columns: {sorted(unknown)}")
    missing = _CUSTOMER_REQUIRED - values.keys()
    if missing:
        raise KeyError(f"customer columns without a value: {sorted(missing)}")
    return _INSERT_CUSTOMER.new_id(conn, {**_CUSTOMER_COLUMNS, **values})


def insert_audit(conn: Connection, values: Mapping[str, Any]) -> None:
    """Add an audit row; under group commit it is inserted with the batch's just before COMMIT."""
    _INSERT_AUDIT.later(conn, values)


def transactions(conn: Connection, customer_id: int, limit: int) -> list[dict[str, Any]]:
    return _TRANSACTIONS_HOT.mappings(conn, {"cid": customer_id, "lim": limit})


def transaction_count(conn: Connection, customer_id: int) -> int:
    return int(_TRANSACTION_COUNT_HOT.scalar(conn, {"cid": customer_id}))


def history(conn: Connection, customer_id: int, start: int, count: int) -> list[dict[str, Any]]:
    params = {"cid": customer_id, "lim": count, "off": start}
    return _HISTORY_HOT.mappings(conn, params)


def history_count(conn: Connection, customer_id: int) -> int:
    return int(_HISTORY_COUNT_HOT.scalar(conn, {"cid": customer_id}))
