"""Image and iframe pixels: rendered into pixels.js only where the offer converts by iframe."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.conftest import BuildApp
from tests.delivery.conftest import make_outbound
from tests.postbacks.network import build_network
from trackpost.models.tables import landing_pages


@pytest.mark.parametrize("conversion_type", ["iframe", "post"])
def test_pixels_js_renders_the_affiliates_pixels(build_app: BuildApp, conversion_type: str) -> None:
    out = make_outbound(build_app)
    net = build_network(out.api, out.built.services)
    # The API refuses conversion_type=iframe for now (conversions arrive by server postback
    # only); the page is set as an iframe-converting one would be, for when they do.
    with out.built.services.db.transaction(write=True) as conn:
        conn.execute(
            update(landing_pages)
            .where(landing_pages.c.landing_pageid == net.landing_page)
            .values(conversion_type=conversion_type)
        )
    for kind, url in (
        ("image", "https://pix.example.com/i?t=%%transid%%&c=%%commission%%&s=%%subaff1%%"),
        ("iframe", "https://pix.example.com/f?ch=%%click_hash%%"),
    ):
        resp = out.api.post(
            "/api/affiliate/add_postback",
            {"loginid": net.affiliate, "event": "conversion", "url": url, "type": kind},
        )
        assert resp.status_code == 200, resp.text
    click = net.click(subaff1="a'b<c")
    body = net.convert(click_hash=click)
    resp = net.http.get("/signup/pixels.js", params={"click_hash": click})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/javascript")
    if conversion_type != "iframe":
        assert resp.text.strip() == ""  # no browser page to put a pixel in: server postbacks only
        return
    assert (
        f"e.src='https://pix.example.com/i?t={body['transactionid']}&c=5.00&s=a%27b%3Cc'"
        in resp.text
    )
    assert "createElement('img')" in resp.text
    assert f"createElement('iframe');e.src='https://pix.example.com/f?ch={click}'" in resp.text
    # Pixels are the browser's: they never enter the server's outbox.
    out.deliver()
    assert out.deliveries() == []
    unknown = net.http.get("/signup/pixels.js", params={"click_hash": "nope"})
    assert unknown.status_code == 200
    assert unknown.text.strip() == ""
