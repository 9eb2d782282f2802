"""filter_orderid returns the order's offset rows (refund, chargeback, reversal) with it, so a sum
over what it returns is the order's net, revenue and every payee's payout alike."""

from __future__ import annotations

from decimal import Decimal

from tests.postbacks.network import Network

REPORT = "/api/report/transaction"


def test_an_orders_rows_sum_to_its_net(net: Network) -> None:
    net.convert(subscription_id="OFF-S", orderid="OFF-1", amount="30.00")
    net.convert(subscription_id="OFF-T", orderid="OFF-2", amount="12.00")  # another order
    refund = {"subscription_id": "OFF-S", "type": "refund", "original_orderid": "OFF-1"}
    resp = net.post(**refund, orderid="OFF-1R", amount="10.00")
    assert resp.status_code == 200, resp.text
    cb = {"orderid": "OFF-1", "type": "chargeback", "cost": "1.00"}
    assert net.api.post("/api/transaction/process_chargeback", cb).status_code == 200
    body = net.api.get(REPORT, {"period": 7, "filter_orderid": "OFF-1"})
    assert body.status_code == 200, body.text
    rows = body.json()
    kinds = sorted(r["trans_type"] for r in rows.values())
    assert kinds == ["admin_chargeback", "advertiser_initial", "advertiser_refund"]
    assert sum(Decimal(r["amount"]) for r in rows.values()) == 0
    # The affiliate's 5.00 comes back in full (a third by the refund, the rest by the
    # chargeback), and the 1.00 fee is charged on top.
    assert sum(Decimal(r["total_payout"]) for r in rows.values()) == Decimal("-1.00")
    assert body.headers["x-total-count"] == "3"
    reversal = {"orderid": "OFF-1", "reverse": "TRUE"}
    assert net.api.post("/api/transaction/process_reversal", reversal).status_code == 200
    again = net.api.get(REPORT, {"period": 7, "filter_orderid": "OFF-1"}).json()
    assert len(again) == 4
    assert sum(Decimal(r["amount"]) for r in again.values()) == Decimal("20.00")
