"""GET /api/customer/get_customer_details: every field but the password, lock state, transactions."""

from __future__ import annotations

from tests.customers.factory import add_transaction
from tests.support import ApiClient, assert_error
from trackpost.core.db import Database

URL = "/api/customer/get_customer_details"


def test_shows_fields_lock_state_and_no_password(api: ApiClient, customer: int) -> None:
    resp = api.get(URL, {"customer_id": customer})
    assert resp.status_code == 200
    body = resp.json()
    assert body["result"] == "success"
    c = body["customer"]
    assert c["customer_id"] == customer
    assert c["subscription_id"] == "SUB-1"
    assert (c["firstname"], c["lastname"], c["email"]) == ("Ada", "Lovelace", "ada@example.com")
    assert c["username"] == "ada"
    assert c["status"] == "active"
    assert c["join_ip"] == "198.51.100.7"
    assert c["join_date"].endswith("+00:00")
    assert c["locked"] is False
    assert c["locked_at"] is None
    assert c["locked_by"] is None
    assert "password" not in c
    assert "password_hash" not in c
    assert body["transactions"] == []
    assert body["transaction_count"] == 0


def test_shows_the_lock(api: ApiClient, customer: int) -> None:
    api.patch("/api/customer/lock", {"customer_id": customer, "reason": "chargeback risk"})
    c = api.get(URL, {"subscription_id": "SUB-1"}).json()["customer"]
    assert c["locked"] is True
    assert c["locked_by"] == "tf_admin"
    assert c["lock_reason"] == "chargeback risk"
    assert c["locked_at"].endswith("+00:00")


def test_transactions_newest_first_bounded_with_count(
    api: ApiClient, db: Database, customer: int
) -> None:
    for i in range(105):
        add_transaction(db, customer, f"ORD-{i:03d}", amount=100 + i)
    body = api.get(URL, {"orderid": "ORD-050"}).json()
    assert body["transaction_count"] == 105
    assert len(body["transactions"]) == 100
    assert body["transactions"][0]["orderid"] == "ORD-104"
    assert body["transactions"][0]["amount"] == "2.04"  # money as every response gives it
    assert body["transactions"][-1]["orderid"] == "ORD-005"
    assert body["customer"]["customer_id"] == customer


def test_unknown_parameter_is_400(api: ApiClient, customer: int) -> None:
    resp = api.get(URL, {"customer_id": customer, "fields": "all"})
    assert_error(resp, 400, "unknown_parameter", "fields")
