"""The console's reports over HTTP on both backends: the P&L as the API gives it (each view,
filters, CSV), the dashboard's figures, the click log's keyset pages, and role refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from starlette.testclient import TestClient

from tests.conftest import BuildApp
from tests.customers.factory import add_advertiser, add_customer, add_transaction
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from tests.ui.support import console_admin, sign_in
from trackpost.core.http import Services
from trackpost.models.tables import transactions
from trackpost.stats import job

PL = "/api/report/profitloss"
CELLS = (
    "raw_clicks",
    "unique_clicks",
    "conversions",
    "refunds",
    "chargebacks",
    "income",
    "total_payouts",
    "total_expenses",
    "net",
    "epc",
    "conversion_rate",
)
_ROW = re.compile(
    r'<tr><th scope="row">(?:<a href="[^"]*">)?([^<]*)(?:</a>)?</th>((?:<td class="num">[^<]*</td>)+)</tr>'
)
_CELL = re.compile(r'<td class="num">([^<]*)</td>')


@pytest.fixture
def two(api: ApiClient, services: Services) -> tuple[Network, Network]:
    """Two networks: a sells twice from three clicks, b once from one."""
    a, b = build_network(api, services), build_network(api, services)
    a.convert(amount="10.00")
    assert a.post(click_hash=a.click(subaff="s1"), amount="30.00").status_code == 200
    a.click()
    b.convert(amount="20.00")
    return a, b


def _table(html: str) -> dict[str, list[str]]:
    """The page's rows (and its Total) as the cells' texts, by the row's heading."""
    return {key: _CELL.findall(cells) for key, cells in _ROW.findall(html)}


def _expected(answer: dict[str, Any]) -> dict[str, list[str]]:
    rows = {("Total" if k == "total" else k): v for k, v in answer.items()}
    return {k: [str(v[c]) for c in CELLS] for k, v in rows.items()}


@pytest.mark.parametrize("folded", [False, True])
def test_each_view_shows_the_figures_the_api_gives(
    http: TestClient,
    api: ApiClient,
    services: Services,
    two: tuple[Network, Network],
    folded: bool,
) -> None:
    a, _ = two
    if folded:
        job.fold_all(services.db, 86400)
    console_admin(services.db, "boss")
    sign_in(http, "boss")
    today = dt.datetime.now(services.settings.zone).date().isoformat()
    cases: list[dict[str, Any]] = [
        {},
        {"view": "offer", "period": "7"},
        {"view": "login", "period": "6"},
        {"view": "demographic", "period": "2"},
        {"view": "month", "start": today, "end": today},
        {"view": "landing_page", "period": "7", "filter_offerid": a.offer},
        {"view": "subid1", "period": "7", "filter_loginid": a.affiliate},
    ]
    for query in cases:
        page = http.get("/admin/reports/pnl", params=query)
        assert page.status_code == 200, (query, page.text[-400:])
        answer = api.get(PL, query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert _table(page.text) == _expected(body), query
        assert body["total"]["raw_clicks"] > 0, query
    by_day = http.get("/admin/reports/pnl").text
    assert 'role="img"' in by_day
    assert "Net by day" in by_day
    by_offer = http.get("/admin/reports/pnl?view=offer").text
    assert "Net by offer" not in by_offer
    assert f'<a href="/admin/offers/{a.offer}">{a.offer}</a>' in by_offer


def test_the_csv_is_the_apis(
    http: TestClient, api: ApiClient, services: Services, two: tuple[Network, Network]
) -> None:
    console_admin(services.db, "boss")
    sign_in(http, "boss")
    for view in ("period", "offer", "device_type"):
        query = {"view": view, "period": "7"}
        mine = http.get("/admin/reports/pnl.csv", params=query)
        assert mine.status_code == 200
        assert mine.headers["content-type"].startswith("text/csv")
        assert f"profit-loss-{view}.csv" in mine.headers["content-disposition"]
        theirs = api.get(PL, {**query, "format": "csv"})
        assert list(csv.reader(io.StringIO(mine.text))) == list(
            csv.reader(io.StringIO(theirs.text))
        )
    page = http.get("/admin/reports/pnl", params={"view": "offer", "period": "7"}).text
    assert "/admin/reports/pnl.csv?view=offer&amp;period=7" in page


def test_bad_filters_are_named_not_500(http: TestClient, services: Services) -> None:
    console_admin(services.db, "boss")
    sign_in(http, "boss")
    for query, name in (
        ({"filter_countryid": "XYZ"}, "filter_countryid"),
        ({"view": "refurl"}, "view"),
        ({"view": "nonsense"}, "view"),
        ({"start": "2026-13-01"}, "start"),
        ({"filter_offerid": "abc"}, "filter_offerid"),
    ):
        page = http.get("/admin/reports/pnl", params=query)
        assert page.status_code == 400, query
        assert name in page.text, query
        assert 'role="alert"' in page.text
    assert http.get("/admin/reports/pnl.csv", params={"view": "nonsense"}).status_code == 400


def test_the_dashboard_shows_the_statistics(
    http: TestClient, api: ApiClient, services: Services, two: tuple[Network, Network]
) -> None:
    console_admin(services.db, "boss")
    sign_in(http, "boss")
    home = http.get("/admin/")
    assert home.status_code == 200
    today = api.get(PL, {"period": "2"}).json()["total"]
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', home.text, re.S))
    wanted = [today[c] for c in ("raw_clicks", "conversions", "income", "total_payouts", "net")]
    assert _CELL.findall(rows["Today"]) == [str(v) for v in wanted]
    # Everything happened today, so the week says the same.
    assert _CELL.findall(rows["Last 7 days"]) == [str(v) for v in wanted]
    assert today["raw_clicks"] == 4
    assert today["income"] == "60.00"


def test_the_click_log_pages_by_keyset_and_downloads(
    http: TestClient, api: ApiClient, services: Services, two: tuple[Network, Network]
) -> None:
    a, b = two
    console_admin(services.db, "boss")
    sign_in(http, "boss")
    first = http.get("/admin/reports/clicks", params={"period": "7", "count": "2"})
    assert first.status_code == 200
    shown = re.findall(r"<tr><td>(\d+)</td>", first.text)
    assert len(shown) == 2
    more = re.search(r'href="(/admin/reports/clicks\?[^"]+)" rel="next">Next page', first.text)
    assert more
    second = http.get(more.group(1).replace("&amp;", "&"))
    later = re.findall(r"<tr><td>(\d+)</td>", second.text)
    assert later
    assert int(later[0]) > int(shown[-1])
    everything = api.get("/api/report/clicks", {"period": "7"}).json()["clicks"]
    seen = shown + later
    while 'rel="next"' in second.text:
        link = re.search(r'href="([^"]+)" rel="next"', second.text)
        assert link
        second = http.get(link.group(1).replace("&amp;", "&"))
        seen += re.findall(r"<tr><td>(\d+)</td>", second.text)
    assert seen == [str(c["clickid"]) for c in everything]
    only_b = http.get("/admin/reports/clicks", params={"period": "7", "filter_offerid": b.offer})
    assert len(re.findall(r"<tr><td>(\d+)</td>", only_b.text)) == 1
    data = http.get("/admin/reports/clicks.csv", params={"period": "7", "filter_offerid": a.offer})
    assert data.status_code == 200
    rows = list(csv.DictReader(io.StringIO(data.text)))
    api_rows = list(
        csv.DictReader(
            io.StringIO(
                api.get(
                    "/api/report/clicks",
                    {"period": "7", "filter_offerid": a.offer, "format": "csv"},
                ).text
            )
        )
    )
    assert rows == api_rows
    assert len(rows) == 3
    bad = http.get("/admin/reports/clicks", params={"filter_countryid": "USA"})
    assert bad.status_code == 400
    assert "filter_countryid" in bad.text


STATS_CELLS = (
    "raw_clicks",
    "unique_clicks",
    "conversions",
    "income",
    "total_payouts",
    "net",
    "epc",
    "conversion_rate",
)
_STATS_ROW = re.compile(r"<tr>((?:<td>[^<]*</td>)+)((?:<td class=\"num\">[^<]*</td>)+)</tr>")


def _stats_rows(html: str) -> list[list[str]]:
    return [
        re.findall(r"<td>([^<]*)</td>", keys) + _CELL.findall(cells)
        for keys, cells in _STATS_ROW.findall(html)
    ]


def test_the_stats_page_crosses_sorts_and_pages_as_the_api(
    http: TestClient, api: ApiClient, services: Services, two: tuple[Network, Network]
) -> None:
    a, b = two
    console_admin(services.db, "boss")
    sign_in(http, "boss")
    query = {"dim1": "offer", "dim2": "subid1", "period": "7", "sort": "income", "count": "2"}
    first = http.get("/admin/reports/stats", params=query)
    assert first.status_code == 200, first.text[-400:]
    body = api.get(
        "/api/report/stats", {"dims": "offer,subid1", "period": "7", "sort": "-income"}
    ).json()
    expected = [
        [str(r["offer"]), r["subid1"] or "unknown", *(str(r[c]) for c in STATS_CELLS)]
        for r in body["rows"]
    ]
    assert body["count"] == 3
    assert _stats_rows(first.text) == expected[:2]
    assert f"{body['count']} rows by offer and subid 1" in first.text
    more = re.search(r'href="(/admin/reports/stats\?[^"]+)" rel="next"', first.text)
    assert more
    second = http.get(more.group(1).replace("&amp;", "&"))
    assert _stats_rows(second.text) == expected[2:]
    assert 'rel="next"' not in second.text
    total = body["total"]
    assert f'<td class="num">{total["income"]}</td>' in second.text
    ascending = http.get("/admin/reports/stats", params={**query, "order": "asc", "count": "3"})
    assert _stats_rows(ascending.text) == sorted(expected, key=lambda r: float(r[5]))
    data = http.get("/admin/reports/stats.csv", params={**query, "dim2": ""})
    assert data.status_code == 200
    lines = list(csv.DictReader(io.StringIO(data.text)))
    assert [line["offer"] for line in lines] == [str(a.offer), str(b.offer)]
    bad = http.get("/admin/reports/stats", params={"dim1": "offer", "dim2": "offer"})
    assert bad.status_code == 400
    assert "dims" in bad.text


def test_support_cannot_read_reports(http: TestClient, services: Services) -> None:
    console_admin(services.db, "helper", role="support")
    sign_in(http, "helper")
    for path in (
        "/admin/reports/pnl",
        "/admin/reports/pnl.csv",
        "/admin/reports/clicks",
        "/admin/reports/clicks.csv",
        "/admin/reports/stats",
        "/admin/reports/stats.csv",
    ):
        answer = http.get(path)
        assert answer.status_code == 403, path
        assert "forbidden_for_role" in answer.text, path
    home = http.get("/admin/")
    assert home.status_code == 200
    assert "Last 7 days" not in home.text
    assert 'href="/admin/reports/clicks"' not in home.text


def _instant_whose_day_differs() -> tuple[str, dt.datetime, bool]:
    """A zone whose date is not UTC's now (UTC+14 or UTC-12), a moment of the last two days
    that is today there but not in UTC or the other way round, and whether it is the zone's."""
    now = dt.datetime.now(dt.UTC)
    for name in ("Pacific/Kiritimati", "Etc/GMT+12"):
        zone = ZoneInfo(name)
        if now.astimezone(zone).date() == now.date():
            continue
        for hours in range(48):
            made = now - dt.timedelta(hours=hours, minutes=1)
            zone_today = made.astimezone(zone).date() == now.astimezone(zone).date()
            if zone_today != (made.date() == now.date()):
                return name, made, zone_today
    raise AssertionError("one of UTC+14 and UTC-12 is always on another date than UTC")


def test_the_dashboards_today_is_the_networks_day(build_app: BuildApp) -> None:
    zone, made, zone_today = _instant_whose_day_differs()
    built = build_app(timezone=zone)
    db = built.services.db
    console_admin(db, "boss")
    cid = add_customer(db, add_advertiser(db, "adv1"), "SUB-1")
    tid = add_transaction(db, cid, "ORDER-1", amount=4900)
    with db.transaction(write=True) as conn:
        conn.execute(
            update(transactions)
            .where(transactions.c.transactionid == tid)
            .values(created_at=made, updated_at=made)
        )
    with TestClient(built.app) as http:
        sign_in(http, "boss")
        home = http.get("/admin/").text
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', home, re.S))
    # UTC days would give the other answer.
    assert _CELL.findall(rows["Today"])[2] == ("49.00" if zone_today else "0.00")
    assert _CELL.findall(rows["Last 7 days"])[2] == "49.00"
    assert f"network's time zone ({zone})" in home
