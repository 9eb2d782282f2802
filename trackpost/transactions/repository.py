"""Every transaction query; statements are built once at import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, func, literal_column, or_, select, update
from sqlalchemy import insert as sql_insert

from trackpost.core.hot import Hot, HotInsert, flush_later
from trackpost.core.money import PayoutRow
from trackpost.models.tables import transaction_payouts as TP
from trackpost.models.tables import transactions as T
from trackpost.models.transactions import CONVERSION_TYPES

SALE_KINDS = (*CONVERSION_TYPES, "continuity")
OFFSET_KINDS = ("void", "chargeback")

_BY_ID = select(T).where(T.c.transactionid == bindparam("tid"))
# An orderid is unique per advertiser: the postback's own lookups name the advertiser; an admin's
# may not, and then up to a few rows come back (more than one is ambiguous, never a pick).
_BY_ORDER = select(T).where(T.c.orderid == bindparam("oid"), T.c.advertiserid == bindparam("adv"))
ORDER_MATCHES = 50
_BY_ORDER_ANY = (
    select(T)
    .where(T.c.orderid == bindparam("oid"))
    .order_by(T.c.transactionid)
    .limit(ORDER_MATCHES)
)
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
_ORDER_OFFER = _BY_ORDER_ANY.where(T.c.offerid == bindparam("offer"))
_BY_ORDER_KEYED = {
    (False, False): _BY_ORDER_ANY,
    (True, False): _BY_ORDER.limit(ORDER_MATCHES),
    (False, True): _ORDER_OFFER,
    (True, True): _ORDER_OFFER.where(T.c.advertiserid == bindparam("adv")),
}
# What a postback's replay check needs of the row holding an orderid or a click's conversion:
# every post with an orderid asks first, so these run hot.
_REPLAY_HOT = {
    key: Hot(_UNLOCKED[key].with_only_columns(T.c.customer_id, T.c.transactionid, T.c.fingerprint))
    for key in ("orderid", "hash")
}
_ORDER_EXISTS = select(T.c.transactionid).where(T.c.orderid == bindparam("oid")).limit(1)
_ORDER_EXISTS_ADV = _ORDER_EXISTS.where(T.c.advertiserid == bindparam("adv"))
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
# A refund without original_orderid credits the newest sale that still has money to refund.
_REFUNDABLE = (
    select(T)
    .where(
        T.c.customer_id == bindparam("cid"),
        T.c.trans_type.in_(SALE_KINDS),
        T.c.status == "approved",
    )
    .order_by(T.c.transactionid.desc())
    .limit(50)
    .with_for_update()
)
_SET_APPROVED = (
    update(T)
    .where(T.c.transactionid == bindparam("b_tid"))
    .values(
        status="approved",
        approved_at=bindparam("b_now"),
        approved_by=bindparam("b_by"),
        updated_at=bindparam("b_now"),
    )
)
_PAYOUT_NAMES = (
    "transactionid",
    "loginid",
    "kind",
    "tier",
    "amount",
    "flat",
    "rate",
    "base",
    "changeid",
)
_PAYOUT_VALUES = {name: bindparam(name, type_=TP.c[name].type) for name in _PAYOUT_NAMES}
_INSERT_PAYOUTS = Hot(sql_insert(TP).values(_PAYOUT_VALUES))
_PAYOUTS_OF = select(TP).where(TP.c.transactionid == bindparam("tid")).order_by(TP.c.payoutid)
_REFUND_IDS = select(T.c.transactionid).where(
    T.c.parent_transactionid == bindparam("parent"), T.c.trans_type == "refund"
)
# What each payee still holds of a sale: its rows on the sale and on the sale's refunds.
_PAYEE_NET = (
    select(TP.c.loginid, TP.c.kind, TP.c.tier, func.sum(TP.c.amount).label("amount"))
    .where(or_(TP.c.transactionid == bindparam("parent"), TP.c.transactionid.in_(_REFUND_IDS)))
    .group_by(TP.c.loginid, TP.c.kind, TP.c.tier)
    .order_by(func.min(TP.c.payoutid))
)
_SET_PAYOUT = (
    update(TP).where(TP.c.payoutid == bindparam("b_pid")).values(amount=bindparam("b_amount"))
)
_GOAL_REACHED = (
    select(T.c.transactionid)
    .where(
        T.c.customer_id == bindparam("cid"),
        T.c.goalid == bindparam("goalid"),
        T.c.trans_type == "goal",
        T.c.status.not_in(("voided", "denied")),
    )
    .limit(1)
)
_SET_TOTAL = (
    update(T)
    .where(T.c.transactionid == bindparam("b_tid"))
    .values(total_payout=bindparam("b_total"))
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
    """One transaction by 'id' or 'hash' (the click's conversion)."""
    stmt = (_LOCKED if for_update else _UNLOCKED)[key]
    return conn.execute(stmt, {_PARAM[key]: value}).mappings().first()


def by_orderid(
    conn: Connection,
    orderid: str,
    *,
    advertiserid: int | None = None,
    offerid: int | None = None,
    for_update: bool,
) -> list[RowMapping]:
    """The rows holding this orderid, narrowed to an advertiser and/or offer when given: at most
    one per advertiser, and a few at most (more than one is ambiguous to the caller)."""
    stmt = _BY_ORDER_KEYED[(advertiserid is not None, offerid is not None)]
    if for_update:
        stmt = stmt.with_for_update()
    params = {"oid": orderid, "adv": advertiserid, "offer": offerid}
    return list(conn.execute(stmt, params).mappings())


def replay_target(
    conn: Connection, key: str, value: str, advertiserid: int | None = None
) -> Mapping[str, Any] | None:
    """customer_id, transactionid, fingerprint of the row holding the advertiser's 'orderid' or
    the click's conversion ('hash'), unlocked."""
    return _REPLAY_HOT[key].mapping(conn, {_PARAM[key]: value, "adv": advertiserid})


def orderid_exists(conn: Connection, orderid: str, advertiserid: int | None = None) -> bool:
    """Whether the orderid is held (by this advertiser, when given; else by any)."""
    if advertiserid is None:
        return conn.execute(_ORDER_EXISTS, {"oid": orderid}).first() is not None
    found = conn.execute(_ORDER_EXISTS_ADV, {"oid": orderid, "adv": advertiserid})
    return found.first() is not None


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


def refundable_sales(conn: Connection, customer_id: int) -> list[RowMapping]:
    """The customer's approved sales, newest first, locked (a refund's candidates)."""
    return list(conn.execute(_REFUNDABLE, {"cid": customer_id}).mappings())


def set_approved(conn: Connection, transactionid: int, by: str, now: dt.datetime) -> None:
    conn.execute(_SET_APPROVED, {"b_tid": transactionid, "b_by": by[:64], "b_now": now})


def insert_payouts(conn: Connection, transactionid: int, payouts: list[PayoutRow]) -> None:
    """The event's payout rows: under group commit they go in with the batch's deferred rows
    (one executemany before the COMMIT, no round trip of their own); a read of payout rows in
    the same transaction inserts them first (flush_later)."""
    _INSERT_PAYOUTS.later_values(
        conn,
        _PAYOUT_NAMES,
        [
            (transactionid, p.loginid, p.kind, p.tier, p.amount, p.flat, p.rate, p.base, p.changeid)
            for p in payouts
        ],
    )


def payouts_of(conn: Connection, transactionid: int) -> list[RowMapping]:
    """An event's payout rows, in the order they were written."""
    flush_later(conn)
    return list(conn.execute(_PAYOUTS_OF, {"tid": transactionid}).mappings())


def payee_net(conn: Connection, sale: int) -> list[tuple[int, str, int, int]]:
    """(loginid, kind, tier, amount) each payee still holds of a sale after its refunds."""
    flush_later(conn)
    found = conn.execute(_PAYEE_NET, {"parent": sale})
    return [(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in found]


def set_payout_amount(conn: Connection, payoutid: int, amount: int) -> None:
    conn.execute(_SET_PAYOUT, {"b_pid": payoutid, "b_amount": amount})


def set_total_payout(conn: Connection, transactionid: int, total: int) -> None:
    conn.execute(_SET_TOTAL, {"b_tid": transactionid, "b_total": total})


def set_status(conn: Connection, transactionid: int, status: str, now: dt.datetime) -> None:
    conn.execute(_SET_STATUS, {"b_tid": transactionid, "b_status": status, "b_now": now})


def set_amounts(
    conn: Connection, transactionid: int, amount: int, payout: int, now: dt.datetime
) -> None:
    params = {"b_tid": transactionid, "b_amount": amount, "b_payout": payout, "b_now": now}
    conn.execute(_SET_AMOUNTS, params)


def goal_reached(conn: Connection, customer_id: int, goalid: int) -> int | None:
    """The customer's standing transaction for this goal, if any."""
    found = conn.execute(_GOAL_REACHED, {"cid": customer_id, "goalid": goalid}).scalar()
    return int(found) if found is not None else None
