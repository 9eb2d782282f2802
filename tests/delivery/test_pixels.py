"""Image and iframe pixels: rendered into pixels.js and pixels.html only where the page converts
by iframe, escaped for their context, and allowed only on offers that convert by iframe."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from tests.conftest import BuildApp
from tests.delivery.conftest import Outbound, make_outbound
from tests.postbacks.network import Network, build_network
from tests.support import assert_error

HOSTILE = "\"'></script><script>alert(1)</script>\u2028&"


def _page_type(out: Outbound, net: Network, conversion_type: str) -> None:
    resp = out.api.patch(
        "/api/offer/edit_landing_page",
        {"landing_pageid": net.landing_page, "conversion_type": conversion_type},
    )
    assert resp.status_code == 200, resp.text


def _pixel(out: Outbound, net: Network, kind: str, url: str, **extra: object) -> None:
    resp = out.api.post(
        "/api/affiliate/add_postback",
        {"loginid": net.affiliate, "event": "conversion", "url": url, "type": kind, **extra},
    )
    assert resp.status_code == 200, resp.text


def _script_sources(text: str) -> list[tuple[str, str]]:
    """(tag, src) of each pixel the script adds, its string literals decoded as JS would."""
    assert "</script" not in text.lower()
    assert "\u2028" not in text
    found = re.findall(r"createElement\('(\w+)'\);e\.src=(\"(?:[^\"\\]|\\.)*\");", text)
    return [(tag, json.loads(literal)) for tag, literal in found]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        src = dict(attrs).get("src")
        if src is not None:
            self.tags.append((tag, src))


@pytest.mark.parametrize("conversion_type", ["iframe", "post", "image"])
def test_pixels_render_only_where_the_page_converts_by_iframe(
    build_app: BuildApp, conversion_type: str
) -> None:
    out = make_outbound(build_app)
    net = build_network(out.api, out.built.services)
    _page_type(out, net, "iframe")  # pixels may be added while it converts by iframe
    image = "https://pix.example.com/i?t=%%transid%%&c=%%commission%%&s=%%subaff1%%"
    _pixel(out, net, "image", image, offerid=net.offer)
    _pixel(out, net, "iframe", "https://pix.example.com/f?ch=%%click_hash%%&r=%%subaff1|raw%%")
    _page_type(out, net, conversion_type)
    click = net.click(subaff1=HOSTILE)
    body = net.convert(click_hash=click)
    script = net.http.get("/signup/pixels.js", params={"click_hash": click})
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert script.headers["cache-control"] == "no-store"
    page = net.http.get("/signup/pixels.html", params={"click_hash": click})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    parsed = _Tags()
    parsed.feed(page.text)
    if conversion_type != "iframe":
        # No browser page to put a pixel in: server postbacks only, as the vendor rules.
        assert script.text.strip() == ""
        assert parsed.tags == []
        return
    expected = [
        (
            "img",
            f"https://pix.example.com/i?t={body['transactionid']}&c=5.00&s="
            + ("%22%27%3E%3C%2Fscript%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E%E2%80%A8%26"),
        ),
        ("iframe", f"https://pix.example.com/f?ch={click}&r={HOSTILE}"),
    ]
    assert sorted(_script_sources(script.text)) == sorted(expected)
    assert sorted(parsed.tags) == sorted(expected)  # the parser unescapes what the page escaped
    assert "<script" not in page.text
    # Pixels are the browser's: they never enter the server's outbox.
    out.deliver()
    assert out.deliveries() == []


def test_pixels_need_a_real_click_hash(out: Outbound) -> None:
    for path in ("/signup/pixels.js", "/signup/pixels.html"):
        assert_error(
            out.net.http.get(path, params={"click_hash": "nope"}),
            404,
            "unknown_click_hash",
            "click_hash",
        )
        assert_error(
            out.net.http.get(path, params={"click_hash": "x" * 65}),
            400,
            "invalid_parameter",
            "click_hash",
        )
        assert_error(out.net.http.get(path), 400, "missing_parameter", "click_hash")


def test_pixels_are_refused_on_offers_that_do_not_convert_by_iframe(out: Outbound) -> None:
    net = out.net
    data = {
        "loginid": net.affiliate,
        "event": "conversion",
        "url": "https://pix.example.com/i",
        "offerid": net.offer,
    }
    for kind in ("image", "iframe"):
        assert_error(
            out.api.post("/api/affiliate/add_postback", {**data, "type": kind}),
            400,
            "postback_not_allowed",
            "type",
        )
    # A server postback is always allowed; a pixel on all offers waits for iframe pages.
    assert out.api.post("/api/affiliate/add_postback", data).status_code == 200
    everywhere = out.api.post(
        "/api/affiliate/add_postback", {**data, "type": "image", "offerid": ""}
    )
    assert everywhere.status_code == 200, everywhere.text
    pid = everywhere.json()["message"]["postbackid"]
    assert_error(
        out.api.patch("/api/affiliate/edit_postback", {"postbackid": pid, "offerid": net.offer}),
        400,
        "postback_not_allowed",
        "type",
    )
    _page_type(out, net, "iframe")
    moved = out.api.patch("/api/affiliate/edit_postback", {"postbackid": pid, "offerid": net.offer})
    assert moved.status_code == 200, moved.text
