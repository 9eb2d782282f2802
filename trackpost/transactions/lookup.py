"""Finding one transaction by transaction_hash (alias click_hash), orderid or transactionid.

The rules are the customer lookup's: at least one key; every key sent must match; keys that
name different transactions are a 400 lookup_conflict. A transaction_hash names the click's
conversion (a click converts once, so that is one row).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, RowMapping

from trackpost.customers.errors import LookupConflict, MissingLookupKey
from trackpost.customers.lookup import parse_id
from trackpost.transactions import repository as repo
from trackpost.transactions.errors import InvalidTransaction

MAX_KEY = 255


@dataclass(frozen=True, slots=True)
class TransactionLookup:
    """The lookup parameters of a request, as sent (empty strings count as not sent)."""

    transaction_hash: str | None = None
    click_hash: str | None = None
    orderid: str | None = None
    transactionid: str | int | None = None


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
    tid = lookup.transactionid
    if not (click_hash or lookup.orderid or (tid is not None and tid != "")):
        raise MissingLookupKey(
            "Send transaction_hash (or click_hash), orderid or transactionid to say which "
            "transaction to act on."
        )
    found: list[tuple[str, str, RowMapping]] = []
    if tid is not None and tid != "":
        number = parse_id("transactionid", tid)
        row = repo.find(conn, "id", number, for_update=for_update)
        if row is None:
            raise InvalidTransaction(f"No transaction with transactionid {number}.")
        found.append(("transactionid", str(number), row))
    if lookup.orderid:
        row = repo.find(conn, "orderid", lookup.orderid[:MAX_KEY], for_update=for_update)
        if row is None:
            raise InvalidTransaction(f"No transaction with orderid {lookup.orderid[:128]!r}.")
        found.append(("orderid", lookup.orderid, row))
    if click_hash:
        row = repo.find(conn, "hash", click_hash[:MAX_KEY], for_update=for_update)
        if row is None:
            raise InvalidTransaction(
                f"No conversion with transaction_hash {click_hash[:64]!r}: the click is unknown "
                "or has not converted."
            )
        found.append(("transaction_hash", click_hash, row))
    first_key, first_value, first = found[0]
    for key, value, row in found[1:]:
        if row["transactionid"] != first["transactionid"]:
            raise LookupConflict(
                f"The lookup keys name different transactions: {first_key} "
                f"{first_value[:128]!r} is transaction {first['transactionid']} but {key} "
                f"{value[:128]!r} is transaction {row['transactionid']}."
            )
    return first
