"""Customer business rules: the lock, platform edits, and the advertiser side used by postbacks.

Public interface for other domains (signatures are stable): find_customer, ensure_editable,
apply_advertiser_update, create_customer, convert_customer, write_audit. Each write takes the
Origin that the audit trail records. Nothing here commits: the caller's transaction (the
request's, or the CLI's) owns the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from trackpost.core.db import utcnow
from trackpost.core.fields import iso, parse_id
from trackpost.core.origin import Origin
from trackpost.core.security import password_hash_of
from trackpost.customers import aside
from trackpost.customers import repository as repo
from trackpost.customers.aside import SetAside
from trackpost.customers.audit import Changes, change, write_audit
from trackpost.customers.errors import CustomerLocked, SubscriptionIdTaken
from trackpost.customers.fields import advertiser_values, check_value
from trackpost.customers.lookup import Lookup, find_by
from trackpost.customers.repository import CustomerRow
from trackpost.customers.writes import tell, username_taken_error, write_fields

__all__ = [
    "CustomerRow",
    "Lookup",
    "SetAside",
    "apply_advertiser_update",
    "convert_customer",
    "create_customer",
    "ensure_editable",
    "find_customer",
    "lock_customer",
    "set_aside_warnings",
    "set_customer_details",
    "unlock_customer",
    "write_audit",
]


def find_customer(
    conn: Connection,
    *,
    customer_id: int | str | None = None,
    subscription_id: str | None = None,
    orderid: str | None = None,
    advertiserid: int | None = None,
    for_update: bool = True,
) -> CustomerRow:
    """Exactly one customer by these keys (row-locked when for_update), or the lookup's 4xx."""
    if isinstance(customer_id, str):
        customer_id = parse_id("customer_id", customer_id) if customer_id != "" else None
    lookup = Lookup(customer_id, subscription_id, orderid, advertiserid)
    return find_by(conn, lookup, for_update=for_update)


def ensure_editable(customer: CustomerRow | Mapping[str, Any]) -> None:
    """The one guard before any platform-side change to a customer: 409 customer_locked if locked."""
    if not customer["locked"]:
        return
    reason = f" (reason: {customer['lock_reason']})" if customer["lock_reason"] else ""
    raise CustomerLocked(
        f"Customer {customer['customer_id']} is locked: locked by {customer['locked_by']} at "
        f"{iso(customer['locked_at'])}{reason}. Unlock it before editing it.",
        extra={
            "customer_id": customer["customer_id"],
            "locked_by": customer["locked_by"],
            "locked_at": iso(customer["locked_at"]),
        },
    )


def lock_customer(
    conn: Connection, lookup: Lookup, origin: Origin, *, reason: str | None = None
) -> bool:
    """Lock a customer so the platform cannot edit it; locking a locked customer changes nothing."""
    return _set_lock(conn, lookup, True, origin, reason)


def unlock_customer(
    conn: Connection, lookup: Lookup, origin: Origin, *, reason: str | None = None
) -> bool:
    """Unlock a customer so the platform may edit it again; unlocking an unlocked one is a no-op."""
    return _set_lock(conn, lookup, False, origin, reason)


def _set_lock(
    conn: Connection, lookup: Lookup, lock: bool, origin: Origin, reason: str | None
) -> bool:
    now = utcnow()
    single = lookup.single_key()
    customer_id = None
    if single is not None:
        customer_id = repo.set_lock(conn, *single, lock, origin.actor, reason, now)
    changed = customer_id is not None
    if customer_id is None:
        # The full lookup raises the precise error (not found, ambiguous, conflict...), or finds
        # a customer already in the requested state, or one that several keys name.
        customer_id = find_by(conn, lookup, for_update=True)["customer_id"]
        now = utcnow()
        changed = (
            repo.set_lock(conn, "customer_id", customer_id, lock, origin.actor, reason, now)
            is not None
        )
    # A repeated lock (or unlock) is recorded too, with no changes, so history shows every call.
    # The audit time is taken after the row lock is held, so history times follow commit order.
    at = utcnow()
    write_audit(
        conn,
        customer_id,
        origin,
        action="lock" if lock else "unlock",
        changes={"locked": {"before": not lock, "after": lock}} if changed else {},
        reason=reason,
        at=at,
    )
    if changed:
        # One deferred insert, no read: webhooks hear of the change, in commit order.
        tell(
            conn,
            "customer.locked" if lock else "customer.unlocked",
            customer_id,
            origin,
            at,
            reason=reason,
        )
    return True


def set_customer_details(
    conn: Connection,
    lookup: Lookup,
    values: Mapping[str, str | None],
    origin: Origin,
    *,
    reason: str | None = None,
) -> bool:
    """Edit a customer from the platform side (None clears a field); 409 while it is locked."""
    customer = find_by(conn, lookup, for_update=True)
    ensure_editable(customer)
    now = utcnow()
    changes = write_fields(conn, customer, values, now)
    write_audit(
        conn,
        customer["customer_id"],
        origin,
        action="set_details",
        changes=changes,
        reason=reason,
        at=now,
    )
    if changes:
        tell(
            conn,
            "customer.updated",
            customer["customer_id"],
            origin,
            now,
            changes=changes,
            reason=reason,
        )
    return True


def set_aside_warnings(set_aside: SetAside) -> list[dict[str, str]]:
    """What a post's answer says of the fields it had set aside."""
    return aside.warnings(set_aside)


def apply_advertiser_update(
    conn: Connection,
    customer: CustomerRow,
    fields: Mapping[str, str | None],
    origin: Origin,
    *,
    action: str,
    set_aside: SetAside | None = None,
) -> Changes:
    """Apply an advertiser's post to a customer, locked or not, and audit it as `origin`.

    With `set_aside`, fields that cannot be stored are added to it and kept on the customer
    (customers/aside.py) instead of refusing the post; it may already hold the post's others.
    """
    if set_aside is None:
        values = advertiser_values(fields)
    else:
        values, bad = aside.sort_fields(fields)
        set_aside.update(bad)
    if not values and not set_aside:
        return {}
    now = utcnow()
    changes = write_fields(conn, customer, values, now, set_aside)
    if changes:
        write_audit(conn, customer["customer_id"], origin, action=action, changes=changes, at=now)
        tell(conn, "customer.updated", customer["customer_id"], origin, now, changes=changes)
    return changes


def create_customer(
    conn: Connection,
    *,
    advertiserid: int,
    subscription_id: str | None,
    fields: Mapping[str, str | None],
    join_ip: str | None,
    loginid: int | None,
    offerid: int | None,
    landing_pageid: int | None,
    clickid: int | None,
    origin: Origin,
    join_date: dt.datetime | None = None,
    set_aside: SetAside | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Create the customer of a conversion and audit it as `create`; returns its customer_id.

    With `set_aside`, fields that cannot be stored (a taken username too) are added to it and
    kept on the customer instead of refusing the conversion; it may already hold others.
    """
    if set_aside is None:
        values = advertiser_values(fields)
    else:
        values, bad = aside.sort_fields(fields)
        set_aside.update(bad)
    if subscription_id is not None:
        subscription_id = check_value("subscription_id", subscription_id, {"subscription_id": 255})
    now = now or utcnow()  # the conversion's one clock reading, when it passes it
    row: dict[str, Any] = {
        "advertiserid": advertiserid,
        "subscription_id": subscription_id,
        "status": values.pop("status", None) or "active",
        "join_date": join_date or now,
        "join_ip": join_ip,
        "loginid": loginid,
        "offerid": offerid,
        "landing_pageid": landing_pageid,
        "clickid": clickid,
        "locked": False,
        "created_at": now,
        "updated_at": now,
    }
    password = values.pop("password", None)
    row["password_hash"] = password_hash_of(password) if password else None
    row.update(values)
    if set_aside:
        row["set_aside"] = aside.encode(aside.entries(set_aside, now))
    customer_id = repo.insert_customer(conn, row)
    if customer_id is None:
        if subscription_id is not None and repo.subscription_taken(
            conn, advertiserid, subscription_id
        ):
            raise SubscriptionIdTaken(
                f"subscription_id {subscription_id[:128]!r} already belongs to a customer of "
                f"advertiser {advertiserid}."
            )
        username = str(values.get("username"))
        if set_aside is None or "username" not in values:
            raise username_taken_error(username)
        # The only other unique key is the username: set it aside, and create the customer.
        set_aside["username"] = (username, username_taken_error(username).message)
        del values["username"], row["username"]
        row["set_aside"] = aside.encode(aside.entries(set_aside, now))
        customer_id = repo.insert_customer(conn, row)
        if customer_id is None:
            raise username_taken_error(username)
    changes = {
        name: change(name, None, row.get(name))
        for name in ("advertiserid", "subscription_id", "status", *values)
    }
    if set_aside:
        changes["set_aside"] = {"before": None, "after": aside.entries(set_aside, now)}
    if password:
        changes["password"] = change("password", None, password)
    write_audit(conn, customer_id, origin, action="create", changes=changes, at=now)
    tell(
        conn,
        "customer.created",
        customer_id,
        origin,
        now,
        advertiserid=advertiserid,
        subscription_id=subscription_id,
        loginid=loginid,
        offerid=offerid,
        landing_pageid=landing_pageid,
    )
    return customer_id


def convert_customer(
    conn: Connection,
    *,
    advertiserid: int,
    subscription_id: str | None,
    fields: Mapping[str, str | None],
    join_ip: str | None,
    loginid: int | None,
    offerid: int | None,
    landing_pageid: int | None,
    clickid: int | None,
    origin: Origin,
    set_aside: SetAside | None = None,
    now: dt.datetime | None = None,
) -> int:
    """A conversion's customer: created, or the advertiser's one with this subscription_id updated.

    With `set_aside`, fields that cannot be stored are set aside (customers/aside.py).
    """
    try:
        return create_customer(
            conn,
            advertiserid=advertiserid,
            subscription_id=subscription_id,
            fields=fields,
            join_ip=join_ip,
            loginid=loginid,
            offerid=offerid,
            landing_pageid=landing_pageid,
            clickid=clickid,
            origin=origin,
            set_aside=set_aside,
            now=now,
        )
    except SubscriptionIdTaken:
        pass
    customer = find_customer(
        conn, subscription_id=subscription_id, advertiserid=advertiserid, for_update=True
    )
    if set_aside is not None:
        set_aside.pop("username", None)  # a taken username is judged against this customer
    apply_advertiser_update(
        conn, customer, fields, origin, action="postback:conversion", set_aside=set_aside
    )
    return int(customer["customer_id"])
