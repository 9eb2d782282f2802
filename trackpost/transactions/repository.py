"""Every transaction query; statements are built once at import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, func, literal_column, select, update

from trackpost.core.hot import Hot, HotInsert
from trackpost.models.tables import transactions as T
from trackpost.models.transactions import CONVERSION_TYPES

SALE_KINDS = (*CONVERSION_TYPES, "continuity")
OFFSET_KINDS = ("void", "chargeback")

_BY_ID = select(T).where(T.c.transactionid == bindparam("tid"))
_BY_ORDER = select(T).where(T.c.orderid == bindparam("oid"))
# The click's conversion: at most one row, by the partial unique index.
# Constants inlined: the hot replay check binds only the request's values.
_IS_CONVERSION = T.c.trans_type.in_([literal_column(f"'{t}'") for t in CONVERSION_TYPES])
_BY_HASH = select(T).where(T.c.click_hash == bindparam("hash"), _IS_CONVERSION)
_LOCKED = {
    "id": _BY_ID.with_for_update(),
    "orderid": _BY_ORDER.with_for_update(),
    "hash": _BY_HASH.with_for_update(),
}
_UNLOCKED = {"id": _BY_ID, "orderid": _BY_ORDER, "hash": _BY_HASH}
_PARAM = {"id": "tid", "orderid": "oid", "hash": "hash"}
# What a postback's replay check needs of the row holding an orderid or a click's conversion:
# every post with an orderid asks first, so these run hot.
_REPLAY_HOT = {
    key: Hot(_UNLOCKED[key].with_only_columns(T.c.customer_id, T.c.transactionid, T.c.fingerprint))
    for key in ("orderid", "hash")
}
_ORDER_EXISTS = select(T.c.transactionid).where(T.c.orderid == bindparam("oid")).limit(1)
_LAST_OFFSET = (
    select(T)
    .where(
        T.c.parent_transactionid == bindparam("parent"),
        T.c.trans_type.in_(OFFSET_KINDS),
    )
    .order_by(T.c.transactionid.desc())
    .limit(1)
)
_REFUNDED = select(
    func.coalesce(func.sum(T.c.amount), 0), func.coalesce(func.sum(T.c.affiliate_payout), 0)
).where(T.c.parent_transactionid == bindparam("parent"), T.c.trans_type == "refund")
_LATEST_SALE = (
    select(T)
    .where(T.c.customer_id == bindparam("cid"), _IS_CONVERSION)
    .order_by(T.c.transactionid.desc())
    .limit(1)
    .with_for_update()
)
_SET_STATUS = (
    update(T)
    .where(T.c.transactionid == bindparam("b_tid"))
    .values(status=bindparam("b_status"), updated_at=bindparam("b_now"))
)
_SET_AMOUNTS = (
    update(T)
    .where(T.c.transactionid == bindparam("b_tid"))
    .values(
        amount=bindparam("b_amount"),
        affiliate_payout=bindparam("b_payout"),
        updated_at=bindparam("b_now"),
    )
)
# A duplicate orderid, or a second conversion of one click, must not abort the transaction:
# the insert skips on any unique conflict and the caller finds out which one. Every column is
# named (ledger.base_row builds every row), so the statement runs hot (core/hot.py): each
# conversion, rebill, refund and void writes one.
_VALUES = {c.name: bindparam(c.name, type_=c.type) for c in T.columns if c.name != "transactionid"}
_INSERT_HOT = HotInsert(T, _VALUES, T.c.transactionid)


def find(conn: Connection, key: str, value: Any, *, for_update: bool) -> RowMapping | None:
    """One transaction by 'id', 'orderid' or 'hash' (the click's conversion)."""
    stmt = (_LOCKED if for_update else _UNLOCKED)[key]
    return conn.execute(stmt, {_PARAM[key]: value}).mappings().first()


def replay_target(conn: Connection, key: str, value: str) -> Mapping[str, Any] | None:
    """customer_id, transactionid, fingerprint of the row holding an 'orderid' or 'hash', unlocked."""
    return _REPLAY_HOT[key].mapping(conn, {_PARAM[key]: value})


def orderid_exists(conn: Connection, orderid: str) -> bool:
    return conn.execute(_ORDER_EXISTS, {"oid": orderid}).first() is not None


def insert(conn: Connection, row: Mapping[str, Any]) -> int | None:
    """Insert a row naming every column (ledger.base_row); None when its orderid or click is taken."""
    return _INSERT_HOT.new_id(conn, row)


def last_offset(conn: Connection, parent: int) -> RowMapping | None:
    """The newest void or chargeback row of a transaction (what a reversal undoes)."""
    return conn.execute(_LAST_OFFSET, {"parent": parent}).mappings().first()


def refunded(conn: Connection, parent: int) -> tuple[int, int]:
    """The (amount, payout) sums of a transaction's refund rows (both zero or negative)."""
    row = conn.execute(_REFUNDED, {"parent": parent}).one()
    return int(row[0]), int(row[1])


def latest_conversion(conn: Connection, customer_id: int) -> RowMapping | None:
    """The customer's newest conversion, locked: what a refund without original_orderid credits."""
    return conn.execute(_LATEST_SALE, {"cid": customer_id}).mappings().first()


def set_status(conn: Connection, transactionid: int, status: str, now: dt.datetime) -> None:
    conn.execute(_SET_STATUS, {"b_tid": transactionid, "b_status": status, "b_now": now})


def set_amounts(
    conn: Connection, transactionid: int, amount: int, payout: int, now: dt.datetime
) -> None:
    params = {"b_tid": transactionid, "b_amount": amount, "b_payout": payout, "b_now": now}
    conn.execute(_SET_AMOUNTS, params)
