"""Done when: with only the API, a new network sets up, gets a link, clicks it and decodes it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from tests.support import ApiClient
from tests.tracking.support import click_rows, ok
from trackpost.core.http import Services


def test_new_network_end_to_end(api: ApiClient, http: TestClient, services: Services) -> None:
    adv = ok(
        api.post(
            "/api/advertiser/add_advertiser",
            {"username": "acme", "password": "acme-secret", "email": "ops@acme.example"},
        )
    )[0]["message"]["loginid"]
    aff = ok(
        api.post(
            "/api/affiliate/addaffiliate",
            {"username": "pub", "password": "pub-secret", "email": "pub@x.example", "payvia": "4"},
        )
    )[0]["message"]["loginid"]
    offer = ok(
        api.post(
            "/api/offer/add_offer",
            {
                "name": "Acme Trial",
                "advertiserid": adv,
                "conversion": "49.00",
                "percentage_of_customer_conversion": "30",
            },
        )
    )[0]["message"]["offerid"]
    lp = ok(
        api.post(
            "/api/offer/add_landing_page",
            {
                "name": "Trial page",
                "offerid": offer,
                "url": "https://acme.example/trial?click=%%click_hash%%&aff=%%aff_id%%&sub=%%subaff1%%",
            },
        )
    )[0]["message"]["landing_pageid"]

    single = ok(
        api.get(
            "/api/affiliate/get_single_link",
            {"loginid": aff, "offerid": offer, "subaff": "spring", "_ocid": "{token}"},
        )
    )
    assert single["result"] == "Success"
    url = single["message"]
    assert url.startswith("http://testserver/track/")
    assert url.endswith("?subaff=spring&_ocid={token}")

    # The affiliate's traffic source fills in its own click id, then the surfer clicks.
    clicked = http.get(url.replace("{token}", "src-77"), follow_redirects=False)
    assert clicked.status_code == 302
    landing = urlsplit(clicked.headers["location"])
    assert (landing.scheme, landing.netloc, landing.path) == ("https", "acme.example", "/trial")
    query = parse_qs(landing.query)
    click_hash = query["click"][0]
    assert query["aff"] == [aff]
    assert query["sub"] == ["spring"]
    assert clicked.headers["set-cookie"].startswith(f"tp_click={click_hash};")
    [row] = click_rows(services)
    assert row["click_hash"] == click_hash
    assert (row["loginid"], row["offerid"], row["landing_pageid"]) == (
        int(aff),
        int(offer),
        int(lp),
    )
    assert (row["subaff1"], row["ocid"]) == ("spring", "src-77")

    # A second click gets a different hash.
    again = http.get(url, follow_redirects=False)
    assert parse_qs(urlsplit(again.headers["location"]).query)["click"][0] != click_hash

    code = urlsplit(url).path.removeprefix("/track/")
    decoded = ok(api.get("/api/affiliate/decode_trackingcode", {"ocode": code}))
    assert (decoded["loginid"], decoded["offerid"], decoded["landing_pageid"]) == (aff, offer, lp)
    assert decoded["tracked_details"]["login_details"]["username"] == "pub"
    assert decoded["tracked_details"]["lp_details"]["landing_pageid"] == lp
