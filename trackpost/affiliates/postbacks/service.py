"""Affiliate postbacks and pixels: subscriptions per event, their variables, and the fan-out.

A postback fires for a transaction event of the affiliate's (docs/postbacks.md, "For affiliates"):
conversion, continuity, goal, pending_approved, refund, void, chargeback, reversal. The admin
enables each event globally (loginid 0) and may override it per affiliate; with no setting an
event is enabled. Server postbacks go through delivery's outbox; image and iframe pixels are
rendered into the advertiser's page by /signup/pixels.js.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, RowMapping

from trackpost.accounts import service as accounts
from trackpost.affiliates import service as affiliates
from trackpost.affiliates.postbacks import accounts as account_postbacks
from trackpost.affiliates.postbacks import repository as repo
from trackpost.affiliates.postbacks.errors import PostbackNotAllowed, PostbackNotFound
from trackpost.affiliates.postbacks.variables import DEFAULT_CURRENCY, variables
from trackpost.core.db import utcnow
from trackpost.core.fields import iso
from trackpost.delivery import service as delivery
from trackpost.delivery.service import NewDelivery
from trackpost.delivery.templates import (
    Template,
    body_context,
    parse,
    parse_url,
)
from trackpost.events.service import Interest, StoredEvent, interest_changed
from trackpost.offers import service as offers

KIND = "postback"
Row = Mapping[Any, Any]  # a row or a dict of one
EVENTS = (
    "conversion",
    "continuity",
    "goal",
    "pending_approved",
    "refund",
    "void",
    "chargeback",
    "reversal",
    "account_signup",
    "account_change",
)
KINDS = ("postback", "image", "iframe")
# The postback event of each transaction event (transaction.created by the row's trans_type).
_CREATED = {"initial": "conversion", "trial": "conversion", "continuity": "continuity"}
_CREATED.update(refund="refund", goal="goal")
_OTHERS = {
    "transaction.voided": "void",
    "transaction.charged_back": "chargeback",
    "transaction.reversed": "reversal",
    "transaction.refunded": "refund",
    "transaction.approved": "pending_approved",
}


# The event types each postback event is told from (the inverse of postback_event and of
# account_postbacks.EVENTS): the types a server postback wants recorded.
_TYPES_OF: dict[str, tuple[str, ...]] = dict.fromkeys(_CREATED.values(), ("transaction.created",))
for _type, _name in (*_OTHERS.items(), *account_postbacks.EVENTS.items()):
    _TYPES_OF[_name] = (*_TYPES_OF.get(_name, ()), _type)


def wanted_types(conn: Connection) -> set[str]:
    """The event types the active server postbacks fire on (the admin's switches aside)."""
    return {t for name in repo.active_events(conn, KIND) for t in _TYPES_OF.get(name, ())}


INTEREST = Interest(frozenset(t for types in _TYPES_OF.values() for t in types), wanted_types)


def postback_event(event: StoredEvent) -> str | None:
    if event.type == "transaction.created":
        return _CREATED.get(str(event.payload.get("trans_type")))
    return _OTHERS.get(event.type)


@lru_cache(maxsize=4096)
def template(source: str, param: str) -> Template:
    return parse_url(source, param) if param == "url" else parse(source, param)


def check(kind: str, method: str, url: str, body: str | None) -> None:
    """A subscription's shape: templates parse, a body goes with POST, pixels are GET."""
    template(url, "url")
    if body is not None:
        if method != "POST":
            raise PostbackNotAllowed("Parameter 'body' needs method=POST.")
        template(body, "body")
    if kind != "postback" and method != "GET":
        raise PostbackNotAllowed(f"Parameter 'method': an {kind} pixel is always GET.")


def _check_pixel_offer(conn: Connection, kind: str, offerid: int | None) -> None:
    """The vendor's rule: image and iframe pixels only where the offer converts by iframe (a
    pixel on all offers is kept and rendered only on such pages)."""
    if kind != "postback" and offerid is not None and not offers.converts_by_iframe(conn, offerid):
        raise PostbackNotAllowed(
            f"Parameter 'type': an {kind} pixel needs an offer that converts by iframe, and no "
            f"landing page of offer {offerid} does (conversion_type); use a server postback."
        )


def add(conn: Connection, values: dict[str, Any]) -> int:
    account_postbacks.check_scope(values)
    if values.get("loginid") is not None:
        affiliates.affiliate(conn, values["loginid"])  # 404 for an unknown affiliate
    values["loginid"] = values.get("loginid") or account_postbacks.NETWORK
    if values.get("offerid") is not None:
        offers.check_offer(conn, values["offerid"])
    check(values["kind"], values["method"], values["url"], values.get("body"))
    _check_pixel_offer(conn, values["kind"], values.get("offerid"))
    now = utcnow()
    pid = repo.insert(conn, {**values, "active": True, "created_at": now, "updated_at": now})
    interest_changed(conn)
    return pid


def _postback(conn: Connection, postbackid: int) -> RowMapping:
    row = repo.one(conn, postbackid, for_update=True)
    if row is None:
        raise PostbackNotFound(f"Parameter 'postbackid': no postback {postbackid}.")
    return row


def shown(row: Row, state: str) -> dict[str, Any]:
    return {
        "postbackid": str(row["postbackid"]),
        "loginid": str(row["loginid"]),  # "0": the network's own (account postbacks)
        "event": row["event"],
        "goal_id": row["goal_id"],
        "offerid": row["offerid"],
        "campaignid": row["campaignid"],
        "type": row["kind"],
        "method": row["method"],
        "url": row["url"],
        "body": row["body"],
        "active": bool(row["active"]),
        "delay_hours": row["delay_hours"],
        "delivery_state": state,
        "created_at": iso(row["created_at"]),
    }


def listing(conn: Connection, filters: dict[str, Any]) -> list[dict[str, Any]]:
    rows = repo.listing(conn, filters)
    states = delivery.destination_states(conn, KIND, [int(r["postbackid"]) for r in rows])
    return [shown(r, states[int(r["postbackid"])]) for r in rows]


def edit(conn: Connection, postbackid: int, values: dict[str, Any]) -> None:
    row = _postback(conn, postbackid)
    if values.get("offerid") is not None:
        offers.check_offer(conn, values["offerid"])
    merged = {**row, **values}
    account_postbacks.check_scope(merged)
    check(merged["kind"], merged["method"], merged["url"], merged["body"])
    if "offerid" in values:
        _check_pixel_offer(conn, merged["kind"], merged["offerid"])
    repo.update(conn, postbackid, {**values, "updated_at": utcnow()})
    interest_changed(conn)
    if values.get("active") is True:
        delivery.resume(conn, KIND, postbackid)
    elif values.get("active") is False:
        delivery.stop(conn, KIND, postbackid)


def remove(conn: Connection, postbackid: int) -> None:
    _postback(conn, postbackid)
    repo.delete(conn, postbackid)
    interest_changed(conn)
    delivery.stop(conn, KIND, postbackid)


def set_events(conn: Connection, loginid: int | None, enabled: dict[str, bool]) -> None:
    """Enable or disable events globally (no loginid) or for one affiliate."""
    if not enabled:
        raise PostbackNotAllowed("Send enable or disable: a comma list of events.")
    if loginid is not None:
        affiliates.affiliate(conn, loginid)
    repo.save_settings(
        conn, [{"loginid": loginid or 0, "event": e, "enabled": on} for e, on in enabled.items()]
    )


def event_settings(conn: Connection, loginid: int | None) -> dict[str, bool]:
    """Each event's effective switch for the affiliate (or globally)."""
    found = repo.settings(conn, [loginid] if loginid else [])
    return {e: _enabled(found, loginid or 0, e) for e in EVENTS}


def _enabled(found: Mapping[tuple[int, str], bool], loginid: int, event: str) -> bool:
    own = found.get((loginid, event))
    return own if own is not None else found.get((0, event), True)


def _matches(pb: Row, name: str, payload: Row) -> bool:
    if pb["event"] != name:
        return False
    for column, key in (
        ("offerid", "offerid"),
        ("campaignid", "campaignid"),
        ("goal_id", "goal_id"),
    ):
        if pb[column] is not None and pb[column] != payload.get(key):
            return False
    return True


def _normal(event: StoredEvent, row: Row | None) -> StoredEvent:
    """The event's payload with what the variables read: the customer, the goal, the
    affiliate's own payout (its payout rows' sum), the sale's columns where it lacks them."""
    payload: dict[str, Any] = {**(row or {}), **event.payload}
    payload["customer_id"] = event.customer_id
    payload.setdefault("goal_id", payload.get("goalid"))
    if "affiliate_payout" not in event.payload and "payouts" in payload:
        own = [p["amount"] for p in payload["payouts"] if p.get("type") == "affiliate"]
        payload["affiliate_payout"] = sum(own)
    return replace(event, payload=payload)


def fan_out(conn: Connection, events: Sequence[StoredEvent]) -> list[NewDelivery]:
    """The delivery subscriber: each matching, enabled server postback, rendered."""
    out = _transaction_fan_out(conn, events)
    told = [e for e in events if e.type in account_postbacks.EVENTS]
    if told:
        switches = repo.settings(conn, [int(e.payload["loginid"]) for e in told])
        out.extend(account_postbacks.fan_out(conn, told, lambda who, n: _enabled(switches, who, n)))
    return out


def _transaction_fan_out(conn: Connection, events: Sequence[StoredEvent]) -> list[NewDelivery]:
    named = [(e, n) for e in events if (n := postback_event(e))]
    if not named:
        return []
    # An approval's event names only its transaction: the sale's row gives the rest.
    missing = [int(e.payload["transactionid"]) for e, _ in named if not e.payload.get("loginid")]
    rows = repo.transactions_by_id(conn, missing)
    named = [(_normal(e, rows.get(int(e.payload.get("transactionid") or 0))), n) for e, n in named]
    wanted = [(e, n) for e, n in named if e.payload.get("loginid")]
    if not wanted:
        return []
    loginids = sorted({int(e.payload["loginid"]) for e, _ in wanted})
    subs: dict[int, list[RowMapping]] = {}
    for pb in repo.for_affiliates(conn, loginids, "postback"):
        subs.setdefault(int(pb["loginid"]), []).append(pb)
    if not subs:
        return []
    if any(pb["campaignid"] is not None for rows in subs.values() for pb in rows):
        wanted = _with_campaigns(conn, wanted)
    switches = repo.settings(conn, list(subs))
    pairs = [
        (e, n, pb)
        for e, n in wanted
        for pb in subs.get(int(e.payload["loginid"]), [])
        if _matches(pb, n, e.payload) and _enabled(switches, int(pb["loginid"]), n)
    ]
    if not pairs:
        return []
    return _render_all(conn, pairs)


def _with_campaigns(
    conn: Connection, wanted: list[tuple[StoredEvent, str]]
) -> list[tuple[StoredEvent, str]]:
    """Transaction events name the click, not its campaign: the click gives it, for the
    postbacks narrowed to a campaign (read only when some affiliate's are)."""
    hashes = [str(e.payload["click_hash"]) for e, _ in wanted if e.payload.get("click_hash")]
    clicks = repo.clicks_by_hash(conn, hashes)
    out = []
    for event, name in wanted:
        click = clicks.get(str(event.payload.get("click_hash")))
        if click is not None and not event.payload.get("campaignid"):
            payload = {**event.payload, "campaignid": int(click["campaignid"] or 0) or None}
            event = replace(event, payload=payload)
        out.append((event, name))
    return out


def _personal(pb: Row) -> bool:
    """Whether the postback's templates name the customer's data (a read of customers)."""
    names = template(pb["url"], "url").variables
    if pb["body"] is not None:
        names |= template(pb["body"], "body").variables
    return any(n.startswith("cust_") or n == "country" for n in names)


def _render_all(
    conn: Connection, pairs: list[tuple[StoredEvent, str, RowMapping]]
) -> list[NewDelivery]:
    payloads = [e.payload for e, _, _ in pairs]
    names = accounts.usernames(conn, {int(p["loginid"]) for p in payloads})
    clicks = repo.clicks_by_hash(
        conn, [str(p["click_hash"]) for p in payloads if p.get("click_hash")]
    )
    personal = any(_personal(pb) for _, _, pb in pairs)
    customers: dict[int, RowMapping] = {}
    hidden: set[int] = set()
    if personal:
        customers = repo.customers_by_id(
            conn, [int(p["customer_id"]) for p in payloads if p.get("customer_id")]
        )
        hidden = repo.hidden_offers(conn, [int(p["offerid"]) for p in payloads if p.get("offerid")])
    out = []
    for event, name, pb in pairs:
        p = event.payload
        customer = customers.get(int(p.get("customer_id") or 0))
        if p.get("offerid") in hidden:
            customer = None  # the offer keeps its customers' personal data to itself
        values = variables(
            name,
            p,
            event_id=event.id,
            timestamp=int(event.created_at.timestamp()),
            username=names.get(int(p["loginid"])),
            click=clicks.get(str(p.get("click_hash"))),
            customer=customer,
        )
        out.append(render(pb, values, event, name))
    return out


def render(
    pb: Row, values: Mapping[str, str | None], event: StoredEvent | None, name: str
) -> NewDelivery:
    url = template(pb["url"], "url").render(values, "url")
    body = content_type = None
    if pb["body"] is not None:
        context = body_context(pb["body"])
        body = template(pb["body"], "body").render(values, context)
        content_type = (
            "application/json" if context == "json" else "application/x-www-form-urlencoded"
        )
    return NewDelivery(
        kind=KIND,
        subscription_id=int(pb["postbackid"]),
        event=event,
        event_type=name,
        method=pb["method"],
        url=url,
        body=body,
        content_type=content_type,
        customer_id=(event.customer_id if event is not None else None),
        loginid=int(pb["loginid"]),
    )


def test(conn: Connection, postbackid: int, sample: Mapping[str, str]) -> str:
    """Queue the postback rendered with sample values; returns the URL it will call."""
    pb = _postback(conn, postbackid)
    if pb["kind"] != "postback":
        raise PostbackNotAllowed(
            f"Postback {postbackid} is an {pb['kind']} pixel: the browser fires it."
        )
    values: dict[str, str | None] = {
        "aff_id": str(pb["loginid"]),
        "event": pb["event"],
        "transid": "0",
        "amount": "0.00",
        "commission": "0.00",
        "currency": DEFAULT_CURRENCY,
        "timestamp": str(int(utcnow().timestamp())),
        **sample,
    }
    item = render(pb, values, None, "test")
    delivery.enqueue(conn, [item])
    return item.url
