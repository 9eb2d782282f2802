"""Building ledger rows: every event is a row of its own, its amounts signed cents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.caps import service as caps
from trackpost.core.money import PayoutRow
from trackpost.core.origin import Origin
from trackpost.events import service as events
from trackpost.transactions import repository as repo

CUSTOM_FIELDS = (
    "trans_custom1",
    "trans_custom2",
    "trans_custom3",
    "trans_custom4",
    "trans_custom5",
)
# Copied from the original onto the rows that adjust it, so reports filter them alike.
ATTRIBUTION = (
    "customer_id",
    "click_hash",
    "loginid",
    "offerid",
    "landing_pageid",
    "ocid",
    "programid",
    "campaignid",
    "adtoolid",
    "goalid",
    "advertiserid",
)
# What a ledger row copies from the click that earned it, whatever the postback's type.
CLICK_ATTRIBUTION = ("click_hash", "ocid", "programid", "campaignid", "adtoolid")
# Original statuses. Rows count toward revenue and payouts unless pending or denied.
PENDING, APPROVED, VOIDED, CHARGED_BACK, DENIED = (
    "pending",
    "approved",
    "voided",
    "charged_back",
    "denied",
)
# A row's `source`: the advertiser's posts, or the platform's admin (API and command line).
ADVERTISER, ADMIN = "advertiser", "admin"


def source_of(origin: Origin) -> str:
    """The ledger source of a row written on behalf of `origin`."""
    return ADVERTISER if origin.source == "postback" else ADMIN


def click_attribution(click: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a ledger row copies from the click (or click context) that earned it."""
    return {name: click[name] for name in CLICK_ATTRIBUTION}


# Every column of a new ledger row with its neutral value: base_row copies it (one C-level copy
# of the dict, where building it key by key cost a conversion several microseconds).
_NEUTRAL: dict[str, Any] = {
    "customer_id": None,
    "orderid": None,
    "trans_type": None,
    "status": APPROVED,
    "amount": 0,
    "amount_raw": None,
    "affiliate_payout": 0,
    "chargeback_cost": 0,
    "click_hash": None,
    "loginid": None,
    "offerid": None,
    "landing_pageid": None,
    "ocid": None,
    "parent_transactionid": None,
    "fingerprint": None,
    "source": None,
    "payout_percent": None,
    "programid": None,
    "campaignid": None,
    "adtoolid": None,
    "total_payout": 0,
    "changeid": None,
    "goalid": None,
    "approved_at": None,
    "approved_by": None,
    "hold_reason": None,
    "advertiserid": None,
    "created_at": None,
    "updated_at": None,
    **dict.fromkeys(CUSTOM_FIELDS),
}


def base_row(now: dt.datetime, *, kind: str, source: str) -> dict[str, Any]:
    """Every column of a new row with its neutral value, so one insert shape serves all events."""
    row = _NEUTRAL.copy()
    row["trans_type"] = kind
    row["source"] = source
    row["created_at"] = row["updated_at"] = now
    return row


def adjustment_row(
    original: RowMapping | Mapping[str, Any],
    now: dt.datetime,
    *,
    kind: str,
    source: str,
    amount: int,
    payouts: list[PayoutRow],
    custom: Mapping[str, str],
    chargeback_cost: int = 0,
    orderid: str | None = None,
    fingerprint: str | None = None,
) -> dict[str, Any]:
    """A row that adjusts `original` (void, chargeback, reversal, refund), attributed alike."""
    row = base_row(now, kind=kind, source=source)
    for name in ATTRIBUTION:
        row[name] = original[name]
    row.update(
        amount=amount,
        chargeback_cost=chargeback_cost,
        parent_transactionid=original["transactionid"],
        orderid=orderid,
        fingerprint=fingerprint,
    )
    row.update(custom)
    # Caps count a void of a conversion as one net conversion less (caps/rules.deltas).
    row["_parent_kind"] = original["trans_type"]
    with_payouts(row, payouts)
    return row


def with_payouts(row: dict[str, Any], payouts: list[PayoutRow]) -> None:
    """Set a row's payout columns from its payout rows: the affiliate's own, and the total."""
    affiliate = 0
    changeid = None
    percent = None
    for p in payouts:
        if p.kind == "affiliate":
            affiliate += p.amount
            changeid = p.changeid
            percent = p.rate if p.rate and not p.flat else None
    row["affiliate_payout"] = affiliate
    row["total_payout"] = sum(p.amount for p in payouts)
    if row["parent_transactionid"] is None:
        row["changeid"] = changeid
        row["payout_percent"] = percent
    row["_payouts"] = payouts


# The event each kind of ledger row records (docs/events.md); other kinds are new events.
EVENT_TYPES = {
    "void": "transaction.voided",
    "chargeback": "transaction.charged_back",
    "reversal": "transaction.reversed",
    "refund": "transaction.refunded",
}


def event_type(row: Mapping[str, Any]) -> str:
    """The type of the event a new ledger row records."""
    return EVENT_TYPES.get(row["trans_type"], "transaction.created")


def event_of(transactionid: int, row: Mapping[str, Any], payouts: list[PayoutRow]) -> events.Event:
    """The event a new ledger row records, with every payee's row (money in cents)."""
    kind = row["trans_type"]
    payload = {
        "transactionid": transactionid,
        "trans_type": kind,
        "status": row["status"],
        "amount": row["amount"],
        "total_payout": row["total_payout"],
        "chargeback_cost": row["chargeback_cost"],
        "loginid": row["loginid"],
        "offerid": row["offerid"],
        "landing_pageid": row["landing_pageid"],
        "click_hash": row["click_hash"],
        "orderid": row["orderid"],
        "goalid": row["goalid"],
        "changeid": row["changeid"],
        "parent_transactionid": row["parent_transactionid"],
        "source": row["source"],
        "payouts": [
            {"loginid": p.loginid, "type": p.kind, "tier": p.tier, "amount": p.amount}
            for p in payouts
        ],
    }
    return events.Event(event_type(row), payload, row["customer_id"])


def record(conn: Connection, row: Mapping[str, Any]) -> int | None:
    """Insert a row, its payout rows and its event; None when its orderid or click's conversion
    is taken (then nothing is written)."""
    payouts: list[PayoutRow] = row.get("_payouts") or []
    tid = repo.insert(conn, row)
    if tid is None:
        return None
    if payouts:
        repo.insert_payouts(conn, tid, payouts)
    if events.wanted(conn, event_type(row)):  # else not even its payload is built
        events.record(conn, event_of(tid, row, payouts))
    caps.count_booking(conn, tid, row, row["created_at"])
    if row["hold_reason"]:
        held = {"transactionid": tid, "offerid": row["offerid"], "reason": row["hold_reason"]}
        events.record(conn, events.Event("transaction.held", held, row["customer_id"]))
    return tid


def book(conn: Connection, row: dict[str, Any], payouts: list[PayoutRow]) -> int | None:
    """Write a sale (or goal) and one payout row per payee; total_payout is their sum."""
    with_payouts(row, payouts)
    return record(conn, row)
