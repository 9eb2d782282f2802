"""Every state transition of a payment and its refusals, minimums, fees, invoices, late events."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from tests.payments.conftest import Pay
from tests.support import assert_error
from trackpost.models.tables import events, payment_audit

CHECK = 1  # the seeded payvia the network's affiliate uses


def _one(pay: Pay, **filters: Any) -> dict[str, Any]:
    (p,) = pay.payments(**filters)
    return p


def test_under_the_minimum_a_payment_stays_open_and_rolls_over(pay: Pay) -> None:
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, minimums="12.00,50.00")
    pay.sale("2026-01-10")
    pay.sale("2026-01-11")
    pay.build("2026-02-01")
    p = _one(pay)
    assert (p["state"], p["total"], p["period_end"][:10]) == ("open", "10.00", "2026-02-01")
    pay.sale("2026-02-10")
    pay.build("2026-03-01")
    p2 = _one(pay)
    assert p2["paymentid"] == p["paymentid"]  # the same payment, carried into February
    assert (p2["state"], p2["total"], p2["minimum"]) == ("stored", "15.00", "12.00")
    assert (p2["period_start"][:10], p2["period_end"][:10]) == ("2026-01-01", "2026-03-01")


def test_the_affiliates_own_minimum_counts_but_never_below_the_payvias(pay: Pay) -> None:
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, minimums="5.00,25.00")
    pay.patch("/api/affiliate/edit_affiliate", loginid=pay.net.affiliate, minimum_payout="20.00")
    for day in (3, 4, 5):
        pay.sale(f"2026-01-0{day}")
    pay.build("2026-02-01")
    assert _one(pay)["state"] == "open"  # 15.00 < 20.00
    pay.patch("/api/affiliate/edit_affiliate", loginid=pay.net.affiliate, minimum_payout="1.00")
    pid = _one(pay)["paymentid"]
    pay.post("/api/payment/store", paymentid=pid)  # by hand: 15.00 >= max(1.00, 5.00)
    assert _one(pay)["state"] == "stored"


def test_instant_payment_affiliates_are_stored_whatever_the_minimum(pay: Pay) -> None:
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, minimums="100.00")
    pay.patch("/api/payment/set_affiliate_payment", loginid=pay.net.affiliate, instant="1")
    pay.sale("2026-01-10")
    pay.build("2026-02-01")
    assert _one(pay)["state"] == "stored"


def test_fees_and_bonuses_of_the_payvia(pay: Pay) -> None:
    pay.patch(
        "/api/payment/set_payvia_settings",
        payvia_type_id=CHECK,
        cost_type="flat",
        cost_amount="1.50",
    )
    for day in (10, 11):
        pay.sale(f"2026-01-{day}")
    pay.build("2026-02-01")
    p = _one(pay)
    assert (p["state"], p["total"], p["fee"]) == ("stored", "8.50", "1.50")
    kinds = [(ln["kind"], ln["amount"]) for ln in pay.lines(p["paymentid"])["lines"]]
    assert kinds == [("payout", "5.00"), ("payout", "5.00"), ("fee", "-1.50")]
    pay.patch(
        "/api/payment/set_payvia_settings",
        payvia_type_id=CHECK,
        cost_type="percent",
        cost_amount="-10",
    )
    pay.sale("2026-02-10")
    pay.build("2026-03-01")
    feb = pay.payments(period_start="2026-02-01")[-1]
    assert (feb["total"], feb["fee"]) == ("5.50", "-0.50")  # a 10 % bonus


def test_storing_refusals(pay: Pay) -> None:
    pay.patch("/api/payment/edit_period", periodid=1, auto_store="0")
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, minimums="10.00")
    pay.sale("2026-01-10")
    pay.build("2026-02-01")
    pid = _one(pay)["paymentid"]
    resp = pay.api.post("/api/payment/store", {"paymentid": pid})
    assert_error(resp, 409, "below_minimum", f"Payment {pid}", "5.00", "10.00", "rolls over")
    pay.sale("2026-01-11")
    pay.build("2026-02-02")  # nothing new ends; the late sale waits for March's build
    pay.build("2026-03-01")
    assert _one(pay)["total"] == "10.00"
    pay.post("/api/payment/store", paymentid=pid)
    resp = pay.api.post("/api/payment/store", {"paymentid": pid})
    assert_error(resp, 409, "payment_state", f"Payment {pid} is stored", "only an open payment")
    resp = pay.api.post("/api/payment/store", {"paymentid": 999})
    assert_error(resp, 404, "payment_not_found", "999")


def test_paying_refusals_and_a_paid_payment_never_changes(pay: Pay) -> None:
    pay.patch("/api/payment/edit_period", periodid=1, auto_store="0")
    pay.sale("2026-01-10")
    pay.build("2026-02-01")
    pid = _one(pay)["paymentid"]
    resp = pay.api.patch("/api/payment/mark_paid", {"paymentid": pid, "reference": "x"})
    assert_error(resp, 409, "payment_state", f"Payment {pid} is open", "store it before")
    pay.post("/api/payment/store", paymentid=pid)
    resp = pay.api.patch("/api/payment/mark_paid", {"paymentid": pid, "reference": " "})
    assert_error(resp, 400, "invalid_parameter", "reference")
    pay.patch("/api/payment/mark_paid", paymentid=pid, reference="wire 7", paid_date="2026-02-03")
    paid = _one(pay)
    assert (paid["state"], paid["paid_reference"], paid["paid_at"][:10]) == (
        "paid",
        "wire 7",
        "2026-02-03",
    )
    resp = pay.api.patch("/api/payment/mark_paid", {"paymentid": pid, "reference": "again"})
    assert_error(resp, 409, "payment_state", "already paid on 2026-02-03", "wire 7")
    resp = pay.api.post(
        "/api/payment/add_adjustment", {"paymentid": pid, "amount": "1.00", "reason": "oops"}
    )
    assert_error(resp, 409, "payment_state", "was paid on 2026-02-03", "no longer change")
    # A void of the paid sale lands in the next open payment, never in the paid one.
    pay.void(int(pay.lines(pid)["lines"][0]["transactionid"]), "2026-02-05")
    pay.build("2026-03-01")
    assert _one(pay, state="paid") == paid
    assert _one(pay, state="open")["total"] == "-5.00"


def test_mark_paid_is_all_or_nothing(pay: Pay) -> None:
    second = pay.affiliate("second")
    pay.sale("2026-01-10")
    pay.sale("2026-01-10", link=pay.link_for(second))
    pay.patch("/api/payment/edit_period", periodid=1, auto_store="0")
    pay.build("2026-02-01")
    a, b = (p["paymentid"] for p in pay.payments())
    pay.post("/api/payment/store", paymentid=a)
    resp = pay.api.patch("/api/payment/mark_paid", {"paymentid": f"{a},{b}", "reference": "r"})
    assert_error(resp, 409, "payment_state", f"Payment {b} is open")
    assert _one(pay, state="stored")["paymentid"] == a


def test_adjusting_open_and_stored_payments(pay: Pay) -> None:
    pay.patch(
        "/api/payment/set_payvia_settings",
        payvia_type_id=CHECK,
        cost_type="percent",
        cost_amount="10",
    )
    pay.sale("2026-01-10")
    pay.sale("2026-01-12")
    pay.build("2026-02-01")
    p = _one(pay)
    assert (p["state"], p["total"], p["fee"]) == ("stored", "9.00", "1.00")
    entry_before = pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]}).text
    adj = pay.post(
        "/api/payment/add_adjustment", paymentid=p["paymentid"], amount="10.00", reason="bonus"
    )
    after = _one(pay)
    assert (after["state"], after["total"], after["fee"]) == ("stored", "18.00", "2.00")
    lines = pay.lines(p["paymentid"])["lines"]
    assert [(ln["kind"], ln["amount"], ln["reason"]) for ln in lines] == [
        ("payout", "5.00", None),
        ("payout", "5.00", None),
        ("fee", "-1.00", None),
        ("adjustment", "10.00", "bonus"),
        ("fee", "-1.00", None),
    ]
    assert lines[3]["adjustmentid"] == adj["adjustmentid"]
    assert lines[3]["admin"] == "tf_admin"
    entry_after = pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]}).text
    assert ",9.00," in entry_before
    assert ",18.00," in entry_after
    resp = pay.api.post(
        "/api/payment/add_adjustment", {"paymentid": p["paymentid"], "amount": "1.00"}
    )
    assert_error(resp, 400, "missing_parameter", "reason")
    resp = pay.api.post(
        "/api/payment/add_adjustment",
        {"paymentid": p["paymentid"], "amount": "1.001", "reason": "x"},
    )
    assert_error(resp, 400, "invalid_parameter", "amount")


def test_invoices_wait_for_the_next_payment_or_join_the_open_one(pay: Pay) -> None:
    aff = pay.net.affiliate
    pay.post("/api/payment/add_invoice", loginid=aff, amount="7.00", reason="design work")
    pay.sale("2026-01-10")
    pay.patch("/api/payment/edit_period", periodid=1, auto_store="0")
    pay.build("2026-02-01")
    p = _one(pay)
    assert (p["state"], p["total"]) == ("open", "12.00")
    pay.post("/api/payment/add_invoice", loginid=aff, amount="1.00", reason="extra")
    assert _one(pay)["total"] == "13.00"
    kinds = [(ln["kind"], ln["reason"]) for ln in pay.lines(p["paymentid"])["lines"]]
    assert kinds == [("payout", None), ("invoice", "design work"), ("invoice", "extra")]
    resp = pay.api.post(
        "/api/payment/add_invoice", {"loginid": 999999, "amount": "1.00", "reason": "x"}
    )
    assert_error(resp, 404, "affiliate_not_found", "999999")
    resp = pay.api.post("/api/payment/add_invoice", {"loginid": aff, "amount": "-1", "reason": "x"})
    assert_error(resp, 400, "invalid_parameter", "amount")


def test_banned_affiliates_payments_are_banned_and_never_stored(pay: Pay) -> None:
    pay.sale("2026-01-10")
    pay.patch("/api/affiliate/edit_affiliate", loginid=pay.net.affiliate, status="2")
    pay.build("2026-02-01")
    p = _one(pay)
    assert (p["state"], p["total"]) == ("banned", "5.00")
    resp = pay.api.post("/api/payment/store", {"paymentid": p["paymentid"]})
    assert_error(resp, 409, "payment_state", "is banned")
    resp = pay.api.patch("/api/payment/mark_paid", {"paymentid": p["paymentid"], "reference": "x"})
    assert_error(resp, 409, "payment_state", "banned")
    # Unbanned, the money owed comes back as an open payment and is stored at the next end.
    pay.patch("/api/affiliate/edit_affiliate", loginid=pay.net.affiliate, status="0")
    pay.sale("2026-02-10")
    pay.build("2026-03-01")
    p = _one(pay)
    assert (p["state"], p["total"]) == ("stored", "10.00")


def test_pending_sales_count_from_their_approval(pay: Pay) -> None:
    pay.patch(
        "/api/offer/set_money_rules", offerid=str(pay.net.offer), max_transaction_amount="5.00"
    )
    tid = pay.sale("2026-01-10")  # 9.95 > 5.00: held pending
    pay.build("2026-02-01")
    assert pay.payments() == []
    resp = pay.api.post("/api/transaction/approve_pending_transaction", {"transactionid": tid})
    assert resp.status_code == 200, resp.text
    # Approved today: it counts from today, so no earlier period's build pays it.
    pay.build("2026-03-01")
    assert pay.payments() == []
    pay.build((dt.date.today() + dt.timedelta(days=62)).isoformat())
    p = _one(pay)
    assert (p["state"], p["total"]) == ("stored", "5.00")
    assert p["period_start"][:4] >= "2026"


def test_every_change_is_audited(pay: Pay) -> None:
    pay.patch("/api/payment/edit_period", periodid=1, auto_store="0")
    pay.sale("2026-01-10")
    pay.build("2026-02-01")
    pid = int(_one(pay)["paymentid"])
    pay.post("/api/payment/add_adjustment", paymentid=pid, amount="-1.00", reason="typo")
    pay.post("/api/payment/store", paymentid=pid)
    pay.patch("/api/payment/mark_paid", paymentid=pid, reference="r1")
    stmt = select(payment_audit).order_by(payment_audit.c.auditid)
    with pay.services.db.transaction(write=False) as conn:
        rows = [dict(r) for r in conn.execute(stmt).mappings()]
    actions = [(r["action"], r["paymentid"]) for r in rows]
    assert actions == [
        ("edit_period", None),
        ("build", None),
        ("add_adjustment", pid),
        ("store", pid),
        ("mark_paid", pid),
    ]
    stmt = select(events.c.type, events.c.payload).where(events.c.type.like("payment.%"))
    with pay.services.db.transaction(write=False) as conn:
        told = [(t, json.loads(p)) for t, p in conn.execute(stmt)]
    assert [t for t, _ in told] == ["payment.stored", "payment.paid"]
    assert told[1][1]["paid_reference"] == "r1"
    assert (told[1][1]["paymentid"], told[1][1]["total"]) == (pid, 400)
    assert {r["actor"] for r in rows} == {"tf_admin"}
    assert {r["source"] for r in rows} == {"api"}
