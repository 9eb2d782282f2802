"""A blank parameter is "not given" on every endpoint, whatever its type: PHP clients send one
for every field they do not set. It never clears or changes a stored value."""

from __future__ import annotations

from tests.support import ApiClient
from tests.tracking.support import add_advertiser, add_affiliate, add_offer, network, ok


def test_blank_flags_ids_money_and_text_leave_an_offer_unchanged(api: ApiClient) -> None:
    adv = add_advertiser(api)
    offer = add_offer(
        api, adv, hidden="1", conversion="9.95", offer_description="Kept", expire_url="https://a.ex"
    )
    blanks = {
        "offerid": offer,
        "name": "",
        "advertiserid": "",
        "hidden": "",
        "conversion": "",
        "offer_description": "",
        "expire_url": "",
        "expire_landing_pageid": "",
        "date_live": "",
        "ip_uniqueness_seconds": "",
        "offer_groups": "",
    }
    assert ok(api.patch("/api/offer/edit_offer", blanks)) == [{"result": "Success"}]
    shown = ok(api.get("/api/offer/get_details", {"offerid": offer}))["message"][offer]
    assert (shown["hidden"], shown["conversion"], shown["offer_description"]) == (
        "1",
        "9.95",
        "Kept",
    )
    assert (shown["expire_url"], shown["advertiserid"]) == ("https://a.ex", adv)


def test_blank_optional_parameters_of_reads_and_creations(api: ApiClient) -> None:
    net = network(api)
    links = {"loginid": net["loginid"], "offerid": "", "landing_pageid": "", "get_hidden": ""}
    assert list(ok(api.get("/api/affiliate/get_links", links))["message"]) == [
        net["landing_pageid"]
    ]
    pause = {"offerid": net["offerid"], "expiration_landing_page_id": "", "date_expire": ""}
    assert ok(api.patch("/api/offer/pause_offer", pause))["message"] == "Offer expired."
    aff = add_affiliate(api, status="", minimum_payout="", custom1="", join_ip="")
    found = ok(api.get("/api/affiliate/search", {"loginid": aff, "status": "", "count": ""}))
    assert (found[aff]["status"], found[aff]["minimum_payout"]) == ("0", None)
    edit = {"loginid": aff, "status": "", "email": "", "password": "", "payvia": ""}
    assert ok(api.patch("/api/affiliate/edit_affiliate", edit)) == [{"result": "Success"}]
    assert ok(api.get("/api/affiliate/search", {"loginid": aff}))[aff]["status"] == "0"
