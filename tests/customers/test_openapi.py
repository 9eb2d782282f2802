"""The customer endpoints are described in /openapi.json, with the vendor's `true` body."""

from __future__ import annotations

from starlette.testclient import TestClient

PATHS = {
    "/api/customer/lock": "patch",
    "/api/customer/unlock": "patch",
    "/api/customer/set_customer_details": "patch",
    "/api/customer/get_customer_details": "get",
    "/api/customer/search": "get",
    "/api/customer/history": "get",
}


def test_openapi_describes_every_customer_endpoint(http: TestClient) -> None:
    doc = http.get("/openapi.json").json()
    for path, method in PATHS.items():
        op = doc["paths"][path][method]
        assert op["security"], path
        assert "409" in op["responses"] or path.endswith("search"), path
    lock = doc["paths"]["/api/customer/lock"]["patch"]
    assert lock["responses"]["200"]["content"]["application/json"]["example"] is True
    form = lock["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"customer_id", "subscription_id", "orderid", "reason"} <= set(form["properties"])
    details = doc["paths"]["/api/customer/set_customer_details"]["patch"]
    props = details["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"firstname", "zip", "custom5", "password"} <= set(props)
