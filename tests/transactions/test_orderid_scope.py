"""Orderids are unique per advertiser: two advertisers' colliding order numbers both book, and
every lookup by orderid narrows to one advertiser or refuses as ambiguous (never a pick)."""

from __future__ import annotations

import pytest

from tests.postbacks.network import VOID, Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services


@pytest.fixture
def two(api: ApiClient, services: Services) -> tuple[Network, Network]:
    return build_network(api, services), build_network(api, services)


def _sale(net: Network, orderid: str, amount: str = "20.00", sub: str = "S") -> dict[str, object]:
    return net.convert(subscription_id=f"{sub}{net.advertiser}", orderid=orderid, amount=amount)


def test_two_advertisers_book_the_same_orderid(two: tuple[Network, Network]) -> None:
    a, b = two
    first = _sale(a, "ORD-1")
    second = _sale(b, "ORD-1", amount="30.00")
    assert first["transactionid"] != second["transactionid"]
    rows = {r["advertiserid"]: r for r in a.rows() if r["orderid"] == "ORD-1"}
    assert set(rows) == {a.advertiser, b.advertiser}
    assert rows[b.advertiser]["amount"] == 3000


def test_within_one_advertiser_the_orderid_stays_unique(two: tuple[Network, Network]) -> None:
    a, b = two
    first = _sale(a, "ORD-2")
    _sale(b, "ORD-2")
    # The same content again is the replay; other content is the 409, as before.
    replay = a.post(click_hash=a.click(), subscription_id=f"S{a.advertiser}", orderid="ORD-2")
    assert replay.status_code == 409, replay.text
    assert replay.json()["code"] == "duplicate_orderid"
    rebill = {"subscription_id": f"S{a.advertiser}", "orderid": "ORD-2R", "type": "continuity"}
    ok = a.post(**rebill, amount="5.00")
    assert ok.status_code == 200, ok.text
    again = a.post(**rebill, amount="5.00")
    assert again.status_code == 200
    assert again.json() == ok.json()
    assert again.json()["customer_id"] == first["customer_id"]
    other = a.post(**rebill, amount="6.00")
    assert other.status_code == 409
    assert other.json()["code"] == "duplicate_orderid"
    # b holds no ORD-2R: its own rebill with that orderid books.
    mine = b.post(**{**rebill, "subscription_id": f"S{b.advertiser}"}, amount="6.00")
    assert mine.status_code == 200, mine.text


def test_admin_lookups_refuse_an_ambiguous_orderid(two: tuple[Network, Network]) -> None:
    a, b = two
    _sale(a, "ORD-3")
    _sale(b, "ORD-3")
    calls = [
        ("post", "/api/transaction/process_void", {}),
        ("post", "/api/transaction/process_chargeback", {"type": "chargeback"}),
        ("patch", "/api/transaction/transaction_update_revenue_by_orderid", {"amount": "100"}),
        ("post", "/api/transaction/approve_pending_transaction", {}),
    ]
    for method, path, extra in calls:
        resp = getattr(a.api, method)(path, {"orderid": "ORD-3", **extra})
        assert resp.status_code == 409, (path, resp.text)
        body = resp.json()
        assert body["code"] == "ambiguous_orderid"
        assert "held by 2 advertisers" in body["message"]
    assert all(r["status"] == "approved" for r in a.rows())
    # Narrowed by advertiser (or offer) it acts on that advertiser's sale only.
    ok = a.api.post(
        "/api/transaction/process_void", {"orderid": "ORD-3", "advertiserid": b.advertiser}
    )
    assert ok.status_code == 200, ok.text
    by_adv = {r["advertiserid"]: r["status"] for r in a.rows() if r["orderid"] == "ORD-3"}
    assert by_adv == {a.advertiser: "approved", b.advertiser: "voided"}
    rev = a.api.patch(
        "/api/transaction/transaction_update_revenue_by_orderid",
        {"orderid": "ORD-3", "offerid": a.offer, "amount": "1500"},
    )
    assert rev.status_code == 200, rev.text
    sale = next(
        r for r in a.rows() if r["orderid"] == "ORD-3" and r["advertiserid"] == a.advertiser
    )
    assert sale["amount"] == 1500
    # A narrowing that does not hold the orderid is a 404 naming the scope.
    wrong = a.api.post(
        "/api/transaction/process_void", {"orderid": "ORD-3", "offerid": a.offer + b.offer + 100}
    )
    assert wrong.status_code == 404, wrong.text
    assert "for offerid" in str(wrong.json())


def test_check_orderid_exists_by_advertiser(two: tuple[Network, Network]) -> None:
    a, b = two
    _sale(a, "ORD-4")
    for path in ("/api/offer/check_orderid_exists", "/api/offer/check_orderid_exsits"):
        assert a.api.get(path, {"orderid": "ORD-4"}).json()["message"] == "TRUE"
        mine = a.api.get(path, {"orderid": "ORD-4", "advertiserid": a.advertiser})
        assert mine.json()["message"] == "TRUE"
        theirs = a.api.get(path, {"orderid": "ORD-4", "advertiserid": b.advertiser})
        assert theirs.json()["message"] == "FALSE"


def test_report_filter_orderid_narrows_or_refuses(two: tuple[Network, Network]) -> None:
    a, b = two
    _sale(a, "ORD-5", amount="20.00")
    _sale(b, "ORD-5", amount="30.00")
    void = a.api.post(
        "/api/transaction/process_void", {"orderid": "ORD-5", "advertiserid": a.advertiser}
    )
    assert void.status_code == 200, void.text
    report = "/api/report/transaction"
    both = a.api.get(report, {"period": 7, "filter_orderid": "ORD-5"})
    assert both.status_code == 409, both.text
    assert both.json()["code"] == "ambiguous_orderid"
    mine = a.api.get(
        report, {"period": 7, "filter_orderid": "ORD-5", "filter_advertiserid": a.advertiser}
    )
    assert mine.status_code == 200, mine.text
    rows = mine.json()
    amounts = sorted(r["amount"] for r in rows.values())
    assert amounts == ["-20.00", "20.00"]  # the sale and its void: the order's net is 0
    theirs = a.api.get(report, {"period": 7, "filter_orderid": "ORD-5", "filter_offerid": b.offer})
    assert [r["amount"] for r in theirs.json().values()] == ["30.00"]


def test_remote_void_needs_the_advertiser_when_ambiguous(two: tuple[Network, Network]) -> None:
    a, b = two
    _sale(a, "ORD-6")
    _sale(b, "ORD-6")
    resp = a.api.post("/api/config/add_global_void_ip", {"ip": "198.51.100.7"})
    assert resp.status_code == 200, resp.text
    ambiguous = a.post(path=VOID, orderid="ORD-6", _ip="198.51.100.7")
    assert ambiguous.status_code == 409, ambiguous.text
    assert ambiguous.json()["code"] == "ambiguous_orderid"
    narrowed = a.post(
        path=VOID, orderid="ORD-6", advertiserid=str(a.advertiser), _ip="198.51.100.7"
    )
    assert narrowed.status_code == 200, narrowed.text
    by_adv = {r["advertiserid"]: r["status"] for r in a.rows() if r["orderid"] == "ORD-6"}
    assert by_adv == {a.advertiser: "voided", b.advertiser: "approved"}


def test_customer_lookup_by_orderid_is_scoped(two: tuple[Network, Network]) -> None:
    a, b = two
    _sale(a, "ORD-7")
    mine = _sale(b, "ORD-7")
    lock = a.api.patch("/api/customer/lock", {"orderid": "ORD-7"})
    assert lock.status_code == 409, lock.text
    assert lock.json()["code"] == "ambiguous_orderid"
    ok = a.api.patch("/api/customer/lock", {"orderid": "ORD-7", "advertiserid": b.advertiser})
    assert ok.status_code == 200, ok.text
    assert a.customer(int(str(mine["customer_id"])))["locked"] is True
