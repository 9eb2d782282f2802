"""Finding one transaction by transaction_hash (alias click_hash), orderid or transactionid.

The rules are the customer lookup's (core/lookup.py): at least one key; every key sent must
match; keys that name different transactions are a 400 lookup_conflict. A transaction_hash names
the click's conversion (a click converts once, so that is one row). An orderid is unique per
advertiser: advertiserid and offerid narrow the lookup, and an orderid several advertisers hold,
looked up without them, is a 409 ambiguous_orderid (never a pick).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, RowMapping

from trackpost.core.errors import LookupConflict
from trackpost.core.lookup import require_one, same_row
from trackpost.transactions import repository as repo
from trackpost.transactions.errors import AmbiguousOrderid, InvalidTransaction

MAX_KEY = 255
MISSING = (
    "Send transaction_hash (or click_hash), orderid or transactionid to say which transaction "
    "to act on."
)


class TransactionLookup(NamedTuple):
    """Which transaction a request names; an empty text key counts as not sent."""

    transaction_hash: str | None = None
    click_hash: str | None = None
    orderid: str | None = None
    transactionid: int | None = None
    # process_void's `approved` when it names the sale (its click hash or orderid), as the
    # vendor documents, rather than being a flag.
    approved: str | None = None
    # Narrowing: the advertiser (or offer) whose transaction it is; an orderid is unique per
    # advertiser only.
    advertiserid: int | None = None
    offerid: int | None = None


def _hash(lookup: TransactionLookup) -> str | None:
    a, b = lookup.transaction_hash or None, lookup.click_hash or None
    if a and b and a != b:
        raise LookupConflict(
            f"transaction_hash {a[:64]!r} and click_hash {b[:64]!r} differ; they are the same "
            "thing, so send one of them."
        )
    return a or b


def find_transaction(
    conn: Connection, lookup: TransactionLookup, *, for_update: bool = True
) -> RowMapping:
    """Exactly one transaction (row-locked when for_update) or the lookup's 4xx error."""
    click_hash = _hash(lookup)
    tid, orderid = lookup.transactionid, lookup.orderid
    approved = lookup.approved
    require_one(
        {
            "transaction_hash": click_hash,
            "orderid": orderid,
            "transactionid": tid,
            "approved": approved,
        },
        MISSING,
    )
    found: list[tuple[str, str, RowMapping]] = []
    if tid is not None:
        row = repo.find(conn, "id", tid, for_update=for_update)
        if row is None:
            raise InvalidTransaction(f"No transaction with transactionid {tid}.")
        found.append(("transactionid", str(tid), row))
    if orderid:
        row = _by_orderid(conn, lookup, orderid, for_update=for_update)
        if row is None:
            raise InvalidTransaction(
                f"No transaction with orderid {orderid[:128]!r}{_scope(lookup)}."
            )
        found.append(("orderid", orderid, row))
    if click_hash:
        row = repo.find(conn, "hash", click_hash[:MAX_KEY], for_update=for_update)
        if row is None:
            raise InvalidTransaction(
                f"No conversion with transaction_hash {click_hash[:64]!r}: the click is unknown "
                "or has not converted."
            )
        found.append(("transaction_hash", click_hash, row))
    if approved:
        key = approved[:MAX_KEY]
        row = repo.find(conn, "hash", key, for_update=for_update) or _by_orderid(
            conn, lookup, key, for_update=for_update
        )
        if row is None:
            raise InvalidTransaction(
                f"Parameter 'approved' names no sale: no conversion with transaction hash and no "
                f"transaction with orderid {approved[:128]!r}."
            )
        found.append(("approved", approved, row))
    # To mypy a RowMapping is not the Mapping[str, Any] that same_row takes; it is one at run time.
    rows = cast(list[tuple[str, str, Mapping[str, Any]]], found)
    row = cast(RowMapping, same_row(rows, "transactionid", "transaction"))
    if not _in_scope(row, lookup):
        name, value, _ = found[0]
        raise InvalidTransaction(f"No transaction with {name} {value[:128]!r}{_scope(lookup)}.")
    return row


def _scope(lookup: TransactionLookup) -> str:
    """The narrowing a not-found message names."""
    parts = [
        f"{name} '{value}'"
        for name, value in (("advertiserid", lookup.advertiserid), ("offerid", lookup.offerid))
        if value is not None
    ]
    return f" for {' and '.join(parts)}" if parts else ""


def _in_scope(row: RowMapping, lookup: TransactionLookup) -> bool:
    adv, offer = lookup.advertiserid, lookup.offerid
    return (adv is None or row["advertiserid"] == adv) and (
        offer is None or row["offerid"] == offer
    )


def _by_orderid(
    conn: Connection, lookup: TransactionLookup, orderid: str, *, for_update: bool
) -> RowMapping | None:
    """The one transaction holding the orderid in the lookup's scope; 409 when several
    advertisers hold it and the lookup does not say whose."""
    rows = repo.by_orderid(
        conn,
        orderid[:MAX_KEY],
        advertiserid=lookup.advertiserid,
        offerid=lookup.offerid,
        for_update=for_update,
    )
    if len(rows) > 1:
        held = f"at least {len(rows)}" if len(rows) >= repo.ORDER_MATCHES else str(len(rows))
        raise AmbiguousOrderid(
            f"orderid {orderid[:128]!r} is held by {held} advertisers (orderids are unique per "
            "advertiser); add advertiserid (or offerid) to say whose transaction it is."
        )
    return rows[0] if rows else None
