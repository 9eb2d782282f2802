"""PATCH /api/customer/lock and /unlock: the vendor's `true`, idempotence, and the lock enforced."""

from __future__ import annotations

import pytest

from tests.customers.factory import add_transaction, customer_row
from tests.support import ApiClient, assert_error
from trackpost.core.db import Database
from trackpost.core.origin import Origin
from trackpost.customers import service
from trackpost.customers.errors import CustomerLocked

LOCK = "/api/customer/lock"
UNLOCK = "/api/customer/unlock"
DETAILS = "/api/customer/set_customer_details"


def _history(api: ApiClient, customer_id: int) -> list[dict[str, object]]:
    resp = api.get("/api/customer/history", {"customer_id": customer_id})
    assert resp.status_code == 200, resp.text
    rows: list[dict[str, object]] = resp.json()["history"]
    return rows


def test_lock_answers_bare_true_and_locks(api: ApiClient, db: Database, customer: int) -> None:
    resp = api.patch(LOCK, {"customer_id": customer})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.content == b"true"
    row = customer_row(db, customer)
    assert row["locked"] is True
    assert row["locked_by"] == "tf_admin"
    assert row["locked_at"] is not None


@pytest.mark.parametrize("key", ["customer_id", "subscription_id", "orderid"])
def test_lock_and_unlock_by_each_lookup_key(
    api: ApiClient, db: Database, customer: int, key: str
) -> None:
    add_transaction(db, customer, "TRACKFINITY:1494001824")
    value = {"customer_id": str(customer), "subscription_id": "SUB-1"}.get(
        key, "TRACKFINITY:1494001824"
    )
    assert api.patch(LOCK, {key: value}).content == b"true"
    assert customer_row(db, customer)["locked"] is True
    assert api.patch(UNLOCK, {key: value}).content == b"true"
    row = customer_row(db, customer)
    assert row["locked"] is False
    assert row["locked_by"] is None
    assert row["locked_at"] is None


def test_reason_is_recorded_and_bounded(api: ApiClient, db: Database, customer: int) -> None:
    too_long = "x" * 501
    assert_error(
        api.patch(LOCK, {"customer_id": customer, "reason": too_long}),
        400,
        "invalid_parameter",
        "reason",
        "500",
    )
    assert customer_row(db, customer)["locked"] is False
    reason = "r" * 500
    assert api.patch(LOCK, {"customer_id": customer, "reason": reason}).content == b"true"
    assert customer_row(db, customer)["lock_reason"] == reason
    assert _history(api, customer)[0]["reason"] == reason


@pytest.mark.parametrize("control", ["\x1b[31m", "\x07", "\x7f", "\x85"])
def test_a_reason_with_control_characters_is_refused(
    api: ApiClient, db: Database, customer: int, control: str
) -> None:
    resp = api.patch(LOCK, {"customer_id": customer, "reason": f"fraud {control}review"})
    assert_error(resp, 400, "invalid_parameter", "reason", "control characters")
    assert customer_row(db, customer)["locked"] is False


def test_line_breaks_in_a_reason_become_spaces(api: ApiClient, db: Database, customer: int) -> None:
    """A reason typed into a text area keeps its words, never a line break in a log or header."""
    reason = "chargeback\r\nfraud\treview"
    assert api.patch(LOCK, {"customer_id": customer, "reason": reason}).content == b"true"
    assert customer_row(db, customer)["lock_reason"] == "chargeback  fraud review"
    body = api.patch(DETAILS, {"customer_id": customer, "firstname": "X"}).json()
    assert "\n" not in body["message"]


def test_locking_twice_changes_nothing_and_history_shows_a_noop(
    api: ApiClient, db: Database, customer: int
) -> None:
    api.patch(LOCK, {"customer_id": customer, "reason": "first"})
    before = customer_row(db, customer)
    again = api.patch(LOCK, {"subscription_id": "SUB-1", "reason": "second"})
    assert again.status_code == 200
    assert again.content == b"true"
    after = customer_row(db, customer)
    assert after == before  # same locked_at, locked_by, lock_reason, updated_at
    newest, first = _history(api, customer)[:2]
    assert newest["action"] == "lock"
    assert newest["changes"] == {}
    assert newest["reason"] == "second"
    assert first["action"] == "lock"
    assert first["changes"] == {"locked": {"before": False, "after": True}}


def test_unlocking_an_unlocked_customer_changes_nothing(
    api: ApiClient, db: Database, customer: int
) -> None:
    before = customer_row(db, customer)
    resp = api.patch(UNLOCK, {"customer_id": customer})
    assert resp.status_code == 200
    assert resp.content == b"true"
    assert customer_row(db, customer) == before
    newest = _history(api, customer)[0]
    assert (newest["action"], newest["changes"]) == ("unlock", {})


def test_locked_customer_refuses_details_and_is_unchanged(
    api: ApiClient, db: Database, customer: int
) -> None:
    api.patch(LOCK, {"customer_id": customer, "reason": "fraud review"})
    before = customer_row(db, customer)
    resp = api.patch(DETAILS, {"customer_id": customer, "firstname": "Eve"})
    body = assert_error(resp, 409, "customer_locked", "tf_admin", "locked", "fraud review")
    locked_at = before["locked_at"].isoformat()
    assert locked_at in body["message"]
    assert body["locked_by"] == "tf_admin"
    assert body["locked_at"] == locked_at
    assert customer_row(db, customer) == before
    assert _history(api, customer)[0]["action"] == "lock"  # the refused edit left no trace


def test_advertiser_post_still_updates_a_locked_customer(
    api: ApiClient, db: Database, customer: int
) -> None:
    api.patch(LOCK, {"customer_id": customer})
    with db.transaction(write=True) as conn:
        found = service.find_customer(conn, subscription_id="SUB-1")
        changes = service.apply_advertiser_update(
            conn,
            found,
            {"email": "ada@new.example", "status": "cancelled"},
            Origin("acme", "postback", "203.0.113.5", "pb-1"),
            action="postback:cancel",
        )
    assert changes["email"] == {"before": "ada@example.com", "after": "ada@new.example"}
    row = customer_row(db, customer)
    assert (row["email"], row["status"], row["locked"]) == ("ada@new.example", "cancelled", True)
    newest = _history(api, customer)[0]
    assert newest["actor"] == "acme"
    assert newest["source"] == "postback"
    assert newest["source_ip"] == "203.0.113.5"
    assert newest["action"] == "postback:cancel"
    assert newest["request_id"] == "pb-1"


def test_unlock_lets_the_edit_through(api: ApiClient, db: Database, customer: int) -> None:
    api.patch(LOCK, {"customer_id": customer})
    assert api.patch(DETAILS, {"customer_id": customer, "firstname": "Eve"}).status_code == 409
    assert api.patch(UNLOCK, {"customer_id": customer}).content == b"true"
    resp = api.patch(DETAILS, {"customer_id": customer, "firstname": "Eve"})
    assert resp.status_code == 200
    assert resp.content == b"true"
    assert customer_row(db, customer)["firstname"] == "Eve"


def test_ensure_editable_guards_other_platform_mutations(
    api: ApiClient, db: Database, customer: int
) -> None:
    api.patch(LOCK, {"customer_id": customer})
    with db.transaction(write=False) as conn:
        row = service.find_customer(conn, customer_id=customer, for_update=False)
    with pytest.raises(CustomerLocked) as caught:
        service.ensure_editable(row)
    assert caught.value.status == 409
    assert "tf_admin" in caught.value.message


def test_lock_of_unknown_customer_is_404(api: ApiClient) -> None:
    assert_error(
        api.patch(LOCK, {"customer_id": "999999"}),
        404,
        "customer_not_found",
        "customer_id",
        "999999",
    )
    assert_error(api.patch(UNLOCK, {"customer_id": "999999"}), 404, "customer_not_found", "999999")


def test_lock_needs_credentials(api: ApiClient, customer: int, db: Database) -> None:
    resp = api.client.patch(LOCK, data={"customer_id": customer})
    assert_error(resp, 401, "unauthorized")
    bad = api.client.patch(
        LOCK,
        data={"customer_id": customer},
        headers={"api-key": "0" * 32, "api-username": "tf_admin"},
    )
    assert_error(bad, 401, "unauthorized")
    assert customer_row(db, customer)["locked"] is False


def test_lock_takes_a_json_body_and_query_string_too(
    api: ApiClient, db: Database, customer: int
) -> None:
    assert api.patch(LOCK, json={"customer_id": customer}).content == b"true"
    assert api.patch(f"{UNLOCK}?customer_id={customer}").content == b"true"
    assert customer_row(db, customer)["locked"] is False


def test_lock_with_get_is_405(api: ApiClient, customer: int) -> None:
    assert_error(api.get(LOCK, {"customer_id": customer}), 405, "method_not_allowed")
