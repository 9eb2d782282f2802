"""Every P&L view and filter, the stats report's crossing, sorting and paging, CSV round trips."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import insert, update

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services
from trackpost.models.tables import affiliate_managers, clicks, logins
from trackpost.stats import job
from trackpost.stats.service import NO_DATA_VIEWS, VIEWS

PL = "/api/report/profitloss"
STATS = "/api/report/stats"


@pytest.fixture
def two(api: ApiClient, services: Services) -> tuple[Network, Network]:
    """Two networks (offer, page, affiliate each): a sells twice, b once; b's clicks are from
    Germany on mobile Firefox, a's unknown (recorded without a User-Agent or country)."""
    a, b = build_network(api, services), build_network(api, services)
    a.convert(amount="10.00")
    assert a.post(click_hash=a.click(subaff="s1"), amount="30.00").status_code == 200
    b.convert(amount="20.00")
    b.click()
    b.click()
    with services.db.transaction(write=True) as conn:
        conn.execute(
            update(clicks)
            .where(clicks.c.offerid == b.offer)
            .values(
                country="DE", device_type="mobile", device_os="Android", device_browser="Firefox"
            )
        )
        conn.execute(
            update(clicks)
            .where(clicks.c.offerid == a.offer)
            .values(country=None, device_type=None, device_os=None, device_browser=None)
        )
    return a, b


def _pl(api: ApiClient, **params: Any) -> dict[str, Any]:
    resp = api.get(PL, {"period": 7, **params})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def _keys(body: dict[str, Any]) -> dict[str, int]:
    return {k: v["raw_clicks"] for k, v in body.items() if k != "total"}


@pytest.mark.parametrize("folded", [False, True])
def test_every_view(
    api: ApiClient, services: Services, two: tuple[Network, Network], folded: bool
) -> None:
    a, b = two
    if folded:
        job.fold_all(services.db, 86400)
    today = dt.datetime.now(dt.UTC)
    expected = {
        "period": {today.date().isoformat(): 5},
        "month": {today.strftime("%Y-%m"): 5},
        "year": {today.strftime("%Y"): 5},
        "landing_page": {str(a.landing_page): 2, str(b.landing_page): 3},
        "offer": {str(a.offer): 2, str(b.offer): 3},
        "login": {str(a.affiliate): 2, str(b.affiliate): 3},
        "campaign": {"0": 5},
        "adtool": {"0": 5},
        "program": {"0": 5},
        "advertiser": {str(a.advertiser): 2, str(b.advertiser): 3},
        "demographic": {"unknown": 2, "DE": 3},
        "device_type": {"unknown": 2, "mobile": 3},
        "device_os": {"unknown": 2, "Android": 3},
        "device_browser": {"unknown": 2, "Firefox": 3},
        "subid1": {"unknown": 4, "s1": 1},
        "subid2": {"unknown": 5},
    }
    assert set(expected) == set(VIEWS)
    for view, keys in expected.items():
        body = _pl(api, view=view)
        assert _keys(body) == keys, view
        assert body["total"]["breakdown"] == view
        assert body["total"]["raw_clicks"] == 5
        assert body["total"]["conversions"] == 3
        assert body["total"]["income"] == "60.00"
    offer_a = _pl(api, view="offer")[str(a.offer)]
    assert offer_a["payouts"]["affiliate"] == "10.00"
    assert offer_a["total_expenses"] == "10.00"
    assert offer_a["net"] == "30.00"
    assert offer_a["epc"] == "2000.00"  # 40.00 over 2 clicks, per 100 clicks
    assert offer_a["conversion_rate"] == "100.00"
    for view in NO_DATA_VIEWS:
        assert_error(api.get(PL, {"view": view}), 400, "invalid_parameter", "view", view)


def test_every_filter(api: ApiClient, services: Services, two: tuple[Network, Network]) -> None:
    a, b = two
    with services.db.transaction(write=True) as conn:
        conn.execute(update(logins).where(logins.c.loginid == a.affiliate).values(inhouse=True))
        conn.execute(
            insert(affiliate_managers).values(
                loginid=b.affiliate,
                manager_loginid=a.advertiser,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    code_b = f"{b.affiliate}.0.{b.offer}.0.0.0.0.0.0.0.0.0"
    cases: list[tuple[dict[str, Any], int]] = [
        ({"filter_loginid": a.affiliate}, 2),
        ({"params[filter_loginid]": b.affiliate}, 3),
        ({"filter_offerid": b.offer}, 3),
        ({"filter_landingpageid": a.landing_page}, 2),
        ({"filter_advertiserid": a.advertiser}, 2),
        ({"filter_campaignid": 0}, 5),
        ({"filter_adtoolid": 0}, 5),
        ({"filter_programid": 0}, 5),
        ({"filter_countryid": "de"}, 3),
        ({"filter_countryid": "0"}, 5),
        ({"filter_device_type": "1"}, 3),
        ({"filter_device_type": "0"}, 0),
        ({"filter_device_os": "Android"}, 3),
        ({"filter_device_browser": "Firefox"}, 3),
        ({"productcode": code_b}, 3),
        ({"limit_inhouse": 1}, 2),
        ({"limit_inhouse": 2}, 3),
        ({"acct_rep": a.advertiser}, 3),
        ({"period": 2}, 5),
        ({"period": 3}, 0),
        ({"period": 8, "start": "2000-01-01", "end": "2000-01-31"}, 0),
    ]
    for params, clicks_seen in cases:
        body = _pl(api, view="offer", **params)
        assert body["total"]["raw_clicks"] == clicks_seen, params
    bad: list[tuple[dict[str, Any], str]] = [
        ({"filter_countryid": "Germany"}, "filter_countryid"),
        ({"productcode": "!!"}, "productcode"),
        ({"limit_mediabuy": 1}, "limit_mediabuy"),
        ({"view": "subid1", "filter_device_os": "Android"}, "filter_device_os"),
        ({"filter_loginid": a.affiliate, "params[filter_loginid]": b.affiliate}, "filter_loginid"),
        ({"filter_nope": 1}, "filter_nope"),
        ({"period": 3, "start": "2026-01-01"}, "start"),
    ]
    for params, name in bad:
        resp = api.get(PL, params)
        assert resp.status_code == 400, (params, resp.text)
        assert name in resp.json()["message"], (params, resp.text)


def test_stats_cross_sort_page_and_csv(
    api: ApiClient, services: Services, two: tuple[Network, Network]
) -> None:
    a, b = two
    resp = api.get(STATS, {"period": 7, "dims": "offer,country", "sort": "-raw_clicks"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["dims"] == ["offer", "country"]
    assert [(r["offer"], r["country"], r["raw_clicks"]) for r in body["rows"]] == [
        (b.offer, "DE", 3),
        (a.offer, "", 2),
    ]
    assert body["total"]["raw_clicks"] == 5
    page = api.get(
        STATS, {"period": 7, "dims": "affiliate", "sort": "income", "start_row": 1, "count": 1}
    )
    assert page.json()["count"] == 2
    assert [r["affiliate"] for r in page.json()["rows"]] == [a.affiliate]
    day_offer = api.get(STATS, {"period": 7, "dims": "day,subid1"}).json()
    assert sorted(r["subid1"] for r in day_offer["rows"]) == ["", "s1"]
    as_csv = api.get(
        STATS, {"period": 7, "dims": "offer,country", "sort": "-raw_clicks", "format": "csv"}
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(int(r["offer"]), r["country"], int(r["raw_clicks"]), r["income"]) for r in lines] == [
        (r["offer"], r["country"], r["raw_clicks"], r["income"]) for r in body["rows"]
    ]
    pl_csv = list(
        csv.DictReader(
            io.StringIO(api.get(PL, {"period": 7, "view": "login", "format": "csv"}).text)
        )
    )
    pl = _pl(api, view="login")
    assert {r["affiliate"]: r["net"] for r in pl_csv} == {
        k: v["net"] for k, v in pl.items() if k != "total"
    }
    assert {r["affiliate"]: r["payout_affiliate"] for r in pl_csv} == {
        k: v["payouts"]["affiliate"] for k, v in pl.items() if k != "total"
    }
    for params, name in [
        ({"dims": "day,month"}, "dims"),
        ({"dims": "offer,country,day"}, "dims"),
        ({"dims": "bogus"}, "dims"),
        ({"dims": "subid1,country"}, "dims"),
        ({"dims": "offer", "sort": "nothing"}, "sort"),
    ]:
        resp = api.get(STATS, {"period": 7, **params})
        assert resp.status_code == 400, (params, resp.text)
        assert name in resp.json()["message"], (params, resp.text)


def test_unique_clicks_follow_the_offers_window(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, ip_uniqueness_seconds="60")
    for _ in range(3):
        assert net.from_ip("10.9.9.9").get(net.link, follow_redirects=False).status_code == 302
    net.from_ip("10.9.9.8").get(net.link, follow_redirects=False)
    job.fold_all(services.db, 86400, batch=1)
    with services.db.transaction(write=True) as conn:
        # The third click from 10.9.9.9 is made two minutes after the second: unique again.
        last = conn.execute(
            update(clicks)
            .where(clicks.c.offerid == net.offer, clicks.c.ip == "10.9.9.8")
            .values(created_at=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2), ip="10.9.9.9")
        )
        assert last.rowcount == 1
    job.rebuild(
        services.db,
        dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=1),
        dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=2),
        86400,
    )
    body = _pl(api, view="offer")[str(net.offer)]
    assert (body["raw_clicks"], body["unique_clicks"]) == (4, 2)
