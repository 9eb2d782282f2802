"""Where a click may and may not go: dead codes, blocked affiliates, paused offers, the cache."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from tests.support import ApiClient
from tests.tracking.support import add_landing_page, add_offer, click_rows, code_of, network, ok
from trackpost.app import build_services, create_app
from trackpost.core.config import Settings
from trackpost.core.http import Services


def track(client: TestClient, target: str, method: str = "GET") -> httpx.Response:
    resp: httpx.Response = client.request(method, target, follow_redirects=False)
    return resp


def assert_dead_end(resp: httpx.Response) -> None:
    """The plain 404 page: no stack trace, nothing to run, no referrer leaked."""
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "text/html; charset=utf-8"
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert resp.headers["cache-control"] == "no-store"
    csp = resp.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "location" not in resp.headers
    assert "set-cookie" not in resp.headers
    assert b"Link not found" in resp.content
    assert b"Traceback" not in resp.content


@pytest.fixture
def net(api: ApiClient) -> dict[str, str]:
    return network(api, "https://adv.example/land?ch=%%click_hash%%&aff=%%aff_id%%")


@pytest.fixture
def code(api: ApiClient, net: dict[str, str]) -> str:
    return code_of(api, loginid=net["loginid"], offerid=net["offerid"])


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_unknown_and_malformed_codes_are_plain_404s(
    api: ApiClient, http: TestClient, services: Services, net: dict[str, str]
) -> None:
    aff, offer, lp, adv = net["loginid"], net["offerid"], net["landing_pageid"], net["advertiserid"]
    other_offer = add_offer(api, adv)
    for target in (
        "/track/garbage!",
        "/track/" + "A" * 500,
        "/track/" + _b64("not ids at all"),
        f"/track/{_b64(f'999.0.{offer}.{lp}.0.0.0.0.0.0.0.0')}",  # unknown affiliate
        f"/track/{_b64(f'{adv}.0.{offer}.{lp}.0.0.0.0.0.0.0.0')}",  # not an affiliate
        f"/track/{_b64(f'{aff}.0.999.0.0.0.0.0.0.0.0.0')}",  # unknown offer
        f"/track/{_b64(f'{aff}.0.{offer}.999.0.0.0.0.0.0.0.0')}",  # unknown landing page
        f"/track/{_b64(f'{aff}.0.{other_offer}.{lp}.0.0.0.0.0.0.0.0')}",  # page of another offer
        f"/track/{_b64(f'{aff}.0.{other_offer}.0.0.0.0.0.0.0.0.0')}",  # offer without pages
        f"/track/{_b64(f'{aff}.0.0.0.0.0.0.0.0.0.0.0')}",  # names nothing
        "/track/%00",
    ):
        assert_dead_end(track(http, target))
    assert click_rows(services) == []


@pytest.mark.parametrize(
    ("status", "works"), [(0, True), (1, False), (2, False), (3, True), (4, True), (5, False)]
)
def test_affiliate_status_decides(
    api: ApiClient,
    http: TestClient,
    services: Services,
    net: dict[str, str],
    code: str,
    status: int,
    works: bool,
) -> None:
    assert track(http, f"/track/{code}").status_code == 302  # cached as working
    ok(
        api.patch(
            "/api/affiliate/edit_affiliate", {"loginid": net["loginid"], "status": str(status)}
        )
    )
    resp = track(http, f"/track/{code}")
    if works:
        assert resp.status_code == 302
        assert len(click_rows(services)) == 2
    else:
        assert_dead_end(resp)
        assert len(click_rows(services)) == 1


def test_fallback_url_replaces_the_404_page(settings: Settings, net: dict[str, str]) -> None:
    custom = settings.replace(track_fallback_url="https://network.example/oops")
    svc = build_services(custom, pool_size=1)
    try:
        with TestClient(create_app(custom, svc)) as client:
            resp = track(client, "/track/nonsense")
        assert resp.status_code == 302
        assert resp.headers["location"] == "https://network.example/oops"
        assert resp.headers["cache-control"] == "no-store"
        assert "set-cookie" not in resp.headers
    finally:
        svc.close()


def test_paused_offer_goes_to_its_expiration_page_without_a_click(
    api: ApiClient, http: TestClient, services: Services, net: dict[str, str], code: str
) -> None:
    other = add_offer(api, net["advertiserid"])
    expire_lp = add_landing_page(
        api, other, "https://other.example/x?ch=%%click_hash%%&aff=%%aff_id%%"
    )
    ok(
        api.patch(
            "/api/offer/pause_offer",
            {"offerid": net["offerid"], "expiration_landing_page_id": expire_lp},
        )
    )
    resp = track(http, f"/track/{code}/deep/path")
    assert resp.status_code == 302
    assert resp.headers["location"] == f"https://other.example/x?ch=&aff={net['loginid']}"
    assert "set-cookie" not in resp.headers
    assert click_rows(services) == []
    ok(api.patch("/api/offer/activate_offer", {"offerid": net["offerid"]}))
    resp = track(http, f"/track/{code}")
    assert resp.headers["location"].startswith("https://adv.example/land?ch=")
    assert len(click_rows(services)) == 1


def test_paused_offer_with_expire_url_or_nothing(
    api: ApiClient, http: TestClient, services: Services, net: dict[str, str], code: str
) -> None:
    ok(
        api.patch(
            "/api/offer/pause_offer",
            {"offerid": net["offerid"], "expire_url": "https://adv.example/sold-out"},
        )
    )
    assert track(http, f"/track/{code}").headers["location"] == "https://adv.example/sold-out"
    ok(api.patch("/api/offer/edit_offer", {"offerid": net["offerid"], "expire_url": "REMOVE"}))
    assert_dead_end(track(http, f"/track/{code}"))
    assert click_rows(services) == []


def test_offer_dates_decide_availability(
    api: ApiClient, http: TestClient, services: Services, net: dict[str, str], code: str
) -> None:
    offer = net["offerid"]
    ok(
        api.patch(
            "/api/offer/edit_offer",
            {
                "offerid": offer,
                "date_expire": "2001-01-01",
                "expire_url": "https://adv.example/gone",
            },
        )
    )
    assert track(http, f"/track/{code}").headers["location"] == "https://adv.example/gone"
    ok(
        api.patch(
            "/api/offer/edit_offer",
            {"offerid": offer, "date_expire": "REMOVE", "date_live": "2099-01-01"},
        )
    )
    assert track(http, f"/track/{code}").headers["location"] == "https://adv.example/gone"
    ok(api.patch("/api/offer/edit_offer", {"offerid": offer, "date_live": "2001-01-01"}))
    assert track(http, f"/track/{code}").headers["location"].startswith("https://adv.example/land")
    assert len(click_rows(services)) == 1


@pytest.fixture
def second_worker(settings: Settings) -> Iterator[TestClient]:
    """Another worker process's view of the same database: its own services and cache."""
    svc = build_services(settings, pool_size=1)
    with TestClient(create_app(settings, svc)) as client:
        yield client
    svc.close()


def test_changes_reach_every_workers_cache(
    api: ApiClient, http: TestClient, second_worker: TestClient, net: dict[str, str], code: str
) -> None:
    assert (
        track(second_worker, f"/track/{code}")
        .headers["location"]
        .startswith("https://adv.example/land")
    )
    ok(
        api.patch(
            "/api/offer/edit_landing_page",
            {
                "landing_pageid": net["landing_pageid"],
                "url": "https://new.example/?h=%%click_hash%%",
            },
        )
    )
    assert (
        track(second_worker, f"/track/{code}")
        .headers["location"]
        .startswith("https://new.example/?h=")
    )
    ok(api.patch("/api/offer/pause_offer", {"offerid": net["offerid"]}))
    assert_dead_end(track(second_worker, f"/track/{code}"))
    ok(api.patch("/api/offer/activate_offer", {"offerid": net["offerid"]}))
    assert track(second_worker, f"/track/{code}").status_code == 302


def test_a_code_cached_as_unknown_works_once_its_affiliate_exists(
    api: ApiClient, http: TestClient, net: dict[str, str]
) -> None:
    future = int(net["loginid"]) + 1
    code = _b64(f"{future}.0.{net['offerid']}.{net['landing_pageid']}.0.0.0.0.0.0.0.0")
    assert_dead_end(track(http, f"/track/{code}"))
    ok(
        api.post(
            "/api/affiliate/add_affiliate",
            {"username": "late", "password": "late-secret", "email": "l@x.example", "payvia": "1"},
        )
    )
    assert track(http, f"/track/{code}").status_code == 302


def test_link_parameters_cannot_redirect_elsewhere(
    api: ApiClient, http: TestClient, net: dict[str, str]
) -> None:
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    for hostile in ("https://evil.example", "//evil.example", "\r\nLocation: https://evil.example"):
        resp = http.get(
            f"/track/{code}",
            params={"subaff": hostile, "url": hostile, "redirect": hostile},
            follow_redirects=False,
        )
        location = resp.headers["location"]
        assert location.startswith("https://adv.example/land?ch=")
        assert "evil.example" not in location.split("?", 1)[0]
        assert "\r" not in location
        assert "\n" not in location
