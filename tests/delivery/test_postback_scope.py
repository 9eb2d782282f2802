"""A postback narrowed to a campaign fires only for that campaign's clicks; edit can move it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.delivery.conftest import Outbound
from tests.delivery.receiver import Receiver
from trackpost.tracking.linkcode import TrackingCode


def _campaign_click(out: Outbound, campaignid: int) -> str:
    net = out.net
    code = TrackingCode(
        net.affiliate, offerid=net.offer, landing_pageid=net.landing_page, campaignid=campaignid
    )
    resp = net.http.get(f"/track/{code.encoded()}", follow_redirects=False)
    assert resp.status_code == 302, resp.text
    net.http.cookies.clear()
    return str(parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0])


def _add(out: Outbound, url: str, **extra: object) -> str:
    resp = out.api.post(
        "/api/affiliate/add_postback",
        {"loginid": out.net.affiliate, "event": "conversion", "url": url, **extra},
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["message"]["postbackid"])


def test_campaign_postbacks_fire_for_their_campaign_only(out: Outbound, receiver: Receiver) -> None:
    _add(out, receiver.url("/c7") + "?c=%%aff_campaign%%&t=%%transid%%", campaignid=7)
    _add(out, receiver.url("/o") + "?c=%%aff_campaign|default:none%%", offerid=out.net.offer)
    _add(out, receiver.url("/all"))
    seven = out.net.convert(click_hash=_campaign_click(out, 7))
    out.net.convert(click_hash=_campaign_click(out, 8))
    out.net.convert()  # the plain link: no campaign
    out.deliver()
    (got,) = receiver.to("/c7")
    assert parse_qs(urlsplit(got.target).query) == {
        "c": ["7"],
        "t": [str(seven["transactionid"])],
    }
    offer = sorted(parse_qs(urlsplit(r.target).query)["c"][0] for r in receiver.to("/o"))
    assert offer == ["7", "8", "none"]
    assert len(receiver.to("/all")) == 3
    listed = out.api.get("/api/affiliate/get_postbacks", {"loginid": out.net.affiliate})
    assert [p["campaignid"] for p in listed.json()["message"]] == [7, None, None]


def test_edit_moves_a_postback_to_another_campaign(out: Outbound, receiver: Receiver) -> None:
    pid = _add(out, receiver.url("/c") + "?c=%%aff_campaign%%", campaignid=7)
    resp = out.api.patch("/api/affiliate/edit_postback", {"postbackid": pid, "campaignid": 9})
    assert resp.status_code == 200, resp.text
    out.net.convert(click_hash=_campaign_click(out, 7))
    out.net.convert(click_hash=_campaign_click(out, 9))
    out.deliver()
    assert [parse_qs(urlsplit(r.target).query)["c"] for r in receiver.to("/c")] == [["9"]]
    bad = out.api.patch("/api/affiliate/edit_postback", {"postbackid": pid, "campaignid": "x"})
    assert bad.status_code == 400
    assert "campaignid" in bad.json()["message"]


def test_an_event_off_globally_fires_only_for_affiliates_it_is_on_for(
    out: Outbound, receiver: Receiver
) -> None:
    from tests.postbacks.network import build_network

    other = build_network(out.api, out.built.services)
    for net, path in ((out.net, "/mine"), (other, "/other")):
        resp = out.api.post(
            "/api/affiliate/add_postback",
            {"loginid": net.affiliate, "event": "conversion", "url": receiver.url(path)},
        )
        assert resp.status_code == 200, resp.text
    switch = "/api/affiliate/set_postback_events"
    assert out.api.patch(switch, {"disable": "conversion"}).status_code == 200
    assert (
        out.api.patch(switch, {"loginid": other.affiliate, "enable": "conversion"}).status_code
        == 200
    )
    shown = out.api.get("/api/affiliate/get_postback_events").json()["message"]
    assert shown["conversion"] is False
    assert shown["refund"] is True
    out.net.convert()
    other.convert()
    out.deliver()
    assert receiver.to("/mine") == []
    assert len(receiver.to("/other")) == 1
