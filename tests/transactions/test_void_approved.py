"""process_void's `approved` is the initial transaction's identifier, as the vendor documents."""

from __future__ import annotations

from typing import Any

import pytest

from tests.postbacks.network import VOID as REMOTE_VOID
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient, assert_error
from trackpost.core.http import Services

VOID = "/api/transaction/process_void"
VOIDER = "203.0.113.9"


def _statuses(net: Network) -> list[tuple[str, str]]:
    return [(r["trans_type"], r["status"]) for r in net.rows()]


@pytest.mark.parametrize("by", ["hash", "orderid"])
def test_approved_alone_names_the_sale(net: Network, by: str) -> None:
    click = net.click()
    net.convert(click_hash=click, orderid="A-1", amount="20")
    resp = net.api.post(VOID, {"approved": click if by == "hash" else "A-1", "type": "void"})
    assert resp.status_code == 200, resp.text
    assert _statuses(net) == [("initial", "voided"), ("void", "approved")]


def test_approved_must_agree_with_the_other_keys(net: Network) -> None:
    net.convert(orderid="A-1")
    net.convert(orderid="A-2")
    resp = net.api.post(VOID, {"orderid": "A-1", "approved": "A-2"})
    assert_error(resp, 400, "lookup_conflict", "approved")
    resp = net.api.post(VOID, {"orderid": "A-1", "approved": "nothing-like-it"})
    assert_error(resp, 404, "invalid_transaction")
    assert len(net.rows()) == 2


def test_approved_naming_a_pending_sale_is_409(api: ApiClient, services: Services) -> None:
    net = build_network(api, services, pending_conversions="1")
    net.convert(orderid="P-1")
    assert_error(net.api.post(VOID, {"approved": "P-1"}), 409, "transaction_pending")


@pytest.mark.parametrize(("flag", "status"), [("1", 409), ("0", 200), ("", 200)])
def test_flag_words_keep_their_old_meaning(
    api: ApiClient, services: Services, flag: str, status: int
) -> None:
    net = build_network(api, services, pending_conversions="1")
    net.convert(orderid="P-1")
    resp = net.api.post(VOID, {"orderid": "P-1", "approved": flag})
    assert resp.status_code == status, resp.text


def test_the_remote_void_script_reads_approved_alike(net: Network) -> None:
    resp: Any = net.api.post("/api/config/add_global_void_ip", {"ip": VOIDER})
    assert resp.status_code == 200
    click = net.click()
    net.convert(click_hash=click, orderid="R-1")
    net.convert(orderid="R-2")
    resp = net.post(path=REMOTE_VOID, orderid="R-1", approved="R-2", _ip=VOIDER)
    assert_error(resp, 400, "lookup_conflict", "approved")
    resp = net.post(path=REMOTE_VOID, orderid="R-1", approved=click, _ip=VOIDER)
    assert resp.status_code == 200, resp.text
    assert _statuses(net)[0] == ("initial", "voided")
