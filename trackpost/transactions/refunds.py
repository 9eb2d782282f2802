"""A refund: a credit row linked to the sale it refunds, taking back its share of the payout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.core.db import utcnow
from trackpost.core.errors import InvalidParameter, LookupConflict
from trackpost.core.fields import cents_text
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


def _original(conn: Connection, original_orderid: str | None, customer_id: int) -> RowMapping:
    """The sale named by original_orderid, or else the customer's newest conversion."""
    if original_orderid:
        row = txn_repo.find(conn, "orderid", original_orderid, for_update=True)
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
    row = txn_repo.latest_conversion(conn, customer_id)
    if row is None:
        raise NothingToRefund(
            f"Customer {customer_id} has no conversion to refund; name the sale "
            "with original_orderid."
        )
    return row


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
    refunded_amount, refunded_payout = txn_repo.refunded(conn, sale["transactionid"])
    remaining = int(sale["amount"]) + refunded_amount
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
    if refund == remaining:
        # The last refund takes whatever payout is left, so rounding never leaves a cent behind.
        clawback = int(sale["affiliate_payout"]) + refunded_payout
    else:
        clawback = share_of(int(sale["affiliate_payout"]), refund, int(sale["amount"]))
    return adjustment_row(
        sale,
        utcnow(),
        kind="refund",
        source=ADVERTISER,
        amount=-refund,
        payout=-clawback,
        custom=custom,
        orderid=orderid,
        fingerprint=fingerprint,
    )
