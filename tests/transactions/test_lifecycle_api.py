"""The admin transaction calls: void, chargeback, reversal, approval, with the vendor's bodies."""

from __future__ import annotations

import pytest

from tests.postbacks.network import Network, build_network, ledger
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services

SUCCESS = {"result": "success", "message": "*success*"}
VOID = "/api/transaction/process_void"
CHARGEBACK = "/api/transaction/process_chargeback"
REVERSAL = "/api/transaction/process_reversal"
APPROVE = "/api/transaction/approve_pending_transaction"


@pytest.fixture
def sale(net: Network) -> dict[str, int]:
    """A 20.00 conversion paying the affiliate 5.00, orderid ORD-1."""
    return net.convert(subscription_id="S", orderid="ORD-1", amount="20.00")


def test_void_removes_revenue_and_payout(net: Network, sale: dict[str, int]) -> None:
    resp = net.api.post(VOID, {"orderid": "ORD-1", "type": "void", "trans_custom1": "why"})
    assert resp.status_code == 200
    assert resp.json() == SUCCESS
    original, void = net.rows(sale["customer_id"])
    assert original["status"] == "voided"
    assert (void["trans_type"], void["amount"], void["affiliate_payout"]) == ("void", -2000, -500)
    assert (void["parent_transactionid"], void["source"], void["trans_custom1"]) == (
        original["transactionid"],
        "admin",
        "why",
    )
    assert ledger(net.rows()) == (0, 0)


def test_a_second_void_is_the_vendors_error(net: Network, sale: dict[str, int]) -> None:
    assert net.api.post(VOID, {"orderid": "ORD-1"}).status_code == 200
    before = net.counts()
    resp = net.api.post(VOID, {"orderid": "ORD-1", "type": "void"})
    body = assert_error(resp, 409, "void_exists")
    assert body["message"] == "*error* - Void transaction exists."
    assert net.counts() == before
    assert_error(
        net.api.post(CHARGEBACK, {"orderid": "ORD-1", "type": "chargeback"}), 409, "void_exists"
    )


def test_void_can_keep_the_affiliates_payout(net: Network, sale: dict[str, int]) -> None:
    assert net.api.post(VOID, {"orderid": "ORD-1", "remove_payout": "0"}).status_code == 200
    assert ledger(net.rows()) == (0, 500)


def test_chargeback_charges_the_fee_to_the_affiliate(net: Network, sale: dict[str, int]) -> None:
    resp = net.api.post(CHARGEBACK, {"orderid": "ORD-1"})
    body = assert_error(resp, 400, "missing_type")
    assert body["message"] == "Missing required field for chargeback (type)."
    # A fee above the affiliate's 5.00 payout needs the offer's chargeback_fee_cap to allow it.
    cb = {"orderid": "ORD-1", "type": "chargeback", "cost": "15.00"}
    assert_error(net.api.post(CHARGEBACK, cb), 409, "chargeback_fee_too_high", "'cost'", "5.00")
    rules = {"offerid": net.offer, "chargeback_fee_cap": "none"}
    assert net.api.patch("/api/offer/set_money_rules", rules).status_code == 200
    resp = net.api.post(CHARGEBACK, cb)
    assert resp.json() == SUCCESS
    original, chargeback = net.rows(sale["customer_id"])
    assert original["status"] == "charged_back"
    assert (
        chargeback["amount"],
        chargeback["affiliate_payout"],
        chargeback["chargeback_cost"],
    ) == (
        -2000,
        -2000,
        1500,
    )
    assert ledger(net.rows()) == (0, -1500)
    body = assert_error(net.api.post(VOID, {"orderid": "ORD-1"}), 409, "chargeback_exists")
    assert body["message"] == "*error* - Chargeback transaction exists."


@pytest.mark.parametrize("cost", ["1,23", "1e2", "-3"])
def test_chargeback_cost_is_a_plain_amount(net: Network, sale: dict[str, int], cost: str) -> None:
    resp = net.api.post(CHARGEBACK, {"orderid": "ORD-1", "type": "chargeback", "cost": cost})
    assert_error(resp, 400, "invalid_parameter", "'cost'")
    assert len(net.rows()) == 1


def test_reversal_restores_exactly(net: Network, sale: dict[str, int]) -> None:
    resp = net.api.post(REVERSAL, {"orderid": "ORD-1"})
    body = assert_error(resp, 400, "missing_reverse")
    assert body["message"] == "Missing required flag (reverse)."
    assert_error(
        net.api.post(REVERSAL, {"orderid": "ORD-1", "reverse": "TRUE"}), 409, "nothing_to_reverse"
    )
    net.api.post(CHARGEBACK, {"orderid": "ORD-1", "type": "chargeback", "cost": "5.00"})
    assert net.api.post(REVERSAL, {"orderid": "ORD-1", "reverse": "TRUE"}).json() == SUCCESS
    assert ledger(net.rows()) == (2000, 500)
    rows = net.rows()
    assert rows[0]["status"] == "approved"
    assert sum(r["chargeback_cost"] for r in rows) == 0
    # Reversed, it can be voided again; naming the void row itself reverses its sale.
    assert net.api.post(VOID, {"orderid": "ORD-1"}).status_code == 200
    void_id = net.rows()[-1]["transactionid"]
    resp = net.api.post(REVERSAL, {"transactionid": void_id, "reverse": "1"})
    assert resp.status_code == 200, resp.text
    assert ledger(net.rows()) == (2000, 500)


def test_the_transaction_is_found_by_any_key(net: Network) -> None:
    click = net.click()
    body = net.convert(click_hash=click, orderid="ORD-9")
    tid = str(body["transactionid"])
    for key in ({"transaction_hash": click}, {"click_hash": click}, {"transactionid": tid}):
        assert net.api.post(VOID, key).status_code == 200
        assert net.api.post(REVERSAL, {**key, "reverse": "TRUE"}).status_code == 200
    both = {"orderid": "ORD-9", "transactionid": tid, "transaction_hash": click}
    assert net.api.post(VOID, both).status_code == 200


def test_lookup_errors(net: Network, sale: dict[str, int]) -> None:
    other = net.convert(orderid="ORD-2")
    assert_error(net.api.post(VOID, {}), 400, "missing_lookup_key", "transaction_hash")
    body = assert_error(net.api.post(VOID, {"orderid": "NOPE"}), 404, "invalid_transaction")
    assert body["message"] == "Invalid transaction."
    assert "NOPE" in body["detail"]
    assert_error(net.api.post(VOID, {"transactionid": "abc"}), 400, "invalid_parameter")
    resp = net.api.post(VOID, {"orderid": "ORD-1", "transactionid": other["transactionid"]})
    assert_error(resp, 400, "lookup_conflict", "ORD-1")
    resp = net.api.post(VOID, {"transaction_hash": "a", "click_hash": "b"})
    assert_error(resp, 400, "lookup_conflict")
    assert_error(
        net.api.post(VOID, {"orderid": "ORD-1", "type": "chargeback"}), 400, "invalid_parameter"
    )
    assert_error(net.api.post(VOID, {"orderid": "ORD-1", "bogus": "1"}), 400, "unknown_parameter")
    assert len(net.rows()) == 2


def test_only_sales_can_be_voided(net: Network, sale: dict[str, int]) -> None:
    net.post(subscription_id="S", type="cancel", orderid="CX")
    resp = net.api.post(VOID, {"orderid": "CX"})
    assert_error(resp, 409, "transaction_not_voidable")


def test_approving_a_pending_conversion(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, pending_conversions="1")
    net.convert(orderid="P-1")
    net.convert(orderid="P-2")
    assert ledger(net.rows()) == (0, 0)
    resp = api.post(APPROVE, {"orderid": "P-1"})
    assert resp.json() == {"result": "success", "message": "Transaction approved successfully."}
    assert ledger(net.rows()) == (995, 500)
    body = assert_error(api.post(APPROVE, {"orderid": "P-1"}), 409, "transaction_not_pending")
    assert body["message"] == "Invalid transaction."
    body = assert_error(api.post(APPROVE, {"orderid": "NOPE"}), 404, "invalid_transaction")
    assert body["message"] == "Invalid transaction."
    # A pending sale voided is denied (it never counted); approved=1 refuses a pending one.
    assert_error(api.post(VOID, {"orderid": "P-2", "approved": "1"}), 409, "transaction_pending")
    assert_error(
        api.post(CHARGEBACK, {"orderid": "P-2", "type": "chargeback"}), 409, "transaction_pending"
    )
    assert api.post(VOID, {"orderid": "P-2"}).status_code == 200
    assert net.rows()[1]["status"] == "denied"
    assert ledger(net.rows()) == (995, 500)
    assert api.post(REVERSAL, {"orderid": "P-2", "reverse": "TRUE"}).status_code == 200
    assert net.rows()[1]["status"] == "pending"
    assert api.post(APPROVE, {"orderid": "P-2"}).status_code == 200
    assert ledger(net.rows()) == (1990, 1000)


def test_concurrent_voids_void_once(net: Network, sale: dict[str, int]) -> None:
    import threading

    barrier = threading.Barrier(4)
    codes: list[int] = []

    def void() -> None:
        barrier.wait()
        codes.append(net.api.post(VOID, {"orderid": "ORD-1"}).status_code)

    threads = [threading.Thread(target=void) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200, 409, 409, 409]
    assert [r["trans_type"] for r in net.rows()] == ["initial", "void"]
