"""Click caps at /track: N clicks pass, the next is overflowed; each overflow action; scopes."""

from __future__ import annotations

import pytest

from tests.caps.support import (
    add_cap,
    caps,
    click_count,
    overflowed,
    reached_events,
    status,
    visit,
)
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services


@pytest.mark.parametrize("duration", ["Hour", "Day", "Week", "Month", "Year", "All Time"])
def test_click_cap_allows_exactly_n_in_each_duration(net: Network, duration: str) -> None:
    capid = add_cap(net, cap="3", type="Clicks", duration=duration)
    answers = [visit(net) for _ in range(4)]
    assert [overflowed(a) for a in answers] == [False, False, False, True]
    # The overflowed click is not recorded for the capped offer.
    assert click_count(net) == 3
    found = status(net, capid)
    assert (found["usage"], found["remaining"], found["reached"]) == ("3", "0", "1")
    assert found["reached_at"] is not None
    assert found["duration"] == duration
    assert len(reached_events(net)) == 1


def test_overflow_to_another_offer_records_the_click_there(net: Network, api: ApiClient) -> None:
    other = build_network(api, net.services)
    add_cap(
        net, cap="1", type="Clicks", redirect_type="offer", new_offerid=other.offer, redirect_url=""
    )
    first, second = visit(net), visit(net)
    assert first.headers["location"].startswith("https://lander.example.com/")
    assert second.headers["location"].startswith("https://lander.example.com/")
    assert "set-cookie" in second.headers
    assert click_count(net, net.offer) == 1
    # The redirect to the other offer is a click there, by the same affiliate.
    assert click_count(net, other.offer) == 1


def test_overflow_to_a_landing_page_of_another_offer(net: Network, api: ApiClient) -> None:
    other = build_network(
        api, net.services, landing_page={"url": "https://other.example/?c=%%click_hash%%"}
    )
    add_cap(
        net,
        cap="1",
        type="Clicks",
        redirect_type="offer",
        new_landing_pageid=other.landing_page,
        redirect_url="",
    )
    visit(net)
    assert visit(net).headers["location"].startswith("https://other.example/?c=")
    assert click_count(net, other.offer) == 1


def test_notify_only_keeps_the_traffic_and_tells_once(net: Network) -> None:
    capid = add_cap(net, cap="2", type="Clicks", redirect_type="notify", redirect_url="")
    answers = [visit(net) for _ in range(4)]
    assert not any(overflowed(a) for a in answers)
    assert click_count(net) == 4
    [event] = reached_events(net)
    assert (event["capid"], event["offerid"], event["type"]) == (capid, net.offer, "clicks")
    assert (event["cap"], event["usage"], event["overflow"]) == ("2", "2", "notify")
    assert status(net, capid)["reached"] == "1"


def test_unique_clicks_count_each_address_once(net: Network) -> None:
    add_cap(net, cap="2", type="Unique Clicks")
    assert not overflowed(visit(net, ip="10.0.0.1"))
    assert not overflowed(visit(net, ip="10.0.0.1"))  # a repeat: not counted
    assert not overflowed(visit(net, ip="10.0.0.2"))
    # Reached: every surfer is overflowed now, known or new.
    assert overflowed(visit(net, ip="10.0.0.3"))
    assert overflowed(visit(net, ip="10.0.0.1"))
    assert click_count(net) == 3


def _second_affiliate(net: Network, api: ApiClient) -> tuple[int, str]:
    resp = api.post(
        "/api/affiliate/add_affiliate",
        {
            "username": f"second{net.offer}",
            "password": "Aff-pass-1234",
            "email": f"second{net.offer}@ex.com",
            "payvia": 1,
        },
    )
    loginid = int(resp.json()[0]["message"]["loginid"])
    resp = api.get(
        "/api/affiliate/get_single_link",
        {"loginid": loginid, "offerid": net.offer, "landing_pageid": net.landing_page},
    )
    from urllib.parse import urlsplit

    return loginid, urlsplit(resp.json()["message"]).path


def test_pooled_cap_counts_every_affiliate_together(net: Network, api: ApiClient) -> None:
    _, link_b = _second_affiliate(net, api)
    add_cap(net, cap="2", type="Clicks", loginid="all")
    assert not overflowed(visit(net))
    assert not overflowed(visit(net, link_b))
    assert overflowed(visit(net))
    assert overflowed(visit(net, link_b))


def test_each_cap_counts_every_affiliate_apart(net: Network, api: ApiClient) -> None:
    b, link_b = _second_affiliate(net, api)
    capid = add_cap(net, cap="2", type="Clicks", loginid="each")
    assert [overflowed(visit(net)) for _ in range(3)] == [False, False, True]
    assert [overflowed(visit(net, link_b)) for _ in range(3)] == [False, False, True]
    found = status(net, capid)
    assert found["loginid"] == "each"
    assert [(a["loginid"], a["usage"]) for a in found["affiliates"]] == [
        (str(net.affiliate), "2"),
        (str(b), "2"),
    ]
    assert len(reached_events(net)) == 2  # one per affiliate's counter


def test_one_affiliates_cap_leaves_the_others_alone(net: Network, api: ApiClient) -> None:
    _, link_b = _second_affiliate(net, api)
    add_cap(net, cap="1", type="Clicks", loginid=str(net.affiliate))
    assert [overflowed(visit(net)) for _ in range(2)] == [False, True]
    assert [overflowed(visit(net, link_b)) for _ in range(3)] == [False, False, False]
    assert caps(net, loginid=str(net.affiliate))[0]["loginid"] == str(net.affiliate)


def test_advertiser_cap_pools_all_its_offers(net: Network, api: ApiClient) -> None:
    add_cap(net, offerid=None, advertiserid=net.advertiser, cap="2", type="Clicks")
    resp = api.post("/api/offer/add_offer", {"name": "Second", "advertiserid": net.advertiser})
    second = int(resp.json()[0]["message"]["offerid"])
    page = api.post(
        "/api/offer/add_landing_page",
        {"name": "P2", "offerid": second, "url": "https://lander.example.com/2?ch=%%click_hash%%"},
    )
    lp = int(page.json()[0]["message"]["landing_pageid"])
    from urllib.parse import urlsplit

    link = urlsplit(
        api.get(
            "/api/affiliate/get_single_link",
            {"loginid": net.affiliate, "offerid": second, "landing_pageid": lp},
        ).json()["message"]
    ).path
    assert not overflowed(visit(net))
    assert not overflowed(visit(net, link))
    assert overflowed(visit(net))
    assert overflowed(visit(net, link))


def _today(services: Services) -> int:
    import datetime as dt

    return dt.datetime.now(services.settings.zone).weekday()


DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def test_timeframe_applies_only_on_its_days(net: Network) -> None:
    today = _today(net.services)
    add_cap(net, cap="1", type="Clicks", timeframe_restriction=DAYS[(today + 1) % 7])
    # Weekends on a weekday (or weekdays on a weekend) do not apply either.
    add_cap(
        net, cap="1", type="Clicks", timeframe_restriction="Weekdays" if today >= 5 else "Weekends"
    )
    assert not any(overflowed(visit(net)) for _ in range(3))
    add_cap(net, cap="1", type="Clicks", timeframe_restriction=DAYS[today])
    assert [overflowed(visit(net)) for _ in range(2)] == [False, True]


def test_start_end_enabled_and_removed(net: Network) -> None:
    add_cap(net, cap="1", type="Clicks", start="2099-01-01")
    add_cap(net, cap="1", type="Clicks", end="2020-01-01")
    add_cap(net, cap="1", type="Clicks", enabled="0")
    removed = add_cap(net, cap="1", type="Clicks")
    resp = net.api.patch("/api/offer/remove_conversion_cap", {"cap_redirect_id": removed})
    assert resp.status_code == 200, resp.text
    assert not any(overflowed(visit(net)) for _ in range(3))
    assert [c["cap_redirect_id"] for c in caps(net, deleted="1")] == [str(removed)]
    assert len(caps(net)) == 2  # enabled and not deleted: the start/end ones
    # Enabling the disabled one takes effect at the next click.
    disabled = caps(net, enabled="0")[0]["cap_redirect_id"]
    resp = net.api.patch(
        "/api/offer/edit_conversion_cap", {"cap_redirect_id": disabled, "enabled": "1"}
    )
    assert resp.status_code == 200, resp.text
    assert [overflowed(visit(net)) for _ in range(2)] == [False, True]


def test_head_follows_the_link_without_counting(net: Network) -> None:
    add_cap(net, cap="1", type="Clicks")
    assert net.http.head(net.link, follow_redirects=False).status_code == 302
    assert not overflowed(visit(net))
    assert overflowed(visit(net))


def test_a_paused_overflow_offer_is_a_dead_end(net: Network, api: ApiClient) -> None:
    other = build_network(api, net.services)
    add_cap(
        net, cap="1", type="Clicks", redirect_type="offer", new_offerid=other.offer, redirect_url=""
    )
    resp = api.patch("/api/offer/pause_offer", {"offerid": other.offer})
    assert resp.status_code == 200, resp.text
    visit(net)
    resp = net.http.get(net.link, follow_redirects=False)
    assert resp.status_code == 404
    assert click_count(net) == 1
