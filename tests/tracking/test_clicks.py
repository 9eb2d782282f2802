"""GET/HEAD /track/<code>[/<path>]: the click, its redirect header by header, and its record."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from tests.support import ApiClient
from tests.tracking.support import click_rows, code_of, network
from trackpost.app import build_services, create_app
from trackpost.core.config import Settings, parse_networks
from trackpost.core.http import Services
from trackpost.core.security import new_click_hash

MACRO_URL = (
    "https://adv.example/land?ch=%%click_hash%%&aff=%%aff_id%%&o=%%offer_id%%"
    "&lp=%%landing_page_id%%&s1=%%subaff1%%&s2=%%subaff2%%&s3=%%subaff3%%&s4=%%subaff4%%"
    "&s5=%%subaff5%%&oc=%%_ocid%%&keep=%%theirs%%"
)
HASH_RE = re.compile(r"^[0-9a-f]{12}[A-Za-z0-9_-]{20}$")


def track(client: TestClient, target: str, method: str = "GET", **kw: object) -> httpx.Response:
    resp: httpx.Response = client.request(method, target, follow_redirects=False, **kw)  # type: ignore[arg-type]
    return resp


@pytest.fixture
def net(api: ApiClient) -> dict[str, str]:
    return network(api, MACRO_URL)


@pytest.fixture
def code(api: ApiClient, net: dict[str, str]) -> str:
    return code_of(api, loginid=net["loginid"], offerid=net["offerid"])


def test_click_redirects_with_macros_cookie_and_record(
    http: TestClient, services: Services, net: dict[str, str], code: str
) -> None:
    resp = track(
        http,
        f"/track/{code}",
        params={"subaff": "a b", "subaff2": "x&y=z", "subaff5": "5", "_ocid": "click/1"},
        headers={"User-Agent": "Mozilla/5.0 test", "Referer": "https://pub.example/page"},
    )
    assert resp.status_code == 302
    assert resp.content == b""
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["x-request-id"]
    location = resp.headers["location"]
    click_hash = parse_qs(urlsplit(location).query)["ch"][0]
    assert HASH_RE.match(click_hash)
    assert location == (
        f"https://adv.example/land?ch={click_hash}&aff={net['loginid']}&o={net['offerid']}"
        f"&lp={net['landing_pageid']}&s1=a%20b&s2=x%26y%3Dz&s3=&s4=&s5=5&oc=click%2F1"
        "&keep="
    )
    assert resp.headers["set-cookie"] == (
        f"tp_click={click_hash}; Max-Age=2592000; Path=/; HttpOnly; SameSite=Lax"
    )
    [row] = click_rows(services)
    assert row["click_hash"] == click_hash
    assert (row["loginid"], row["offerid"], row["landing_pageid"]) == (
        int(net["loginid"]),
        int(net["offerid"]),
        int(net["landing_pageid"]),
    )
    assert (row["programid"], row["campaignid"], row["adtoolid"]) == (0, 0, 0)
    assert (row["subaff1"], row["subaff2"], row["subaff3"], row["subaff5"]) == (
        "a b",
        "x&y=z",
        None,
        "5",
    )
    assert (row["ocid"], row["subids"]) == ("click/1", None)
    assert row["ip"] == "testclient"
    assert row["user_agent"] == "Mozilla/5.0 test"
    assert row["referrer"] == "https://pub.example/page"
    assert row["created_at"].tzinfo is not None


def test_a_landing_page_with_non_ascii_characters_redirects_percent_encoded(
    http: TestClient, services: Services, api: ApiClient
) -> None:
    """An IRI landing page is sent as its URI (UTF-8 escapes), never a 500 after the click."""
    net = network(api, "https://shop.example/日本/ü?ch=%%click_hash%%&q=a%20b")
    resp = track(http, f"/track/{code_of(api, loginid=net['loginid'], offerid=net['offerid'])}")
    assert resp.status_code == 302
    location = resp.headers["location"]
    assert location.startswith("https://shop.example/%E6%97%A5%E6%9C%AC/%C3%BC?ch=")
    assert location.endswith("&q=a%20b")
    assert len(click_rows(services)) == 1


def test_every_click_gets_a_fresh_hash(http: TestClient, services: Services, code: str) -> None:
    hashes = {track(http, f"/track/{code}").headers["set-cookie"].split(";")[0] for _ in range(5)}
    assert len(hashes) == 5
    assert len(click_rows(services)) == 5


def test_click_hashes_are_unguessable_and_sort_in_creation_order() -> None:
    """12 hex digits of time then 120 random bits: unique, URL-safe, and later ones sort later."""
    first = [new_click_hash() for _ in range(500)]
    time.sleep(0.002)
    later = new_click_hash()
    assert len(set(first)) == 500
    assert all(HASH_RE.match(h) for h in first)
    assert later > max(first)
    assert int(later[:12], 16) == pytest.approx(time.time() * 1000, abs=5000)


def test_head_shows_the_redirect_but_records_no_click(
    http: TestClient, services: Services, code: str
) -> None:
    """Link-preview bots send HEAD: they learn where the link goes and count for nothing."""
    resp = track(http, f"/track/{code}", method="HEAD")
    assert resp.status_code == 302
    assert resp.headers["location"].startswith("https://adv.example/land?ch=")
    assert "set-cookie" not in resp.headers
    assert click_rows(services) == []


def test_a_click_may_be_posted(http: TestClient, services: Services, code: str) -> None:
    resp = track(http, f"/track/{code}?subaff=q", method="POST", data={"subaff2": "form"})
    assert resp.status_code == 302
    assert "HttpOnly" in resp.headers["set-cookie"]
    query = parse_qs(urlsplit(resp.headers["location"]).query)
    assert (query["s1"], query["s2"]) == (["q"], ["form"])
    deep = track(http, f"/track/{code}/shop/1", method="POST")
    assert deep.status_code == 302
    assert len(click_rows(services)) == 2


def test_https_clicks_get_a_secure_cookie(
    settings: Settings, services: Services, code: str
) -> None:
    with TestClient(create_app(settings, services), base_url="https://t.example") as client:
        resp = track(client, f"/track/{code}")
    assert resp.headers["set-cookie"].endswith("; HttpOnly; SameSite=Lax; Secure")


def test_secure_behind_a_trusted_proxy_only(settings: Settings, code: str) -> None:
    trusted = settings.replace(trusted_proxies=parse_networks("10.0.0.0/8", "proxies"))
    svc = build_services(trusted, pool_size=1)
    try:
        app = create_app(trusted, svc)
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
        with TestClient(app, client=("10.1.1.1", 5000)) as proxied:
            resp = track(proxied, f"/track/{code}", headers=headers)
            assert resp.headers["set-cookie"].endswith("; Secure")
        with TestClient(app, client=("192.0.2.1", 5000)) as direct:
            resp = track(direct, f"/track/{code}", headers=headers)
            assert "Secure" not in resp.headers["set-cookie"]
        ips = [r["ip"] for r in click_rows(svc)]
        assert ips == ["198.51.100.4", "192.0.2.1"]
    finally:
        svc.close()


def test_cookie_name_and_lifetime_are_settings(settings: Settings, code: str) -> None:
    custom = settings.replace(click_cookie_name="aff_click", click_cookie_days=7)
    svc = build_services(custom, pool_size=1)
    try:
        with TestClient(create_app(custom, svc)) as client:
            cookie = track(client, f"/track/{code}").headers["set-cookie"]
        assert cookie.startswith("aff_click=")
        assert "; Max-Age=604800;" in cookie
    finally:
        svc.close()


def test_any_host_is_answered(http: TestClient, code: str) -> None:
    for host in ("t.example.com", "another-domain.example:8080"):
        resp = track(http, f"/track/{code}", headers={"Host": host})
        assert resp.status_code == 302


def test_deep_link_path_is_appended(api: ApiClient, http: TestClient) -> None:
    net = network(api, "https://adv.example/shop/?ch=%%click_hash%%")
    code = code_of(api, loginid=net["loginid"], landing_pageid=net["landing_pageid"])
    resp = track(http, f"/track/{code}/products/42 x.html", params={"subaff": "s"})
    location = resp.headers["location"]
    assert location.startswith("https://adv.example/shop/products/42%20x.html?ch=")
    # Nothing in the path can move the redirect off the landing page's host.
    for hostile in ("//evil.example/x", "/..//evil.example", "@evil.example", "%2F%2Fevil.example"):
        resp = track(http, f"/track/{code}/{hostile}")
        assert urlsplit(resp.headers["location"]).netloc == "adv.example", hostile
    resp = track(http, f"/track/{code}/")
    assert resp.headers["location"].startswith("https://adv.example/shop/?ch=")


def test_deep_linking_can_be_disabled(api: ApiClient, http: TestClient) -> None:
    net = network(api, "https://adv.example/land")
    api.patch(
        "/api/offer/edit_landing_page",
        {"landing_pageid": net["landing_pageid"], "disable_deep_linking": "1"},
    )
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    assert track(http, f"/track/{code}/deep/page").headers["location"] == "https://adv.example/land"


def test_unencoded_and_unpadded_codes_work(
    api: ApiClient, http: TestClient, net: dict[str, str]
) -> None:
    base = {"loginid": net["loginid"], "offerid": net["offerid"]}
    dotted = code_of(api, **base, style="unencoded")
    assert track(http, f"/track/{dotted}").status_code == 302
    encoded = code_of(api, **base)
    assert track(http, f"/track/{encoded.rstrip('=')}").status_code == 302
    # An offer-only code (landing page 0) goes to the offer's default landing page.
    offer_only = f"{net['loginid']}.0.{net['offerid']}.0.0.0.0.0.0.0.0.0"
    location = track(http, f"/track/{offer_only}").headers["location"]
    assert f"&lp={net['landing_pageid']}&" in location


def test_long_values_are_truncated_not_refused(
    http: TestClient, services: Services, code: str
) -> None:
    resp = track(
        http,
        f"/track/{code}",
        params={"subaff": "s" * 1000, "subids": "i" * 300},
        headers={"User-Agent": "u" * 2000, "Referer": "https://r.example/" + "r" * 5000},
    )
    assert resp.status_code == 302
    [row] = click_rows(services)
    assert (len(row["subaff1"]), len(row["subids"])) == (255, 255)
    assert (len(row["user_agent"]), len(row["referrer"])) == (512, 2048)


@pytest.mark.parametrize(
    "tail",
    [
        "?subaff=%E9",  # percent-escape that is not UTF-8
        "?subaff=a%00b",  # NUL
        "?subaff=1&subaff=2",  # sent twice
        "?a[b]=1&a=2",  # a value and a group
        "/deep/%E9.html",  # deep link that is not UTF-8
    ],
)
def test_a_malformed_click_still_reaches_the_landing_page(
    http: TestClient, services: Services, code: str, tail: str
) -> None:
    """A visitor's browser gets a redirect, never a JSON error, and the click is recorded."""
    before = len(click_rows(services))
    resp = track(http, f"/track/{code}{tail}")
    assert resp.status_code == 302, resp.text
    assert urlsplit(resp.headers["location"]).netloc == "adv.example"
    assert len(click_rows(services)) == before + 1


def test_a_malformed_unknown_click_gets_the_404_page(http: TestClient) -> None:
    resp = track(http, "/track/nope?x=%E9")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("text/html")
