"""add_landing_page, edit_landing_page and add_tracking_domain."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.support import ApiClient, assert_error
from tests.tracking.support import add_advertiser, add_affiliate, add_offer, link, ok
from trackpost.core.http import Services
from trackpost.models.tables import landing_pages, tracking_domains

ADD = "/api/offer/add_landing_page"
EDIT = "/api/offer/edit_landing_page"


def lp_row(services: Services, lp: str) -> Any:
    with services.db.transaction(write=False) as conn:
        stmt = select(landing_pages).where(landing_pages.c.landing_pageid == int(lp))
        return conn.execute(stmt).mappings().one()


@pytest.fixture
def offerid(api: ApiClient) -> str:
    return add_offer(api, add_advertiser(api))


def test_add_landing_page_body_and_stored_fields(
    api: ApiClient, services: Services, offerid: str
) -> None:
    body = ok(
        api.post(
            ADD,
            {
                "name": "Main",
                "offerid": offerid,
                "url": "https://adv.example/l?ch=%%click_hash%%",
                "postback_ips": "203.0.113.7, 198.51.100.0/24",
                "void_ips": "",
                "conversion_type": "post",
                "private": "1",
                "disable_deep_linking": "TRUE",
            },
        )
    )
    lp = body[0]["message"]["landing_pageid"]
    assert body == [{"result": "Success", "message": {"landing_pageid": lp}}]
    row = lp_row(services, lp)
    assert row["url"] == "https://adv.example/l?ch=%%click_hash%%"
    assert row["postback_ips"] == "203.0.113.7/32,198.51.100.0/24"
    assert row["void_ips"] == ""
    assert (row["conversion_type"], row["private"], row["disable_deep_linking"]) == (
        "post",
        True,
        True,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("hostnpost_ips", "203.0.113.7"),
        ("redirect_hash", "geo-1"),
        ("disable_url_sanitization", "1"),
    ],
)
def test_settings_trackpost_cannot_enforce_are_refused(
    api: ApiClient, offerid: str, name: str, value: str
) -> None:
    data = {"name": "L", "offerid": offerid, "url": "https://adv.example/", name: value}
    assert_error(api.post(ADD, data), 400, "not_supported", name)
    lp = ok(api.post(ADD, {**data, name: ""}))[0]["message"]["landing_pageid"]
    assert_error(api.patch(EDIT, {"landing_pageid": lp, name: value}), 400, "not_supported", name)


@pytest.mark.parametrize("conversion_type", ["iframe", "image", "post"])
def test_every_vendor_conversion_type_is_kept_and_shown(
    api: ApiClient, services: Services, offerid: str, conversion_type: str
) -> None:
    data = {"name": "L", "offerid": offerid, "url": "https://adv.example/"}
    lp = ok(api.post(ADD, {**data, "conversion_type": conversion_type}))[0]["message"][
        "landing_pageid"
    ]
    assert lp_row(services, lp)["conversion_type"] == conversion_type
    shown = ok(
        api.get(
            "/api/offer/get_details",
            {"offerid": offerid, "return_columns": "conversion_type,landing_pages"},
        )
    )["message"][offerid]
    assert shown["landing_pages"][lp]["conversion_type"] == conversion_type
    assert shown["conversion_type"] == conversion_type  # the offer's first page
    ok(api.patch(EDIT, {"landing_pageid": lp, "conversion_type": "post"}))
    assert lp_row(services, lp)["conversion_type"] == "post"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("url", "javascript:alert(1)"),
        ("url", "/relative/path"),
        ("url", "https://%%subaff1%%.example/"),
        ("url", "https://user:pw@adv.example/"),
        ("url", "https://adv.example/a b"),
        ("postback_ips", "300.1.1.1"),
        ("void_ips", "10.0.0.0/99"),
        ("conversion_type", "pixel"),
        ("preview_url", "ftp://x.example/"),
    ],
)
def test_bad_values_are_400(api: ApiClient, offerid: str, name: str, value: str) -> None:
    data = {"name": "L", "offerid": offerid, "url": "https://adv.example/", name: value}
    assert_error(api.post(ADD, data), 400, "invalid_parameter", name)


def test_offer_must_exist(api: ApiClient) -> None:
    data = {"name": "L", "offerid": "999", "url": "https://adv.example/"}
    assert_error(api.post(ADD, data), 404, "offer_not_found", "999")
    assert_error(api.post(ADD, {"name": "L", "offerid": "1"}), 400, "missing_parameter", "url")


def test_edit_landing_page(api: ApiClient, services: Services, offerid: str) -> None:
    lp = ok(api.post(ADD, {"name": "L", "offerid": offerid, "url": "https://a.example/"}))[0][
        "message"
    ]["landing_pageid"]
    resp = api.patch(
        EDIT, {"landing_pageid": lp, "url": "https://b.example/", "void_ips": "10.1.2.3"}
    )
    assert ok(resp) == [{"result": "Success"}]
    row = lp_row(services, lp)
    assert (row["url"], row["name"], row["void_ips"]) == ("https://b.example/", "L", "10.1.2.3/32")
    assert_error(
        api.patch(EDIT, {"landing_pageid": "999", "name": "x"}), 404, "landing_page_not_found"
    )
    assert_error(
        api.patch(EDIT, {"landing_pageid": lp, "offerid": offerid}), 400, "unknown_parameter"
    )


def test_tracking_domain_is_used_for_links(
    api: ApiClient, services: Services, offerid: str
) -> None:
    resp = api.post(
        "/api/offer/add_tracking_domain",
        {"domain": "https://T.Example.com/", "redirect_domain": "https://www.example.com/"},
    )
    assert ok(resp) == {"result": "Success", "message": "Access modified"}
    # Adding it again updates its options.
    ok(
        api.post(
            "/api/offer/add_tracking_domain",
            {"domain": "https://t.example.com", "template_protect": "1"},
        )
    )
    with services.db.transaction(write=False) as conn:
        rows = list(conn.execute(select(tracking_domains)).mappings())
    assert [(r["domain"], r["template_protect"]) for r in rows] == [("https://t.example.com", True)]
    data = {"name": "L", "offerid": offerid, "url": "https://adv.example/"}
    assert_error(
        api.post(ADD, {**data, "tracking_domain": "https://nope.example"}),
        404,
        "tracking_domain_not_found",
    )
    lp = ok(api.post(ADD, {**data, "tracking_domain": "https://t.example.com"}))[0]["message"][
        "landing_pageid"
    ]
    aff = add_affiliate(api)
    url = link(api, loginid=aff, landing_pageid=lp)
    assert url.startswith("https://t.example.com/track/")
    assert_error(
        api.post("/api/offer/add_tracking_domain", {"domain": "https://t.example.com/path"}),
        400,
        "invalid_parameter",
        "domain",
    )


def test_a_tracking_domain_hides_what_is_no_link(api: ApiClient, http: TestClient) -> None:
    """redirect_domain and template_protect decide what a tracking domain shows at any other
    path: the API's own 404 never shows there."""
    add = "/api/offer/add_tracking_domain"
    ok(api.post(add, {"domain": "https://t.example.com", "redirect_domain": "https://www.ex.com"}))
    ok(api.post(add, {"domain": "https://p.example.com", "template_protect": "1"}))
    ok(api.post(add, {"domain": "https://plain.example.com"}))
    resp = http.get("/signup/", headers={"host": "t.example.com"}, follow_redirects=False)
    assert (resp.status_code, resp.headers["location"]) == (302, "https://www.ex.com")
    resp = http.get("/members", headers={"host": "p.example.com"})
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
    assert "unknown_endpoint" not in resp.text
    for host in ("plain.example.com", "other.example.com"):
        resp = http.get("/members", headers={"host": host})
        assert (resp.status_code, resp.json()["code"]) == (404, "unknown_endpoint")
    # The API keeps its own answers on every host.
    resp = http.get("/api/nope", headers={"host": "t.example.com"})
    assert resp.json()["code"] == "unknown_endpoint"
