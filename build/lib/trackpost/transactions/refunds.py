"""A refund: a credit row linked to the sale it refunds, taking back its share of the payout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.commissions import service as commissions
from trackpost.core.db import utcnow
from trackpost.core.errors import InvalidParameter, LookupConflict
from trackpost.core.fields import cents_text
from trackpost.core.money import PayoutRow
from trackpost.transactions import repository as txn_repo
from trackpost.transactions.errors import (
    ChargebackExists,
    InvalidTransaction,
    NothingToRefund,
    RefundExceedsAmount,
    TransactionNotActionable,
    VoidExists,
)
from trackpost.transactions.ledger import (
    ADVERTISER,
    CHARGED_BACK,
    DENIED,
    PENDING,
    VOIDED,
    adjustment_row,
)
from trackpost.transactions.money import share_of
from trackpost.transactions.repository import SALE_KINDS


def _remaining(conn: Connection, sale: RowMapping) -> int:
    refunded_amount, _payout = txn_repo.refunded(conn, sale["transactionid"])
    return int(sale["amount"]) + refunded_amount


def _original(conn: Connection, original_orderid: str | None, customer_id: int) -> RowMapping:
    """The sale named by original_orderid, or else the customer's newest refundable sale.

    Refundable: an approved conversion or rebill with money left to refund; a charged-back or
    voided initial does not stop a later rebill from being refunded.
    """
    if original_orderid:
        # Unique per advertiser: the customer's own sale, else any other holder for the 400.
        held = txn_repo.by_orderid(conn, original_orderid, for_update=True)
        mine = [r for r in held if r["customer_id"] == customer_id]
        row = mine[0] if mine else (held[0] if held else None)
        if row is None:
            raise InvalidTransaction(
                f"No transaction with original_orderid {original_orderid[:128]!r}."
            )
        if row["customer_id"] != customer_id:
            raise LookupConflict(
                f"original_orderid {original_orderid[:128]!r} belongs to customer "
                f"{row['customer_id']}, not to subscription_id's customer {customer_id}."
            )
        return row
    sales = txn_repo.refundable_sales(conn, customer_id)
    for row in sales:
        if _remaining(conn, row) > 0:
            return row
    if sales:
        raise RefundExceedsAmount(
            f"Transaction {sales[0]['transactionid']} is already refunded in full, as is "
            f"every other sale of customer {customer_id}."
        )
    raise NothingToRefund(
        f"Customer {customer_id} has no approved sale with money left to refund; name the "
        "sale with original_orderid."
    )


def _check_refundable(sale: RowMapping) -> None:
    ident = f"Transaction {sale['transactionid']}"
    if sale["trans_type"] not in SALE_KINDS:
        raise TransactionNotActionable(
            f"{ident} is a {sale['trans_type']} event; only sales can be refunded.",
            code="transaction_not_refundable",
        )
    status = sale["status"]
    if status in (VOIDED, DENIED):
        raise VoidExists(f"{ident} is voided; there is nothing left to refund.")
    if status == CHARGED_BACK:
        raise ChargebackExists(f"{ident} is charged back; there is nothing left to refund.")
    if status == PENDING:
        raise TransactionNotActionable(
            f"{ident} is pending: void it instead of refunding it.", code="transaction_pending"
        )


def refund_row(
    conn: Connection,
    customer_id: int,
    *,
    original_orderid: str | None,
    amount: int | None,
    orderid: str | None,
    fingerprint: str,
    custom: Mapping[str, str],
) -> dict[str, Any]:
    """The credit row: -amount (default: all that is left) and its share of the payout."""
    sale = _original(conn, original_orderid, customer_id)
    _check_refundable(sale)
    remaining = _remaining(conn, sale)
    refund = amount if amount is not None else remaining
    if remaining <= 0:
        raise RefundExceedsAmount(
            f"Transaction {sale['transactionid']} is already refunded in full."
        )
    if refund == 0:
        raise InvalidParameter("Parameter 'amount' of a refund must be more than 0.")
    if refund > remaining:
        raise RefundExceedsAmount(
            f"Parameter 'amount' ({cents_text(refund)}) is more than is left to refund on "
            f"transaction {sale['transactionid']} ({cents_text(remaining)})."
        )
    original = {
        (int(p["loginid"]), p["kind"], int(p["tier"])): int(p["amount"])
        for p in txn_repo.payouts_of(conn, sale["transactionid"])
    }
    clawbacks = []
    for loginid, kind, tier, left in txn_repo.payee_net(conn, sale["transactionid"]):
        if commissions.is_signup_bonus(kind, tier):
            continue  # the referred affiliate did sell: only a void or chargeback undoes it
        if refund == remaining:
            # The last refund takes whatever each payee has left: rounding leaves no cent behind.
            back = left
        else:
            back = share_of(original.get((loginid, kind, tier), 0), refund, int(sale["amount"]))
        if back:
            clawbacks.append(PayoutRow(loginid, kind, -back, tier))
    return adjustment_row(
        sale,
        utcnow(),
        kind="refund",
        source=ADVERTISER,
        amount=-refund,
        payouts=clawbacks,
        custom=custom,
        orderid=orderid,
        fingerprint=fingerprint,
    )
