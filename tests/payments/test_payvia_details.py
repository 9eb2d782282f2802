"""Payout details are checked when an affiliate sets them and when a payment is stored."""

from __future__ import annotations

from typing import Any

from tests.payments.conftest import Pay
from tests.support import assert_error

CHECK = 1  # the seeded payvia the network's affiliate uses


def _details(pay: Pay, **pairs: str) -> Any:
    info = {f"payvia_info[{i}][field]": k for i, k in enumerate(pairs)}
    info |= {f"payvia_info[{i}][value]": v for i, v in enumerate(pairs.values())}
    body = {"loginid": pay.net.affiliate, "payvia_type_id": CHECK, **info}
    return pay.api.patch("/api/affiliate/payvia", body)


def test_a_bad_iban_is_refused_when_set(pay: Pay) -> None:
    bad = _details(pay, IBAN="DE89370400440532013001")
    assert_error(bad, 400, "invalid_parameter")
    assert "payvia_info" in bad.text
    assert "is not a valid IBAN" in bad.text
    assert _details(pay, IBAN="DE89370400440532013000").status_code == 200


def test_a_payment_whose_details_its_format_cannot_use_stays_open(pay: Pay) -> None:
    pay.patch(
        "/api/payment/set_payvia_settings",
        payvia_type_id=CHECK,
        minimums="5.00",
        dump_format="sepa",
    )
    pay.sale("2026-01-10")
    pay.build("2026-02-01")  # auto-store skips it: no IBAN
    (p,) = pay.payments()
    assert p["state"] == "open"
    refused = pay.api.post("/api/payment/store", {"paymentid": p["paymentid"]})
    assert_error(refused, 409, "payvia_details_invalid")
    assert "needs the payout detail 'IBAN'" in refused.text
    assert _details(pay, IBAN="DE89370400440532013000").status_code == 200
    pay.post("/api/payment/store", paymentid=p["paymentid"])
    assert pay.payments()[0]["state"] == "stored"
