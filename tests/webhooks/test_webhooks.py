"""Webhooks: endpoints, Standard Webhooks signatures verified with the library, per-customer order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.delivery.conftest import Outbound
from tests.delivery.receiver import Received, Receiver
from tests.support import assert_error


def endpoint(out: Outbound, url: str, events: Any = "*") -> tuple[str, str]:
    resp = out.api.post("/api/webhook/add_endpoint", {"url": url, "events": events})
    assert resp.status_code == 200, resp.text
    message = resp.json()["message"]
    return str(message["endpointid"]), str(message["secret"])


def verified(secret: str, got: Received) -> dict[str, Any]:
    """The message, verified as any receiver would verify it."""
    data: dict[str, Any] = Webhook(secret).verify(got.body, got.headers)
    return data


def test_lock_unlock_and_edit_reach_the_receiver_signed_and_in_order(
    out: Outbound, receiver: Receiver
) -> None:
    _, secret = endpoint(
        out, receiver.url("/hook"), "customer.locked,customer.unlocked,customer.updated"
    )
    cid = out.net.convert(email="ada@example.com")["customer_id"]
    api = out.api
    assert api.patch("/api/customer/lock", {"customer_id": cid, "reason": "fraud"}).json() is True
    assert api.patch("/api/customer/lock", {"customer_id": cid}).json() is True  # no change
    assert api.patch("/api/customer/unlock", {"customer_id": cid}).json() is True
    resp = api.patch("/api/customer/set_customer_details", {"customer_id": cid, "city": "Paris"})
    assert resp.status_code == 200, resp.text
    out.deliver()
    got = receiver.wait_for(3, "/hook")
    messages = [verified(secret, r) for r in got]
    assert [m["type"] for m in messages] == [
        "customer.locked",
        "customer.unlocked",
        "customer.updated",
    ]
    locked = messages[0]
    assert locked["version"] == 1
    assert locked["id"].startswith("evt_")
    assert locked["data"]["customer_id"] == cid
    assert locked["data"]["reason"] == "fraud"
    assert locked["data"]["source"] == "api"
    assert locked["data"]["actor"].startswith("ops")
    assert messages[2]["data"]["changes"] == {"city": {"before": None, "after": "Paris"}}
    headers = got[0].headers
    assert headers["webhook-id"] == f"msg_{headers['Trackpost-Delivery-Id']}"
    assert headers["Content-Type"] == "application/json"


def test_a_lock_is_never_delivered_after_the_unlock_that_followed(
    out: Outbound, receiver: Receiver
) -> None:
    receiver.plan["/hook"] = [500, 503, 200]
    resp = out.api.post(  # PHP's array form
        "/api/webhook/add_endpoint",
        {
            "url": receiver.url("/hook"),
            "events[0]": "customer.locked",
            "events[1]": "customer.unlocked",
        },
    )
    assert resp.status_code == 200, resp.text
    secret = resp.json()["message"]["secret"]
    cid = out.net.convert()["customer_id"]
    out.api.patch("/api/customer/lock", {"customer_id": cid})
    out.api.patch("/api/customer/unlock", {"customer_id": cid})
    out.settle(lambda: len(receiver.to("/hook")) == 4)
    order = [verified(secret, r)["type"] for r in receiver.to("/hook")]
    assert order == ["customer.locked"] * 3 + ["customer.unlocked"]


def test_transactions_are_told_with_money_as_decimal_strings(
    out: Outbound, receiver: Receiver
) -> None:
    _, secret = endpoint(out, receiver.url("/tx"), "transaction.created,transaction.voided")
    body = out.net.convert(orderid="O-1", amount="19.95")
    assert out.api.post("/api/transaction/process_void", {"orderid": "O-1"}).status_code == 200
    out.deliver()
    created, voided = (verified(secret, r) for r in receiver.wait_for(2, "/tx"))
    assert created["type"] == "transaction.created"
    data = created["data"]
    assert data["transactionid"] == body["transactionid"]
    assert (data["trans_type"], data["amount"], data["total_payout"]) == (
        "initial",
        "19.95",
        "5.00",
    )
    assert [(p["type"], p["amount"]) for p in data["payouts"]] == [("affiliate", "5.00")]
    assert (data["customer_id"], data["orderid"]) == (body["customer_id"], "O-1")
    assert voided["type"] == "transaction.voided"
    assert voided["data"]["amount"] == "-19.95"
    assert voided["data"]["parent_transactionid"] == body["transactionid"]


def test_the_secret_is_shown_once_and_rotates(out: Outbound, receiver: Receiver) -> None:
    eid, secret = endpoint(out, receiver.url("/t"))
    assert secret.startswith("whsec_")
    listed = out.api.get("/api/webhook/get_endpoints").json()["message"]
    assert listed == [
        {
            "endpointid": eid,
            "url": receiver.url("/t"),
            "events": ["*"],
            "description": None,
            "active": True,
            "delivery_state": "active",
            "created_at": listed[0]["created_at"],
        }
    ]
    assert secret not in json.dumps(listed)
    resp = out.api.post("/api/webhook/rotate_secret", {"endpointid": eid})
    new = resp.json()["message"]["secret"]
    assert new != secret
    assert out.api.post("/api/webhook/test_endpoint", {"endpointid": eid}).status_code == 200
    out.deliver()
    (got,) = receiver.to("/t")
    assert verified(new, got)["type"] == "webhook.test"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got.body, got.headers)


def test_endpoints_are_edited_and_removed(out: Outbound, receiver: Receiver) -> None:
    eid, _ = endpoint(out, receiver.url("/e"), "customer.locked")
    resp = out.api.patch(
        "/api/webhook/edit_endpoint", {"endpointid": eid, "events": "customer.unlocked"}
    )
    assert resp.status_code == 200, resp.text
    cid = out.net.convert()["customer_id"]
    out.api.patch("/api/customer/lock", {"customer_id": cid})
    out.api.patch("/api/customer/unlock", {"customer_id": cid})
    out.deliver()
    assert [json.loads(r.body)["type"] for r in receiver.to("/e")] == ["customer.unlocked"]
    assert out.api.patch("/api/webhook/remove_endpoint", {"endpointid": eid}).status_code == 200
    assert out.api.get("/api/webhook/get_endpoints").json()["message"] == []
    assert_error(
        out.api.patch("/api/webhook/remove_endpoint", {"endpointid": eid}),
        404,
        "webhook_endpoint_not_found",
        eid,
    )


def test_bad_endpoints_are_refused(out: Outbound) -> None:
    assert_error(
        out.api.post("/api/webhook/add_endpoint", {"url": "https://x.example/", "events": "nope"}),
        400,
        "unknown_event_type",
        "nope",
    )
    assert_error(
        out.api.post("/api/webhook/add_endpoint", {"url": "ftp://x/", "events": "*"}),
        400,
        "invalid_parameter",
        "url",
    )
    resp = out.api.request(
        "POST",
        "/api/webhook/add_endpoint",
        json={"url": "https://x.example/h", "events": ["customer.locked", "cap.reached"]},
    )
    assert resp.status_code == 200, resp.text
