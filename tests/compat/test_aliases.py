"""The methods and paths the vendor's own examples use where its headings say otherwise."""

from __future__ import annotations

from tests.conftest import Admin
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services


def test_update_revenue_answers_post_as_the_examples_send_it(
    api: ApiClient, services: Services
) -> None:
    net: Network = build_network(api, services)
    click = net.click()
    net.convert(click_hash=click, orderid="ALIAS-1", amount="9.95")
    by_order = "/api/transaction/transaction_update_revenue_by_orderid"
    by_hash = "/api/transaction/transaction_update_revenue_by_transaction_hash"
    assert api.post(by_order, {"orderid": "ALIAS-1", "amount": "2500"}).json() == {
        "result": "success"
    }
    assert net.rows()[0]["amount"] == 2500
    assert api.post(by_hash, {"transaction_hash": click, "amount": "1200"}).status_code == 200
    assert net.rows()[0]["amount"] == 1200


def test_config_calls_answer_get_as_the_examples_send_them(api: ApiClient) -> None:
    for word in ("post", "void"):
        added = api.get(f"/api/config/add_global_{word}_ip", {"ip": "203.0.113.9"})
        assert added.json() == {"result": "success", "data": "Ip added"}
        lists = api.get("/api/config/get_global_ips").json()["data"]
        assert "203.0.113.9" in lists[word]
        removed = api.get(f"/api/config/remove_global_{word}_ip", {"ip": "203.0.113.9"})
        assert removed.json() == {"result": "success", "data": "Ip removed"}


def test_add_advertiser_at_the_examples_path(api: ApiClient) -> None:
    data = {"username": "acme", "password": "acme-secret-1", "email": "ops@acme.example"}
    body = api.post("/api/affiliate/add_advertiser", data).json()
    assert body[0]["result"] == "Success"
    loginid = body[0]["message"]["loginid"]
    found = api.get("/api/affiliate/search", {"type": "advertiser", "loginid": loginid}).json()
    assert found[loginid]["username"] == "acme"


def test_check_orderid_exists_at_the_misspelt_path(api: ApiClient, services: Services) -> None:
    net = build_network(api, services)
    net.convert(click_hash=net.click(), orderid="SPELL-1", amount="1.00")
    for path in ("/api/offer/check_orderid_exists", "/api/offer/check_orderid_exsits"):
        assert api.get(path, {"orderid": "SPELL-1"}).json() == {
            "result": "success",
            "message": "TRUE",
        }


def test_activate_and_pause_answer_get(api: ApiClient, admin: Admin) -> None:
    adv = api.post(
        "/api/advertiser/add_advertiser",
        {"username": "a1", "password": "acme-secret-1", "email": "a1@acme.example"},
    ).json()[0]["message"]["loginid"]
    offer = api.post("/api/offer/add_offer", {"name": "O", "advertiserid": adv}).json()
    offerid = offer[0]["message"]["offerid"]
    paused = api.get("/api/offer/pause_offer", {"offerid": offerid})
    assert paused.json() == {"result": "success", "message": "Offer expired."}
    activated = api.get("/api/offer/activate_offer", {"offerid": offerid})
    assert activated.json() == {"result": "success", "message": "Offer activated."}
