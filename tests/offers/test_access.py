"""set_enabled_affiliates (private and requestable landers, enforced on the click and the links)
and store_offer_ips (many landing pages' IP lists at once)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from tests.support import ApiClient, assert_error
from tests.tracking.support import (
    add_advertiser,
    add_affiliate,
    add_landing_page,
    add_offer,
    ok,
)
from trackpost.core.http import Services
from trackpost.models.tables import landing_pages

ENABLE = "/api/offer/set_enabled_affiliates"
STORE = "/api/offer/store_offer_ips"
LINKS = "/api/affiliate/get_links"


def _code(api: ApiClient, loginid: str, lp: str) -> str:
    """The path of a link the affiliate has to the page (built whatever the page allows)."""
    return f"/track/{loginid}.0.0.{lp}.0.0.0.0.0.0.0.0"


def _clicks(http: TestClient, path: str) -> int:
    return int(http.get(path, follow_redirects=False).status_code)


def test_a_private_page_takes_clicks_only_from_enabled_affiliates(
    api: ApiClient, http: TestClient
) -> None:
    offer = add_offer(api, add_advertiser(api))
    private = add_landing_page(api, offer, "https://adv.example/vip", private="1")
    public = add_landing_page(api, offer, "https://adv.example/all")
    a, b = add_affiliate(api), add_affiliate(api)
    assert _clicks(http, _code(api, a, private)) == 404
    assert _clicks(http, _code(api, a, public)) == 302
    body = ok(api.patch(ENABLE, {"action": "enable", "loginids": a, "landing_pageids": private}))
    assert body == {"result": "Success", "message": {"landing_pageids": [private], "loginids": [a]}}
    assert _clicks(http, _code(api, a, private)) == 302
    assert _clicks(http, _code(api, b, private)) == 404
    # disable shuts even a public page to the affiliates named; revert restores the page's rule.
    ok(api.patch(ENABLE, {"action": "disable", "loginids": f"{a},{b}", "offerids": offer}))
    assert _clicks(http, _code(api, a, public)) == 404
    ok(api.patch(ENABLE, {"action": "revert", "all_users": "1", "all_landers": "1"}))
    assert _clicks(http, _code(api, a, public)) == 302
    assert _clicks(http, _code(api, a, private)) == 404
    single = {"loginid": a, "landing_pageid": private}
    assert_error(
        api.get("/api/affiliate/get_single_link", single), 409, "landing_page_private", private
    )


def test_get_links_lists_requestable_pages_without_a_link(api: ApiClient) -> None:
    adv = add_advertiser(api)
    offer = add_offer(api, adv, name="VIP offer")
    closed = add_landing_page(api, offer, "https://adv.example/c", private="1")
    askable = add_landing_page(api, offer, "https://adv.example/r", private="1", requestable="1")
    aff = add_affiliate(api)
    found = ok(api.get(LINKS, {"loginid": aff, "get_hidden": "2"}))["message"]
    assert list(found) == [askable]
    assert (found[askable]["link"], found[askable]["requestable"]) == (None, "1")
    ok(api.patch(ENABLE, {"action": "enable_requestable", "loginids": aff, "url_like": "/c"}))
    found = ok(api.get(LINKS, {"loginid": aff, "get_hidden": "2"}))["message"]
    assert list(found) == [closed, askable]
    ok(
        api.patch(
            ENABLE,
            {
                "action": "enable",
                "loginids[]": [aff],
                "advertiser_ids": adv,
                "offer_name_like": "vip",
            },
        )
    )
    found = ok(api.get(LINKS, {"loginid": aff, "get_hidden": "2"}))["message"]
    assert all(e["link"] and e["requestable"] == "0" for e in found.values())


def test_set_enabled_affiliates_refuses_what_names_nothing(api: ApiClient) -> None:
    aff = add_affiliate(api)
    assert_error(api.patch(ENABLE, {"action": "enable", "loginids": aff}), 400, "missing_parameter")
    resp = api.patch(ENABLE, {"action": "enable", "all_landers": "1"})
    assert_error(resp, 400, "missing_parameter", "all_users")
    resp = api.patch(ENABLE, {"action": "allow", "loginids": aff, "all_landers": "1"})
    assert_error(resp, 400, "invalid_parameter", "action")
    resp = api.patch(ENABLE, {"action": "enable", "loginids": "999", "all_landers": "1"})
    assert_error(resp, 400, "invalid_parameter", "999")


def test_store_offer_ips_fans_out_to_the_targets_pages(api: ApiClient, services: Services) -> None:
    adv = add_advertiser(api)
    offer = add_offer(api, adv)
    lp1 = add_landing_page(api, offer, "https://adv.example/1")
    lp2 = add_landing_page(api, offer, "https://adv.example/2")
    other = add_landing_page(api, add_offer(api, add_advertiser(api)), "https://adv.example/3")
    body = ok(
        api.patch(
            STORE,
            {
                "ips[postback_ips]": "203.0.113.7, 198.51.100.0/24",
                "ips[void_ips][]": ["192.0.2.1"],
                "targets[offerids]": offer,
            },
        )
    )
    expected = {
        "postback_ips": {"203.0.113.7": True, "198.51.100.0/24": True},
        "void_ips": {"192.0.2.1": True},
    }
    assert body == {"result": "Success", "message": {lp1: expected, lp2: expected}}
    with services.db.transaction(write=False) as conn:
        rows = {
            str(r.landing_pageid): (r.postback_ips, r.void_ips)
            for r in conn.execute(select(landing_pages))
        }
    assert rows[lp1] == rows[lp2] == ("203.0.113.7/32,198.51.100.0/24", "192.0.2.1/32")
    assert rows[other] == ("", "")
    # REMOVE empties a list; advertiser targets fan out too.
    body = ok(api.patch(STORE, {"ips[void_ips]": "REMOVE", "targets[advertiserids]": adv}))
    assert body["message"][lp1] == {"void_ips": {}}
    resp = api.patch(STORE, {"ips[hostnpost_ips]": "192.0.2.1", "targets[offerids]": offer})
    assert_error(resp, 400, "not_supported", "hostnpost_ips")
    assert_error(api.patch(STORE, {"targets[offerids]": offer}), 400, "missing_parameter", "ips")
