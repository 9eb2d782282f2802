"""The payment pages over HTTP on both backends: list and totals, store, pay, adjust, invoice,
dump and statement; refusals as sentences; admin only; audited with source ui."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from starlette.testclient import TestClient

from tests.payments.conftest import Pay, net, pay
from tests.ui.support import console_admin, sign_in
from trackpost.models.tables import payment_audit

__all__ = ["net", "pay"]  # the payment tests' fixtures, used here
PAGE = "/admin/payments"
CHECK = 1  # the seeded payvia the network's affiliate uses


def _rows(text: str) -> list[str]:
    return re.findall(r'<tr id="payment-(\d+)">', text)


def _one(pay: Pay) -> dict[str, str]:
    (p,) = pay.payments()
    return p


def _month(pay: Pay) -> str:
    """Three 5.00 sales in January, built while the minimum (100.00) keeps them open."""
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, minimums="100.00")
    for day in (10, 11, 12):
        pay.sale(f"2026-01-{day}")
    pay.build("2026-02-01")
    return _one(pay)["paymentid"]


def test_a_payment_from_open_to_paid(http: TestClient, pay: Pay) -> None:
    pid = _month(pay)
    console_admin(pay.services.db, "boss")
    csrf = sign_in(http, "boss")

    listed = http.get(PAGE)
    assert listed.status_code == 200
    assert _rows(listed.text) == [pid]
    assert "15.00" in listed.text
    assert _rows(http.get(PAGE, params={"state": "stored"}).text) == []
    assert _rows(http.get(PAGE, params={"state": "open", "payvia_type_id": CHECK}).text) == [pid]
    by_name = http.get(PAGE, params={"affiliate": _one(pay)["username"]})
    assert _rows(by_name.text) == [pid]
    assert _rows(http.get(PAGE, params={"period_end": "2025-12-01"}).text) == []
    unknown = http.get(PAGE, params={"affiliate": "nobody-here"})
    assert unknown.status_code == 400
    assert "no account is named" in html.unescape(unknown.text)

    detail = f"{PAGE}/{pid}"
    under = http.post(f"{detail}/store", data={"csrf_token": csrf})
    assert under.status_code == 409  # under the minimum: a sentence, not a stack trace
    assert 'role="alert"' in under.text
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, minimums="5.00")
    early = http.post(f"{detail}/paid", data={"csrf_token": csrf, "reference": "W-1"})
    assert early.status_code == 409
    assert "store it before marking it paid" in early.text
    stored = http.post(f"{detail}/store", data={"csrf_token": csrf}, follow_redirects=False)
    assert stored.status_code == 303
    assert _one(pay)["state"] == "stored"

    adjusted = http.post(
        f"{detail}/adjust", data={"csrf_token": csrf, "amount": "-2.00", "reason": "returns"}
    )
    assert adjusted.status_code == 200
    assert _one(pay)["total"] == "13.00"
    typo = http.post(
        f"{detail}/adjust", data={"csrf_token": csrf, "amount": "1.234", "reason": "rounding"}
    )
    assert typo.status_code == 400
    assert "amount" in typo.text
    assert 'value="rounding"' in typo.text  # the form keeps what was typed
    page = html.unescape(http.get(detail).text)
    assert "returns" in page
    assert "-2.00" in page
    assert "boss" in page

    dump = http.get(f"{detail}/dump")
    assert dump.status_code == 200
    assert dump.headers["content-disposition"].startswith('attachment; filename="payments-')
    assert "13.00" in dump.text
    statement = http.get(f"{detail}/statement")
    assert statement.status_code == 200
    assert "Payment statement" in statement.text
    assert "13.00" in statement.text
    csv = http.get(f"{detail}/statement.csv")
    assert csv.status_code == 200
    assert "Opening balance" in csv.text

    no_reference = http.post(f"{detail}/paid", data={"csrf_token": csrf})
    assert no_reference.status_code == 400
    assert "reference" in no_reference.text
    paid = http.post(
        f"{detail}/paid",
        data={"csrf_token": csrf, "reference": "WIRE-7", "paid_date": "2026-02-03"},
        follow_redirects=False,
    )
    assert paid.status_code == 303
    p = _one(pay)
    assert (p["state"], p["paid_reference"]) == ("paid", "WIRE-7")
    late = http.post(
        f"{detail}/adjust", data={"csrf_token": csrf, "amount": "1.00", "reason": "too late"}
    )
    assert late.status_code == 409
    assert "can no longer change" in late.text

    with pay.services.db.transaction(write=False) as conn:
        rows = conn.execute(select(payment_audit).order_by(payment_audit.c.auditid)).mappings()
        ui = [(r["action"], r["actor"]) for r in rows if r["source"] == "ui"]
    assert ui == [("store", "boss"), ("add_adjustment", "boss"), ("mark_paid", "boss")]


def test_bulk_store_and_pay_and_an_invoice(http: TestClient, pay: Pay) -> None:
    pid = _month(pay)
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, minimums="5.00")
    console_admin(pay.services.db, "boss")
    csrf = sign_in(http, "boss")
    nothing = http.post(f"{PAGE}/store", data={"csrf_token": csrf})
    assert nothing.status_code == 400
    assert "tick at least one payment" in nothing.text
    stored = http.post(f"{PAGE}/store", data={"csrf_token": csrf, f"pick_{pid}": "1"})
    assert stored.status_code == 200
    assert f"Stored: {pid}." in stored.text
    listed = http.get(PAGE, params={"payvia_type_id": CHECK})
    assert "Download the dump of this payout method's 1 stored payment" in listed.text
    dump = http.get(f"{PAGE}/dump", params={"payvia_type_id": CHECK})
    assert dump.status_code == 200
    assert dump.headers["content-disposition"] == f'attachment; filename="payments-{pid}-{pid}.csv"'
    assert "15.00" in dump.text
    no_payvia = http.get(f"{PAGE}/dump")
    assert no_payvia.status_code == 400
    assert "payvia_type_id" in no_payvia.text
    paid = http.post(
        f"{PAGE}/paid", data={"csrf_token": csrf, f"pick_{pid}": "1", "reference": "BATCH-1"}
    )
    assert paid.status_code == 200
    assert f"Marked paid: {pid}." in paid.text
    assert _one(pay)["state"] == "paid"

    invoice = http.post(
        f"{PAGE}/invoice",
        data={
            "csrf_token": csrf,
            "invoice_affiliate": str(pay.net.affiliate),
            "amount": "25.00",
            "reason": "bonus",
        },
        follow_redirects=False,
    )
    assert invoice.status_code == 303
    pay.build("2026-03-01")
    newest = pay.payments(state="stored")
    assert [p["total"] for p in newest] == ["25.00"]
    bad = http.post(
        f"{PAGE}/invoice",
        data={"csrf_token": csrf, "invoice_affiliate": "1", "amount": "-3", "reason": "x"},
    )
    assert bad.status_code == 400
    assert "amount" in bad.text


def test_payments_are_admin_only(http: TestClient, pay: Pay) -> None:
    pid = _month(pay)
    console_admin(pay.services.db, "helper", role="support")
    csrf = sign_in(http, "helper")
    assert 'href="/admin/payments"' not in http.get("/admin/").text
    for path in (PAGE, f"{PAGE}/{pid}", f"{PAGE}/{pid}/dump", f"{PAGE}/{pid}/statement"):
        refused = http.get(path)
        assert refused.status_code == 403
        assert "forbidden_for_role" in refused.text, path
    for action in ("store", "paid", "invoice", f"{pid}/store", f"{pid}/paid", f"{pid}/adjust"):
        refused = http.post(f"{PAGE}/{action}", data={"csrf_token": csrf, "reference": "x"})
        assert refused.status_code == 403, action
    assert _one(pay)["state"] == "open"
