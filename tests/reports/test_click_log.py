"""GET /api/report/clicks: the click log's fields, filters, keyset paging, periods and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import update

from tests.conftest import Admin, BuildApp
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services
from trackpost.models.tables import clicks, transactions
from trackpost.reports.clicklog.schemas import CSV_COLUMNS

REPORT = "/api/report/clicks"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


def _click(net: Network, ua: str = "", **query: str) -> str:
    headers = {"User-Agent": ua, "Referer": "https://pub.example/p"} if ua else {}
    resp = net.http.get(net.link, params=query, headers=headers, follow_redirects=False)
    assert resp.status_code == 302, resp.text
    net.http.cookies.clear()
    return str(parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0])


def _set(services: Services, click_hash: str, **values: Any) -> None:
    stmt = update(clicks).where(clicks.c.click_hash == click_hash).values(**values)
    with services.db.transaction(write=True) as conn:
        conn.execute(stmt)


def _convert(net: Network, click_hash: str) -> dict[str, Any]:
    # Not Network.convert: its default makes a fresh click even when a hash is given.
    resp = net.post(click_hash=click_hash)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _report(api: ApiClient, **params: object) -> dict[str, Any]:
    resp = api.get(REPORT, {"period": 7, **params})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _hashes(api: ApiClient, **params: object) -> list[str]:
    return [c["click_hash"] for c in _report(api, **params)["clicks"]]


def test_a_click_and_its_conversion(net: Network) -> None:
    plain = _click(net)
    sold = _click(net, IPHONE, subaff="s1", subaff5="s5", _ocid="ext-1")
    body = _convert(net, sold)
    report = _report(net.api)
    assert report["next_after"] is None
    first, second = report["clicks"]
    assert first["click_hash"] == plain
    # The test client says "testclient": a User-Agent of no known device.
    assert (first["converted"], first["customer_id"], first["device_type"]) == (
        False,
        None,
        "other",
    )
    assert second == {
        "clickid": second["clickid"],
        "time": second["time"],
        "click_hash": sold,
        "loginid": net.affiliate,
        "username": second["username"],
        "offerid": net.offer,
        "landing_pageid": net.landing_page,
        "campaignid": 0,
        "subaff1": "s1",
        "subaff2": None,
        "subaff3": None,
        "subaff4": None,
        "subaff5": "s5",
        "subids": None,
        "_ocid": "ext-1",
        "ip": "testclient",
        "user_agent": IPHONE,
        "referrer": "https://pub.example/p",
        "country": None,
        "device_type": "mobile",
        "device_os": "iOS",
        "device_browser": "Mobile Safari",
        "converted": True,
        "customer_id": body["customer_id"],
    }
    assert second["username"].startswith("aff")
    assert abs(second["time"] - dt.datetime.now(dt.UTC).timestamp()) < 300
    assert list(second) == list(CSV_COLUMNS)


def test_filters(api: ApiClient, services: Services) -> None:
    a = build_network(api, services)
    b = build_network(api, services)
    a1 = _click(a, subaff="x")
    a2 = _click(a, subaff="y", subaff2="z")
    b1 = _click(b, subaff="x")
    _convert(a, a2)
    _set(services, b1, country="CA")
    assert _hashes(api, filter_loginid=a.affiliate) == [a1, a2]
    assert _hashes(api, filter_offerid=b.offer) == [b1]
    assert _hashes(api, filter_landingpageid=a.landing_page, subaff="x") == [a1]
    assert _hashes(api, subaff2="z") == [a2]
    assert _hashes(api, filter_countryid="ca") == [b1]
    assert _hashes(api, filter_countryid="0", filter_offerid=b.offer) == [b1]
    assert _hashes(api, converted=1) == [a2]
    assert _hashes(api, converted=0) == [a1, b1]
    assert _hashes(api, filter_campaignid=3) == []


def test_keyset_paging(net: Network) -> None:
    made = [_click(net, subaff=str(i)) for i in range(5)]
    seen: list[str] = []
    after = 0
    pages = 0
    while True:
        body = _report(net.api, count=2, after=after)
        seen += [c["click_hash"] for c in body["clicks"]]
        pages += 1
        if body["next_after"] is None:
            break
        assert body["next_after"] == body["clicks"][-1]["clickid"]
        after = body["next_after"]
    assert seen == made
    assert pages == 3


def test_periods_are_found_by_clickid_and_checked_by_time(net: Network) -> None:
    # Ids grow with time; each click is moved to its own day, in order.
    days = [dt.datetime(2026, 3, d, 12, tzinfo=dt.UTC) for d in (1, 2, 2, 3, 5)]
    made = [_click(net) for _ in days]
    for click_hash, when in zip(made, days, strict=True):
        _set(net.services, click_hash, created_at=when)
    assert _hashes(net.api, period=8, start="2026-03-02", end="2026-03-02") == made[1:3]
    assert _hashes(net.api, period=8, start="2026-03-02", end="2026-03-03") == made[1:4]
    assert _hashes(net.api, period=8, start="2026-03-04") == made[4:]
    assert _hashes(net.api, period=8, end="2026-03-01") == made[:1]
    assert _hashes(net.api, period=8, start="2026-03-04", end="2026-03-04") == []
    assert _hashes(net.api, period=8, start="2026-02-01", end="2026-02-28") == []
    assert _hashes(net.api, period=2) == []  # today: every click was moved to March


def test_csv_is_streamed_with_a_header_row(net: Network) -> None:
    made = [_click(net, IPHONE if i % 2 else "", subaff=f"a,{i}") for i in range(3)]
    _convert(net, made[1])
    resp = net.api.get(REPORT, {"period": 7, "format": "csv"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    assert "clicks.csv" in resp.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[0] == list(CSV_COLUMNS)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [r["click_hash"] for r in body] == made
    assert [r["subaff1"] for r in body] == ["a,0", "a,1", "a,2"]
    assert [r["converted"] for r in body] == ["0", "1", "0"]
    assert [r["device_type"] for r in body] == ["other", "mobile", "other"]
    assert [r["customer_id"] != "" for r in body] == [False, True, False]
    json_rows = _report(net.api)["clicks"]
    assert [r["clickid"] for r in body] == [str(r["clickid"]) for r in json_rows]


def test_csv_pages_past_the_first(net: Network, monkeypatch: pytest.MonkeyPatch) -> None:
    from trackpost.reports.clicklog import service

    monkeypatch.setattr(service, "CSV_PAGE", 2)
    made = [_click(net) for _ in range(5)]
    resp = net.api.get(REPORT, {"period": 7, "format": "csv", "filter_loginid": net.affiliate})
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert [r[2] for r in rows[1:]] == made


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"filter_countryid": "USA"}, "filter_countryid"),
        ({"count": 1001}, "'count'"),
        ({"format": "xml"}, "'format'"),
        ({"converted": 2}, "'converted'"),
        ({"period": 2, "start": "2026-01-01"}, "period=8"),
        ({"period": 8, "start": "2026-02-01", "end": "2026-01-01"}, "'end'"),
    ],
)
def test_bad_parameters(api: ApiClient, params: dict[str, object], fragment: str) -> None:
    assert_error(api.get(REPORT, params), 400, "invalid_parameter", fragment)
    if "format" not in params:
        assert_error(api.get(REPORT, {**params, "format": "csv"}), 400, "invalid_parameter")


def test_the_report_needs_a_key(api: ApiClient) -> None:
    assert api.client.get(REPORT).status_code in (401, 403)


def test_days_are_the_networks(
    net: Network, build_app: BuildApp, admin: Admin, services: Services
) -> None:
    """A sale and a click at 23:30 in New York land on that local day, not on UTC's next one."""
    late = dt.datetime(2026, 3, 11, 3, 30, tzinfo=dt.UTC)  # 23:30 on 10 March in New York
    click_hash = _click(net)
    _set(services, click_hash, created_at=late)
    tid = _convert(net, click_hash)["transactionid"]
    stmt = update(transactions).where(transactions.c.transactionid == tid)
    with services.db.transaction(write=True) as conn:
        conn.execute(stmt.values(created_at=late))
    utc = net.api
    new_york = ApiClient(build_app(timezone="America/New_York").client(), admin.headers)
    day = {"period": 8, "start": "2026-03-10", "end": "2026-03-10"}
    assert _hashes(new_york, **day) == [click_hash]
    assert _hashes(utc, **day) == []
    assert _hashes(utc, period=8, start="2026-03-11", end="2026-03-11") == [click_hash]
    sales = new_york.get("/api/report/transaction", day).json()
    assert list(sales) == [str(tid)]
    assert utc.get("/api/report/transaction", day).json() == {}
