"""Searching payments: by affiliate, state, payvia and period, with totals over every match."""

from __future__ import annotations

from tests.payments.conftest import Pay
from tests.support import assert_error


def test_search_filters_and_totals(pay: Pay) -> None:
    other = pay.affiliate("srch", payvia=4)
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=4, minimums="50.00")
    link = pay.link_for(other)
    for day in ("2026-01-05", "2026-01-06", "2026-02-05"):
        pay.sale(day)
        pay.sale(day, link=link)
    pay.build("2026-03-01")
    everything = pay.search()
    assert everything["totals"]["count"] == 3
    assert everything["totals"]["total"] == "30.00"
    by_state = everything["totals"]["by_state"]
    assert by_state["stored"] == {"count": 2, "total": "15.00"}
    assert by_state["open"] == {"count": 1, "total": "15.00"}  # under 50.00, carried along
    assert by_state["paid"] == {"count": 0, "total": "0.00"}
    mine = pay.payments(loginid=pay.net.affiliate)
    assert [(p["username"], p["total"], p["period_start"][:10]) for p in mine] == [
        (mine[0]["username"], "10.00", "2026-01-01"),
        (mine[0]["username"], "5.00", "2026-02-01"),
    ]
    (opened,) = pay.payments(payvia_type_id=4)
    assert (opened["loginid"], opened["state"], opened["payvia_type_id"]) == (
        str(other),
        "open",
        "4",
    )
    feb = pay.payments(period_start="2026-02-01", period_end="2026-03-01")
    assert {p["total"] for p in feb} == {"5.00", "15.00"}  # February's, and the open one
    page = pay.search(count=1, start=1)
    assert len(page["payments"]) == 1
    assert page["totals"]["count"] == 3
    resp = pay.api.get("/api/payment/search", {"state": "lost"})
    assert_error(resp, 400, "invalid_parameter", "state")
    resp = pay.api.get(
        "/api/payment/search", {"period_start": "2026-03-01", "period_end": "2026-02-01"}
    )
    assert_error(resp, 400, "invalid_parameter", "period_end")
