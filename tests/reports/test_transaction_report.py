"""GET /api/report/transaction: Offerit's shape, the vendor's filters, periods and paging."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import update

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services
from trackpost.models.tables import clicks, logins, transactions

REPORT = "/api/report/transaction"


def _at(net: Network, transactionid: int, when: dt.datetime) -> None:
    """Move a transaction in time (the report filters on when it was recorded)."""
    stmt = (
        update(transactions)
        .where(transactions.c.transactionid == transactionid)
        .values(created_at=when)
    )
    with net.services.db.transaction(write=True) as conn:
        conn.execute(stmt)


def _report(api: ApiClient, **params: object) -> dict[str, dict[str, object]]:
    resp = api.get(REPORT, {"period": 7, **params})
    assert resp.status_code == 200, resp.text
    body: dict[str, dict[str, object]] = resp.json()
    return body


def test_rows_are_keyed_by_transaction_id(net: Network) -> None:
    click = net.click(_ocid="ext-77", subaff="spring", subaff3="s3")
    body = net.convert(
        click_hash=click,
        orderid="ORD-1",
        amount="19.95",
        trans_custom1="plan-gold",
        trans_custom5="c5",
        firstname="Jane",
        lastname="Doe",
        username="jdoe",
    )
    net.api.post("/api/transaction/process_void", {"orderid": "ORD-1"})
    resp = net.api.get(REPORT, {"filter_orderid": "ORD-1", "period": 7})
    # The order's void comes with it: a sum over what the filter returns is the order's net.
    assert resp.headers["x-total-count"] == "2"
    report = resp.json()
    assert sum(Decimal(r["amount"]) for r in report.values()) == 0
    assert sum(Decimal(r["total_payout"]) for r in report.values()) == 0
    row = report[str(body["transactionid"])]
    assert row == {
        "time": row["time"],
        "loginid": net.affiliate,
        "amount": "19.95",
        "trans_type": "advertiser_initial",
        "status": "voided",
        "transaction_hash": click,
        "orderid": "ORD-1",
        "external_clickid": "ext-77",
        "offerid": net.offer,
        "landing_pageid": net.landing_page,
        "customer_id": body["customer_id"],
        "parent_transactionid": None,
        "chargeback_cost": "0.00",
        "total_payout": "5.00",
        "payouts": [
            {
                "id": row["payouts"][0]["id"],
                "type": "affiliate",
                "username": row["payouts"][0]["username"],
                "loginid": net.affiliate,
                "amount": "5.00",
            }
        ],
        # Stored on the transaction, its click and its customer, returned since issue 23.
        "trans_custom1": "plan-gold",
        "trans_custom2": None,
        "trans_custom3": None,
        "trans_custom4": None,
        "trans_custom5": "c5",
        "subaff1": "spring",
        "subaff2": None,
        "subaff3": "s3",
        "subaff4": None,
        "subaff5": None,
        "advertiserid": net.advertiser,
        "advertiser_username": net.advertiser_username,
        "customer_name": "Jane Doe",
        "customer_username": "jdoe",
    }
    assert abs(row["time"] - dt.datetime.now(dt.UTC).timestamp()) < 300
    by_hash = _report(net.api, filter_transaction_hash=click)
    assert [r["trans_type"] for r in by_hash.values()] == ["advertiser_initial", "admin_void"]
    assert [r["amount"] for r in by_hash.values()] == ["19.95", "-19.95"]


def test_filters(api: ApiClient, services: Services) -> None:
    a = build_network(api, services)
    b = build_network(api, services)
    a.convert(subscription_id="A", orderid="A-1")
    a.post(subscription_id="A", type="rebill", orderid="A-2", amount="1.00")
    b.convert(orderid="B-1")
    every = _report(api)
    assert len(every) == 3
    assert list(every) == sorted(every, key=int)
    assert set(_report(api, filter_loginid=a.affiliate)) == set(
        _report(api, filter_offerid=a.offer)
    )
    assert len(_report(api, filter_loginid=a.affiliate)) == 2
    assert len(_report(api, filter_affiliate=str(b.affiliate))) == 1
    username = next(iter(_report(api, filter_loginid=b.affiliate).values()))["payouts"]
    name = username[0]["username"]  # type: ignore[index]
    assert len(_report(api, filter_affiliate=name.upper())) == 1
    assert len(_report(api, filter_landingpageid=b.landing_page)) == 1
    assert len(_report(api, filter_campaignid=0, filter_adtoolid=0, filter_programid=0)) == 3
    assert len(_report(api, trans_type="continuity")) == 1
    assert len(_report(api, trans_type="advertiser_initial")) == 2
    assert len(_report(api, trans_type="admin_initial")) == 0
    assert len(_report(api, trans_type="rebill")) == 1
    with services.db.transaction(write=True) as conn:
        conn.execute(update(logins).where(logins.c.loginid == a.affiliate).values(inhouse=True))
    assert len(_report(api, no_inhouse=1)) == 1
    assert len(_report(api, filter_external_clickid="none")) == 0


def test_paging(net: Network) -> None:
    ids = [net.convert()["transactionid"] for _ in range(5)]
    resp = net.api.get(REPORT, {"period": 7, "trans_start": 1, "trans_count": 2})
    assert resp.headers["x-total-count"] == "5"
    assert list(resp.json()) == [str(i) for i in ids[1:3]]
    assert list(_report(net.api, trans_start=4)) == [str(ids[4])]
    assert _report(net.api, trans_start=5) == {}
    assert len(_report(net.api)) == 5  # trans_count defaults to 100


def test_periods(net: Network) -> None:
    now = dt.datetime.now(dt.UTC)
    today = now.replace(hour=12, minute=0, second=0, microsecond=0)
    month_start = today.replace(day=1)
    last_month = (month_start - dt.timedelta(days=1)).replace(day=15)
    when = {
        "today": today,
        "yesterday": today - dt.timedelta(days=1),
        "last_month": last_month,
        "two_years_ago": today - dt.timedelta(days=800),
    }
    ids = {}
    for name, at in when.items():
        tid = net.convert()["transactionid"]
        _at(net, tid, at)
        ids[name] = str(tid)

    def period(code: int, **extra: object) -> set[str]:
        return set(_report(net.api, period=code, **extra))

    assert period(7) == set(ids.values())
    assert period(2) == {ids["today"]}
    assert period(3) == {ids["yesterday"]}
    assert ids["today"] in period(0)
    assert ids["today"] in period(5)
    assert period(0) == period(5)
    assert ids["last_month"] in period(1)
    assert ids["today"] not in period(1)
    assert ids["today"] in period(4)
    assert ids["today"] in period(6)
    assert ids["two_years_ago"] not in period(6)
    day = when["yesterday"].date().isoformat()
    assert period(8, start=day, end=day) == {ids["yesterday"]}
    no_period = net.api.get(REPORT, {"start": day}).json()  # start alone implies period 8
    assert set(no_period) == {ids["yesterday"], ids["today"]}
    old = when["two_years_ago"].strftime("%Y/%m/%d")
    assert period(8, end=old) == {ids["two_years_ago"]}
    assert period(8, start=old, end=old) == {ids["two_years_ago"]}


@pytest.mark.parametrize(
    ("params", "code", "fragment"),
    [
        ({"period": 9}, "invalid_parameter", "'period'"),
        ({"period": 2, "start": "2026-01-01"}, "invalid_parameter", "period=8"),
        ({"period": 8, "start": "someday"}, "invalid_parameter", "'start'"),
        ({"period": 8, "start": "2026-02-01", "end": "2026-01-01"}, "invalid_parameter", "'end'"),
        ({"trans_type": "upsell"}, "invalid_parameter", "'trans_type'"),
        # Dates past any real record: refused before any day arithmetic can overflow.
        ({"period": 8, "start": "2026-01-01", "end": "9999-12-31"}, "invalid_parameter", "'end'"),
        ({"period": 8, "start": "0001-01-01T00:00:00+14:00"}, "invalid_parameter", "'start'"),
        ({"filter_countryid": "x"}, "invalid_parameter", "filter_countryid"),
        ({"filter_affiliate": "9" * 30}, "invalid_parameter", "filter_affiliate"),
        ({"trans_count": 1001}, "invalid_parameter", "'trans_count'"),
        ({"filter_transactionhash": "x"}, "unknown_parameter", "filter_transactionhash"),
    ],
)
def test_bad_report_parameters(
    api: ApiClient, params: dict[str, object], code: str, fragment: str
) -> None:
    assert_error(api.get(REPORT, params), 400, code, fragment)


def test_the_country_filter_reads_the_clicks_country_then_the_customers(net: Network) -> None:
    german = net.click()
    with net.services.db.transaction(write=True) as conn:
        # A click recorded with its country (from the trusted proxy's header or GeoIP).
        conn.execute(update(clicks).where(clicks.c.click_hash == german).values(country="DE"))
    de = net.convert(click_hash=german, country="FR")["transactionid"]  # the click's wins
    ca = net.convert(country="ca")["transactionid"]  # no country on the click: the posted one
    net.convert()
    assert list(_report(net.api, filter_countryid="de")) == [str(de)]
    assert list(_report(net.api, filter_countryid="CA")) == [str(ca)]
    assert _report(net.api, filter_countryid="FR") == {}
    assert len(_report(net.api, filter_countryid="0")) == 3
    # The vendor's numeric country ids are not ISO codes: refused, naming the parameter.
    assert_error(
        net.api.get(REPORT, {"filter_countryid": "248"}), 400, "invalid_parameter", "alpha-2"
    )
