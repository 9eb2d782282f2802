"""Affiliate postbacks carry the click's dimensions: %%device_type_name%% and %%country%%."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.conftest import BuildApp
from tests.delivery.conftest import make_outbound
from tests.delivery.receiver import Receiver

IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


def test_device_and_country_come_from_the_click(build_app: BuildApp, receiver: Receiver) -> None:
    out = make_outbound(build_app, trusted_proxies="10.0.0.0/8")
    resp = out.api.post(
        "/api/affiliate/add_postback",
        {
            "loginid": out.net.affiliate,
            "event": "conversion",
            "url": receiver.url("/conv") + "?d=%%device_type_name%%&c=%%country%%&o=%%orderid%%",
        },
    )
    assert resp.status_code == 200, resp.text
    proxied = out.net.from_ip("10.1.1.1")
    hashes = []
    for headers in ({"User-Agent": IPAD, "CF-IPCountry": "NL"}, {"User-Agent": ""}):
        click = proxied.get(out.net.link, headers=headers, follow_redirects=False)
        assert click.status_code == 302, click.text
        hashes.append(parse_qs(urlsplit(click.headers["location"]).query)["ch"][0])
    # The second click knows no country: the advertiser's posted one (the customer's) stands in.
    for n, click_hash in enumerate(hashes):
        posted = out.net.post(click_hash=click_hash, orderid=f"D-{n}", country="DE")
        assert posted.status_code == 200, posted.text
    out.deliver()
    got = {
        q["o"][0]: (q.get("d", [""])[0], q["c"][0])
        for q in (parse_qs(urlsplit(r.target).query) for r in receiver.to("/conv"))
    }
    # No User-Agent, no device: an empty value renders as its name (the vendor's trap).
    assert got == {"D-0": ("Tablet", "NL"), "D-1": ("device_type_name", "DE")}
