"""Customer business rules: the lock, platform edits, and the advertiser side used by postbacks.

Public interface for other domains (signatures are stable):
  find_customer, ensure_editable, apply_advertiser_update, create_customer, write_audit.
Nothing here commits: the caller's transaction (the request's, or the CLI's) owns the commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from trackpost.core.db import utcnow
from trackpost.core.errors import UnknownParameter
from trackpost.core.security import hash_password
from trackpost.customers import repository as repo
from trackpost.customers.audit import Changes, change, write_audit
from trackpost.customers.errors import (
    CustomerLocked,
    InvalidField,
    NoFields,
    SubscriptionIdTaken,
    UsernameTaken,
)
from trackpost.customers.fields import (
    ADVERTISER_FIELDS,
    DETAIL_FIELDS,
    REMOVE,
    check_reason,
    check_value,
)
from trackpost.customers.lookup import Lookup, find_by, find_customer
from trackpost.customers.repository import CustomerRow

__all__ = [
    "CustomerRow",
    "Lookup",
    "apply_advertiser_update",
    "create_customer",
    "ensure_editable",
    "find_customer",
    "lock_customer",
    "set_customer_details",
    "unlock_customer",
    "write_audit",
]


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def ensure_editable(customer: CustomerRow | Mapping[str, Any]) -> None:
    """The one guard before any platform-side change to a customer: 409 customer_locked if locked."""
    if not customer["locked"]:
        return
    reason = f" (reason: {customer['lock_reason']})" if customer["lock_reason"] else ""
    raise CustomerLocked(
        f"Customer {customer['customer_id']} is locked: locked by {customer['locked_by']} at "
        f"{_iso(customer['locked_at'])}{reason}. Unlock it before editing it.",
        extra={
            "customer_id": customer["customer_id"],
            "locked_by": customer["locked_by"],
            "locked_at": _iso(customer["locked_at"]),
        },
    )


def lock_customer(
    conn: Connection,
    lookup: Lookup,
    *,
    actor: str,
    reason: str | None = None,
    source: str = "api",
    source_ip: str | None = None,
    request_id: str | None = None,
) -> bool:
    """Lock a customer so the platform cannot edit it; locking a locked customer changes nothing."""
    return _set_lock(conn, lookup, True, actor, check_reason(reason), source, source_ip, request_id)


def unlock_customer(
    conn: Connection,
    lookup: Lookup,
    *,
    actor: str,
    reason: str | None = None,
    source: str = "api",
    source_ip: str | None = None,
    request_id: str | None = None,
) -> bool:
    """Unlock a customer so the platform may edit it again; unlocking an unlocked one is a no-op."""
    return _set_lock(
        conn, lookup, False, actor, check_reason(reason), source, source_ip, request_id
    )


def _set_lock(
    conn: Connection,
    lookup: Lookup,
    lock: bool,
    actor: str,
    reason: str | None,
    source: str,
    source_ip: str | None,
    request_id: str | None,
) -> bool:
    now = utcnow()
    single = lookup.single_key()
    customer_id = None
    if single is not None:
        customer_id = repo.set_lock(conn, *single, lock, actor, reason, now)
    changed = customer_id is not None
    if customer_id is None:
        # The full lookup raises the precise error (not found, ambiguous, conflict...), or finds
        # a customer already in the requested state, or one that several keys name.
        customer_id = find_by(conn, lookup, for_update=True)["customer_id"]
        now = utcnow()
        changed = (
            repo.set_lock(conn, "customer_id", customer_id, lock, actor, reason, now) is not None
        )
    # A repeated lock (or unlock) is recorded too, with no changes, so history shows every call.
    # The audit time is taken after the row lock is held, so history times follow commit order.
    write_audit(
        conn,
        customer_id,
        actor=actor,
        source=source,
        action="lock" if lock else "unlock",
        changes={"locked": {"before": not lock, "after": lock}} if changed else {},
        reason=reason,
        source_ip=source_ip,
        request_id=request_id,
        at=utcnow(),
    )
    return True


def set_customer_details(
    conn: Connection,
    lookup: Lookup,
    fields: Mapping[str, str],
    *,
    actor: str,
    reason: str | None = None,
    source: str = "api",
    source_ip: str | None = None,
    request_id: str | None = None,
) -> bool:
    """Edit a customer from the platform side: refused with 409 while the customer is locked."""
    values: dict[str, str | None] = {}
    for name, value in fields.items():
        if name not in DETAIL_FIELDS:
            raise UnknownParameter(f"Unknown parameter '{name}'.")
        if value == REMOVE:
            if name == "password":
                raise InvalidField(
                    "Parameter 'password' cannot be REMOVE: a customer's password can be "
                    "changed but not removed."
                )
            values[name] = None
        else:
            values[name] = check_value(name, value, DETAIL_FIELDS)
    if not values:
        names = ", ".join(DETAIL_FIELDS)
        raise NoFields(f"Send at least one field to change: {names}.")
    reason = check_reason(reason)
    customer = find_by(conn, lookup, for_update=True)
    ensure_editable(customer)
    now = utcnow()
    changes = _write_fields(conn, customer, values, now)
    write_audit(
        conn,
        customer["customer_id"],
        actor=actor,
        source=source,
        action="set_details",
        changes=changes,
        reason=reason,
        source_ip=source_ip,
        request_id=request_id,
        at=now,
    )
    return True


def _write_fields(
    conn: Connection, customer: CustomerRow, values: Mapping[str, str | None], now: dt.datetime
) -> Changes:
    """Update the fields that differ; returns their before/after (passwords masked)."""
    columns: dict[str, Any] = {}
    changes: Changes = {}
    for name, value in values.items():
        if name == "password":
            # A new password always counts as a change: comparing would need the slow hash anyway.
            columns["password_hash"] = hash_password(value) if value is not None else None
            changes["password"] = change("password", customer["password_hash"], value)
            continue
        if customer[name] == value:
            continue
        columns[name] = value
        changes[name] = change(name, customer[name], value)
    if not columns:
        return changes
    columns["updated_at"] = now
    new_username = columns.get("username")
    if new_username is None:
        repo.update_customer(conn, customer["customer_id"], columns)
        return changes
    if repo.username_taken(conn, customer["advertiserid"], new_username, customer["customer_id"]):
        raise _username_taken(new_username)
    try:
        # A savepoint, so that losing a race for the username is a 409, not an aborted transaction.
        with conn.begin_nested():
            repo.update_customer(conn, customer["customer_id"], columns)
    except IntegrityError:
        raise _username_taken(new_username) from None
    return changes


def _username_taken(username: str) -> UsernameTaken:
    return UsernameTaken(
        f"Username {username[:64]!r} is already used by another customer of this advertiser."
    )


def _advertiser_values(fields: Mapping[str, str | None]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for name, value in fields.items():
        if name not in ADVERTISER_FIELDS:
            raise UnknownParameter(f"Unknown customer field '{name}'.")
        if value == "":
            continue  # advertisers often send empty optional parameters: they mean "not sent"
        if value is None and name == "status":
            raise InvalidField("Parameter 'status' cannot be cleared.")
        values[name] = None if value is None else check_value(name, value)
    return values


def apply_advertiser_update(
    conn: Connection,
    customer: CustomerRow,
    fields: Mapping[str, str | None],
    *,
    actor: str,
    source_ip: str | None,
    request_id: str | None,
    action: str,
) -> Changes:
    """Apply an advertiser's post to a customer, locked or not, and audit it as source postback."""
    values = _advertiser_values(fields)
    if not values:
        return {}
    now = utcnow()
    changes = _write_fields(conn, customer, values, now)
    if changes:
        write_audit(
            conn,
            customer["customer_id"],
            actor=actor,
            source="postback",
            action=action,
            changes=changes,
            source_ip=source_ip,
            request_id=request_id,
            at=now,
        )
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
    actor: str,
    request_id: str | None,
    source_ip: str | None = None,
    join_date: dt.datetime | None = None,
) -> int:
    """Create the customer of a conversion and audit it as `create`; returns its customer_id."""
    values = _advertiser_values(fields)
    if subscription_id is not None:
        subscription_id = check_value("subscription_id", subscription_id, {"subscription_id": 255})
    now = utcnow()
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
    row["password_hash"] = hash_password(password) if password else None
    row.update(values)
    customer_id = repo.insert_customer(conn, row)
    if customer_id is None:
        if subscription_id is not None and repo.subscription_taken(
            conn, advertiserid, subscription_id
        ):
            raise SubscriptionIdTaken(
                f"subscription_id {subscription_id[:128]!r} already belongs to a customer of "
                f"advertiser {advertiserid}."
            )
        raise _username_taken(str(values.get("username")))
    changes = {
        name: change(name, None, row.get(name))
        for name in ("advertiserid", "subscription_id", "status", *values)
    }
    if password:
        changes["password"] = change("password", None, password)
    write_audit(
        conn,
        customer_id,
        actor=actor,
        source="postback",
        action="create",
        changes=changes,
        source_ip=source_ip,
        request_id=request_id,
        at=now,
    )
    return customer_id
