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


def test_details_are_checked_against_the_payvias_format_when_set(pay: Pay) -> None:
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, dump_format="nacha")
    partial = _details(pay, **{"Routing Number": "011000015"})
    assert_error(partial, 400, "invalid_parameter")
    assert "the nacha format needs the payout detail 'Account Number'" in partial.text
    whole = _details(
        pay,
        **{"Routing Number": "011000015", "Account Number": "12345", "Account Type": "checking"},
    )
    assert whole.status_code == 200, whole.text
    # A new affiliate may choose the method first and send its details later; details sent
    # with it are checked as a whole.
    assert pay.affiliate("details-later", payvia=1) > 0
    partial_new = pay.api.post(
        "/api/affiliate/add_affiliate",
        {
            "username": "halfdetails",
            "password": "Aff-pass-1234",
            "email": "hd@ex.com",
            "payvia": 1,
            "payvia_info[0][field]": "Account Number",
            "payvia_info[0][value]": "12345",
        },
    )
    assert_error(partial_new, 400, "invalid_parameter")
    assert "Routing Number" in partial_new.text
