"""The console driven in Chromium: locators by role and accessible name, as a person uses it."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
import requests

from tests.customers.factory import add_advertiser, add_customer, add_transaction
from tests.ui.conftest import THROTTLED_FROM, Server, Watched, screenshot
from tests.ui.support import PASSWORD

_seq = itertools.count(1)


def sign_in(tab: Any, username: str = "boss", password: str = PASSWORD) -> None:
    tab.goto("/admin/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("heading", name="Dashboard").wait_for()


def seed(server: Server) -> tuple[int, int, str]:
    """A customer with one approved sale; returns (customer_id, transactionid, its username)."""
    n = next(_seq)
    adv = add_advertiser(server.db, f"ui-adv-{n}")
    name = f"shopper{n}"
    cid = add_customer(server.db, adv, f"SUB-{n}", username=name, email=f"{name}@example.com")
    tid = add_transaction(server.db, cid, f"ORDER-{n}", amount=4900)
    return cid, tid, name


def api(server: Server, method: str, path: str, **data: str) -> requests.Response:
    headers = {"api-key": server.api_key, "api-username": "boss"}
    query, body = (data, None) if method == "GET" else (None, data)
    return requests.request(
        method, server.url + path, params=query, data=body, headers=headers, timeout=10
    )


def test_sign_in_and_sign_out(page: Any) -> None:
    sign_in(page)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You are signed out.").wait_for()
    page.goto("/admin/customers")
    page.get_by_role("button", name="Sign in").wait_for()


def test_wrong_passwords_are_throttled(browser: Any, server: Server) -> None:
    context = browser.new_context(
        base_url=server.url, extra_http_headers={"X-Forwarded-For": THROTTLED_FROM}
    )
    tab = context.new_page()
    tab.goto("/admin/login")
    for _ in range(5):
        tab.get_by_label("Username").fill("target")
        tab.get_by_label("Password").fill("not the password")
        tab.get_by_role("button", name="Sign in").click()
        tab.get_by_text("Invalid username or password.").wait_for()
    tab.get_by_label("Username").fill("target")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_text("Too many failed sign-in attempts").wait_for()
    context.close()


def test_a_form_without_its_csrf_token_is_refused(page: Any, server: Server) -> None:
    cid, _, _ = seed(server)
    sign_in(page)
    answer = page.request.post(f"/admin/customers/{cid}/lock", form={"reason": "no token"})
    assert answer.status == 403
    assert "security token" in answer.text()
    page.goto(f"/admin/customers/{cid}")
    page.get_by_text("Not locked").wait_for()


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Customer ID", "id"),
        ("Username", "username"),
        ("E-mail", "email"),
        ("Subscription ID", "sub"),
        ("Order ID", "order"),
    ],
)
def test_find_a_customer_by_each_basic_key(page: Any, server: Server, label: str, key: str) -> None:
    cid, _, name = seed(server)
    n = name.removeprefix("shopper")
    value = {
        "id": str(cid),
        "username": name.upper(),
        "email": f"{name}@example.com",
        "sub": f"SUB-{n}",
        "order": f"ORDER-{n}",
    }[key]
    sign_in(page)
    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Search").click()
    rows = page.get_by_role("table").get_by_role("row")
    assert rows.count() == 2  # the header and the one customer found
    page.get_by_role("link", name=str(cid), exact=True).click()
    page.get_by_role("heading", name=re.compile(f"Customer {cid}")).wait_for()


def test_lock_edit_refused_unlock_edit_history(page: Any, server: Server) -> None:
    cid, _, _ = seed(server)
    sign_in(page)
    page.goto(f"/admin/customers/{cid}")
    page.get_by_role("button", name="Lock").click()
    page.get_by_label("Reason").fill("chargeback dispute")
    page.get_by_role("button", name="Lock").click()
    page.get_by_text("Locked by boss").wait_for()
    assert "chargeback dispute" in page.locator("#lock-state").inner_text()
    assert page.get_by_label("First name", exact=True).is_disabled()
    assert page.get_by_role("button", name="Save details").is_disabled()
    screenshot(page, "customer-locked")
    refused = api(
        server, "PATCH", "/api/customer/set_customer_details", customer_id=str(cid), firstname="X"
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "customer_locked"
    page.get_by_role("button", name="Unlock").click()
    page.get_by_label("Reason").fill("dispute settled")
    page.get_by_role("button", name="Unlock").click()
    page.get_by_text("The customer is unlocked.").wait_for()
    page.get_by_label("First name", exact=True).fill("Janet")
    page.get_by_role("button", name="Save details").click()
    page.get_by_text("Saved.").wait_for()
    history = page.locator("#history tbody tr")
    texts = [history.nth(i).inner_text() for i in range(3)]
    for text, words in zip(
        texts,
        (("set_details", "boss", "ui"), ("unlock", "dispute settled"), ("lock", "chargeback")),
        strict=True,
    ):
        assert all(word in text for word in words), (text, words)


def test_void_then_reverse(page: Any, server: Server) -> None:
    cid, tid, _ = seed(server)
    sign_in(page)
    page.goto(f"/admin/customers/{cid}")
    page.get_by_role("button", name=f"Void transaction {tid}").click()
    page.get_by_text("The transaction was voided.").wait_for()
    assert "voided" in page.locator(f"#txn-{tid}").inner_text()
    page.get_by_role("button", name=f"Reverse transaction {tid}").click()
    page.get_by_text("The void or chargeback was reversed.").wait_for()
    assert "approved" in page.locator(f"#txn-{tid}").inner_text()


def test_create_offer_landing_page_affiliate_and_copy_the_link(page: Any, server: Server) -> None:
    n = next(_seq)
    adv = api(
        server,
        "POST",
        "/api/advertiser/add_advertiser",
        username=f"brand{n}",
        password="password123",
        email=f"brand{n}@example.com",
    ).json()[0]["message"]["loginid"]
    sign_in(page)
    page.get_by_role("link", name="Offers").click()
    page.get_by_role("link", name="Create an offer").click()
    page.get_by_label("Offer name").fill(f"Trial {n}")
    page.get_by_label("Advertiser ID").fill(str(adv))
    page.get_by_label("Revenue per conversion").fill("29.95")
    page.get_by_label("Payout per conversion (flat)").fill("5.00")
    page.get_by_role("button", name="Create offer").click()
    page.get_by_role("heading", name=re.compile(f"Trial {n}")).wait_for()
    page.get_by_label("Landing page name").fill("Main")
    page.get_by_label("Landing page URL").fill(
        "https://shop.example/?c=%%click_hash%%&a=%%aff_id%%"
    )
    page.get_by_role("button", name="Add landing page").click()
    page.get_by_text("https://shop.example/?c=0192a4c3d5e6SAMPLEclickhash&a=1001").wait_for()
    screenshot(page, "offer")
    page.get_by_role("link", name="Affiliates").click()
    page.get_by_role("link", name="Create an affiliate").click()
    page.get_by_label("Username").fill(f"partner{n}")
    page.get_by_label("Password").fill("password123")
    page.get_by_label("E-mail").fill(f"partner{n}@example.com")
    page.get_by_role("button", name="Create affiliate").click()
    page.get_by_role("heading", name=re.compile(f"partner{n}")).wait_for()
    link = page.get_by_label("Link to Main").first.input_value()
    assert "/track/" in link
    page.get_by_role("button", name="Copy link to Main").first.click()
    page.get_by_text("Copied.").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link


def test_support_cannot_void(page: Any, server: Server) -> None:
    cid, tid, _ = seed(server)
    sign_in(page, "helper")
    page.goto(f"/admin/customers/{cid}")
    assert page.get_by_role("button", name=re.compile("^Void")).count() == 0
    page.get_by_role("button", name="Lock").wait_for()
    token = page.locator("input[name=csrf_token]").first.input_value()
    answer = page.request.post(
        f"/admin/customers/{cid}/transactions/{tid}/void", form={"csrf_token": token}
    )
    assert answer.status == 403
    page.goto("/admin/settings")
    page.get_by_role("heading", name="Not allowed").wait_for()


def test_keyboard_only_lock(page: Any, server: Server) -> None:
    cid, _, _ = seed(server)
    sign_in(page)
    page.goto(f"/admin/customers/{cid}")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Lock":
            break
    else:
        pytest.fail("Tab never reached the Lock button")
    page.keyboard.press("Enter")
    page.get_by_label("Reason").wait_for()
    assert page.evaluate("document.activeElement.id") == "reason"
    page.keyboard.type("keyboard only")
    page.keyboard.press("Enter")
    page.get_by_text("Locked by boss").wait_for()


def _converted_click(server: Server) -> tuple[int, str]:
    """A customer made by a real click (subaff and a pass-through) and its postback."""
    n = next(_seq)
    created = {
        "adv": api(server, "POST", "/api/advertiser/add_advertiser", username=f"acq{n}",
                   password="password123", email=f"acq{n}@example.com"),
        "aff": api(server, "POST", "/api/affiliate/add_affiliate", username=f"acqaff{n}",
                   password="password123", email=f"acqaff{n}@example.com", payvia="1"),
    }  # fmt: skip
    adv, aff = (created[k].json()[0]["message"]["loginid"] for k in ("adv", "aff"))
    offer = api(server, "POST", "/api/offer/add_offer", name=f"Acq {n}", advertiserid=adv)
    offerid = offer.json()[0]["message"]["offerid"]
    lp = api(
        server, "POST", "/api/offer/add_landing_page", name="Main", offerid=offerid,
        url="https://shop.example/?c=%%click_hash%%",
    )  # fmt: skip
    link = api(
        server, "GET", "/api/affiliate/get_single_link", loginid=aff, offerid=offerid,
        landing_pageid=lp.json()[0]["message"]["landing_pageid"],
    ).json()["message"]  # fmt: skip
    clicked = requests.get(
        link.replace(link.split("/track/")[0], server.url),
        params={"subaff": f"camp{n}", "cust_var": f"cv{n}"},
        headers={"Referer": "https://blog.example/post"},
        allow_redirects=False,
        timeout=10,
    )
    assert clicked.status_code == 302, (link, clicked.text)
    click_hash = clicked.headers["location"].split("c=", 1)[1]
    posted = requests.get(
        server.url + "/signup/process_pixel.php",
        params={"click_hash": click_hash, "orderid": f"ACQ-{n}"},
        timeout=10,
    )
    assert posted.status_code == 200, posted.text
    return int(posted.json()["customer_id"]), f"camp{n}"


def test_acquisition_shows_the_click(page: Any, server: Server) -> None:
    cid, subaff = _converted_click(server)
    sign_in(page)
    page.goto(f"/admin/customers/{cid}")
    block = page.get_by_role("region", name="Acquisition")
    block.get_by_text(f"subaff1: {subaff}").wait_for()
    block.get_by_text("https://blog.example/post").wait_for()
    assert "cust_var: cv" in block.inner_text()
    assert "Linkcode" in block.inner_text()


def test_failed_postbacks_are_listed_and_replayed(page: Any, server: Server) -> None:
    n = next(_seq)
    refused = requests.get(
        server.url + "/signup/process_pixel.php",
        params={"click_hash": f"gone{n}", "orderid": f"FP-{n}"},
        timeout=10,
    )
    assert refused.status_code == 404
    sign_in(page)
    page.get_by_role("link", name="Failed postbacks").click()
    page.get_by_label("Error code").fill(refused.json()["code"])
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row", name=re.compile(f"FP-{n}"))
    row.get_by_role("button", name=re.compile("^Replay post")).click()
    page.get_by_text(re.compile(r"refused again \(")).first.wait_for()
    assert "1, last by boss" in page.get_by_role("row", name=re.compile(f"FP-{n}")).inner_text()
    screenshot(page, "failed-postbacks")


MAIN_PAGES = (
    "/admin/",
    "/admin/customers",
    "/admin/offers",
    "/admin/offers/new",
    "/admin/affiliates",
    "/admin/advertisers",
    "/admin/reports/transactions",
    "/admin/reports/pnl",
    "/admin/reports/clicks",
    "/admin/reports/stats",
    "/admin/postbacks/failed",
    "/admin/settings",
)


def test_no_console_errors_or_failed_requests(page: Any, server: Server, watched: Watched) -> None:
    cid, _, _ = seed(server)
    sign_in(page)
    for path in (*MAIN_PAGES, f"/admin/customers/{cid}", "/admin/login", "/docs"):
        answer = page.goto(path)
        assert answer is not None, path
        assert answer.status == 200, path
        page.wait_for_load_state("networkidle")
    assert watched.errors == []
    assert watched.failed == []


def test_no_serious_accessibility_violations(page: Any, server: Server) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    cid, _, _ = seed(server)
    sign_in(page)
    problems = []
    for path in (*MAIN_PAGES, f"/admin/customers/{cid}"):
        page.goto(path)
        results = axe_module.Axe().run(page)
        for v in results.response["violations"]:
            if v["impact"] in ("serious", "critical"):
                problems.append(f"{path}: {v['id']} {v['help']}")
    assert problems == []
