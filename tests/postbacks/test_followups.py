"""Continuity, refund, cancel and expire posts on an existing customer."""

from __future__ import annotations

from tests.postbacks.network import Network, build_network, ledger
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services


def _customer(net: Network, sub: str = "SUB-1", **params: str) -> dict[str, int]:
    return net.convert(subscription_id=sub, orderid=f"{sub}-conv", amount="20.00", **params)


def test_continuity_records_a_rebill_with_the_offers_continuity_defaults(
    api: ApiClient, services: Services
) -> None:
    net = build_network(api, services, continuity="4.95", flat_amount_per_continuity="2.00")
    first = _customer(net)
    resp = net.post(subscription_id="SUB-1", type="rebill", orderid="R-1")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["customer_id"] == first["customer_id"]
    resp = net.post(subscription_id="SUB-1", type="continuity", orderid="R-2", amount="6.00")
    assert resp.status_code == 200, resp.text
    conv, rebill, rebill2 = net.rows(first["customer_id"])
    assert (rebill["trans_type"], rebill["amount"], rebill["affiliate_payout"]) == (
        "continuity",
        495,
        200,
    )
    assert (rebill2["amount"], rebill2["affiliate_payout"]) == (600, 200)
    # Rebills are attributed like the conversion they follow.
    for key in ("click_hash", "loginid", "offerid", "landing_pageid"):
        assert rebill[key] == conv[key]


def test_continuity_percentage_payout(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, percentage_of_customer_continuity="10")
    _customer(net)
    assert net.post(subscription_id="SUB-1", type="rebill", amount="9.95").status_code == 200
    assert net.rows()[-1]["affiliate_payout"] == 100  # 99.5 cents rounds half up


def test_follow_ups_need_a_known_subscription_id(net: Network) -> None:
    assert_error(net.post(type="rebill"), 400, "missing_parameter", "subscription_id")
    assert_error(net.post(type="cancel", subscription_id="NOPE"), 404, "customer_not_found", "NOPE")


def test_a_shared_subscription_id_needs_narrowing(api: ApiClient, services: Services) -> None:
    a = build_network(api, services)
    b = build_network(api, services)
    first = a.convert(subscription_id="SHARED")
    b.convert(subscription_id="SHARED")
    before = a.counts()
    resp = a.post(type="rebill", subscription_id="SHARED", amount="1.00")
    assert_error(resp, 409, "ambiguous_subscription_id", "SHARED")
    assert a.counts() == before
    by_adv = a.post(type="rebill", subscription_id="SHARED", advertiserid=a.advertiser)
    by_click = a.post(type="rebill", subscription_id="SHARED", click_hash=a.click())
    by_page = a.post(type="rebill", subscription_id="SHARED", landing_pageid=a.landing_page)
    for resp in (by_adv, by_click, by_page):
        assert resp.status_code == 200, resp.text
        assert resp.json()["customer_id"] == first["customer_id"]
    resp = a.post(
        type="rebill", subscription_id="SHARED", advertiserid=a.advertiser, click_hash=b.click()
    )
    assert_error(resp, 400, "lookup_conflict", "advertiserid")
    assert_error(
        a.post(type="rebill", subscription_id="SHARED", landing_pageid=999999),
        404,
        "landing_page_not_found",
    )


def test_refund_credits_the_original_order(net: Network) -> None:
    first = _customer(net)  # 20.00 revenue, 5.00 payout
    resp = net.post(
        subscription_id="SUB-1",
        type="refund",
        orderid="RF-1",
        original_orderid="SUB-1-conv",
        amount="5.00",
    )
    assert resp.status_code == 200, resp.text
    conv, refund = net.rows(first["customer_id"])
    assert (refund["trans_type"], refund["parent_transactionid"]) == (
        "refund",
        conv["transactionid"],
    )
    assert (refund["amount"], refund["affiliate_payout"], refund["orderid"]) == (-500, -125, "RF-1")
    # Without an amount, what is left; without original_orderid, the newest conversion.
    assert net.post(subscription_id="SUB-1", type="refund").status_code == 200
    assert ledger(net.rows(first["customer_id"])) == (0, 0)
    resp = net.post(subscription_id="SUB-1", type="refund", amount="0.01")
    assert_error(resp, 409, "refund_exceeds_amount", "in full")


def test_refund_checks_amount_and_owner(net: Network) -> None:
    _customer(net)
    _customer(net, "SUB-2")
    resp = net.post(subscription_id="SUB-1", type="refund", amount="20.01")
    assert_error(resp, 409, "refund_exceeds_amount", "20.01", "20.00")
    resp = net.post(subscription_id="SUB-1", type="refund", original_orderid="SUB-2-conv")
    assert_error(resp, 400, "lookup_conflict", "SUB-2-conv")
    resp = net.post(subscription_id="SUB-1", type="refund", original_orderid="nope")
    assert_error(resp, 404, "invalid_transaction")
    resp = net.post(subscription_id="SUB-1", type="refund", amount="0")
    assert_error(resp, 400, "invalid_parameter", "'amount'")


def test_cancel_and_expire_change_the_status(net: Network) -> None:
    first = _customer(net)
    second = _customer(net, "SUB-2")
    resp = net.post(subscription_id="SUB-1", type="cancel", orderid="C-1")
    assert resp.status_code == 200, resp.text
    assert net.post(subscription_id="SUB-2", type="expire").status_code == 200
    assert net.customer(first["customer_id"])["status"] == "cancelled"
    assert net.customer(second["customer_id"])["status"] == "expired"
    cancel = net.rows(first["customer_id"])[-1]
    assert (cancel["trans_type"], cancel["amount"], cancel["orderid"]) == ("cancel", 0, "C-1")
    audit = net.audit(first["customer_id"])[-1]
    assert audit["action"] == "postback:cancel"
    assert '"status"' in audit["changes"]
    assert '"cancelled"' in audit["changes"]


def test_every_post_type_applies_and_audits_the_fields_it_carries(net: Network) -> None:
    first = _customer(net, email="a@example.com", city="Rome")
    posts = [
        ("continuity", {"email": "b@example.com"}),
        ("refund", {"lastname": "Byron", "amount": "1.00"}),
        ("cancel", {"address1": "1 Main St", "zip": "12345"}),
        ("expire", {"custom3": "vip"}),
    ]
    for kind, fields in posts:
        resp = net.post(subscription_id="SUB-1", type=kind, **fields)
        assert resp.status_code == 200, resp.text
    customer = net.customer(first["customer_id"])
    assert (customer["email"], customer["lastname"], customer["zip"], customer["custom3"]) == (
        "b@example.com",
        "Byron",
        "12345",
        "vip",
    )
    actions = [a["action"] for a in net.audit(first["customer_id"])]
    assert actions == [
        "create",
        "postback:continuity",
        "postback:refund",
        "postback:cancel",
        "postback:expire",
    ]
    email_change = net.audit(first["customer_id"])[1]["changes"]
    assert "a@example.com" in email_change
    assert "b@example.com" in email_change


def test_a_rebill_that_changes_nothing_writes_no_audit_row(net: Network) -> None:
    first = _customer(net, email="a@example.com")
    assert (
        net.post(subscription_id="SUB-1", type="rebill", email="a@example.com").status_code == 200
    )
    assert [a["action"] for a in net.audit(first["customer_id"])] == ["create"]
