"""HTML responses carry security headers, and /track never redirects anywhere an attacker chooses."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import Admin, make_admin
from tests.security.conftest import BuildApp
from tests.security.endpoints import concrete_path, served_routes
from tests.security.world import World
from tests.support import ApiClient
from trackpost.core.http import Services

LANDER_HOST = "lander.example.com"
EVIL = "evil.example"


def assert_html_headers(resp: httpx.Response) -> None:
    """A page that cannot be framed, sniffed into something else, or leak the URL it came from."""
    h = resp.headers
    csp = h.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp or h.get("x-frame-options") == "DENY", dict(h)
    assert "default-src" in csp, dict(h)
    assert h.get("x-content-type-options") == "nosniff", dict(h)
    assert h.get("referrer-policy") in ("no-referrer", "same-origin", "strict-origin"), dict(h)


def test_every_html_response_carries_security_headers(http: TestClient, admin: Admin) -> None:
    seen_html = 0
    for method, template in served_routes(http.app):
        for path in (concrete_path(template), concrete_path(template, "<script>")):
            for headers in ({}, admin.headers):
                resp = http.request(method, path, headers=headers, follow_redirects=False)
                if resp.headers.get("content-type", "").startswith("text/html"):
                    seen_html += 1
                    assert_html_headers(resp)
                    assert "<script>alert" not in resp.text
    assert seen_html, "expected at least /docs to answer with HTML"


def test_docs_page_headers(http: TestClient) -> None:
    resp = http.get("/docs")
    assert resp.status_code == 200
    assert_html_headers(resp)


def _location(resp: httpx.Response) -> str:
    assert resp.status_code in (301, 302, 303, 307, 308), (resp.status_code, resp.text[:200])
    return resp.headers["location"]


@pytest.fixture
def link(http: TestClient, api: ApiClient, services: Services) -> str:
    """The /track path of an affiliate link to a page on lander.example.com."""
    return World(api, http, services).link_path()


DEEP_LINKS = (
    f"//{EVIL}/x",
    f"/{EVIL}",
    f"https://{EVIL}/",
    f"%2F%2F{EVIL}",
    f"%5C%5C{EVIL}",
    f"@{EVIL}",
    f"..%2F..%2F@{EVIL}",
    "%0d%0aSet-Cookie:%20a=b",
)
REDIRECT_PARAMS = ("url", "redirect", "next", "return", "dest", "goto", "u")


def test_deep_link_paths_stay_on_the_landing_host(http: TestClient, link: str) -> None:
    for deep in DEEP_LINKS:
        resp = http.get(f"{link}/{deep}", follow_redirects=False)
        if resp.status_code == 404:
            continue
        location = _location(resp)
        target = urlsplit(location)
        assert (target.scheme, target.hostname) == ("https", LANDER_HOST), (deep, location)
        assert "\r" not in location
        assert "\n" not in location
        assert all("a=b" not in c for c in resp.headers.get_list("set-cookie")), deep


def test_query_parameters_cannot_choose_the_destination(http: TestClient, link: str) -> None:
    for name in REDIRECT_PARAMS:
        resp = http.get(link, params={name: f"https://{EVIL}/"}, follow_redirects=False)
        assert urlsplit(_location(resp)).hostname == LANDER_HOST, name


def test_macro_values_cannot_break_out_of_their_parameter(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    world = World(api, http, services)
    page = api.post(
        "/api/offer/add_landing_page",
        {
            "name": "macro page",
            "offerid": world.offer(),
            "url": f"https://{LANDER_HOST}/?s=%%subaff1%%&ch=%%click_hash%%",
        },
    )
    assert page.status_code == 200, page.text
    lpid = page.json()[0]["message"]["landing_pageid"]
    params = {"loginid": world.affiliate(), "offerid": world.offer(), "landing_pageid": lpid}
    code_url = api.get("/api/affiliate/get_single_link", params).json()["message"]
    hostile = f"x&next=https://{EVIL}/#frag"
    resp = http.get(urlsplit(code_url).path, params={"subaff1": hostile}, follow_redirects=False)
    target = urlsplit(_location(resp))
    assert target.hostname == LANDER_HOST
    query = parse_qs(target.query)
    assert query["s"] == [hostile]
    assert "next" not in query
    assert not target.fragment


def test_unknown_codes_go_only_to_the_operators_fallback(build_app: BuildApp) -> None:
    built = build_app(track_fallback_url="https://network.example.com/")
    make_admin(built.services, "ops")
    client = built.client()
    for path in ("/track/nonsense", f"/track/nonsense/{quote('//' + EVIL)}"):
        resp = client.get(path, params={"url": f"https://{EVIL}"}, follow_redirects=False)
        assert _location(resp) == "https://network.example.com/"


def test_landing_pages_only_point_at_web_addresses(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    """The redirect target itself cannot be a script or a scheme-relative URL."""
    offer = World(api, http, services).offer()
    for url in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>", f"//{EVIL}/"):
        data = {"name": "bad", "offerid": offer, "url": url}
        resp = api.post("/api/offer/add_landing_page", data)
        assert 400 <= resp.status_code < 500, (url, resp.text)
