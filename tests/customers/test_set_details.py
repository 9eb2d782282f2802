"""PATCH /api/customer/set_customer_details: fields, REMOVE, validation, username uniqueness."""

from __future__ import annotations

import pytest

from tests.customers.factory import add_customer, add_transaction, customer_row
from tests.support import ApiClient, assert_error
from trackpost.core.db import Database
from trackpost.core.security import verify_password
from trackpost.customers.fields import DETAIL_FIELDS

DETAILS = "/api/customer/set_customer_details"


def test_sets_every_documented_field(api: ApiClient, db: Database, customer: int) -> None:
    values = {name: f"new {name}" for name in DETAIL_FIELDS}
    values["email"] = "new@example.org"
    values["zip"] = "SW1A 1AA"
    values["status"] = "inactive"
    resp = api.patch(DETAILS, {"customer_id": customer, **values})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.content == b"true"
    row = customer_row(db, customer)
    for name, value in values.items():
        if name != "password":
            assert row[name] == value, name
    assert verify_password("new password", row["password_hash"])
    assert row["updated_at"] > row["created_at"]


def test_lookup_by_subscription_id_and_orderid(api: ApiClient, db: Database, customer: int) -> None:
    assert api.patch(DETAILS, {"subscription_id": "SUB-1", "city": "Paris"}).content == b"true"
    add_transaction(db, customer, "ORD-7")
    assert api.patch(DETAILS, {"orderid": "ORD-7", "state": "IDF"}).content == b"true"
    row = customer_row(db, customer)
    assert (row["city"], row["state"]) == ("Paris", "IDF")


def test_remove_clears_a_field(api: ApiClient, db: Database, customer: int) -> None:
    resp = api.patch(DETAILS, {"customer_id": customer, "city": "REMOVE", "email": "REMOVE"})
    assert resp.content == b"true"
    row = customer_row(db, customer)
    assert row["city"] is None
    assert row["email"] is None
    assert row["firstname"] == "Ada"


def test_remove_for_password_is_400(api: ApiClient, db: Database, customer: int) -> None:
    before = customer_row(db, customer)
    resp = api.patch(DETAILS, {"customer_id": customer, "password": "REMOVE", "city": "Rome"})
    assert_error(resp, 400, "invalid_parameter", "password", "REMOVE")
    assert customer_row(db, customer) == before


def test_no_fields_is_400(api: ApiClient, customer: int) -> None:
    assert_error(api.patch(DETAILS, {"customer_id": customer}), 400, "no_fields", "firstname")
    resp = api.patch(DETAILS, {"customer_id": customer, "reason": "just because"})
    assert_error(resp, 400, "no_fields")


def test_unknown_parameters_are_400_naming_them(
    api: ApiClient, db: Database, customer: int
) -> None:
    before = customer_row(db, customer)
    resp = api.patch(
        DETAILS, {"customer_id": customer, "firstname": "Eve", "phone_number": "1", "nick": "e"}
    )
    assert_error(resp, 400, "unknown_parameter", "phone_number", "nick")
    assert customer_row(db, customer) == before


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b", "a b@example.com", "@example.com", "a@@example.com"]
)
def test_invalid_email_is_400(api: ApiClient, db: Database, customer: int, email: str) -> None:
    resp = api.patch(DETAILS, {"customer_id": customer, "email": email})
    assert_error(resp, 400, "invalid_parameter", "email")
    assert customer_row(db, customer)["email"] == "ada@example.com"


@pytest.mark.parametrize(("field", "limit"), [("firstname", 255), ("zip", 32), ("custom5", 255)])
def test_lengths_are_bounded(
    api: ApiClient, db: Database, customer: int, field: str, limit: int
) -> None:
    ok = api.patch(DETAILS, {"customer_id": customer, field: "z" * limit})
    assert ok.content == b"true"
    resp = api.patch(DETAILS, {"customer_id": customer, field: "y" * (limit + 1)})
    assert_error(resp, 400, "invalid_parameter", field, str(limit))
    assert customer_row(db, customer)[field] == "z" * limit


def test_a_blank_value_is_not_given(api: ApiClient, db: Database, customer: int) -> None:
    before = customer_row(db, customer)["lastname"]
    resp = api.patch(DETAILS, {"customer_id": customer, "lastname": ""})
    assert_error(resp, 400, "no_fields")
    resp = api.patch(DETAILS, {"customer_id": customer, "lastname": "", "city": "Paris"})
    assert resp.content == b"true"
    row = customer_row(db, customer)
    assert (row["lastname"], row["city"]) == (before, "Paris")


def test_phone_and_status_are_set_as_the_customer_record_has_them(
    api: ApiClient, db: Database, customer: int
) -> None:
    resp = api.patch(
        DETAILS, {"customer_id": customer, "phone": "+1 555 0100", "status": "expired"}
    )
    assert resp.content == b"true"
    row = customer_row(db, customer)
    assert (row["phone"], row["status"]) == ("+1 555 0100", "expired")
    assert api.patch(DETAILS, {"customer_id": customer, "phone": "REMOVE"}).content == b"true"
    assert customer_row(db, customer)["phone"] is None
    resp = api.patch(DETAILS, {"customer_id": customer, "status": "REMOVE"})
    assert_error(resp, 400, "invalid_parameter", "status")
    resp = api.patch(DETAILS, {"customer_id": customer, "status": "gone"})
    assert_error(resp, 400, "invalid_parameter", "status", "cancelled")


def test_control_characters_are_refused(api: ApiClient, customer: int) -> None:
    resp = api.patch(DETAILS, {"customer_id": customer, "city": "Lon\ndon"})
    assert_error(resp, 400, "invalid_parameter", "city")


def test_username_is_unique_per_advertiser_in_any_case(
    api: ApiClient, db: Database, advertiser: int, customer: int
) -> None:
    other = add_customer(db, advertiser, "SUB-2", username="bob")
    resp = api.patch(DETAILS, {"customer_id": other, "username": "ADA"})
    assert_error(resp, 409, "username_taken", "ADA")
    assert customer_row(db, other)["username"] == "bob"
    # Changing the case of one's own username is fine.
    assert api.patch(DETAILS, {"customer_id": customer, "username": "ADA"}).content == b"true"
    assert customer_row(db, customer)["username"] == "ADA"


def test_same_username_under_another_advertiser_is_fine(
    api: ApiClient, db: Database, customer: int
) -> None:
    from tests.customers.factory import add_advertiser

    rival = add_advertiser(db, "globex")
    theirs = add_customer(db, rival, "G-1")
    assert api.patch(DETAILS, {"customer_id": theirs, "username": "ada"}).content == b"true"


def test_password_is_hashed_and_never_returned(api: ApiClient, db: Database, customer: int) -> None:
    api.patch(DETAILS, {"customer_id": customer, "password": "hunter2-long"})
    row = customer_row(db, customer)
    assert "hunter2-long" not in row["password_hash"]
    assert verify_password("hunter2-long", row["password_hash"])
    details = api.get("/api/customer/get_customer_details", {"customer_id": customer})
    assert "hunter2" not in details.text
    assert "password_hash" not in details.text
    assert details.json()["customer"]["has_password"] is True
    history = api.get("/api/customer/history", {"customer_id": customer})
    assert "hunter2" not in history.text
    assert history.json()["history"][0]["changes"]["password"] == {
        "before": "********",
        "after": "********",
    }


def test_json_body_is_accepted(api: ApiClient, db: Database, customer: int) -> None:
    resp = api.patch(DETAILS, json={"customer_id": customer, "custom2": "vip"})
    assert resp.content == b"true"
    assert customer_row(db, customer)["custom2"] == "vip"
