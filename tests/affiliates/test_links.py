"""GET /api/affiliate/get_single_link and /api/affiliate/get_links."""

from __future__ import annotations

import base64

from tests.support import ApiClient, assert_error
from tests.tracking.support import (
    add_advertiser,
    add_affiliate,
    add_landing_page,
    add_offer,
    link,
    network,
    ok,
)

SINGLE = "/api/affiliate/get_single_link"


def test_single_link_matches_the_vendor_example_shape(api: ApiClient) -> None:
    net = network(api)
    resp = api.get(
        SINGLE,
        {
            "loginid": net["loginid"],
            "offerid": net["offerid"],
            "subaff": "test",
            "_ocid": "{token}",
        },
    )
    body = ok(resp)
    assert body["result"] == "Success"
    url = body["message"]
    code = base64.b64encode(
        f"{net['loginid']}.0.{net['offerid']}.{net['landing_pageid']}.0.0.0.0.0.0.0.0".encode()
    ).decode()
    assert url == f"http://testserver/track/{code}?subaff=test&_ocid={{token}}"


def test_link_options(api: ApiClient) -> None:
    net = network(api)
    base = {"loginid": net["loginid"], "offerid": net["offerid"]}
    dotted = f"{net['loginid']}.0.{net['offerid']}.{net['landing_pageid']}.0.0.0.0.0.0.0.0"
    assert link(api, **base, style="unencoded") == f"http://testserver/track/{dotted}"
    assert link(api, **base, style="unencoded", code_only="1") == dotted
    extras = link(
        api,
        **base,
        subaff="a b&c",
        subaff2="2",
        subaff5="5",
        subids="x,y",
        _ocid="id/1",
    )
    assert extras.endswith("?subaff=a%20b%26c&subaff2=2&subaff5=5&subids=x%2Cy&_ocid=id%2F1")
    assert link(api, **base, subaff1="one").endswith("?subaff=one")
    assert_error(api.get(SINGLE, {**base, "style": "fancy"}), 400, "invalid_parameter", "style")


def test_default_landing_page_is_the_first_public_one(api: ApiClient) -> None:
    adv = add_advertiser(api)
    aff = add_affiliate(api)
    offer = add_offer(api, adv)
    private = add_landing_page(api, offer, "https://adv.example/p", private="1")
    public = add_landing_page(api, offer, "https://adv.example/q")
    code = link(api, loginid=aff, offerid=offer, code_only="1", style="unencoded")
    assert code == f"{aff}.0.{offer}.{public}.0.0.0.0.0.0.0.0"
    enable = {"action": "enable", "loginids": aff, "landing_pageids": private}
    ok(api.patch("/api/offer/set_enabled_affiliates", enable))
    chosen = link(api, loginid=aff, landing_pageid=private, code_only="1", style="unencoded")
    assert chosen == f"{aff}.0.{offer}.{private}.0.0.0.0.0.0.0.0"


def test_single_link_errors(api: ApiClient) -> None:
    net = network(api)
    other_offer = add_offer(api, net["advertiserid"])
    aff = net["loginid"]
    assert_error(
        api.get(SINGLE, {"loginid": "999", "offerid": net["offerid"]}), 404, "affiliate_not_found"
    )
    assert_error(
        api.get(SINGLE, {"loginid": net["advertiserid"], "offerid": net["offerid"]}),
        404,
        "affiliate_not_found",
    )
    assert_error(api.get(SINGLE, {"loginid": aff, "offerid": "999"}), 404, "offer_not_found", "999")
    assert_error(
        api.get(SINGLE, {"loginid": aff, "offerid": other_offer}),
        404,
        "offer_not_found",
        "landing page",
    )
    assert_error(
        api.get(
            SINGLE,
            {"loginid": aff, "offerid": other_offer, "landing_pageid": net["landing_pageid"]},
        ),
        404,
        "landing_page_not_found",
    )
    assert_error(api.get(SINGLE, {"loginid": aff}), 404, "offer_not_found", "offerid")
    assert_error(api.get(SINGLE, {"offerid": net["offerid"]}), 400, "missing_parameter", "loginid")


def test_get_links_lists_one_link_per_landing_page(api: ApiClient) -> None:
    adv = add_advertiser(api, username="brand")
    aff = add_affiliate(api)
    visible = add_offer(api, adv, name="Visible", flat_amount_per_conversion="4")
    hidden = add_offer(api, adv, name="Hidden", hidden="1", percentage_of_customer_conversion="20")
    lp1 = add_landing_page(api, visible, "https://adv.example/1")
    lp2 = add_landing_page(api, visible, "https://adv.example/2", private="1", requestable="1")
    lp3 = add_landing_page(api, hidden, "https://adv.example/3")
    body = ok(api.get("/api/affiliate/get_links", {"loginid": aff}))
    assert body["result"] == "Success"
    assert list(body["message"]) == [lp1, lp3]  # private landers hidden by default
    entry = body["message"][lp1]
    assert entry["offerid"] == visible
    assert entry["offer_name"] == "Visible"
    assert entry["link"] == link(api, loginid=aff, landing_pageid=lp1)

    def ids(**params: str) -> list[str]:
        return list(ok(api.get("/api/affiliate/get_links", {"loginid": aff, **params}))["message"])

    assert ids(get_hidden="1") == [lp2]
    assert ids(get_hidden="2") == [lp1, lp2, lp3]
    assert ids(get_hidden_offers="0") == [lp1]
    assert ids(get_hidden_offers="1") == [lp3]
    assert ids(offerid=hidden) == [lp3]
    assert ids(landing_pageid=lp2, get_hidden="2") == [lp2]
    extra = ok(
        api.get(
            "/api/affiliate/get_links",
            {
                "loginid": aff,
                "get_advertiser": "1",
                "get_commission": "1",
                "get_countries": "1",
                "code_only": "1",
            },
        )
    )["message"]
    assert extra[lp1]["advertiserid"] == adv
    assert extra[lp1]["advertiser_username"] == "brand"
    assert extra[lp1]["commission"] == "4.00 per conversion"
    assert extra[lp3]["commission"] == "20% per conversion"
    assert extra[lp1]["countries"] == {"authorized": ["All"], "unauthorized": []}
    assert "/" not in extra[lp1]["link"]
    assert_error(
        api.get("/api/affiliate/get_links", {"loginid": aff, "get_hidden": "3"}),
        400,
        "invalid_parameter",
        "get_hidden",
    )
    assert_error(
        api.get("/api/affiliate/get_links", {"loginid": "999"}), 404, "affiliate_not_found"
    )
