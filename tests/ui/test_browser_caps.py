"""An offer's conversion caps in Chromium: added, shown reached, edited, refused, removed.

Locators by role and accessible name; the page also passes axe and loads without errors.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import insert

from tests.ui.conftest import Server, Watched, screenshot
from tests.ui.test_browser import api, sign_in
from trackpost.core.db import utcnow
from trackpost.core.fields import parse_when
from trackpost.models.tables import cap_usage

_seq = itertools.count(900)


def _offer(server: Server) -> int:
    n = next(_seq)
    adv = api(
        server, "POST", "/api/advertiser/add_advertiser", username=f"capadv{n}",
        password="password123", email=f"capadv{n}@example.com",
    ).json()[0]["message"]["loginid"]  # fmt: skip
    offer = api(server, "POST", "/api/offer/add_offer", name=f"Capped {n}", advertiserid=adv)
    return int(offer.json()[0]["message"]["offerid"])


def _fill_usage(server: Server, capid: str, used: int) -> None:
    """The cap's counter in its current window, as `used` clicks would have left it."""
    [cap] = [
        c
        for c in api(server, "GET", "/api/offer/get_conversion_caps").json()["data"]
        if c["cap_redirect_id"] == capid
    ]
    row = {
        "capid": int(capid),
        "window_start": parse_when(cap["window_start"]),
        "loginid": 0,
        "used": used,
        "reached_at": utcnow(),
    }
    with server.db.transaction(write=True) as conn:
        conn.execute(insert(cap_usage).values(row))


def test_an_offers_caps_page(page: Any, server: Server, watched: Watched) -> None:
    offerid = _offer(server)
    sign_in(page)
    page.goto(f"/admin/offers/{offerid}")
    page.get_by_role("link", name="Conversion caps").click()
    page.get_by_role("heading", name=f"Conversion caps of offer {offerid}").wait_for()
    page.get_by_text("No cap limits this offer.").wait_for()

    new = page.get_by_role("group", name="New cap")
    new.get_by_label("Cap (a count; revenue as 2500.00)").fill("3")
    new.get_by_label("What is counted").select_option("Clicks")
    new.get_by_label("Window").select_option("Day")
    new.get_by_label("When reached").select_option(label="Only notify admins")
    new.get_by_role("button", name="Add cap").click()
    page.get_by_text("The cap was added; it applies from the next click.").wait_for()
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="Clicks"))
    capid = row.get_by_role("cell").first.inner_text().strip()
    assert "0 of 3" in row.inner_text()
    assert row.get_by_text("Open", exact=True).count() == 1

    _fill_usage(server, capid, 3)
    page.reload()
    row.get_by_text("Reached", exact=True).wait_for()
    assert "3 of 3" in row.inner_text()

    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    results = axe_module.Axe().run(page)
    serious = [
        f"{v['id']} {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    screenshot(page, "offer-caps")

    row.get_by_text(f"Edit cap {capid}").click()
    row.get_by_label("Cap (a count; revenue as 2500.00)").fill("5")
    row.get_by_role("button", name=f"Save cap {capid}").click()
    page.get_by_text("The cap was saved; it applies from the next click.").wait_for()
    assert "3 of 5" in row.inner_text()
    assert row.get_by_text("Open", exact=True).count() == 1

    assert watched.errors == []
    # A refused form answers 400, which Chromium reports on its console: the only error.
    new.get_by_label("Cap (a count; revenue as 2500.00)").fill("2")
    new.get_by_label("When reached").select_option(label="Send to a URL")
    new.get_by_role("button", name="Add cap").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "redirect_url" in alert.inner_text()

    row.get_by_role("button", name=f"Remove cap {capid}").click()
    page.get_by_text("The cap was removed.").wait_for()
    page.get_by_text("No cap limits this offer.").wait_for()
    assert [e for e in watched.errors if "status of 400" not in e] == []
    assert len(watched.errors) == 1
    assert watched.failed == []
