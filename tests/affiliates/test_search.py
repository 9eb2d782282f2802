"""GET /api/affiliate/search: an object keyed by loginid, filtered, paged and ordered."""

from __future__ import annotations

from tests.support import ApiClient, assert_error
from tests.tracking.support import add_advertiser, add_affiliate, ok


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
