"""GET /api/service/ping and the behaviour every request shares: ids, 404, 405."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import Admin
from tests.support import ApiClient, assert_error
from trackpost import __version__


def test_ping_answers_pong_with_version(api: ApiClient) -> None:
    resp = api.get("/api/service/ping")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.json() == {"result": "success", "message": "pong", "version": __version__}


def test_header_names_are_case_insensitive(http: TestClient, admin: Admin) -> None:
    headers = {"API-KEY": admin.api_key, "Api-Username": admin.username}
    assert http.get("/api/service/ping", headers=headers).status_code == 200


def test_every_response_carries_a_request_id(http: TestClient, api: ApiClient) -> None:
    ids = {api.get("/api/service/ping").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3
    assert http.get("/nowhere").headers["x-request-id"]
    echoed = api.get("/api/service/ping", headers={"X-Request-ID": "lb-1234"})
    assert echoed.headers["x-request-id"] == "lb-1234"
    hostile = api.get("/api/service/ping", headers={"X-Request-ID": "a b\tc<script>"})
    assert hostile.headers["x-request-id"] != "a b\tc<script>"


def test_unknown_endpoint_is_404_in_envelope(http: TestClient) -> None:
    assert_error(http.get("/api/customer/nope"), 404, "unknown_endpoint", "/api/customer/nope")


def test_wrong_method_is_405_with_allow(api: ApiClient) -> None:
    resp = api.request("PATCH", "/api/service/ping")
    assert_error(resp, 405, "method_not_allowed", "PATCH")
    assert "GET" in resp.headers["allow"]


def test_unknown_parameter_is_400(api: ApiClient) -> None:
    assert_error(
        api.get("/api/service/ping", params={"bogus": "1"}), 400, "unknown_parameter", "bogus"
    )


def test_healthz_reports_database(http: TestClient) -> None:
    resp = http.get("/healthz")
    assert resp.status_code == 200
    assert resp.json()["database"] == "ok"
