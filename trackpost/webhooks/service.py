"""Webhook endpoints, their messages and Standard Webhooks signatures; delivery sends them.

A message is the JSON envelope {"type", "id", "timestamp", "version", "data"} (WEBHOOK_SCHEMA in
schemas.py documents it). It is signed when each attempt is claimed, with the endpoint's current
secret: `webhook-id` is the delivery's stable id (the same on every retry, so receivers can drop
repeats), `webhook-timestamp` the attempt's time, `webhook-signature` v1 HMAC-SHA256 over
id.timestamp.body, made by the `standardwebhooks` library.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection
from standardwebhooks import Webhook

from trackpost.core.db import utcnow
from trackpost.core.fields import cents_text, iso
from trackpost.delivery import service as delivery
from trackpost.delivery.service import Claimed, NewDelivery
from trackpost.events.service import Interest, StoredEvent, interest_changed
from trackpost.webhooks import repository as repo
from trackpost.webhooks.errors import EndpointNotFound, UnknownEventType

KIND = "webhook"
VERSION = 1
TEST_TYPE = "webhook.test"
EVENT_TYPES = (
    "customer.created",
    "customer.locked",
    "customer.unlocked",
    "customer.updated",
    "transaction.created",
    "transaction.voided",
    "transaction.charged_back",
    "transaction.reversed",
    "transaction.refunded",
    "transaction.approved",
    "transaction.held",
    "cap.reached",
    "delivery.destination_paused",
)
ALL = "*"
# Payload keys holding integer minor units: sent as decimal strings ("49.00"), as the API answers.
MONEY_KEYS = frozenset(
    {"amount", "affiliate_payout", "total_payout", "chargeback_cost", "payout", "revenue"}
)


def wanted_types(conn: Connection) -> set[str]:
    """The types the active endpoints' filters name (every type for `*`)."""
    out: set[str] = set()
    for filt in repo.active_events(conn):
        names = filt.split(",")
        out.update(EVENT_TYPES if ALL in names else names)
    return out


INTEREST = Interest(frozenset(EVENT_TYPES), wanted_types)


def event_types(raw: Iterable[str]) -> tuple[str, ...]:
    """The filter as given (a comma list or array), checked and without repeats."""
    out: list[str] = []
    for part in raw:
        for name in (p.strip() for p in part.split(",")):
            if not name or name in out:
                continue
            if name != ALL and name not in EVENT_TYPES:
                raise UnknownEventType(
                    f"Parameter 'events': unknown event type {name[:64]!r}; known: "
                    f"{', '.join(EVENT_TYPES)} (or * for all)."
                )
            out.append(name)
    if not out:
        raise UnknownEventType("Parameter 'events' must name at least one event type.")
    return tuple(out)


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _data(payload: Any) -> Any:
    """Money keys as decimal strings, in nested payout rows too."""
    if isinstance(payload, list):
        return [_data(v) for v in payload]
    if not isinstance(payload, dict):
        return payload
    return {
        k: cents_text(v) if k in MONEY_KEYS and isinstance(v, int) else _data(v)
        for k, v in payload.items()
    }


def message(type_: str, event_id: int | None, at: dt.datetime, payload: dict[str, Any]) -> str:
    """The JSON body of a webhook message (schema version 1)."""
    envelope = {
        "type": type_,
        "id": f"evt_{event_id}" if event_id is not None else None,
        "timestamp": iso(at),
        "version": VERSION,
        "data": _data(payload),
    }
    return orjson.dumps(envelope).decode()


def add_endpoint(
    conn: Connection, url: str, events: Sequence[str], description: str | None
) -> tuple[int, str]:
    """A new endpoint and its signing secret (shown this once)."""
    now = utcnow()
    secret = new_secret()
    row = {
        "url": url,
        "events": ",".join(events),
        "description": description,
        "secret": secret,
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    eid = repo.insert(conn, row)
    interest_changed(conn)
    return eid, secret


def _endpoint(conn: Connection, endpointid: int) -> dict[str, Any]:
    row = repo.one(conn, endpointid, for_update=True)
    if row is None:
        raise EndpointNotFound(f"Parameter 'endpointid': no webhook endpoint {endpointid}.")
    return dict(row)


def list_endpoints(conn: Connection) -> list[dict[str, Any]]:
    """Every endpoint with its delivery state; secrets are never shown again."""
    rows = repo.every(conn)
    states = delivery.destination_states(conn, KIND, [int(r["endpointid"]) for r in rows])
    return [
        {
            "endpointid": str(r["endpointid"]),
            "url": r["url"],
            "events": r["events"].split(","),
            "description": r["description"],
            "active": bool(r["active"]),
            "delivery_state": states[int(r["endpointid"])],
            "created_at": iso(r["created_at"]),
        }
        for r in rows
    ]


def edit_endpoint(conn: Connection, endpointid: int, values: dict[str, Any]) -> None:
    """Change url, events, description or active; re-activating resumes a paused destination."""
    _endpoint(conn, endpointid)
    if "events" in values:
        values["events"] = ",".join(values["events"])
    values["updated_at"] = utcnow()
    repo.update(conn, endpointid, values)
    interest_changed(conn)
    if values.get("active") is True:
        delivery.resume(conn, KIND, endpointid)
    elif values.get("active") is False:
        delivery.stop(conn, KIND, endpointid)


def remove_endpoint(conn: Connection, endpointid: int) -> None:
    _endpoint(conn, endpointid)
    repo.delete(conn, endpointid)
    interest_changed(conn)
    delivery.stop(conn, KIND, endpointid)


def rotate_secret(conn: Connection, endpointid: int) -> str:
    """A new secret, in force for every attempt from now on (shown this once)."""
    _endpoint(conn, endpointid)
    secret = new_secret()
    repo.update(conn, endpointid, {"secret": secret, "updated_at": utcnow()})
    return secret


def send_test(conn: Connection, endpointid: int) -> None:
    """Queue a `webhook.test` message to the endpoint (it shows in the delivery log)."""
    row = _endpoint(conn, endpointid)
    body = message(TEST_TYPE, None, utcnow(), {"endpointid": endpointid})
    delivery.enqueue(conn, [_delivery(endpointid, row["url"], None, TEST_TYPE, body, None)])


def _delivery(
    eid: int, url: str, event: StoredEvent | None, type_: str, body: str, customer: int | None
) -> NewDelivery:
    return NewDelivery(
        kind=KIND,
        subscription_id=eid,
        event=event,
        event_type=type_,
        method="POST",
        url=url,
        body=body,
        content_type="application/json",
        customer_id=customer,
    )


def fan_out(conn: Connection, events: Sequence[StoredEvent]) -> list[NewDelivery]:
    """The delivery subscriber: one message per event per endpoint that wants its type."""
    wanted = [e for e in events if e.type in EVENT_TYPES]
    if not wanted:
        return []
    endpoints = [
        (int(r["endpointid"]), str(r["url"]), frozenset(str(r["events"]).split(",")))
        for r in repo.active(conn)
    ]
    out = []
    for event in wanted:
        body: str | None = None
        for eid, url, types in endpoints:
            if event.type in types or ALL in types:
                data = {"customer_id": event.customer_id, **event.payload}
                body = body or message(event.type, event.id, event.created_at, data)
                out.append(_delivery(eid, url, event, event.type, body, event.customer_id))
    return out


def sign(conn: Connection, claimed: list[Claimed]) -> None:
    """The delivery signer: Standard Webhooks headers with each endpoint's current secret."""
    keys = repo.secrets(conn, [d.subscription_id for d in claimed])
    signers: dict[int, Webhook] = {}
    now = dt.datetime.now(dt.UTC)
    for d in claimed:
        secret = keys.get(d.subscription_id)
        if secret is None:
            continue  # removed meanwhile: sent unsigned, a receiver refuses it
        wh = signers.get(d.subscription_id) or signers.setdefault(
            d.subscription_id, Webhook(secret)
        )
        msg_id = f"msg_{d.id}"
        d.headers.update(
            {
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": wh.sign(msg_id, now, d.body or ""),
            }
        )
