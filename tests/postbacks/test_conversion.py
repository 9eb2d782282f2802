"""The conversion postback: a click becomes a customer and its initial transaction."""

from __future__ import annotations

import pytest

from tests.postbacks.network import PIXEL, Network, build_network, ledger
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services


def test_conversion_creates_customer_and_initial_transaction(net: Network) -> None:
    click = net.click()
    resp = net.post(
        click_hash=click,
        subscription_id="SUB-1",
        orderid="ORD-1",
        amount="19.95",
        firstname="Ada",
        email="ada@example.com",
        trans_custom1="campaign-a",
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body == {"result": "success", "customer_id": body["customer_id"], "transactionid": 1}
    customer = net.customer(body["customer_id"])
    assert (customer["advertiserid"], customer["subscription_id"]) == (net.advertiser, "SUB-1")
    assert (customer["firstname"], customer["email"], customer["status"]) == (
        "Ada",
        "ada@example.com",
        "active",
    )
    assert (customer["loginid"], customer["offerid"], customer["landing_pageid"]) == (
        net.affiliate,
        net.offer,
        net.landing_page,
    )
    (row,) = net.rows()
    assert row["trans_type"] == "initial"
    assert row["status"] == "approved"
    assert (row["amount"], row["affiliate_payout"]) == (1995, 500)
    assert (row["click_hash"], row["orderid"], row["trans_custom1"]) == (
        click,
        "ORD-1",
        "campaign-a",
    )
    assert (row["loginid"], row["offerid"], row["landing_pageid"]) == (
        net.affiliate,
        net.offer,
        net.landing_page,
    )
    (audit,) = net.audit(body["customer_id"])
    assert (audit["action"], audit["source"], audit["actor"]) == (
        "create",
        "postback",
        net.advertiser_username,
    )


def test_revenue_defaults_to_the_offers_conversion_amount(net: Network) -> None:
    body = net.convert(subscription_id="S")
    (row,) = net.rows(body["customer_id"])
    assert (row["amount"], row["affiliate_payout"], row["payout_percent"]) == (995, 500, None)


def test_percentage_payout_is_computed_in_cents(api: ApiClient, services: Services) -> None:
    net = build_network(
        api, services, flat_amount_per_conversion=None, percentage_of_customer_conversion="12.5"
    )
    body = net.convert(amount="9.95")
    (row,) = net.rows(body["customer_id"])
    # 12.5% of 9.95 is 1.24375: rounded half up to 124 cents, never through a float.
    assert (row["amount"], row["affiliate_payout"], row["payout_percent"]) == (995, 124, 1250)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", [PIXEL, "/signup/process_pixel"])
def test_vendor_lineage_names_in_query_or_form_body(net: Network, method: str, path: str) -> None:
    resp = net.post(
        method,
        path,
        transid=net.click(),
        gross="12.34",
        phone="+1 555 0100",
        subscription_id="S",
        type="sale",
    )
    assert resp.status_code == 200, resp.text
    customer = net.customer(resp.json()["customer_id"])
    assert customer["phone"] == "+1 555 0100"
    assert net.rows()[0]["amount"] == 1234


def test_revenue_is_a_synonym_of_amount_and_initial_of_conversion(net: Network) -> None:
    resp = net.post(click_hash=net.click(), revenue="1.50", type="initial")
    assert resp.status_code == 200, resp.text
    assert net.rows()[0]["amount"] == 150


def test_two_names_for_one_thing_must_agree(net: Network) -> None:
    resp = net.post(click_hash=net.click(), transid="other", amount="1.00")
    assert_error(resp, 400, "invalid_parameter", "'click_hash'", "'transid'")
    resp = net.post(click_hash=net.click(), amount="1.00", gross="1.00")
    assert resp.status_code == 200, resp.text


def test_the_click_cookie_names_the_click(net: Network) -> None:
    click = net.click()
    cookie = net.services.settings.click_cookie_name
    net.http.cookies.set(cookie, click)
    try:
        resp = net.post(subscription_id="COOKIE-1")
    finally:
        net.http.cookies.clear()
    assert resp.status_code == 200, resp.text
    assert net.rows()[0]["click_hash"] == click


def test_the_click_cookie_counts_in_any_of_several_cookie_headers(net: Network) -> None:
    """HTTP/2 browsers send one Cookie header per cookie; the click's may be any of them."""
    click = net.click()
    cookie = net.services.settings.click_cookie_name
    headers = [("cookie", "_ga=GA1.2.3"), ("cookie", f"{cookie}={click}")]
    resp = net.http.get(PIXEL, params={"subscription_id": "COOKIE-2"}, headers=headers)
    assert resp.status_code == 200, resp.text
    assert net.rows()[0]["click_hash"] == click


def test_ocode_converts_without_a_click(net: Network) -> None:
    code = net.link.rsplit("/", 1)[1]
    resp = net.post(ocode=code, subscription_id="OC-1", amount="5.00")
    assert resp.status_code == 200, resp.text
    (row,) = net.rows()
    assert row["click_hash"] is None
    assert (row["loginid"], row["offerid"], row["landing_pageid"], row["amount"]) == (
        net.affiliate,
        net.offer,
        net.landing_page,
        500,
    )
    assert_error(net.post(ocode="bm90LWEtY29kZQ=="), 404, "unknown_ocode", "'ocode'")


def test_unknown_click_hash_is_404_and_writes_nothing(net: Network) -> None:
    before = net.counts()
    resp = net.post(click_hash="no-such-click", subscription_id="S", orderid="O")
    assert_error(resp, 404, "unknown_click_hash", "no-such-click")
    assert net.counts() == before


def test_a_conversion_needs_a_click(net: Network) -> None:
    assert_error(net.post(subscription_id="S"), 400, "missing_parameter", "click_hash")


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        ("1e3", "exponent form"),
        ("9.95E0", "exponent form"),
        ("-5", "is negative"),
        ("9,95", "not a number"),
        ("NaN", "not a number"),
        ("1234567890123", "too large"),
    ],
)
def test_bad_amounts_are_400_and_write_nothing(net: Network, amount: str, problem: str) -> None:
    click = net.click()
    before = net.counts()
    resp = net.post(click_hash=click, amount=amount, subscription_id="S")
    assert_error(resp, 400, "invalid_parameter", "'amount'", problem)
    assert net.counts() == before


def test_bad_parameters_are_400(net: Network) -> None:
    click = net.click()
    assert_error(net.post(click_hash=click, type="upsell"), 400, "invalid_parameter", "'type'")
    assert_error(net.post(click_hash=click, trans_custom2="-1"), 400, "invalid_parameter", "-1")
    # A bad customer field is set aside, not refused: tests/postbacks/test_set_aside.py.
    resp = net.http.get(f"{PIXEL}?click_hash={click}&orderid=a&orderid=b")
    assert_error(resp, 400, "duplicate_parameter", "'orderid'")
    assert net.rows() == []


def test_unknown_parameters_are_ignored(net: Network) -> None:
    resp = net.post(click_hash=net.click(), affiliate_tracking_extra="x", sub_id_9="y")
    assert resp.status_code == 200, resp.text


def test_advertiserid_must_match_the_clicks_advertiser(net: Network) -> None:
    resp = net.post(click_hash=net.click(), advertiserid=net.advertiser + 1000)
    assert_error(resp, 400, "lookup_conflict", "advertiserid")


def test_known_subscription_id_updates_the_existing_customer(net: Network) -> None:
    first = net.convert(subscription_id="SUB-9", email="old@example.com")
    second = net.convert(subscription_id="SUB-9", email="new@example.com", city="Paris")
    assert second["customer_id"] == first["customer_id"]
    assert second["transactionid"] != first["transactionid"]
    customer = net.customer(first["customer_id"])
    assert (customer["email"], customer["city"]) == ("new@example.com", "Paris")
    update = net.audit(first["customer_id"])[-1]
    assert update["action"] == "postback:conversion"
    assert update["source"] == "postback"


def test_pending_conversions_count_nothing_until_approved(
    api: ApiClient, services: Services
) -> None:
    net = build_network(api, services, pending_conversions="1")
    body = net.convert(orderid="P-1")
    rows = net.rows()
    assert [r["status"] for r in rows] == ["pending"]
    assert ledger(rows) == (0, 0)
    resp = api.post("/api/transaction/approve_pending_transaction", {"orderid": "P-1"})
    assert resp.json() == {"result": "success", "message": "Transaction approved successfully."}
    assert ledger(net.rows(body["customer_id"])) == (995, 500)


def test_a_json_body_is_accepted_with_amounts_as_strings(net: Network) -> None:
    body = {"click_hash": net.click(), "amount": "9.95", "advertiserid": net.advertiser}
    resp = net.http.post(PIXEL, json=body)
    assert resp.status_code == 200, resp.text
    resp = net.http.post(PIXEL, json={"click_hash": net.click(), "amount": 9.95})
    assert_error(resp, 400, "invalid_parameter", "'amount'", "string")
    resp = net.http.post(PIXEL, json={"click_hash": net.click(), "email": ["a@b.co"]})
    assert_error(resp, 400, "invalid_parameter", "'email'", "single value")
