"""GET /api/customer/history: who did what and when, newest first, passwords masked."""

from __future__ import annotations

import datetime as dt

from tests.support import ApiClient, assert_error
from trackpost.core.db import Database
from trackpost.core.origin import Origin
from trackpost.customers import service

URL = "/api/customer/history"


def test_history_tells_who_did_what_and_when(api: ApiClient, db: Database, customer: int) -> None:
    started = dt.datetime.now(dt.UTC)
    api.patch(
        "/api/customer/set_customer_details",
        {"customer_id": customer, "firstname": "Augusta", "password": "pw-2", "reason": "typo"},
        headers={"X-Request-ID": "req-edit-1"},
    )
    api.patch("/api/customer/lock", {"customer_id": customer, "reason": "dispute"})
    api.patch("/api/customer/unlock", {"subscription_id": "SUB-1"})
    resp = api.get(URL, {"customer_id": customer})
    assert resp.status_code == 200
    body = resp.json()
    assert body["customer_id"] == customer
    assert body["total"] == 4
    actions = [h["action"] for h in body["history"]]
    assert actions == ["unlock", "lock", "set_details", "create"]
    unlock, lock, edit, create = body["history"]
    assert unlock["changes"] == {"locked": {"before": True, "after": False}}
    assert lock["reason"] == "dispute"
    assert edit["actor"] == "tf_admin"
    assert edit["source"] == "api"
    assert edit["source_ip"] == "testclient"
    assert edit["request_id"] == "req-edit-1"
    assert edit["reason"] == "typo"
    assert edit["changes"] == {
        "firstname": {"before": "Ada", "after": "Augusta"},
        "password": {"before": "********", "after": "********"},
    }
    assert dt.datetime.fromisoformat(edit["at"]) >= started
    assert edit["at"] <= lock["at"] <= unlock["at"]
    assert create["source"] == "postback"
    assert create["changes"]["email"] == {"before": None, "after": "ada@example.com"}
    assert create["changes"]["password"] == {"before": None, "after": "********"}
    assert "s3cret" not in resp.text


def test_every_change_writes_exactly_one_row(api: ApiClient, customer: int) -> None:
    for value in ("one", "two", "three"):
        api.patch("/api/customer/set_customer_details", {"customer_id": customer, "custom1": value})
    rows = api.get(URL, {"customer_id": customer}).json()["history"]
    assert [r["changes"].get("custom1", {}).get("after") for r in rows[:3]] == [
        "three",
        "two",
        "one",
    ]
    assert rows[0]["changes"]["custom1"]["before"] == "two"


def test_refused_and_invalid_calls_write_nothing(api: ApiClient, customer: int) -> None:
    api.patch("/api/customer/set_customer_details", {"customer_id": customer, "email": "bad"})
    api.patch("/api/customer/lock", {"customer_id": customer, "bogus": "1"})
    assert api.get(URL, {"customer_id": customer}).json()["total"] == 1  # only "create"


def test_postback_without_changes_writes_no_row(
    db: Database, api: ApiClient, customer: int
) -> None:
    with db.transaction(write=True) as conn:
        row = service.find_customer(conn, customer_id=customer)
        changes = service.apply_advertiser_update(
            conn,
            row,
            {"email": "ada@example.com", "address2": ""},
            Origin("acme", "postback"),
            action="postback:rebill",
        )
    assert changes == {}
    assert api.get(URL, {"customer_id": customer}).json()["total"] == 1


def test_history_paging(api: ApiClient, customer: int) -> None:
    for i in range(5):
        api.patch(
            "/api/customer/set_customer_details", {"customer_id": customer, "custom3": str(i)}
        )
    page = api.get(URL, {"customer_id": customer, "start": 1, "count": 2}).json()
    assert page["total"] == 6
    assert [h["changes"]["custom3"]["after"] for h in page["history"]] == ["3", "2"]
    last = api.get(URL, {"customer_id": customer, "start": 4, "count": 100}).json()
    assert last["total"] == 6
    assert [h["action"] for h in last["history"]] == ["set_details", "create"]
    assert_error(
        api.get(URL, {"customer_id": customer, "count": "5000"}), 400, "invalid_parameter", "count"
    )
