"""One customer's whole life, from the click to the cancel, checked against the ledger."""

from __future__ import annotations

from decimal import Decimal

from tests.postbacks.network import Network, build_network, ledger
from tests.support import ApiClient
from trackpost.core.http import Services


def test_a_customers_whole_life(api: ApiClient, services: Services) -> None:
    net = build_network(
        api,
        services,
        conversion="29.95",
        flat_amount_per_conversion="10.00",
        continuity="19.95",
        percentage_of_customer_continuity="20",
    )
    # The click: a real visitor follows the affiliate's link.
    click = net.click(_ocid="aff-click-1")
    # The conversion, server to server, with the customer's details.
    conv = net.post(
        click_hash=click,
        subscription_id="LIFE-1",
        orderid="LIFE-conv",
        firstname="Grace",
        email="grace@example.com",
        password="initial-pw",
    ).json()
    cid = conv["customer_id"]
    # Two rebills at the offer's continuity price, a third at a posted price.
    for n, amount in ((1, None), (2, None), (3, "24.95")):
        params = {"subscription_id": "LIFE-1", "type": "rebill", "orderid": f"LIFE-r{n}"}
        if amount:
            params["amount"] = amount
        assert net.post(**params).status_code == 200
    # A partial refund of the second rebill, then its retry (a replay: nothing new).
    refund = {
        "subscription_id": "LIFE-1",
        "type": "refund",
        "orderid": "LIFE-ref",
        "original_orderid": "LIFE-r2",
        "amount": "9.95",
    }
    assert net.post(**refund).status_code == 200
    assert net.post(**refund).headers["x-trackpost-replayed"] == "true"
    # The biller charges back the first rebill with a 15.00 fee, then the network wins the
    # dispute and reverses it; the third rebill is charged back for good.
    # A fee above the affiliate's payout needs the offer's consent (chargeback_fee_cap).
    rules = {"offerid": net.offer, "chargeback_fee_cap": "none"}
    assert api.patch("/api/offer/set_money_rules", rules).status_code == 200
    cb = {"type": "chargeback", "cost": "15.00"}
    assert api.post("/api/transaction/process_chargeback", {"orderid": "LIFE-r1", **cb}).json()
    reversal = {"orderid": "LIFE-r1", "reverse": "TRUE"}
    assert api.post("/api/transaction/process_reversal", reversal).status_code == 200
    cb3 = {"orderid": "LIFE-r3", **cb}
    assert api.post("/api/transaction/process_chargeback", cb3).status_code == 200
    # The customer cancels, with a new email.
    cancel = {"subscription_id": "LIFE-1", "type": "cancel", "email": "g@example.org"}
    assert net.post(**cancel).status_code == 200

    rows = net.rows(cid)
    shape = [(r["trans_type"], r["status"], r["amount"], r["affiliate_payout"]) for r in rows]
    assert shape == [
        ("initial", "approved", 2995, 1000),
        ("continuity", "approved", 1995, 399),  # 20% of 19.95 = 3.99
        ("continuity", "approved", 1995, 399),
        ("continuity", "charged_back", 2495, 499),  # 20% of 24.95 = 4.99
        ("refund", "approved", -995, -199),  # half the rebill: 3.99 * 9.95 / 19.95 = 1.99
        ("chargeback", "approved", -1995, -399 - 1500),
        ("reversal", "approved", 1995, 399 + 1500),
        ("chargeback", "approved", -2495, -499 - 1500),
        ("cancel", "approved", 0, 0),
    ]
    revenue, payout = ledger(rows)
    assert revenue == 2995 + 1995 + 1995 - 995  # conversion, two rebills, less the refund
    assert payout == 1000 + 399 + 399 - 199 - 1500  # the kept fee is the affiliate's to pay
    assert {r["click_hash"] for r in rows} == {click}
    assert {r["loginid"] for r in rows} == {net.affiliate}

    # The same ledger through the report, and the customer's final state.
    report = api.get("/api/report/transaction", {"filter_transaction_hash": click, "period": 7})
    body = report.json()
    # Money in responses is a decimal string in the base currency.
    cents = [
        (Decimal(r["amount"]) * 100, Decimal(r["total_payout"]) * 100, r) for r in body.values()
    ]
    assert sum(a for a, _, r in cents if r["status"] != "pending") == revenue
    assert sum(p for _, p, _ in cents) == payout
    assert {r["external_clickid"] for r in body.values()} == {"aff-click-1"}
    details = api.get("/api/customer/get_customer_details", {"customer_id": cid}).json()
    customer = details.get("customer", details)
    assert customer["status"] == "cancelled"
    assert customer["email"] == "g@example.org"
    actions = [a["action"] for a in net.audit(cid)]
    assert actions == ["create", "postback:cancel"]


def test_the_network_is_built_through_the_api(net: Network) -> None:
    """The fixture the other tests rely on: a click through /track lands on the page."""
    resp = net.http.get(net.link, follow_redirects=False)
    assert resp.headers["location"].startswith("https://lander.example.com/?ch=")
