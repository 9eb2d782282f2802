"""The global postback and void IP lists, with the vendor's {"result","data"} bodies."""

from __future__ import annotations

import pytest

from tests.support import ApiClient, assert_error


def _data(api: ApiClient, path: str, ip: str) -> str:
    resp = api.post(path, {"ip": ip})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"result", "data"}
    assert body["result"] == "success"
    return str(body["data"])


@pytest.mark.parametrize("which", ["post", "void"])
def test_add_and_remove(api: ApiClient, which: str) -> None:
    add, remove = f"/api/config/add_global_{which}_ip", f"/api/config/remove_global_{which}_ip"
    assert _data(api, remove, "203.0.113.7") == "List not set"
    assert _data(api, add, "203.0.113.7") == "Ip added"
    assert _data(api, add, " 203.0.113.7 ") == "Ip already in list"
    assert _data(api, add, "2001:DB8::1") == "Ip added"
    assert _data(api, add, "198.51.100.0/24") == "Ip added"
    listed = api.get("/api/config/get_global_ips").json()["data"][which]
    assert listed == ["198.51.100.0/24", "2001:db8::1", "203.0.113.7"]
    assert _data(api, remove, "192.0.2.1") == "Ip not in list"
    assert _data(api, remove, "203.0.113.7") == "Ip removed"
    assert _data(api, remove, "2001:db8::1") == "Ip removed"
    assert _data(api, remove, "198.51.100.0/24") == "Ip removed"
    assert _data(api, remove, "198.51.100.0/24") == "List not set"


def test_the_two_lists_are_separate(api: ApiClient) -> None:
    assert _data(api, "/api/config/add_global_void_ip", "203.0.113.7") == "Ip added"
    assert _data(api, "/api/config/remove_global_post_ip", "203.0.113.7") == "List not set"
    lists = api.get("/api/config/get_global_ips").json()
    assert lists == {"result": "success", "data": {"post": [], "void": ["203.0.113.7"]}}


@pytest.mark.parametrize("ip", ["999.1.1.1", "example.com", "1.2.3.4/40"])
def test_an_invalid_ip_is_the_vendors_error(api: ApiClient, ip: str) -> None:
    body = assert_error(api.post("/api/config/add_global_void_ip", {"ip": ip}), 400, "invalid_ip")
    assert body["data"] == "Invalid ip"
    assert api.get("/api/config/get_global_ips").json()["data"] == {"post": [], "void": []}


def test_ip_is_required(api: ApiClient) -> None:
    assert_error(api.post("/api/config/add_global_post_ip", {}), 400, "missing_parameter", "'ip'")
    # A blank is "not given", as on every endpoint.
    resp = api.post("/api/config/add_global_post_ip", {"ip": ""})
    assert_error(resp, 400, "missing_parameter", "'ip'")
