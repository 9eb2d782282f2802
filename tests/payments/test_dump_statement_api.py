"""Dumps and statements through the API: kept once stored, and what a statement shows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.payments.conftest import Pay
from tests.support import assert_error

CHECK = 1
SEPA_VARS = '{"debtor_name": "Net GmbH", "debtor_iban": "DE89370400440532013000", "debtor_bic": "COBADEFFXXX"}'


def _sepa(pay: Pay) -> None:
    pay.patch(
        "/api/payment/set_payvia_settings",
        payvia_type_id=CHECK,
        dump_format="sepa",
        dump_vars=SEPA_VARS,
    )
    pay.patch(
        "/api/affiliate/payvia",
        **{
            "loginid": pay.net.affiliate,
            "payvia_type_id": CHECK,
            "payvia_info[0][field]": "Pay To",
            "payvia_info[0][value]": "Ann Lee",
            "payvia_info[1][field]": "IBAN",
            "payvia_info[1][value]": "FR1420041010050500013M02606",
        },
    )


def test_a_stored_payments_dump_is_kept_whatever_changes_later(pay: Pay) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    sepaxml = pytest.importorskip("sepaxml")
    _sepa(pay)
    pay.sale("2026-01-10")
    pay.sale("2026-01-11")
    pay.build("2026-02-01")
    (p,) = pay.payments()
    resp = pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/xml")
    assert "attachment" in resp.headers["content-disposition"]
    xsd = Path(sepaxml.__file__).with_name("schemas") / "pain.001.001.03.xsd"
    xmlschema.XMLSchema(str(xsd)).validate(resp.text)
    assert "<IBAN>FR1420041010050500013M02606</IBAN>" in resp.text
    # New details, new format, new variables: the stored payment's dump does not move.
    pay.patch(
        "/api/affiliate/payvia",
        **{
            "loginid": pay.net.affiliate,
            "payvia_type_id": CHECK,
            "payvia_info[0][field]": "IBAN",
            "payvia_info[0][value]": "DE02120300000000202051",
        },
    )
    pay.patch(
        "/api/payment/set_payvia_settings", payvia_type_id=CHECK, dump_vars='{"debtor_name": "X"}'
    )
    again = pay.api.get("/api/payment/dump", {"payvia_type_id": CHECK})
    assert again.text == resp.text
    pay.patch("/api/payment/mark_paid", paymentid=p["paymentid"], reference="sepa-1")
    paid = pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]})
    assert paid.text == resp.text


def test_dump_refusals(pay: Pay) -> None:
    pay.patch("/api/payment/edit_period", periodid=1, auto_store="0")
    pay.sale("2026-01-10")
    pay.build("2026-02-01")
    (p,) = pay.payments()
    resp = pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]})
    assert_error(resp, 409, "payment_state", "is open", "only stored or paid")
    resp = pay.api.get("/api/payment/dump", {"payvia_type_id": CHECK})
    assert_error(resp, 404, "payment_not_found", "nothing to dump")
    resp = pay.api.get("/api/payment/dump", {})
    assert_error(resp, 400, "invalid_parameter", "paymentid", "payvia_type_id")
    resp = pay.api.patch(
        "/api/payment/set_payvia_settings", {"payvia_type_id": CHECK, "dump_format": "smarty"}
    )
    assert_error(resp, 400, "invalid_parameter", "dump_format", "csv", "sepa")


def test_the_statement_shows_the_carried_balance_rows_adjustments_fees_and_total(
    pay: Pay,
) -> None:
    pay.patch(
        "/api/payment/set_payvia_settings",
        payvia_type_id=CHECK,
        minimums="12.00",
        cost_amount="0.50",
    )
    first = pay.sale("2026-01-10")
    pay.build("2026-02-01")  # 5.00 - 0.50 < 12.00: open, carried into February
    second = pay.sale("2026-02-03")
    pay.sale("2026-02-04")
    (p,) = pay.payments()
    pay.post("/api/payment/add_adjustment", paymentid=p["paymentid"], amount="-1.00", reason="<b>x")
    pay.build("2026-03-01")
    (p,) = pay.payments()
    assert (p["state"], p["total"]) == ("stored", "13.50")
    resp = pay.api.get("/api/payment/statement", {"paymentid": p["paymentid"], "format": "csv"})
    assert resp.status_code == 200, resp.text
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[1] == ["", "Opening balance", "", "5.00"]
    assert rows[2:5] == [
        ["2026-02-03", "Affiliate payout", str(second), "5.00"],
        ["2026-02-04", "Affiliate payout", str(second + 1), "5.00"],
        [rows[4][0], "Adjustment: <b>x", "", "-1.00"],
    ]
    assert rows[5][1:] == ["Payout method cost", "", "-0.50"]
    assert rows[-4:] == [
        ["", "Payouts", "", "10.00"],
        ["", "Adjustments and invoices", "", "-1.00"],
        ["", "Payout method cost or bonus", "", "-0.50"],
        ["", "Total (stored)", "", "13.50"],
    ]
    assert str(first) not in [r[2] for r in rows]
    html = pay.api.get("/api/payment/statement", {"paymentid": p["paymentid"]})
    assert html.headers["content-type"].startswith("text/html")
    assert "&lt;b&gt;x" in html.text
    assert "<b>x" not in html.text
    assert "2026-02-01 to 2026-02-28" in html.text
    assert "13.50" in html.text
    resp = pay.api.get("/api/payment/statement", {"paymentid": 999})
    assert_error(resp, 404, "payment_not_found", "999")
