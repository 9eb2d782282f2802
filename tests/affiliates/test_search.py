"""GET /api/affiliate/search: an object keyed by loginid, filtered, paged and ordered."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.support import ApiClient, assert_error
from tests.tracking.support import add_advertiser, add_affiliate, link, network, ok


def _search(api: ApiClient, **params: str) -> dict[str, dict[str, object]]:
    body = ok(api.get("/api/affiliate/search", params))
    assert isinstance(body, dict)
    return body


def test_response_is_keyed_by_loginid_with_string_ids(api: ApiClient) -> None:
    first = add_affiliate(api, username="alpha", firstname="Ada", lastname="Lovelace")
    second = add_affiliate(api, username="beta", status="1")
    found = _search(api)
    assert list(found) == [first, second]
    entry = found[first]
    assert entry["loginid"] == first
    assert entry["username"] == "alpha"
    assert entry["type"] == "affiliate"
    assert entry["status"] == "0"
    assert isinstance(entry["join_date"], str)
    assert entry["join_date"].endswith("+00:00")


def test_filters(api: ApiClient) -> None:
    a = add_affiliate(api, username="alpha", firstname="Ada", lastname="Lovelace", country="UK")
    b = add_affiliate(api, username="beta", status="2", email="Beta@Example.com", company="BetaCo")
    c = add_affiliate(api, username="gamma", country="UK")
    adv = add_advertiser(api, username="advert")
    assert list(_search(api, loginid=b)) == [b]
    assert list(_search(api, username="ALPHA")) == [a]
    assert list(_search(api, email="beta@example.com")) == [b]
    assert list(_search(api, status="2")) == [b]
    assert list(_search(api, country="UK")) == [a, c]
    assert list(_search(api, name="ada love")) == [a]
    assert list(_search(api, name="betaco")) == [b]
    assert list(_search(api, name="%")) == []
    assert list(_search(api, type="advertiser")) == [adv]
    assert list(_search(api, username="advert")) == []
    assert list(_search(api, loginid="999")) == []


def test_paging_and_order(api: ApiClient) -> None:
    ids = [add_affiliate(api, username=name) for name in ("carol", "alice", "bob")]
    assert list(_search(api, count="2")) == ids[:2]
    assert list(_search(api, start="2", count="2")) == ids[2:]
    assert list(_search(api, orderby="username")) == [ids[1], ids[2], ids[0]]
    assert list(_search(api, orderby="username desc")) == [ids[0], ids[2], ids[1]]
    assert_error(
        api.get("/api/affiliate/search", {"orderby": "password"}),
        400,
        "invalid_parameter",
        "orderby",
    )
    assert_error(
        api.get("/api/affiliate/search", {"count": "0"}), 400, "invalid_parameter", "count"
    )
    assert_error(
        api.get("/api/affiliate/search", {"type": "root"}), 400, "invalid_parameter", "type"
    )


def test_every_documented_filter_is_accepted_and_filters(api: ApiClient) -> None:
    net = network(api)
    clicker = net["loginid"]
    a = add_affiliate(
        api, username="alpha", address1="1 Main Street", aim="aimy", url="https://a.example"
    )
    b = add_affiliate(api, username="beta", ref=a, minimum_payout="50.00", icq="123")
    ok(api.patch("/api/affiliate/edit_affiliate", {"loginid": b, "affiliate_manager_loginid": a}))
    ok(
        api.patch(
            "/api/affiliate/payvia",
            {
                "loginid": b,
                "payvia_type_id": "1",
                "payvia_info[0][field]": "Pay To",
                "payvia_info[0][value]": "Beta Holdings",
            },
        )
    )
    assert list(_search(api, address="main st")) == [a]
    assert list(_search(api, aim="aimy")) == [a]
    assert list(_search(api, icq="123")) == [b]
    assert list(_search(api, url="a.example")) == [a]
    assert list(_search(api, password="beta")) == [b]  # the reference's misprint of username
    assert list(_search(api, ref=a)) == [b]
    assert list(_search(api, sales_rep=a)) == [b]
    assert list(_search(api, payvia_details="holdings")) == [b]
    assert list(_search(api, min_pay="10.00", pay_range="1")) == [b]
    assert list(_search(api, deleted="1")) == []
    assert list(_search(api, deleted="0", login_date="", login_ip="")) == [clicker, a, b]
    assert list(_search(api, login_ip="203.0.113.7")) == []  # no affiliate login is recorded
    assert list(_search(api, join_date="2999-01-01")) == [clicker, a, b]
    assert list(_search(api, join_date="2999-01-01", join_range="1")) == []
    code = link(api, loginid=b, offerid=net["offerid"]).rsplit("/", 1)[-1]
    assert list(_search(api, trackingcode=code)) == [b]
    assert list(_search(api, start="1", end="2")) == [a]
    # Statistics: the vendor's "less than" rule over the stats period.
    track = link(api, loginid=clicker, offerid=net["offerid"])
    api.client.get(urlsplit(track).path, follow_redirects=False)
    assert list(_search(api, raw_clicks="1")) == [a, b]
    assert list(_search(api, raw_clicks="2", stats_period="7")) == [clicker, a, b]
    assert list(_search(api, unq_clicks="1", join_count="1", void_count="1")) == [a, b]
    # One click and no conversion: a ratio of 1 click per conversion is not below 1.
    assert list(_search(api, ratio="1")) == [a, b]
    for name in ("continuity_count", "ratio", "total_earned", "total"):
        assert list(_search(api, **{name: "2"})) == [clicker, a, b], name
    # The extra details.
    found = _search(api, loginid=b, return_referred_info="1", return_referring_info="1")
    assert found[b]["referred_details"] == [{"loginid": a, "username": "alpha"}]
    found = _search(api, loginid=a, return_referring_info="1")
    assert found[a]["referring_details"] == [{"loginid": b, "username": "beta"}]
    assert_error(
        api.get("/api/affiliate/search", {"start": "2", "end": "1"}),
        400,
        "invalid_parameter",
        "end",
    )
