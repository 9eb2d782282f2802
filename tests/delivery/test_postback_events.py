"""Affiliate postbacks fire with the exact URL their template gives, for every event."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import BuildApp
from tests.delivery.conftest import Outbound, make_outbound
from tests.delivery.receiver import Receiver

VOID = "/api/transaction/process_void"
CHARGEBACK = "/api/transaction/process_chargeback"
REVERSAL = "/api/transaction/process_reversal"
APPROVE = "/api/transaction/approve_pending_transaction"


def add(out: Outbound, event: str, url: str, **extra: Any) -> str:
    resp = out.api.post(
        "/api/affiliate/add_postback",
        {"loginid": out.net.affiliate, "event": event, "url": url, **extra},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["result"] == "Success"
    return str(body["message"]["postbackid"])


def test_conversion_postback_carries_every_value(out: Outbound, receiver: Receiver) -> None:
    add(
        out,
        "conversion",
        receiver.url("/conv")
        + "?aff=%%aff_id%%&user=%%aff_username%%&offer=%%offer_id%%&lp=%%landing_page_id%%"
        "&t=%%transid%%&ch=%%click_hash%%&o=%%orderid%%&s1=%%subaff1%%&s2=%%subaff2%%"
        "&c=%%commission%%&a=%%amount%%&cur=%%currency%%&e=%%event%%&ok=%%aff_approved%%",
    )
    click = out.net.click(subaff1="blue sky", subaff2="a&b")
    body = out.net.convert(click_hash=click, orderid="ORD-9", amount="19.95")
    out.deliver()
    (got,) = receiver.to("/conv")
    assert got.method == "GET"
    query = parse_qs(urlsplit(got.target).query)
    assert {k: v[0] for k, v in query.items()} == {
        "aff": str(out.net.affiliate),
        "user": query["user"][0],
        "offer": str(out.net.offer),
        "lp": str(out.net.landing_page),
        "t": str(body["transactionid"]),
        "ch": click,
        "o": "ORD-9",
        "s1": "blue sky",
        "s2": "a&b",
        "c": "5.00",
        "a": "19.95",
        "cur": "USD",
        "e": "conversion",
        "ok": "1",
    }
    assert query["user"][0].startswith("aff")
    # Values are percent-encoded: the raw request line shows it.
    assert "s1=blue%20sky&s2=a%26b" in got.target
    assert got.headers["Trackpost-Delivery-Id"].isdigit()


def test_every_event_fires_its_own_postback(out: Outbound, receiver: Receiver) -> None:
    events = ["conversion", "continuity", "refund", "void", "chargeback", "reversal"]
    for event in events:
        add(out, event, receiver.url(f"/{event}") + "?t=%%transid%%&a=%%amount%%&e=%%event%%")
    out.net.convert(subscription_id="S1", orderid="O-1", amount="20.00")
    out.net.post(subscription_id="S1", type="rebill", orderid="R-1", amount="4.00")
    out.net.post(subscription_id="S1", type="refund", original_orderid="O-1", amount="5.00")
    assert out.api.post(VOID, {"orderid": "R-1"}).status_code == 200
    assert out.api.post(REVERSAL, {"orderid": "R-1", "reverse": "1"}).status_code == 200
    resp = out.api.post(CHARGEBACK, {"orderid": "R-1", "type": "chargeback"})
    assert resp.status_code == 200, resp.text
    out.deliver()
    seen = {e: [parse_qs(urlsplit(r.target).query) for r in receiver.to(f"/{e}")] for e in events}
    assert {e: len(v) for e, v in seen.items()} == dict.fromkeys(events, 1)
    assert seen["conversion"][0]["a"] == ["20.00"]
    assert seen["continuity"][0]["a"] == ["4.00"]
    assert seen["refund"][0]["a"] == ["-5.00"]  # adjustments carry their signed amounts
    assert seen["void"][0]["a"] == ["-4.00"]
    assert seen["reversal"][0]["a"] == ["4.00"]
    assert seen["chargeback"][0]["a"] == ["-4.00"]
    assert all(v[0]["e"] == [e] for e, v in seen.items())
    ids = [int(v[0]["t"][0]) for v in seen.values()]
    assert len(set(ids)) == len(ids)


def test_pending_approved_fires_on_approval(build_app: BuildApp, receiver: Receiver) -> None:
    out = make_outbound(build_app)
    from tests.postbacks.network import build_network

    net = build_network(out.api, out.built.services, pending_conversions="1")
    out.api.post(
        "/api/affiliate/add_postback",
        {
            "loginid": net.affiliate,
            "event": "pending_approved",
            "url": receiver.url("/ok?t=%%transid%%&ap=%%aff_approved%%"),
        },
    )
    out.api.post(
        "/api/affiliate/add_postback",
        {
            "loginid": net.affiliate,
            "event": "conversion",
            "url": receiver.url("/conv?ap=%%aff_approved%%"),
        },
    )
    body = net.convert(orderid="P-1")
    out.deliver()
    assert receiver.to("/ok") == []
    assert parse_qs(urlsplit(receiver.to("/conv")[0].target).query)["ap"] == ["0"]
    assert out.api.post(APPROVE, {"orderid": "P-1"}).status_code == 200
    out.deliver()
    (got,) = receiver.to("/ok")
    assert parse_qs(urlsplit(got.target).query) == {"t": [str(body["transactionid"])], "ap": ["1"]}


def test_offer_and_event_switches_narrow_postbacks(out: Outbound, receiver: Receiver) -> None:
    add(out, "conversion", receiver.url("/all"))
    from tests.postbacks.network import build_network

    other = build_network(out.api, out.built.services)
    add(out, "conversion", receiver.url("/other"), offerid=other.offer)
    unknown = out.api.post(
        "/api/affiliate/add_postback",
        {
            "loginid": out.net.affiliate,
            "event": "conversion",
            "url": receiver.url("/x"),
            "offerid": 999999,
        },
    )
    assert unknown.status_code == 404
    add(out, "refund", receiver.url("/refund"))
    resp = out.api.patch(
        "/api/affiliate/set_postback_events", {"loginid": out.net.affiliate, "disable": "refund"}
    )
    assert resp.status_code == 200, resp.text
    events = out.api.get("/api/affiliate/get_postback_events", {"loginid": out.net.affiliate})
    assert events.json()["message"]["refund"] is False
    assert events.json()["message"]["conversion"] is True
    out.net.convert(subscription_id="S", orderid="O-1", amount="10.00")
    out.net.post(subscription_id="S", type="refund", original_orderid="O-1")
    out.deliver()
    assert len(receiver.to("/all")) == 1
    assert receiver.to("/other") == []
    assert receiver.to("/refund") == []


def test_post_with_a_json_body_template(out: Outbound, receiver: Receiver) -> None:
    add(
        out,
        "conversion",
        receiver.url("/json"),
        method="post",
        body='{"tx": "%%transid%%", "user": "%%cust_email|default:none%%", "h": "%%orderid|transform:md5%%"}',
    )
    body = out.net.convert(orderid='O"1', email="ada@example.com")
    out.deliver()
    (got,) = receiver.to("/json")
    assert got.method == "POST"
    assert got.headers["Content-Type"] == "application/json"
    assert json.loads(got.body) == {
        "tx": str(body["transactionid"]),
        "user": "ada@example.com",
        "h": hashlib.md5(b'O"1', usedforsecurity=False).hexdigest(),
    }


@pytest.mark.parametrize("hide", [False, True])
def test_customer_fields_only_where_the_offer_allows(
    build_app: BuildApp, receiver: Receiver, hide: bool
) -> None:
    out = make_outbound(build_app)
    from tests.postbacks.network import build_network

    net = build_network(out.api, out.built.services, no_personal_member_info="1" if hide else None)
    out.api.post(
        "/api/affiliate/add_postback",
        {
            "loginid": net.affiliate,
            "event": "conversion",
            "url": receiver.url("/c?m=%%cust_email%%"),
        },
    )
    net.convert(email="ada@example.com")
    out.deliver()
    (got,) = receiver.to("/c")
    # Hidden, the variable is empty: the vendor's rule gives its own name.
    assert got.target == ("/c?m=cust_email" if hide else "/c?m=ada%40example.com")
