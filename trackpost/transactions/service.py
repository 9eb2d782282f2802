"""The transaction lifecycle after a sale: void, chargeback, reversal, approval, revenue updates.

Each action locks the original row, checks its state and writes in the same transaction, so two
voids of one sale racing each other produce one void and one 409. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.caps import service as caps
from trackpost.commissions import service as commissions
from trackpost.core.db import utcnow
from trackpost.core.fields import cents_text
from trackpost.core.money import PayoutRow
from trackpost.core.origin import Origin
from trackpost.customers import service as customers
from trackpost.events import service as events
from trackpost.stats import service as stats
from trackpost.transactions import repository as repo
from trackpost.transactions.errors import (
    ChargebackExists,
    ChargebackFeeTooHigh,
    DuplicateOrderid,
    NetBelowZero,
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
from trackpost.transactions.ledger import (
    book as ledger_book,
)
from trackpost.transactions.lookup import MAX_KEY, find_transaction
from trackpost.transactions.lookup import TransactionLookup as TransactionLookup
from trackpost.transactions.repository import SALE_KINDS

# Kinds of event that carry money and can be voided, charged back, refunded or approved.
MONEY_KINDS = (*SALE_KINDS, "goal")


def find_by_orderid(conn: Connection, orderid: str, advertiserid: int | None = None) -> RowMapping:
    """The transaction with this orderid (the advertiser's, when given), row-locked; 404
    invalid_transaction when none has it, 409 ambiguous_orderid when several advertisers do."""
    return find_transaction(conn, TransactionLookup(orderid=orderid, advertiserid=advertiserid))


def find_by_id(conn: Connection, transactionid: int) -> RowMapping:
    """The transaction with this id, row-locked; 404 invalid_transaction when there is none."""
    return find_transaction(conn, TransactionLookup(transactionid=transactionid))


def find_sale(conn: Connection, lookup: TransactionLookup) -> RowMapping:
    """The one transaction these keys name, row-locked, or the lookup's 4xx."""
    return find_transaction(conn, lookup)


def find_by_orderid_or_none(
    conn: Connection, orderid: str, advertiserid: int | None = None
) -> RowMapping | None:
    """The transaction with this orderid (the advertiser's, when given), row-locked, or None;
    409 ambiguous_orderid when several advertisers hold it."""
    rows = repo.by_orderid(conn, orderid[:MAX_KEY], advertiserid=advertiserid, for_update=True)
    if not rows:
        return None
    return find_by_orderid(conn, orderid, advertiserid)


def _ident(txn: RowMapping) -> str:
    return f"transaction {txn['transactionid']}"


def _check_sale(txn: RowMapping, action: str) -> None:
    if txn["trans_type"] not in MONEY_KINDS:
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


def _net(conn: Connection, txn: RowMapping) -> tuple[int, list[PayoutRow]]:
    """What the sale still holds after its refunds: its revenue, and each payee's payout."""
    refunded_amount, _payout = repo.refunded(conn, txn["transactionid"])
    payees = [
        PayoutRow(loginid, kind, amount, tier)
        for loginid, kind, tier, amount in repo.payee_net(conn, txn["transactionid"])
    ]
    return txn["amount"] + refunded_amount, payees


def _negated(payees: list[PayoutRow]) -> list[PayoutRow]:
    return [PayoutRow(p.loginid, p.kind, -p.amount, p.tier) for p in payees if p.amount]


def _charge_fee(payees: list[PayoutRow], txn: RowMapping, cost: int) -> list[PayoutRow]:
    """The chargeback fee added to the affiliate's row (one is made when the sale had none)."""
    if not cost:
        return payees
    out = list(payees)
    for i, p in enumerate(out):
        if p.kind == "affiliate":
            out[i] = PayoutRow(p.loginid, p.kind, p.amount - cost, p.tier)
            return out
    if txn["loginid"] is not None:
        out.insert(0, PayoutRow(int(txn["loginid"]), "affiliate", -cost))
    return out


def _check_fee(conn: Connection, txn: RowMapping, cost: int, payees: list[PayoutRow]) -> None:
    """A fee above the affiliate's payout (or the offer's cap amount) only when the offer allows."""
    if not cost:
        return
    cap, cap_amount = commissions.fee_cap_of(conn, txn["offerid"])
    if cap == "none":
        return
    if cap == "amount":
        limit = cap_amount or 0
        words = f"the offer's chargeback fee cap of {cents_text(limit)}"
    else:
        limit = sum(p.amount for p in payees if p.kind == "affiliate")
        words = f"the affiliate's payout on the sale ({cents_text(limit)})"
    if cost > limit:
        raise ChargebackFeeTooHigh(
            f"Parameter 'cost' ({cents_text(cost)}) is more than {words}; the offer's "
            "chargeback_fee_cap decides what a fee may take (none, payout or an amount)."
        )


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
    payees: list[PayoutRow] = []
    if txn["status"] == PENDING:
        if approved:
            raise TransactionNotActionable(
                f"{_ident(txn).capitalize()} is pending, not approved (approved was sent).",
                code="transaction_pending",
            )
        amount = 0
        new_status = DENIED
    else:
        amount, payees = _net(conn, txn)
        new_status = VOIDED
    row = adjustment_row(
        txn,
        now,
        kind="void",
        source=source_of(origin),
        amount=-amount,
        payouts=_negated(payees) if remove_payout else [],
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
    amount, payees = _net(conn, txn)
    _check_fee(conn, txn, cost, payees)
    taken = _negated(payees) if remove_payout else []
    row = adjustment_row(
        txn,
        now,
        kind="chargeback",
        source=source_of(origin),
        amount=-amount,
        payouts=_charge_fee(taken, txn, cost),
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
    undone = [
        PayoutRow(int(p["loginid"]), p["kind"], -int(p["amount"]), int(p["tier"]))
        for p in repo.payouts_of(conn, offset["transactionid"])
    ]
    row = adjustment_row(
        txn,
        now,
        kind="reversal",
        source=source_of(origin),
        amount=-offset["amount"],
        payouts=undone,
        chargeback_cost=-offset["chargeback_cost"],
        custom=custom or {},
    )
    tid = record(conn, row)
    assert tid is not None
    repo.set_status(
        conn, txn["transactionid"], PENDING if txn["status"] == DENIED else APPROVED, now
    )
    return tid


def approve(conn: Connection, txn: RowMapping, origin: Origin) -> None:
    """A pending sale starts counting; when and by whom go on the row and in the audit."""
    if txn["status"] != PENDING:
        raise TransactionNotActionable(
            f"{_ident(txn).capitalize()} is not pending (its status is {txn['status']}).",
            code="transaction_not_pending",
            vendor=True,
        )
    now = utcnow()
    with stats.ledger_change(conn, txn["transactionid"]):
        repo.set_approved(conn, txn["transactionid"], origin.actor, now)
    # Its revenue counts from now on, in the window its sale was booked in.
    _caps_revenue(conn, txn, int(txn["amount"]), now)
    customers.write_audit(
        conn,
        int(txn["customer_id"]),
        origin,
        action="transaction:approve",
        changes={"status": {"before": PENDING, "after": APPROVED}},
        reason=f"{_ident(txn)} approved",
        at=now,
    )
    approved = {
        "transactionid": txn["transactionid"],
        "approved_by": origin.actor,
        "amount": txn["amount"],
        "total_payout": txn["total_payout"],
    }
    events.record(conn, events.Event("transaction.approved", approved, txn["customer_id"]))


def update_revenue(conn: Connection, txn: RowMapping, amount: int) -> None:
    """Set a sale's revenue in cents: percentage payouts follow it, flat ones stay.

    Refused (409) when the sale's refunds already exceed the new revenue: its net would go
    below zero.
    """
    _check_sale(txn, "given a new revenue")
    if txn["status"] not in (PENDING, APPROVED):
        raise TransactionNotActionable(
            f"{_ident(txn).capitalize()} is {txn['status'].replace('_', ' ')}; reverse that "
            "before changing its revenue.",
            code="transaction_not_editable",
        )
    refunded, _payout = repo.refunded(conn, txn["transactionid"])
    if amount + refunded < 0:
        raise NetBelowZero(
            f"Parameter 'amount' ({cents_text(amount)}) is less than the "
            f"{cents_text(-refunded)} already refunded on {_ident(txn)}: its net would be "
            f"{cents_text(amount + refunded)}, and a sale's net cannot go below zero."
        )
    rows = repo.payouts_of(conn, txn["transactionid"])
    frozen = [
        PayoutRow(
            int(r["loginid"]),
            r["kind"],
            int(r["amount"]),
            int(r["tier"]),
            int(r["flat"]),
            int(r["rate"]),
            r["base"],
            r["changeid"],
        )
        for r in rows
    ]
    affiliate = sum(p.recomputed(amount, 0) for p in frozen if p.kind == "affiliate")
    total = 0
    with stats.ledger_change(conn, txn["transactionid"]):
        for row, p in zip(rows, frozen, strict=True):
            new = p.recomputed(amount, affiliate)
            total += new
            if new != p.amount:
                repo.set_payout_amount(conn, int(row["payoutid"]), new)
        now = utcnow()
        repo.set_amounts(conn, txn["transactionid"], amount, affiliate, now)
        repo.set_total_payout(conn, txn["transactionid"], total)
    if txn["status"] == APPROVED:  # a pending sale's revenue counts when it is approved
        _caps_revenue(conn, txn, amount - int(txn["amount"]), now)


def _caps_revenue(conn: Connection, txn: RowMapping, delta: int, now: dt.datetime) -> None:
    """The revenue caps that counted the sale move by `delta` in its booking's window."""
    if txn["offerid"] is not None:
        caps.adjust(
            conn, txn["transactionid"], txn["offerid"], txn["loginid"], {"revenue": delta}, now
        )


def orderid_exists(conn: Connection, orderid: str, advertiserid: int | None = None) -> bool:
    """Whether the advertiser (or, when None, any advertiser) holds this orderid."""
    return repo.orderid_exists(conn, orderid, advertiserid)


def replay_target(
    conn: Connection, key: str, value: str, advertiserid: int | None = None
) -> Mapping[str, Any] | None:
    """The event holding the advertiser's orderid ("orderid") or this click's conversion
    ("hash"), if any."""
    return repo.replay_target(conn, key, value, advertiserid)


def orderid_taken(orderid: str | None, transactionid: int) -> DuplicateOrderid:
    """The 409 for an orderid another event holds with different content."""
    return DuplicateOrderid(
        f"orderid {str(orderid)[:128]!r} was already used by transaction {transactionid} "
        "with different content; orderids are unique per advertiser."
    )


def book(conn: Connection, row: dict[str, Any], payouts: list[PayoutRow]) -> int | None:
    """Write an event and one payout row per payee (total_payout is their sum); None when its
    orderid or its click's conversion is already taken."""
    return ledger_book(conn, row, payouts)


def goal_reached(conn: Connection, customer_id: int, goalid: int) -> int | None:
    """The transaction by which the customer already reached this goal (not voided), or None."""
    return repo.goal_reached(conn, customer_id, goalid)
