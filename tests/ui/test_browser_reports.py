"""The console's reports in Chromium: the P&L as the API gives it, switching views, CSV
downloads, and the click log's filters and keyset pages."""

from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import Path
from typing import Any

import requests

from tests.ui.conftest import Server, screenshot
from tests.ui.test_browser import api, seed, sign_in

_seq = itertools.count(900)
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


def _shown(page: Any, caption: str) -> list[list[str]]:
    """The table's body and total rows, as the cells' texts."""
    table = page.get_by_role("table", name=caption)
    texts = table.locator("tbody tr, tfoot tr").all_inner_texts()
    return [[cell.strip() for cell in text.split("\t")] for text in texts]


def _answer(server: Server, **query: str) -> list[list[str]]:
    """GET /api/report/profitloss as the page lays it out: each key's row, then the total."""
    body = api(server, "GET", "/api/report/profitloss", **query).json()
    rows = [[key, *(str(f[c]) for c in CELLS)] for key, f in body.items() if key != "total"]
    return [*rows, ["Total", *(str(body["total"][c]) for c in CELLS)]]


def _clicks(server: Server, count: int) -> int:
    """An offer whose affiliate link is clicked `count` times; returns the offer's id."""
    n = next(_seq)
    made = {
        "adv": api(server, "POST", "/api/advertiser/add_advertiser", username=f"rep{n}",
                   password="password123", email=f"rep{n}@example.com"),
        "aff": api(server, "POST", "/api/affiliate/add_affiliate", username=f"repaff{n}",
                   password="password123", email=f"repaff{n}@example.com", payvia="1"),
    }  # fmt: skip
    adv, aff = (made[k].json()[0]["message"]["loginid"] for k in ("adv", "aff"))
    offer = api(server, "POST", "/api/offer/add_offer", name=f"Rep {n}", advertiserid=adv)
    offerid = int(offer.json()[0]["message"]["offerid"])
    lp = api(
        server, "POST", "/api/offer/add_landing_page", name="Main", offerid=str(offerid),
        url="https://shop.example/?c=%%click_hash%%",
    )  # fmt: skip
    link = api(
        server, "GET", "/api/affiliate/get_single_link", loginid=aff, offerid=str(offerid),
        landing_pageid=lp.json()[0]["message"]["landing_pageid"],
    ).json()["message"]  # fmt: skip
    for i in range(count):
        clicked = requests.get(
            link.replace(link.split("/track/")[0], server.url),
            params={"subaff": f"sub{n}-{i}"},
            allow_redirects=False,
            timeout=10,
        )
        assert clicked.status_code == 302, clicked.text
    return offerid


def test_pnl_shows_the_figures_the_api_gives(page: Any, server: Server) -> None:
    seed(server)
    _clicks(server, 2)
    sign_in(page)
    page.get_by_role("link", name="Profit & loss").click()
    page.get_by_label("Period").select_option(label="All time")
    page.get_by_role("button", name="Show report").click()
    page.get_by_role("img", name="Net by day").wait_for()
    shown = _shown(page, "By day")
    assert shown == _answer(server, period="7", view="period")
    assert shown[-1][1] != "0"  # the clicks are counted
    screenshot(page, "pnl")
    page.goto("/admin/")
    screenshot(page, "dashboard")
    page.goto("/admin/customers")
    screenshot(page, "customers")


def test_switching_views_keeps_the_period_and_filters(page: Any, server: Server) -> None:
    offerid = _clicks(server, 3)
    sign_in(page)
    page.goto("/admin/reports/pnl?period=7")
    for label, view in (("Offer", "offer"), ("Affiliate", "login"), ("Country", "demographic")):
        page.get_by_label("View").select_option(label=label)
        page.get_by_role("button", name="Show report").click()
        caption = f"By {label.lower()}"
        page.get_by_role("table", name=caption).wait_for()
        assert page.get_by_label("Period").input_value() == "7"
        assert _shown(page, caption) == _answer(server, period="7", view=view)
        assert page.get_by_role("img", name=re.compile("^Net by")).count() == 0
    screenshot(page, "pnl-by-country")
    page.get_by_label("View").select_option(label="Landing page")
    page.get_by_label("Offer ID").fill(str(offerid))
    page.get_by_role("button", name="Show report").click()
    shown = _shown(page, "By landing page")
    assert shown == _answer(server, period="7", view="landing_page", filter_offerid=str(offerid))
    assert shown[-1][1] == "3"


def test_pnl_csv_download_is_the_apis(page: Any, server: Server, tmp_path: Path) -> None:
    _clicks(server, 1)
    sign_in(page)
    page.goto("/admin/reports/pnl?period=7&view=offer")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "profit-loss-offer.csv"
    saved = tmp_path / "pl.csv"
    download.save_as(saved)
    theirs = api(server, "GET", "/api/report/profitloss", period="7", view="offer", format="csv")
    assert list(csv.reader(io.StringIO(saved.read_text()))) == list(
        csv.reader(io.StringIO(theirs.text))
    )


def test_the_click_log_filters_pages_and_downloads(
    page: Any, server: Server, tmp_path: Path
) -> None:
    offerid = _clicks(server, 3)
    sign_in(page)
    page.get_by_role("link", name="Clicks").click()
    page.get_by_label("Period").select_option(label="All time")
    page.get_by_label("Offer ID").fill(str(offerid))
    page.get_by_role("button", name="Show clicks").click()
    rows = page.get_by_role("table", name="Clicks").locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    screenshot(page, "clicks")
    page.goto(f"/admin/reports/clicks?period=7&filter_offerid={offerid}&count=2")
    assert rows.count() == 2
    page.get_by_role("link", name="Next page").click()
    page.get_by_role("link", name="First page").wait_for()
    assert rows.count() == 1
    assert page.get_by_role("link", name="Next page").count() == 0
    page.get_by_role("link", name="First page").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "clicks.csv"
    info.value.save_as(saved)
    lines = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert len(lines) == 3
    assert {line["offerid"] for line in lines} == {str(offerid)}


def test_the_stats_page_crosses_day_and_offer(page: Any, server: Server) -> None:
    offerid = _clicks(server, 2)
    sign_in(page)
    page.get_by_role("link", name="Statistics").click()
    page.get_by_label("Rows by").select_option(label="Day")
    page.get_by_label("Then by").select_option(label="Offer")
    page.get_by_label("Period").select_option(label="All time")
    page.get_by_label("Offer ID").fill(str(offerid))
    page.get_by_label("Sort by").select_option(label="Raw clicks")
    page.get_by_role("button", name="Show statistics").click()
    answer = api(
        server, "GET", "/api/report/stats", dims="day,offer", period="7",
        filter_offerid=str(offerid),
    ).json()["rows"][0]  # fmt: skip
    table = page.get_by_role("table", name=re.compile("by day and offer$"))
    row = table.get_by_role("row", name=re.compile(f"^{answer['day']} {offerid} "))
    cells = [c.strip() for c in row.inner_text().split("\t")]
    assert cells[:3] == [answer["day"], str(offerid), str(answer["raw_clicks"])]
    assert cells[2] == "2"
    screenshot(page, "stats")
