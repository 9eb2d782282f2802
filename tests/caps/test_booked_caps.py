"""Caps on booked events: conversions, revenue, registrations, net conversions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.caps.support import add_cap, click_count, overflowed, reached_events, status, visit
from tests.postbacks.network import Network
from tests.support import assert_error


def _hash(resp: Any) -> str:
    from urllib.parse import parse_qs, urlsplit

    return str(parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0])


def _convert(net: Network, click_hash: str, **params: Any) -> None:
    resp = net.post(click_hash=click_hash, **params)
    assert resp.status_code == 200, resp.text


def test_conversion_cap_overflows_the_click_after_n_and_still_books(net: Network) -> None:
    capid = add_cap(net, cap="2", type="Conversions", duration="Day")
    # Three clicks before the cap is reached; two convert now.
    hashes = [_hash(visit(net)) for _ in range(3)]
    _convert(net, hashes[0])
    assert not overflowed(visit(net))
    _convert(net, hashes[1])
    assert overflowed(visit(net))
    found = status(net, capid)
    assert (found["usage"], found["remaining"], found["reached"]) == ("2", "0", "1")
    # A conversion posted after the cap is reached is recorded and paid.
    _convert(net, hashes[2])
    rows = net.rows()
    assert [r["trans_type"] for r in rows] == ["initial"] * 3
    assert all(r["affiliate_payout"] == 500 for r in rows)
    assert status(net, capid)["usage"] == "3"
    # Told once in the window, with the cap's figures.
    [event] = reached_events(net)
    assert (event["type"], event["cap"], event["usage"]) == ("conversions", "2", "2")


def test_revenue_cap_counts_booked_money(net: Network) -> None:
    capid = add_cap(net, cap="15.00", type="Dollars")
    hashes = [_hash(visit(net)) for _ in range(2)]
    _convert(net, hashes[0])  # 9.95
    assert not overflowed(visit(net))
    _convert(net, hashes[1])  # 19.90 >= 15.00
    assert overflowed(visit(net))
    found = status(net, capid)
    assert (found["type"], found["cap"], found["usage"], found["remaining"]) == (
        "Dollars",
        "15.00",
        "19.90",
        "0.00",
    )
    [event] = reached_events(net)
    assert (event["cap"], event["usage"]) == ("15.00", "19.90")


def test_net_conversions_give_back_a_void(net: Network) -> None:
    add_cap(net, cap="1", type="Net Conversions")
    click_hash = _hash(visit(net))
    _convert(net, click_hash, orderid="ORD-CAP-1")
    assert overflowed(visit(net))
    resp = net.api.post("/api/transaction/process_void", {"orderid": "ORD-CAP-1"})
    assert resp.status_code == 200, resp.text
    # One conversion less: traffic flows again; reaching again in the window tells no more.
    again = visit(net)
    assert not overflowed(again)
    _convert(net, _hash(again))
    assert overflowed(visit(net))
    assert len(reached_events(net)) == 1


def test_registrations_count_goals(net: Network) -> None:
    api = net.api
    resp = api.post("/api/offer/add_goal", {"name": "Cap signup"})
    goal = resp.json()[0]["message"]["goal_id"]
    resp = api.patch(
        "/api/offer/set_offer_goals",
        {
            "offerid": str(net.offer),
            "goal_vars[0][goal_id]": goal,
            "goal_vars[0][commission_type]": "flat",
            "goal_vars[0][amount]": "1.00",
        },
    )
    assert resp.status_code == 200, resp.text
    add_cap(net, cap="1", type="Registrations")
    click_hash = _hash(visit(net))
    _convert(net, click_hash)  # a conversion is no registration
    assert not overflowed(visit(net))
    _convert(net, click_hash, goal_id=goal)
    assert overflowed(visit(net))


@pytest.mark.parametrize(
    ("params", "status_code", "code", "fragment"),
    [
        ({"type": "Clicks"}, 400, "missing_parameter", "cap"),
        ({"cap": "3", "type": "Bananas"}, 400, "invalid_parameter", "type"),
        ({"cap": "0", "type": "Clicks"}, 400, "invalid_parameter", "cap"),
        ({"cap": "1.5", "type": "Clicks"}, 400, "invalid_parameter", "cap"),
        ({"cap": "3", "type": "Clicks", "loginid": "some"}, 400, "invalid_parameter", "loginid"),
        (
            {"cap": "3", "type": "Clicks", "duration": "Fortnight"},
            400,
            "invalid_parameter",
            "duration",
        ),
        (
            {"cap": "3", "type": "Clicks", "redirect_type": "url", "redirect_url": ""},
            400,
            "missing_parameter",
            "redirect_url",
        ),
        (
            {"cap": "3", "type": "Clicks", "redirect_type": "offer"},
            400,
            "missing_parameter",
            "new_offerid",
        ),
        (
            {"cap": "3", "type": "Clicks", "new_offerid": "999999"},
            404,
            "offer_not_found",
            "new_offerid",
        ),
        (
            {"cap": "3", "type": "Clicks", "start": "2027-01-02", "end": "2027-01-01"},
            400,
            "invalid_parameter",
            "end",
        ),
    ],
)
def test_refusals_name_the_parameter(
    net: Network, params: dict[str, str], status_code: int, code: str, fragment: str
) -> None:
    data = {"offerid": str(net.offer), "redirect_type": "notify", **params}
    resp = net.api.post("/api/offer/add_conversion_cap", data)
    assert_error(resp, status_code, code, fragment)
    assert click_count(net) == 0


def test_unknown_cap_and_missing_scope(net: Network) -> None:
    resp = net.api.patch("/api/offer/edit_conversion_cap", {"cap_redirect_id": "77", "cap": "2"})
    assert_error(resp, 404, "cap_not_found", "77")
    resp = net.api.patch("/api/offer/remove_conversion_cap", {"cap_redirect_id": "77"})
    assert_error(resp, 404, "cap_not_found", "77")
    resp = net.api.post("/api/offer/add_conversion_cap", {"cap": "2", "type": "Clicks"})
    assert_error(resp, 400, "missing_parameter", "offerid", "advertiserid")
    resp = net.api.get("/api/offer/get_conversion_caps", {"type": "Nope"})
    assert_error(resp, 400, "invalid_parameter", "type")


def test_edit_changes_the_cap_at_the_next_click(net: Network) -> None:
    capid = add_cap(net, cap="5", type="Clicks")
    assert not any(overflowed(visit(net)) for _ in range(2))
    resp = net.api.patch("/api/offer/edit_conversion_cap", {"cap_redirect_id": capid, "cap": "2"})
    assert resp.status_code == 200, resp.text
    assert overflowed(visit(net))
    # A new duration starts the counter again.
    resp = net.api.patch(
        "/api/offer/edit_conversion_cap", {"cap_redirect_id": capid, "duration": "Hour"}
    )
    assert resp.status_code == 200, resp.text
    assert [overflowed(visit(net)) for _ in range(3)] == [False, False, True]
    assert status(net, capid)["duration"] == "Hour"
