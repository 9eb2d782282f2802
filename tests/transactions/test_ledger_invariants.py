"""The ledger's invariants found by running a month of a small network through it."""

from __future__ import annotations

import orjson
from sqlalchemy import select

from tests.conftest import Admin, BuildApp
from tests.postbacks.network import Network, build_network, ledger
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services
from trackpost.models.tables import customer_audit, events

BY_ORDER = "/api/transaction/transaction_update_revenue_by_orderid"


def _events(net: Network, kind: str) -> list[dict[str, object]]:
    with net.services.db.transaction(write=False) as conn:
        rows = conn.execute(select(events).where(events.c.type == kind).order_by(events.c.id))
        return [orjson.loads(r.payload) for r in rows]


def test_a_revenue_update_cannot_take_a_sale_below_zero(net: Network) -> None:
    net.convert(subscription_id="S", orderid="ORD-1", amount="49.00")
    assert net.post(subscription_id="S", type="refund", orderid="RF").status_code == 200
    resp = net.api.patch(BY_ORDER, {"orderid": "ORD-1", "amount": "1000"})
    assert_error(resp, 409, "net_below_zero", "'amount'", "10.00", "49.00")
    assert net.api.post("/api/transaction/process_void", {"orderid": "ORD-1"}).status_code == 200
    assert ledger(net.rows()) == (0, 0)


def test_a_refund_without_original_orderid_credits_the_newest_refundable_sale(
    net: Network,
) -> None:
    net.convert(subscription_id="S", orderid="INIT", amount="20.00")
    assert net.post(subscription_id="S", type="rebill", orderid="R1", amount="10.00").json()
    cb = {"orderid": "INIT", "type": "chargeback"}
    assert net.api.post("/api/transaction/process_chargeback", cb).status_code == 200
    assert net.post(subscription_id="S", type="refund", orderid="RF").status_code == 200
    refund = net.rows()[-1]
    rebill = next(r for r in net.rows() if r["orderid"] == "R1")
    assert (refund["parent_transactionid"], refund["amount"]) == (rebill["transactionid"], -1000)


def test_approval_records_when_and_by_whom(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, pending_conversions="1")
    net.subscribe()  # the log records a type only while a subscription wants it
    body = net.convert(orderid="P-1")
    resp = api.post("/api/transaction/approve_pending_transaction", {"orderid": "P-1"})
    assert resp.status_code == 200
    (row,) = net.rows()
    assert (row["status"], row["approved_by"]) == ("approved", "tf_admin")
    assert row["approved_at"] is not None
    with services.db.transaction(write=False) as conn:
        audit = (
            conn.execute(
                select(customer_audit).where(customer_audit.c.action == "transaction:approve")
            )
            .mappings()
            .one()
        )
    assert (audit["customer_id"], audit["actor"]) == (body["customer_id"], "tf_admin")
    assert _events(net, "transaction.approved")[0]["transactionid"] == body["transactionid"]


def test_a_sale_above_the_offers_maximum_is_held_for_review(net: Network) -> None:
    net.subscribe()
    rules = {"offerid": net.offer, "max_transaction_amount": "500.00"}
    assert net.api.patch("/api/offer/set_money_rules", rules).status_code == 200
    body = net.convert(orderid="BIG", amount="4900.00")  # cents sent as currency units
    (row,) = net.rows()
    assert (row["status"], row["amount"]) == ("pending", 490000)
    assert "above the offer's maximum" in row["hold_reason"]
    assert ledger(net.rows()) == (0, 0)  # not counted until approved
    (held,) = _events(net, "transaction.held")
    assert held["transactionid"] == body["transactionid"]
    net.convert(orderid="SMALL", amount="49.00")
    assert net.rows()[-1]["status"] == "approved"


def test_the_chargeback_fee_cap_can_be_an_amount(net: Network) -> None:
    net.convert(orderid="O", amount="20.00")
    rules = {"offerid": net.offer, "chargeback_fee_cap": "8.00"}
    assert net.api.patch("/api/offer/set_money_rules", rules).status_code == 200
    cb = {"orderid": "O", "type": "chargeback", "cost": "8.01"}
    assert_error(
        net.api.post("/api/transaction/process_chargeback", cb),
        409,
        "chargeback_fee_too_high",
        "8.01",
        "8.00",
    )
    cb["cost"] = "8.00"
    assert net.api.post("/api/transaction/process_chargeback", cb).status_code == 200
    assert ledger(net.rows()) == (0, -800)
    # The report gives the affiliate's net for the period: the fee it owes.
    report = {"period": 7, "filter_loginid": net.affiliate}
    assert net.api.get("/api/report/transaction", report).headers["x-affiliate-net"] == "-8.00"


def test_rebills_of_disabled_and_banned_affiliates_follow_the_networks_rule(
    api: ApiClient, services: Services
) -> None:
    net = build_network(api, services, continuity="10.00", percentage_of_customer_continuity="20")
    net.convert(subscription_id="S", orderid="I")
    edit = "/api/affiliate/edit_affiliate"
    assert net.api.patch(edit, {"loginid": net.affiliate, "status": "1"}).status_code == 200
    assert net.post(subscription_id="S", type="rebill", orderid="R1").status_code == 200
    assert net.rows()[-1]["affiliate_payout"] == 200  # disabled: still paid (20% of 10.00)
    assert net.api.patch(edit, {"loginid": net.affiliate, "status": "2"}).status_code == 200
    assert net.post(subscription_id="S", type="rebill", orderid="R2").status_code == 200
    assert net.rows()[-1]["affiliate_payout"] == 0  # banned: rebills stop paying


def test_a_network_may_keep_paying_banned_affiliates_rebills(
    build_app: BuildApp, admin: Admin
) -> None:
    built = build_app(rebill_pay_banned=True, rebill_pay_disabled=False)
    api = ApiClient(built.client(), admin.headers)
    net = build_network(
        api, built.services, continuity="10.00", percentage_of_customer_continuity="20"
    )
    net.convert(subscription_id="S", orderid="I")
    edit = "/api/affiliate/edit_affiliate"
    assert api.patch(edit, {"loginid": net.affiliate, "status": "2"}).status_code == 200
    assert net.post(subscription_id="S", type="rebill", orderid="R1").status_code == 200
    assert net.rows()[-1]["affiliate_payout"] == 200
    assert api.patch(edit, {"loginid": net.affiliate, "status": "1"}).status_code == 200
    assert net.post(subscription_id="S", type="rebill", orderid="R2").status_code == 200
    assert net.rows()[-1]["affiliate_payout"] == 0
