"""Revenue updates in cents, and check_orderid_exists."""

from __future__ import annotations

import pytest

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services

BY_ORDER = "/api/transaction/transaction_update_revenue_by_orderid"
BY_HASH = "/api/transaction/transaction_update_revenue_by_transaction_hash"


def test_update_revenue_by_orderid_in_cents(net: Network) -> None:
    net.convert(orderid="ORD-1", amount="9.95")
    resp = net.api.patch(BY_ORDER, {"orderid": "ORD-1", "amount": "2500"})
    assert resp.status_code == 200
    assert resp.json() == {"result": "success"}
    (row,) = net.rows()
    assert (row["amount"], row["affiliate_payout"]) == (2500, 500)  # a flat payout stays


def test_update_revenue_by_hash_recomputes_a_percentage_payout(
    api: ApiClient, services: Services
) -> None:
    net = build_network(
        api, services, flat_amount_per_conversion=None, percentage_of_customer_conversion="20"
    )
    click = net.click()
    net.convert(click_hash=click, amount="10.00")
    resp = api.patch(BY_HASH, {"transaction_hash": click, "amount": "2500"})
    assert resp.json() == {"result": "success"}
    assert (net.rows()[0]["amount"], net.rows()[0]["affiliate_payout"]) == (2500, 500)
    assert api.patch(BY_HASH, {"click_hash": click, "amount": "100"}).status_code == 200
    assert net.rows()[0]["affiliate_payout"] == 20


@pytest.mark.parametrize("amount", ["25.00", "2.5e3", "-100", "", "1" * 20])
def test_revenue_must_be_whole_cents(net: Network, amount: str) -> None:
    net.convert(orderid="ORD-1")
    resp = net.api.patch(BY_ORDER, {"orderid": "ORD-1", "amount": amount})
    # A blank amount is "not given": the required amount is missing.
    assert_error(
        resp, 400, "missing_parameter" if amount == "" else "invalid_parameter", "'amount'"
    )
    assert net.rows()[0]["amount"] == 995


def test_revenue_update_errors(net: Network) -> None:
    net.convert(orderid="ORD-1")
    assert_error(net.api.patch(BY_ORDER, {"amount": "1"}), 400, "missing_parameter", "orderid")
    assert_error(net.api.patch(BY_HASH, {"amount": "1"}), 400, "missing_parameter")
    assert_error(
        net.api.patch(BY_ORDER, {"orderid": "NOPE", "amount": "1"}), 404, "invalid_transaction"
    )
    net.api.post("/api/transaction/process_void", {"orderid": "ORD-1"})
    resp = net.api.patch(BY_ORDER, {"orderid": "ORD-1", "amount": "1"})
    assert_error(resp, 409, "transaction_not_editable", "voided")


def test_check_orderid_exists(net: Network) -> None:
    net.convert(orderid="TRACKFINITY:14940018242790524363")
    path = "/api/offer/check_orderid_exists"
    resp = net.api.get(path, {"orderid": "TRACKFINITY:14940018242790524363"})
    assert resp.json() == {"result": "success", "message": "TRUE"}
    assert net.api.get(path, {"orderid": "other"}).json() == {
        "result": "success",
        "message": "FALSE",
    }
    assert_error(net.api.get(path), 400, "missing_parameter", "orderid")
