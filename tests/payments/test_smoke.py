"""A first walk through: sales in January, a build at February's start, store, pay."""

from __future__ import annotations

from tests.payments.conftest import Pay


def test_a_month_is_built_stored_and_paid(pay: Pay) -> None:
    pay.sale("2026-01-05")
    pay.sale("2026-01-20")
    pay.sale("2026-02-02")
    builds = pay.build("2026-02-01")
    assert [b["period_end"][:10] for b in builds] == ["2026-02-01"]
    (p,) = pay.payments()
    assert p["state"] == "stored"
    assert p["total"] == "10.00"
    assert p["period_start"].startswith("2026-01-01")
    lines = pay.lines(p["paymentid"])
    assert [ln["amount"] for ln in lines["lines"]] == ["5.00", "5.00"]
    assert pay.build("2026-02-01") == []
    pay.patch("/api/payment/mark_paid", paymentid=p["paymentid"], reference="chk 1")
    assert pay.payments()[0]["state"] == "paid"
