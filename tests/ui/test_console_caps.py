"""An offer's conversion caps page: usage and status, add, edit, remove; admins only."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from tests.caps.support import OVERFLOW_URL, caps, status, visit
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from tests.ui.support import console_admin, sign_in
from trackpost.core.http import Services


def _post(http: TestClient, path: str, csrf: str, **data: str) -> Any:
    return http.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def _signed_in(http: TestClient, api: ApiClient, services: Services) -> tuple[Network, str, str]:
    net = build_network(api, services)
    console_admin(services.db, "boss")
    return net, sign_in(http, "boss"), f"/admin/offers/{net.offer}/caps"


NEW = {
    "cap": "2",
    "type": "Clicks",
    "duration": "Day",
    "timeframe_restriction": "None",
    "scope": "all",
    "redirect_type": "url",
    "redirect_url": OVERFLOW_URL,
    "enabled": "1",
}


def test_a_cap_is_added_shown_with_its_usage_edited_and_removed(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net, csrf, page = _signed_in(http, api, services)
    assert f'href="{page}"' in http.get(f"/admin/offers/{net.offer}").text
    assert "No cap limits this offer." in http.get(page).text

    added = _post(http, page, csrf, **NEW)
    assert added.status_code == 303
    assert added.headers["location"].startswith(page)
    [cap] = caps(net, offerid=net.offer)
    capid = cap["cap_redirect_id"]
    assert (cap["type"], cap["cap"], cap["redirect_url"]) == ("Clicks", "2", OVERFLOW_URL)
    for n in range(2):
        visit(net, ip=f"10.1.0.{n}")
    shown = http.get(page).text
    assert f'id="cap-{capid}"' in shown
    assert "2 of 2" in shown
    assert "Reached" in shown

    edited = _post(http, f"{page}/{capid}", csrf, **{**NEW, "cap": "5", "enabled": ""})
    assert edited.status_code == 303
    [found] = caps(net, offerid=net.offer, enabled="0")
    assert (found["cap"], found["usage"], found["reached"], found["enabled"]) == (
        "5",
        "2",
        "0",
        "0",
    )
    shown = http.get(page).text
    assert "2 of 5" in shown
    assert "Disabled" in shown
    assert "Reached" not in shown

    removed = _post(http, f"{page}/{capid}/remove", csrf)
    assert removed.status_code == 303
    [gone] = caps(net, offerid=net.offer, deleted="1")
    assert gone["cap_redirect_id"] == capid
    assert f'id="cap-{capid}"' not in http.get(page).text


def test_refused_forms_say_why_and_keep_what_was_typed(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net, csrf, page = _signed_in(http, api, services)
    no_url = _post(http, page, csrf, **{**NEW, "redirect_url": "", "cap": "17"})
    assert no_url.status_code == 400
    assert "redirect_url" in no_url.text
    assert 'value="17"' in no_url.text
    no_one = _post(http, page, csrf, **{**NEW, "scope": "one"})
    assert no_one.status_code == 400
    assert "loginid" in no_one.text
    assert caps(net, offerid=net.offer) == []

    assert _post(http, page, csrf, **NEW).status_code == 303
    [cap] = caps(net, offerid=net.offer)
    capid = cap["cap_redirect_id"]
    typo = _post(http, f"{page}/{capid}", csrf, **{**NEW, "cap": "lots"})
    assert typo.status_code == 400
    assert "whole number" in typo.text
    assert 'value="lots"' in typo.text
    assert "<details open>" in typo.text  # the edited cap's form, open again
    assert status(net, int(capid))["cap"] == "2"


def test_scopes_each_affiliate_and_the_advertisers_caps(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net, csrf, page = _signed_in(http, api, services)
    one = {
        **NEW,
        "type": "Dollars",
        "cap": "25.00",
        "scope": "one",
        "affiliate": str(net.affiliate),
    }
    assert _post(http, page, csrf, **one).status_code == 303
    each = {**NEW, "type": "Conversions", "cap": "3", "scope": "each", "redirect_type": "notify"}
    assert _post(http, page, csrf, **each).status_code == 303
    mine, per = caps(net, offerid=net.offer)
    assert (mine["loginid"], mine["type"], mine["cap"]) == (str(net.affiliate), "Dollars", "25.00")
    assert (per["loginid"], per["redirect_type"]) == ("each", "notify")
    # The conversion comes from the advertiser's server: the console's session stays signed in.
    click = visit(net, ip="10.2.0.9").headers["location"]
    sale = net.post(click_hash=parse_qs(urlsplit(click).query)["ch"][0], _ip="10.2.0.10")
    assert sale.status_code == 200, sale.text
    shown = http.get(page).text
    assert f"Affiliate {net.affiliate}: 1 of 3" in shown
    assert "9.95 of 25.00" in shown

    # An advertiser's cap covers the offer: listed here too, and may be edited from here.
    resp = api.post(
        "/api/offer/add_conversion_cap",
        {"advertiserid": net.advertiser, "cap": "9", "type": "Clicks"},
    )
    adv = resp.json()["message"]["cap_redirect_id"]
    shown = http.get(page).text
    assert f"advertiser {net.advertiser}'s, all its offers" in shown
    assert _post(http, f"{page}/{adv}", csrf, **{**NEW, "cap": "10"}).status_code == 303
    assert status(net, int(adv))["cap"] == "10"


def test_a_cap_of_another_offer_is_not_this_pages(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    _net, csrf, page = _signed_in(http, api, services)
    other = build_network(api, services)
    resp = api.post(
        "/api/offer/add_conversion_cap", {"offerid": other.offer, "cap": "4", "type": "Clicks"}
    )
    capid = resp.json()["message"]["cap_redirect_id"]
    for action in (f"{page}/{capid}", f"{page}/{capid}/remove"):
        refused = _post(http, action, csrf, **NEW)
        assert refused.status_code == 404, action
        assert "cap_not_found" in refused.text or f"No cap {capid}" in refused.text
    assert status(other, int(capid))["cap"] == "4"
    assert http.get("/admin/offers/987654/caps").status_code == 404


def test_support_may_neither_see_nor_change_caps(http: TestClient, services: Services) -> None:
    console_admin(services.db, "helper", role="support")
    csrf = sign_in(http, "helper")
    page = "/admin/offers/1/caps"
    refused = http.get(page)
    assert refused.status_code == 403
    assert "forbidden_for_role" in refused.text
    for action in (page, f"{page}/1", f"{page}/1/remove"):
        refused = _post(http, action, csrf, **NEW)
        assert refused.status_code == 403, action
        assert "forbidden_for_role" in refused.text


def test_forms_without_the_csrf_token_are_refused(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    net, _csrf, page = _signed_in(http, api, services)
    refused = http.post(page, data=NEW, follow_redirects=False)
    assert refused.status_code == 403
    assert "csrf_refused" in refused.text
    assert caps(net, offerid=net.offer) == []
