"""Payout periods through the API: formats, default, enablement, delay, and report codes 0/1."""

from __future__ import annotations

import datetime as dt

from tests.payments.conftest import Pay
from tests.support import assert_error


def test_periods_list_add_and_edit(pay: Pay) -> None:
    (monthly,) = pay.ok(pay.api.get("/api/payment/periods"))
    assert (monthly["spec"], monthly["default"], monthly["enabled"]) == ("1", True, True)
    resp = pay.api.post("/api/payment/add_period", {"spec": "16,1"})
    assert_error(resp, 400, "invalid_parameter", "spec", "ascending")
    resp = pay.api.post("/api/payment/add_period", {"spec": "w1", "delay": "11"})
    assert_error(resp, 400, "invalid_parameter", "delay")
    twice = pay.post("/api/payment/add_period", spec="1,16", description="Twice", default="1")
    rows = {p["periodid"]: p for p in pay.ok(pay.api.get("/api/payment/periods"))}
    assert rows[twice["periodid"]]["default"] is True
    assert rows["1"]["default"] is False
    resp = pay.api.patch(
        "/api/payment/edit_period", {"periodid": twice["periodid"], "default": "0"}
    )
    assert_error(resp, 400, "invalid_parameter", "default", "another period")
    resp = pay.api.patch(
        "/api/payment/edit_period", {"periodid": twice["periodid"], "enabled": "0"}
    )
    assert_error(resp, 400, "invalid_parameter", "enabled", "default")
    resp = pay.api.patch("/api/payment/edit_period", {"periodid": 99, "delay": "1"})
    assert_error(resp, 404, "period_not_found", "99")


def test_a_disabled_period_only_for_the_affiliates_it_is_enabled_for(pay: Pay) -> None:
    weekly = pay.post("/api/payment/add_period", spec="w1", enabled="0")["periodid"]
    aff = pay.net.affiliate
    resp = pay.api.patch("/api/payment/set_affiliate_payment", {"loginid": aff, "periodid": weekly})
    assert_error(resp, 409, "period_in_use", f"Payout period {weekly} is disabled", str(aff))
    pay.patch("/api/payment/set_period_affiliates", periodid=weekly, loginids=str(aff))
    pay.patch("/api/payment/set_affiliate_payment", loginid=aff, periodid=weekly)
    listed = {p["periodid"]: p for p in pay.ok(pay.api.get("/api/payment/periods"))}
    assert listed[weekly]["enabled_affiliates"] == [str(aff)]
    # 2026-01-05 is a Monday: the weeks end on the 12th and the 19th.
    pay.sale("2026-01-06")
    pay.sale("2026-01-13")
    builds = pay.build("2026-01-20")
    assert [(b["periodid"], b["period_end"][:10]) for b in builds] == [
        (weekly, "2026-01-12"),
        (weekly, "2026-01-19"),
    ]
    assert [(p["period_start"][:10], p["total"]) for p in pay.payments()] == [
        ("2026-01-05", "5.00"),
        ("2026-01-12", "5.00"),
    ]


def test_several_times_a_month(pay: Pay) -> None:
    pay.patch("/api/payment/edit_period", periodid=1, spec="1,16")
    for day in ("2026-01-10", "2026-01-20", "2026-02-15"):
        pay.sale(day)
    pay.build("2026-03-01")
    got = [(p["period_start"][:10], p["period_end"][:10], p["total"]) for p in pay.payments()]
    assert got == [
        ("2026-01-01", "2026-01-16", "5.00"),
        ("2026-01-16", "2026-02-01", "5.00"),
        ("2026-02-01", "2026-02-16", "5.00"),
    ]


def test_a_delay_pays_a_period_that_many_periods_later(pay: Pay) -> None:
    pay.patch("/api/payment/edit_period", periodid=1, delay="1")
    pay.sale("2026-01-10")
    assert pay.build("2026-02-01") == []  # January is paid at the end of February
    (build,) = pay.build("2026-03-01")
    assert build["period_end"][:10] == "2026-03-01"
    (p,) = pay.payments()
    assert (p["period_start"][:10], p["period_end"][:10]) == ("2026-01-01", "2026-02-01")


def test_every_n_days_counted_from_2004(pay: Pay) -> None:
    pay.patch("/api/payment/edit_period", periodid=1, spec="d10")
    pay.sale("2026-01-10")  # day 8045 after 2004-01-01: the period of days 8040-8049
    pay.build("2026-02-01")
    (p,) = pay.payments()
    assert (p["period_start"][:10], p["period_end"][:10]) == ("2026-01-05", "2026-01-15")


def _report(pay: Pay, **params: object) -> set[int]:
    resp = pay.api.get("/api/report/transaction", params)
    assert resp.status_code == 200, resp.text
    return {int(k) for k in resp.json()}


def test_report_period_codes_0_and_1_are_payout_periods(pay: Pay) -> None:
    now = dt.datetime.now(dt.UTC)
    today = pay.sale(now.isoformat())
    yesterday = pay.sale((now - dt.timedelta(days=1)).isoformat())
    pay.patch("/api/payment/edit_period", periodid=1, spec="d1")
    assert _report(pay, period=0) == {today}
    assert _report(pay, period=1) == {yesterday}
    # An affiliate on its own period: a month from the 1st.
    monthly = pay.post("/api/payment/add_period", spec="1")["periodid"]
    pay.patch("/api/payment/set_affiliate_payment", loginid=pay.net.affiliate, periodid=monthly)
    same_month = (now - dt.timedelta(days=1)).month == now.month
    current = _report(pay, period=0, filter_loginid=pay.net.affiliate)
    assert current == ({today, yesterday} if same_month else {today})
    pay.patch("/api/payment/set_affiliate_payment", loginid=pay.net.affiliate, periodid=0)
    assert _report(pay, period=0, filter_loginid=pay.net.affiliate) == {today}


def _pl_conversions(pay: Pay, **params: object) -> int:
    resp = pay.api.get("/api/report/profitloss", {"view": "offer", **params})
    assert resp.status_code == 200, resp.text
    return int(resp.json()["total"]["conversions"])


def test_profit_and_loss_period_codes_0_and_1_are_payout_periods(pay: Pay) -> None:
    now = dt.datetime.now(dt.UTC)
    pay.sale(now.isoformat())
    pay.sale((now - dt.timedelta(days=1)).isoformat())
    pay.sale((now - dt.timedelta(days=1)).isoformat())
    pay.patch("/api/payment/edit_period", periodid=1, spec="d1")
    assert (_pl_conversions(pay, period=0), _pl_conversions(pay, period=1)) == (1, 2)
    # The vendor's bracket form names the same filters.
    assert _pl_conversions(pay, **{"params[period]": 1}) == 2
    # An affiliate on its own period (a month from the 1st) when the filter names it.
    monthly = pay.post("/api/payment/add_period", spec="1")["periodid"]
    pay.patch("/api/payment/set_affiliate_payment", loginid=pay.net.affiliate, periodid=monthly)
    same_month = (now - dt.timedelta(days=1)).month == now.month
    mine = _pl_conversions(pay, period=0, filter_loginid=pay.net.affiliate)
    assert mine == (3 if same_month else 1)
