"""A locked customer is frozen for the platform but still receives every advertiser post."""

from __future__ import annotations

import orjson

from tests.postbacks.network import Network, ledger
from tests.support import assert_error


def test_a_locked_customer_receives_every_advertiser_post(net: Network) -> None:
    first = net.convert(subscription_id="LOCKED", orderid="L-0", amount="20.00", city="Oslo")
    cid = first["customer_id"]
    resp = net.api.patch("/api/customer/lock", {"customer_id": cid, "reason": "fraud review"})
    assert resp.status_code == 200, resp.text
    # The platform may not edit it...
    resp = net.api.patch("/api/customer/set_customer_details", {"customer_id": cid, "city": "X"})
    assert_error(resp, 409, "customer_locked")
    # ...but the advertiser's posts all land: a re-conversion, rebills, refund, cancel, expire.
    posts = [
        {"click_hash": net.click(), "orderid": "L-1", "email": "new@example.com"},
        {"type": "rebill", "orderid": "L-2", "amount": "9.95", "city": "Bergen"},
        {"type": "continuity", "orderid": "L-3", "firstname": "Kari"},
        {"type": "refund", "orderid": "L-4", "original_orderid": "L-2", "lastname": "Nord"},
        {"type": "cancel", "orderid": "L-5", "phone": "+47 555"},
        {"type": "expire", "orderid": "L-6", "zip": "5003"},
    ]
    for post in posts:
        resp = net.post(subscription_id="LOCKED", **post)
        assert resp.status_code == 200, (post, resp.text)
        assert resp.json()["customer_id"] == cid
    customer = net.customer(cid)
    assert customer["locked"]
    assert customer["lock_reason"] == "fraud review"
    assert (customer["email"], customer["city"], customer["firstname"]) == (
        "new@example.com",
        "Bergen",
        "Kari",
    )
    assert (customer["lastname"], customer["phone"], customer["zip"], customer["status"]) == (
        "Nord",
        "+47 555",
        "5003",
        "expired",
    )
    kinds = [r["trans_type"] for r in net.rows(cid)]
    assert kinds == ["initial", "initial", "continuity", "continuity", "refund", "cancel", "expire"]
    # 20.00 conversion, 9.95 re-conversion (offer default), 9.95 rebill, a rebill with no
    # amount (no continuity default: 0), the 9.95 rebill refunded in full.
    assert ledger(net.rows(cid))[0] == 2000 + 995 + 995 + 0 - 995
    posted = [a for a in net.audit(cid) if a["source"] == "postback" and a["action"] != "create"]
    assert [a["action"] for a in posted] == [
        "postback:conversion",
        "postback:continuity",
        "postback:continuity",
        "postback:refund",
        "postback:cancel",
        "postback:expire",
    ]
    assert {a["actor"] for a in posted} == {net.advertiser_username}
    changed = [set(orjson.loads(a["changes"])) for a in posted]
    assert changed == [
        {"email"},
        {"city"},
        {"firstname"},
        {"lastname"},
        {"phone", "status"},
        {"zip", "status"},
    ]
    # The lock survived it all and still stops the platform.
    resp = net.api.patch("/api/customer/set_customer_details", {"customer_id": cid, "city": "X"})
    assert_error(resp, 409, "customer_locked")
