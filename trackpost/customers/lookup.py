"""Finding one customer by customer_id, subscription_id or orderid, as lock/unlock define it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from trackpost.accounts import service as accounts
from trackpost.core.errors import InvalidParameter
from trackpost.customers import repository as repo
from trackpost.customers.errors import (
    AmbiguousSubscriptionId,
    CustomerNotFound,
    LookupConflict,
    MissingLookupKey,
)
from trackpost.customers.repository import CustomerRow

LOOKUP_KEYS = ("customer_id", "subscription_id", "orderid")
_MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Lookup:
    """The lookup parameters of a request, as sent (empty strings count as not sent)."""

    customer_id: str | int | None = None
    subscription_id: str | None = None
    orderid: str | None = None
    advertiserid: str | int | None = None
    advertiser_username: str | None = None

    def single_key(self) -> tuple[str, str | int] | None:
        """The one lookup key sent, when it alone (no advertiser narrowing) names the customer."""
        if _present(self.advertiserid) or self.advertiser_username:
            return None
        sent = [
            (name, value)
            for name, value in (
                ("customer_id", self.customer_id),
                ("subscription_id", self.subscription_id),
                ("orderid", self.orderid),
            )
            if value is not None and value != ""
        ]
        if len(sent) != 1:
            return None
        name, value = sent[0]
        return (name, parse_id(name, value)) if name == "customer_id" else (name, value)


def _present(value: str | int | None) -> bool:
    return value is not None and value != ""


def parse_id(name: str, value: str | int) -> int:
    """A positive whole number, or a 400 naming the parameter."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= _MAX_ID:
        raise InvalidParameter(
            f"Parameter '{name}' must be a positive whole number, got {str(value)[:64]!r}."
        )
    return int(text)


def resolve_advertiser(
    conn: Connection, advertiserid: str | int | None, advertiser_username: str | None
) -> int | None:
    """The advertiser that narrows a lookup, from advertiserid and/or advertiser_username."""
    adv = None
    if advertiserid is not None and advertiserid != "":
        adv = parse_id("advertiserid", advertiserid)
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


def find_customer(
    conn: Connection,
    *,
    customer_id: str | int | None = None,
    subscription_id: str | None = None,
    orderid: str | None = None,
    advertiserid: str | int | None = None,
    advertiser_username: str | None = None,
    for_update: bool = True,
) -> CustomerRow:
    """Find exactly one customer (row-locked when for_update) or raise the lookup's 4xx error."""
    if not (_present(customer_id) or _present(subscription_id) or _present(orderid)):
        raise MissingLookupKey(
            "Send customer_id, subscription_id or orderid to say which customer to act on."
        )
    cid = None
    if customer_id is not None and customer_id != "":
        cid = parse_id("customer_id", customer_id)
    adv = resolve_advertiser(conn, advertiserid, advertiser_username)
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
        row = repo.by_orderid(conn, orderid, for_update=for_update)
        if row is None or (adv is not None and row["advertiserid"] != adv):
            raise _not_found("orderid", orderid, adv)
        found.append(("orderid", orderid, row))
    first_key, first_value, first = found[0]
    for key, value, row in found[1:]:
        if row["customer_id"] != first["customer_id"]:
            raise LookupConflict(
                f"The lookup keys name different customers: {first_key} {first_value[:128]!r} "
                f"is customer {first['customer_id']} but {key} {value[:128]!r} is customer "
                f"{row['customer_id']}."
            )
    return first


def find_by(conn: Connection, lookup: Lookup, *, for_update: bool) -> CustomerRow:
    """find_customer with the parameters of a request."""
    return find_customer(
        conn,
        customer_id=lookup.customer_id,
        subscription_id=lookup.subscription_id,
        orderid=lookup.orderid,
        advertiserid=lookup.advertiserid,
        advertiser_username=lookup.advertiser_username,
        for_update=for_update,
    )
