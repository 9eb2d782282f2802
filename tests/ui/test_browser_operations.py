"""The console's operations pages in Chromium: deliveries, webhooks, payments, postbacks, money.

Locators by role and accessible name; each page also passes axe and loads without errors.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from sqlalchemy import insert, update

from tests.ui.conftest import Server, Watched, screenshot
from tests.ui.support import add_delivery, pause_destination
from tests.ui.test_browser import api, seed, sign_in
from trackpost.models.tables import transaction_payouts, transactions

_seq = itertools.count(500)
JANUARY = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)


def _affiliate(server: Server) -> tuple[int, str]:
    n = next(_seq)
    name = f"payee{n}"
    made = api(
        server,
        "POST",
        "/api/affiliate/add_affiliate",
        username=name,
        password="password123",
        email=f"{name}@example.com",
        payvia="1",
    )
    return int(made.json()[0]["message"]["loginid"]), name


def _owed(server: Server, affiliate: int, cents: int) -> None:
    """A January sale paying the affiliate `cents`, and a default monthly payout period."""
    _, tid, _ = seed(server)
    with server.db.transaction(write=True) as conn:
        conn.execute(
            update(transactions)
            .where(transactions.c.transactionid == tid)
            .values(created_at=JANUARY, updated_at=JANUARY)
        )
        conn.execute(
            insert(transaction_payouts).values(
                transactionid=tid, loginid=affiliate, kind="affiliate", amount=cents
            )
        )
    periods = api(server, "GET", "/api/payment/periods").json()["message"]
    if not periods:
        added = api(server, "POST", "/api/payment/add_period", spec="1", is_default="1")
        assert added.status_code == 200, added.text


def test_the_delivery_log_and_a_customers_deliveries(page: Any, server: Server) -> None:
    cid, _, _ = seed(server)
    did = add_delivery(server.db, customer_id=cid, loginid=4242, answer="upstream exploded")
    sign_in(page)
    page.get_by_role("link", name="Deliveries", exact=True).click()
    page.get_by_label("Affiliate ID").fill("4242")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f"#delivery-{did}")
    assert "token=%2A%2A%2A" in row.inner_text()
    assert "s3cret" not in page.content()
    row.get_by_text("1 attempt").click()
    row.get_by_text("upstream exploded").wait_for()
    assert "HTTP 500 in 42 ms" in row.inner_text()
    screenshot(page, "deliveries")
    page.get_by_role("button", name=f"Retry delivery {did}").click()
    page.get_by_text(f"Queued again: {did}.").wait_for()

    # The retried delivery is now the delivery worker's (no Retry button while it is sending):
    # the customer's page is tried with a second failed one that nothing else touches.
    other = add_delivery(server.db, customer_id=cid, loginid=4242, answer="still down")
    page.goto(f"/admin/customers/{cid}")
    section = page.get_by_role("region", name="Deliveries")
    section.get_by_role("button", name=f"Retry delivery {other}").wait_for()
    section.get_by_role("checkbox", name=f"Pick delivery {other}").check()
    section.get_by_role("button", name="Retry picked deliveries").click()
    page.get_by_text("The delivery is queued to be sent again.").wait_for()


def test_a_paused_destination_is_resumed(page: Any, server: Server) -> None:
    sub = next(_seq)
    pause_destination(server.db, "postback", sub)
    add_delivery(server.db, sub=sub, status="paused")
    sign_in(page)
    page.get_by_role("link", name="Deliveries", exact=True).click()
    page.get_by_role("link", name="Paused destinations").first.click()
    page.get_by_role("heading", name="Paused destinations").wait_for()
    screenshot(page, "paused-destinations")
    page.get_by_role("button", name=f"Resume postback {sub}").click()
    page.get_by_text("The destination is active again").wait_for()
    assert page.get_by_role("button", name=f"Resume postback {sub}").count() == 0
    page.goto("/admin/")
    page.get_by_role("heading", name="Failing deliveries").wait_for()


def test_a_webhook_endpoint_and_its_secret_shown_once(page: Any, server: Server) -> None:
    n = next(_seq)
    url = f"http://127.0.0.1:9/hooks/{n}"
    sign_in(page)
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Webhooks").click()
    adding = page.get_by_role("region", name="Add an endpoint")
    adding.get_by_label("Endpoint URL").fill(url)
    adding.get_by_label("customer.locked").check()
    adding.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_role("textbox", name="Signing secret").input_value()
    assert secret.startswith("whsec_")
    heading = page.get_by_role("heading", level=3).filter(has_text=url)
    eid = re.findall(r"Endpoint (\d+):", heading.inner_text())[0]
    screenshot(page, "webhooks")
    page.reload()
    assert secret not in page.content()  # shown once, never again

    page.get_by_role("button", name=f"Rotate secret of endpoint {eid}").click()
    assert page.get_by_role("textbox", name="Signing secret").input_value() not in ("", secret)
    endpoint = page.get_by_role("region", name=re.compile(f"Endpoint {eid}:"))
    endpoint.get_by_text(f"Edit endpoint {eid}").click()
    endpoint.get_by_label("customer.unlocked").check()
    endpoint.get_by_role("button", name=f"Save endpoint {eid}").click()
    page.get_by_text("The webhook endpoint was saved.").wait_for()
    assert (
        "customer.locked, customer.unlocked"
        in page.get_by_role("region", name=re.compile(f"Endpoint {eid}:")).inner_text()
    )
    page.get_by_role("button", name=f"Remove endpoint {eid}").click()
    page.get_by_text("The webhook endpoint was removed.").wait_for()


def test_a_payment_stored_adjusted_dumped_paid_and_its_statement(page: Any, server: Server) -> None:
    affiliate, name = _affiliate(server)
    _owed(server, affiliate, 2500)
    built = api(server, "POST", "/api/payment/build", as_of="2026-02-01")
    assert built.status_code == 200, built.text
    sign_in(page)
    page.get_by_role("link", name="Payments").click()
    page.get_by_label("Affiliate (username or ID)").first.fill(name)
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("table").filter(has_text=name).first.wait_for()
    screenshot(page, "payments")
    row = page.get_by_role("row", name=re.compile(name))
    paymentid = row.get_by_role("link").first.inner_text()
    row.get_by_role("link", name=paymentid).click()
    page.get_by_role("heading", name=re.compile(f"Payment {paymentid}")).wait_for()

    page.get_by_label("Adjustment amount").fill("-1.50")
    page.get_by_label("Adjustment reason").fill("bank fee")
    page.get_by_role("button", name="Add adjustment").click()
    page.get_by_text("The adjustment was added.").wait_for()
    assert "23.50" in page.locator("dl.facts").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download dump").click()
    assert download.value.suggested_filename.startswith("payments-")

    page.get_by_label("Reference").fill("CHK-1001")
    page.get_by_role("button", name="Mark paid").click()
    page.get_by_text("The payment is marked paid.").wait_for()
    assert page.get_by_role("button", name="Add adjustment").count() == 0
    screenshot(page, "payment")
    page.get_by_role("link", name="Statement", exact=True).click()
    page.get_by_role("heading", name="Payment statement").wait_for()
    assert "CHK-1001" in page.content()
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Main").is_visible()  # the print stylesheet
    page.emulate_media(media="screen")
    screenshot(page, "statement")


def test_an_affiliates_postback_from_the_affiliate_page(page: Any, server: Server) -> None:
    affiliate, _ = _affiliate(server)
    sign_in(page)
    page.goto(f"/admin/affiliates/{affiliate}")
    page.get_by_label("Postback event").select_option("conversion")
    page.get_by_label("Postback URL template").fill("http://127.0.0.1:9/pb?c=%%subid1%%")
    page.get_by_role("button", name="Add postback").click()
    page.get_by_text("Saved.").wait_for()
    heading = page.get_by_role("heading", name=re.compile(r"Postback \d+: conversion"))
    pid = re.findall(r"Postback (\d+):", heading.inner_text())[0]
    page.get_by_text(f"Edit postback {pid}").click()
    page.get_by_label("Event", exact=True).select_option("refund")
    page.get_by_role("checkbox", name="Active").check()
    page.get_by_role("button", name=f"Save postback {pid}").click()
    page.get_by_role("heading", name=re.compile(f"Postback {pid}: refund")).wait_for()
    screenshot(page, "affiliate-postbacks")
    page.get_by_role("button", name=f"Remove postback {pid}").click()
    page.get_by_text("The postback was removed.").wait_for()


def _offer(server: Server) -> int:
    n = next(_seq)
    adv = api(
        server, "POST", "/api/advertiser/add_advertiser", username=f"cc{n}",
        password="password123", email=f"cc{n}@example.com",
    ).json()[0]["message"]["loginid"]  # fmt: skip
    offer = api(server, "POST", "/api/offer/add_offer", name=f"Money {n}", advertiserid=adv)
    return int(offer.json()[0]["message"]["offerid"])


def test_commission_changes_and_goals_on_an_offer(page: Any, server: Server) -> None:
    n = next(_seq)
    offerid = _offer(server)
    sign_in(page)
    page.goto(f"/admin/offers/{offerid}")
    for amount in ("7.00", "8.00"):
        page.get_by_label("Change flat per conversion").fill(amount)
        page.get_by_role("button", name="Add commission change").click()
        page.get_by_text("Saved.").wait_for()
    rules = page.get_by_role("region", name="Commission changes").locator("tbody tr")
    assert "8.00" in rules.nth(0).inner_text()
    first = re.findall(r"^\d+", rules.nth(0).inner_text().strip())[0]
    page.get_by_role("button", name=f"Move change {first} down").click()
    page.get_by_text("Saved.").wait_for()
    assert "7.00" in rules.nth(0).inner_text()
    page.get_by_text("Edit payouts of change 0").click()
    page.get_by_label("Flat per conversion", exact=True).last.fill("6.25")
    page.get_by_role("button", name="Save payouts of change 0").click()
    page.get_by_text("Saved.").wait_for()
    assert "6.25" in rules.nth(2).inner_text()
    page.get_by_label("New goal name").fill(f"Signup {n}")
    page.get_by_role("button", name="Define goal").click()
    page.get_by_text("Created.").wait_for()
    page.get_by_label("Goal", exact=True).select_option(label=f"Signup {n}")
    page.get_by_label("Goal commission").fill("1.50")
    page.get_by_label("Goal revenue").fill("3.00")
    page.get_by_role("button", name="Save goal on offer").click()
    page.get_by_role("cell", name=re.compile(f"Signup {n}")).wait_for()
    screenshot(page, "offer-commissions")


def test_support_sees_none_of_these_pages(page: Any, server: Server) -> None:
    sign_in(page, "helper")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Deliveries").count() == 0
    assert nav.get_by_role("link", name="Payments").count() == 0
    for path in ("/admin/deliveries", "/admin/payments", "/admin/settings/webhooks"):
        page.goto(path)
        page.get_by_role("heading", name="Not allowed").wait_for()


NEW_PAGES = (
    "/admin/deliveries",
    "/admin/deliveries/paused",
    "/admin/payments",
    "/admin/settings/webhooks",
)


def _detail_pages(server: Server) -> list[str]:
    affiliate, _ = _affiliate(server)
    _owed(server, affiliate, 900)
    # A later period end than the payment test's: a late row joins the next build.
    api(server, "POST", "/api/payment/build", as_of="2026-03-01")
    found = api(server, "GET", "/api/payment/search", loginid=str(affiliate)).json()
    pid = found["message"]["payments"][0]["paymentid"]
    return [
        f"/admin/payments/{pid}",
        f"/admin/payments/{pid}/statement",
        f"/admin/affiliates/{affiliate}",
        f"/admin/offers/{_offer(server)}",
    ]


def test_new_pages_load_cleanly_and_pass_axe(page: Any, server: Server, watched: Watched) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    cid, _, _ = seed(server)
    add_delivery(server.db, customer_id=cid)
    paths = [*NEW_PAGES, *_detail_pages(server), f"/admin/customers/{cid}"]
    sign_in(page)
    problems = []
    for path in paths:
        answer = page.goto(path)
        assert answer is not None, path
        assert answer.status == 200, path
        page.wait_for_load_state("networkidle")
        for v in axe_module.Axe().run(page).response["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append(f"{path}: {v['id']} {v['help']}")
    assert problems == []
    assert watched.errors == []
    assert watched.failed == []
