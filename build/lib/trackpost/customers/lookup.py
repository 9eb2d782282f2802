"""Finding one customer by customer_id, subscription_id or orderid, as lock/unlock define it."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Connection

from trackpost.accounts import service as accounts
from trackpost.core.errors import LookupConflict
from trackpost.core.lookup import require_one, same_row
from trackpost.customers import repository as repo
from trackpost.customers.errors import (
    AmbiguousOrderid,
    AmbiguousSubscriptionId,
    CustomerNotFound,
)
from trackpost.customers.repository import CustomerRow

MISSING = "Send customer_id, subscription_id or orderid to say which customer to act on."


class Lookup(NamedTuple):
    """Which customer a request names; an empty text key counts as not sent."""

    customer_id: int | None = None
    subscription_id: str | None = None
    orderid: str | None = None
    advertiserid: int | None = None
    advertiser_username: str | None = None

    def single_key(self) -> tuple[str, str | int] | None:
        """The one lookup key sent, when it alone (no advertiser narrowing) names the customer."""
        if self.advertiserid is not None or self.advertiser_username:
            return None
        cid, sub, oid = self.customer_id, self.subscription_id, self.orderid
        if cid is not None:
            return None if sub or oid else ("customer_id", cid)
        if sub:
            return None if oid else ("subscription_id", sub)
        return ("orderid", oid) if oid else None


def resolve_advertiser(
    conn: Connection, advertiserid: int | None, advertiser_username: str | None
) -> int | None:
    """The advertiser that narrows a lookup, from advertiserid and/or advertiser_username."""
    adv = advertiserid
    if advertiser_username:
        by_name = accounts.advertiser_id(conn, advertiser_username)
        if adv is not None and adv != by_name:
            raise LookupConflict(
                f"advertiserid '{adv}' and advertiser_username {advertiser_username!r} "
                "name different advertisers."
            )
        adv = by_name
    return adv


def _not_found(key: str, value: str, adv: int | None) -> CustomerNotFound:
    scope = f" for advertiserid '{adv}'" if adv is not None else ""
    return CustomerNotFound(f"No customer found with {key} {value[:128]!r}{scope}.")


def find_by(conn: Connection, lookup: Lookup, *, for_update: bool) -> CustomerRow:
    """Exactly one customer (row-locked when for_update) or the lookup's 4xx error."""
    cid, subscription_id, orderid = lookup.customer_id, lookup.subscription_id, lookup.orderid
    if cid is None and not subscription_id and not orderid:
        # Tested inline first (every edit and rebill passes here); the shared rule words the 400.
        require_one(
            {"customer_id": cid, "subscription_id": subscription_id, "orderid": orderid}, MISSING
        )
    adv = resolve_advertiser(conn, lookup.advertiserid, lookup.advertiser_username)
    found: list[tuple[str, str, CustomerRow]] = []
    if cid is not None:
        row = repo.by_id(conn, cid, for_update=for_update)
        if row is None or (adv is not None and row["advertiserid"] != adv):
            raise _not_found("customer_id", str(cid), adv)
        found.append(("customer_id", str(cid), row))
    if subscription_id:
        rows = repo.by_subscription(conn, subscription_id, adv, for_update=for_update)
        if not rows:
            raise _not_found("subscription_id", subscription_id, adv)
        if len(rows) > 1:
            raise AmbiguousSubscriptionId(
                f"subscription_id {subscription_id[:128]!r} belongs to customers of more than "
                "one advertiser; add advertiserid or advertiser_username to choose one."
            )
        found.append(("subscription_id", subscription_id, rows[0]))
    if orderid:
        held = repo.by_orderid(conn, orderid, adv, for_update=for_update)
        if not held:
            raise _not_found("orderid", orderid, adv)
        if len(held) > 1:
            raise AmbiguousOrderid(
                f"orderid {orderid[:128]!r} belongs to customers of more than one advertiser "
                "(orderids are unique per advertiser); add advertiserid or advertiser_username "
                "to choose one."
            )
        found.append(("orderid", orderid, held[0]))
    return same_row(found, "customer_id", "customer")
