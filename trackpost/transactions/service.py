"""The transaction lifecycle after a sale: void, chargeback, reversal, approval, revenue updates.

Each action locks the original row, checks its state and writes in the same transaction, so two
voids of one sale racing each other produce one void and one 409. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import utcnow
from trackpost.core.origin import Origin
from trackpost.transactions import repository as repo
from trackpost.transactions.errors import (
    ChargebackExists,
    DuplicateOrderid,
    TransactionNotActionable,
    VoidExists,
)
from trackpost.transactions.ledger import (
    APPROVED,
    CHARGED_BACK,
    DENIED,
    PENDING,
    VOIDED,
    adjustment_row,
    record,
    source_of,
)
from trackpost.transactions.lookup import MAX_KEY, find_transaction
from trackpost.transactions.lookup import TransactionLookup as TransactionLookup
from trackpost.transactions.money import percent_of
from trackpost.transactions.repository import SALE_KINDS


def find_by_orderid(conn: Connection, orderid: str) -> RowMapping:
    """The transaction with this orderid, row-locked; 404 invalid_transaction when none has it."""
    return find_transaction(conn, TransactionLookup(orderid=orderid))


def find_by_id(conn: Connection, transactionid: int) -> RowMapping:
    """The transaction with this id, row-locked; 404 invalid_transaction when there is none."""
    return find_transaction(conn, TransactionLookup(transactionid=transactionid))


def find_sale(conn: Connection, lookup: TransactionLookup) -> RowMapping:
    """The one transaction these keys name, row-locked, or the lookup's 4xx."""
    return find_transaction(conn, lookup)


def find_by_orderid_or_none(conn: Connection, orderid: str) -> RowMapping | None:
    """The transaction with this orderid, row-locked, or None."""
    return repo.find(conn, "orderid", orderid[:MAX_KEY], for_update=True)


def _ident(txn: RowMapping) -> str:
    return f"transaction {txn['transactionid']}"


def _check_sale(txn: RowMapping, action: str) -> None:
    if txn["trans_type"] not in SALE_KINDS:
        raise TransactionNotActionable(
            f"{_ident(txn).capitalize()} is a {txn['trans_type']} event; only conversions and "
            f"continuity sales can be {action}.",
            code="transaction_not_voidable",
        )


def _check_not_offset(txn: RowMapping) -> None:
    status = txn["status"]
    if status in (VOIDED, DENIED):
        raise VoidExists(f"{_ident(txn).capitalize()} is already voided; reverse it first.")
    if status == CHARGED_BACK:
        raise ChargebackExists(
            f"{_ident(txn).capitalize()} is already charged back; reverse it first."
        )


def _net(conn: Connection, txn: RowMapping) -> tuple[int, int]:
    """What the sale still contributes after its refunds: (revenue, payout)."""
    refunded_amount, refunded_payout = repo.refunded(conn, txn["transactionid"])
    return txn["amount"] + refunded_amount, txn["affiliate_payout"] + refunded_payout


def void(
    conn: Connection,
    txn: RowMapping,
    origin: Origin,
    *,
    approved: bool = False,
    remove_payout: bool = True,
    custom: Mapping[str, str] | None = None,
) -> int:
    """Remove a sale's revenue and (by default) its payout with a void row; returns its id."""
    # A pending sale never counted, so voiding it denies it with a zero row; `approved` says the
    # caller means an approved sale and turns a pending one into a 409.
    _check_sale(txn, "voided")
    _check_not_offset(txn)
    now = utcnow()
    if txn["status"] == PENDING:
        if approved:
            raise TransactionNotActionable(
                f"{_ident(txn).capitalize()} is pending, not approved (approved was sent).",
                code="transaction_pending",
            )
        amount = payout = 0
        new_status = DENIED
    else:
        amount, payout = _net(conn, txn)
        new_status = VOIDED
    row = adjustment_row(
        txn,
        now,
        kind="void",
        source=source_of(origin),
        amount=-amount,
        payout=-payout if remove_payout else 0,
        custom=custom or {},
    )
    tid = record(conn, row)
    assert tid is not None  # adjustment rows carry no orderid, so nothing can conflict
    repo.set_status(conn, txn["transactionid"], new_status, now)
    return tid


def chargeback(
    conn: Connection,
    txn: RowMapping,
    origin: Origin,
    *,
    cost: int = 0,
    remove_payout: bool = True,
    custom: Mapping[str, str] | None = None,
) -> int:
    """Take back an approved sale's revenue and payout, and charge `cost` to the affiliate."""
    _check_sale(txn, "charged back")
    _check_not_offset(txn)
    if txn["status"] == PENDING:
        raise TransactionNotActionable(
            f"{_ident(txn).capitalize()} is pending: approve it or void it instead.",
            code="transaction_pending",
        )
    now = utcnow()
    amount, payout = _net(conn, txn)
    row = adjustment_row(
        txn,
        now,
        kind="chargeback",
        source=source_of(origin),
        amount=-amount,
        payout=(-payout if remove_payout else 0) - cost,
        chargeback_cost=cost,
        custom=custom or {},
    )
    tid = record(conn, row)
    assert tid is not None
    repo.set_status(conn, txn["transactionid"], CHARGED_BACK, now)
    return tid


def reverse(
    conn: Connection, txn: RowMapping, origin: Origin, *, custom: Mapping[str, str] | None = None
) -> int:
    """Undo the newest void or chargeback of a sale exactly (its fee too); returns the new row."""
    if txn["trans_type"] in ("void", "chargeback") and txn["parent_transactionid"] is not None:
        # Naming the void row itself means its sale.
        parent = repo.find(conn, "id", txn["parent_transactionid"], for_update=True)
        if parent is not None:
            txn = parent
    if txn["status"] not in (VOIDED, CHARGED_BACK, DENIED):
        raise TransactionNotActionable(
            f"{_ident(txn).capitalize()} has no void or chargeback to reverse.",
            code="nothing_to_reverse",
        )
    offset = repo.last_offset(conn, txn["transactionid"])
    assert offset is not None  # a voided or charged-back sale always has its offset row
    now = utcnow()
    row = adjustment_row(
        txn,
        now,
        kind="reversal",
        source=source_of(origin),
        amount=-offset["amount"],
        payout=-offset["affiliate_payout"],
        chargeback_cost=-offset["chargeback_cost"],
        custom=custom or {},
    )
    tid = record(conn, row)
    assert tid is not None
    repo.set_status(
        conn, txn["transactionid"], PENDING if txn["status"] == DENIED else APPROVED, now
    )
    return tid


def approve(conn: Connection, txn: RowMapping) -> None:
    """A pending sale starts counting its revenue and payout."""
    if txn["status"] != PENDING:
        raise TransactionNotActionable(
            f"{_ident(txn).capitalize()} is not pending (its status is {txn['status']}).",
            code="transaction_not_pending",
            vendor=True,
        )
    repo.set_status(conn, txn["transactionid"], APPROVED, utcnow())


def update_revenue(conn: Connection, txn: RowMapping, amount: int) -> None:
    """Set a sale's revenue in cents; a percentage payout follows it, a flat one stays."""
    _check_sale(txn, "given a new revenue")
    if txn["status"] not in (PENDING, APPROVED):
        raise TransactionNotActionable(
            f"{_ident(txn).capitalize()} is {txn['status'].replace('_', ' ')}; reverse that "
            "before changing its revenue.",
            code="transaction_not_editable",
        )
    bp = txn["payout_percent"]
    payout = percent_of(amount, bp) if bp is not None else txn["affiliate_payout"]
    repo.set_amounts(conn, txn["transactionid"], amount, payout, utcnow())


def orderid_exists(conn: Connection, orderid: str) -> bool:
    return repo.orderid_exists(conn, orderid)


def replay_target(conn: Connection, key: str, value: str) -> Mapping[str, Any] | None:
    """The event holding this orderid ("orderid") or this click's conversion ("hash"), if any."""
    return repo.replay_target(conn, key, value)


def orderid_taken(orderid: str | None, transactionid: int) -> DuplicateOrderid:
    """The 409 for an orderid another event holds with different content."""
    return DuplicateOrderid(
        f"orderid {str(orderid)[:128]!r} was already used by transaction {transactionid} "
        "with different content; orderids are unique per install."
    )
