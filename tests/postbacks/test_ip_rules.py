"""Who may post: the global postback list and the landing page's postback_ips (empty: anyone);
who may void remotely: the global void list and the page's void_ips (empty: no one)."""

from __future__ import annotations

import logging

import pytest

from tests.postbacks.network import VOID, Network, build_network, ledger
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services

ADVERTISER_IP = "203.0.113.10"
PAGE_IP = "198.51.100.20"
STRANGER = "192.0.2.99"


def _add(net: Network, which: str, ip: str) -> None:
    resp = net.api.post(f"/api/config/add_global_{which}_ip", {"ip": ip})
    assert resp.json() == {"result": "success", "data": "Ip added"}


def test_with_no_lists_anyone_may_post(net: Network) -> None:
    resp = net.post(click_hash=net.click(), _ip=STRANGER)
    assert resp.status_code == 200, resp.text


def test_the_global_list_admits_only_its_addresses(
    net: Network, caplog: pytest.LogCaptureFixture
) -> None:
    _add(net, "post", ADVERTISER_IP)
    click = net.click()
    before = net.counts()
    with caplog.at_level(logging.WARNING, logger="trackpost.postbacks"):
        resp = net.post(click_hash=click, password="hunter2-secret", orderid="X", _ip=STRANGER)
    assert_error(resp, 403, "postback_ip_not_allowed", STRANGER)
    assert net.counts() == before
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refused
    assert STRANGER in refused[0]
    assert "hunter2" not in caplog.text
    assert click not in caplog.text
    assert net.post(click_hash=click, _ip=ADVERTISER_IP).status_code == 200


def test_a_network_in_the_list_admits_its_addresses(net: Network) -> None:
    _add(net, "post", "203.0.113.0/24")
    assert net.post(click_hash=net.click(), _ip="203.0.113.77").status_code == 200
    assert net.post(click_hash=net.click(), _ip=STRANGER).status_code == 403


def test_the_landing_pages_list_adds_to_the_global_one(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, landing_page={"postback_ips": PAGE_IP})
    assert net.post(click_hash=net.click(), _ip=STRANGER).status_code == 403
    assert net.post(click_hash=net.click(), _ip=PAGE_IP).status_code == 200
    _add(net, "post", ADVERTISER_IP)
    assert net.post(click_hash=net.click(), _ip=ADVERTISER_IP).status_code == 200
    assert net.post(click_hash=net.click(), _ip=PAGE_IP).status_code == 200
    assert net.post(click_hash=net.click(), _ip=STRANGER).status_code == 403


def test_follow_up_posts_use_the_customers_landing_page(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, landing_page={"postback_ips": PAGE_IP})
    net.post(click_hash=net.click(), subscription_id="S", _ip=PAGE_IP)
    before = net.counts()
    resp = net.post(type="rebill", subscription_id="S", _ip=STRANGER)
    assert_error(resp, 403, "postback_ip_not_allowed")
    assert net.counts() == before
    assert net.post(type="rebill", subscription_id="S", _ip=PAGE_IP).status_code == 200


def test_a_refused_sender_cannot_probe_subscription_ids(net: Network) -> None:
    _add(net, "post", ADVERTISER_IP)
    resp = net.post(type="rebill", subscription_id="UNKNOWN", _ip=STRANGER)
    assert_error(resp, 403, "postback_ip_not_allowed")
    resp = net.post(type="rebill", subscription_id="UNKNOWN", _ip=ADVERTISER_IP)
    assert_error(resp, 404, "customer_not_found")


def test_naming_a_landing_page_reveals_nothing_to_a_refused_sender(
    api: ApiClient, services: Services
) -> None:
    """Existing or not, a customer (or a page) named by a stranger gets the same 403."""
    net = build_network(api, services, landing_page={"postback_ips": PAGE_IP})
    net.post(click_hash=net.click(), subscription_id="S", _ip=PAGE_IP)
    page = str(net.landing_page)
    for subscription_id in ("S", "UNKNOWN"):
        resp = net.post(
            type="rebill", subscription_id=subscription_id, landing_pageid=page, _ip=STRANGER
        )
        body = assert_error(resp, 403, "postback_ip_not_allowed")
        assert "advertiser" not in body["message"]
    _add(net, "post", ADVERTISER_IP)
    resp = net.post(type="rebill", subscription_id="S", landing_pageid="999999", _ip=STRANGER)
    assert_error(resp, 403, "postback_ip_not_allowed")
    resp = net.post(type="rebill", subscription_id="UNKNOWN", landing_pageid=page, _ip=PAGE_IP)
    assert_error(resp, 404, "customer_not_found")


def test_removing_an_address_takes_effect_at_once(net: Network) -> None:
    _add(net, "post", ADVERTISER_IP)
    assert net.post(click_hash=net.click(), _ip=STRANGER).status_code == 403
    resp = net.api.post("/api/config/remove_global_post_ip", {"ip": ADVERTISER_IP})
    assert resp.json() == {"result": "success", "data": "Ip removed"}
    assert net.post(click_hash=net.click(), _ip=STRANGER).status_code == 200


def test_remote_voids_are_refused_when_no_list_names_the_sender(net: Network) -> None:
    net.convert(orderid="V-1")
    before = net.counts()
    for ip in (STRANGER, ADVERTISER_IP):
        assert_error(net.post(path=VOID, orderid="V-1", _ip=ip), 403, "void_ip_not_allowed")
    assert net.counts() == before


def test_remote_void_chargeback_and_reversal_from_the_global_void_list(net: Network) -> None:
    first = net.convert(orderid="V-1", amount="20.00")
    _add(net, "void", ADVERTISER_IP)
    resp = net.post(path=VOID, orderid="V-1", _ip=ADVERTISER_IP)
    assert resp.json() == {"result": "success", "message": "*success*"}
    assert ledger(net.rows(first["customer_id"])) == (0, 0)
    resp = net.post(path=VOID, orderid="V-1", _ip=ADVERTISER_IP)
    assert_error(resp, 409, "void_exists")
    assert resp.json()["message"] == "*error* - Void transaction exists."
    assert net.post(path=VOID, orderid="V-1", reverse="1", _ip=ADVERTISER_IP).status_code == 200
    assert ledger(net.rows(first["customer_id"])) == (2000, 500)
    resp = net.post("POST", VOID, orderid="V-1", type="chargeback", cost="3.50", _ip=ADVERTISER_IP)
    assert resp.status_code == 200, resp.text
    assert ledger(net.rows(first["customer_id"])) == (0, -350)
    rows = net.rows(first["customer_id"])
    assert {r["source"] for r in rows[1:]} == {"advertiser"}
    assert_error(net.post(path=VOID, orderid="NOPE", _ip=ADVERTISER_IP), 404, "invalid_transaction")
    assert_error(net.post(path=VOID, orderid="NOPE", _ip=STRANGER), 403, "void_ip_not_allowed")
    assert_error(net.post(path=VOID, _ip=ADVERTISER_IP), 400, "missing_parameter", "orderid")
    resp = net.post(path=VOID, orderid="V-1", type="refund", _ip=ADVERTISER_IP)
    assert_error(resp, 400, "invalid_parameter", "'type'")


def test_the_landing_pages_void_ips_admit_remote_voids(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, landing_page={"void_ips": PAGE_IP})
    net.convert(orderid="V-2")
    assert net.post(path=VOID, orderid="V-2", _ip=STRANGER).status_code == 403
    assert net.post(path=VOID, orderid="V-2", _ip=PAGE_IP).status_code == 200
    # The admin API is keyed, not listed: it voids from anywhere.
    resp = net.api.post("/api/transaction/process_reversal", {"orderid": "V-2", "reverse": "TRUE"})
    assert resp.status_code == 200, resp.text
