"""Writing a customer's changed fields and telling its events: what the platform's edits and
the advertiser's posts share (customers/service.py holds their rules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from trackpost.core.errors import UsernameTaken
from trackpost.core.fields import iso
from trackpost.core.origin import Origin
from trackpost.core.security import password_hash_of
from trackpost.customers import aside
from trackpost.customers import repository as repo
from trackpost.customers.aside import SetAside
from trackpost.customers.audit import Changes, change
from trackpost.customers.repository import CustomerRow
from trackpost.events.service import Event, record, wanted


def tell(
    conn: Connection,
    kind: str,
    customer_id: int,
    origin: Origin,
    at: dt.datetime,
    **payload: Any,
) -> None:
    """Record a customer event (docs/events.md) in the change's transaction."""
    if not wanted(conn, kind):
        return  # no subscription wants it: not even its payload is built
    body = {
        "customer_id": customer_id,
        "actor": origin.actor,
        "source": origin.source,
        "at": iso(at),
        **payload,
    }
    record(conn, Event(kind, body, customer_id))


def write_fields(
    conn: Connection,
    customer: CustomerRow,
    values: Mapping[str, str | None],
    now: dt.datetime,
    set_aside: SetAside | None = None,
) -> Changes:
    """Update the fields that differ; returns their before/after (passwords masked).

    With `set_aside` (an advertiser's post), a username another customer has is set aside
    there instead of refused, and the customer's set-aside entries are brought up to date.
    """
    columns: dict[str, Any] = {}
    changes: Changes = {}
    if set_aside is not None:
        _username_aside(conn, customer, values, set_aside)
        _note_aside(customer, values, set_aside, now, columns, changes)
    for name, value in values.items():
        if set_aside is not None and name in set_aside:
            continue
        if name == "password":
            # A new password always counts as a change: comparing would need the slow hash anyway.
            columns["password_hash"] = password_hash_of(value) if value is not None else None
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
        raise username_taken_error(new_username)
    try:
        # A savepoint, so that losing a race for the username is a 409, not an aborted transaction.
        with conn.begin_nested():
            repo.update_customer(conn, customer["customer_id"], columns)
    except IntegrityError:
        raise username_taken_error(new_username) from None
    return changes


def _username_aside(
    conn: Connection,
    customer: CustomerRow,
    values: Mapping[str, str | None],
    set_aside: SetAside,
) -> None:
    username = values.get("username")
    if username is None or username == customer["username"]:
        return
    if repo.username_taken(conn, customer["advertiserid"], username, customer["customer_id"]):
        set_aside["username"] = (username, username_taken_error(username).message)


def _note_aside(
    customer: CustomerRow,
    values: Mapping[str, str | None],
    set_aside: SetAside,
    now: dt.datetime,
    columns: dict[str, Any],
    changes: Changes,
) -> None:
    """Record the fields set aside, and forget older entries of the fields now stored."""
    before = aside.decode(customer["set_aside"])
    stored = {k: v for k, v in values.items() if k not in set_aside}
    if not set_aside and before.keys().isdisjoint(stored):
        return
    after = aside.merged(before, set_aside, stored, now)
    columns["set_aside"] = aside.encode(after)
    changes["set_aside"] = {"before": before or None, "after": after}


def username_taken_error(username: str) -> UsernameTaken:
    return UsernameTaken(
        f"Username {username[:64]!r} is already used by another customer of this advertiser."
    )
