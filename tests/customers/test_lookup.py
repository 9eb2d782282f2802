"""The lookup rules shared by every customer endpoint: keys, conflicts, ambiguity, not found."""

from __future__ import annotations

import httpx
import pytest

from tests.customers.factory import add_advertiser, add_customer, add_transaction, customer_row
from tests.support import ApiClient, assert_error
from trackpost.core.db import Database

LOCK = "/api/customer/lock"
ENDPOINTS = [
    ("PATCH", "/api/customer/lock"),
    ("PATCH", "/api/customer/unlock"),
    ("PATCH", "/api/customer/set_customer_details"),
    ("GET", "/api/customer/get_customer_details"),
    ("GET", "/api/customer/history"),
]


def _call(api: ApiClient, method: str, path: str, params: dict[str, object]) -> httpx.Response:
    if path.endswith("set_customer_details"):
        params = {**params, "custom1": "x"}
    if method == "GET":
        return api.get(path, params)
    return api.patch(path, params)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_no_lookup_key_is_missing_lookup_key(
    api: ApiClient, customer: int, method: str, path: str
) -> None:
    resp = _call(api, method, path, {})
    assert_error(resp, 400, "missing_lookup_key", "customer_id", "subscription_id", "orderid")
    empty = _call(api, method, path, {"customer_id": "", "advertiserid": "1"})
    assert_error(empty, 400, "missing_lookup_key")


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_unknown_customer_names_key_and_value(
    api: ApiClient, customer: int, method: str, path: str
) -> None:
    for key, value in [
        ("customer_id", "424242"),
        ("subscription_id", "NOPE-9"),
        ("orderid", "ORD-X"),
    ]:
        resp = _call(api, method, path, {key: value})
        assert_error(resp, 404, "customer_not_found", key, value)


def test_keys_naming_the_same_customer_are_accepted(
    api: ApiClient, db: Database, customer: int
) -> None:
    add_transaction(db, customer, "ORD-1")
    params = {"customer_id": customer, "subscription_id": "SUB-1", "orderid": "ORD-1"}
    assert api.patch(LOCK, params).content == b"true"
    assert customer_row(db, customer)["locked"] is True


def test_keys_naming_different_customers_conflict(
    api: ApiClient, db: Database, advertiser: int, customer: int
) -> None:
    other = add_customer(db, advertiser, "SUB-2")
    add_transaction(db, other, "ORD-2")
    resp = api.patch(LOCK, {"customer_id": customer, "orderid": "ORD-2"})
    assert_error(resp, 400, "lookup_conflict", "customer_id", "orderid", str(other))
    resp = api.patch(LOCK, {"subscription_id": "SUB-1", "orderid": "ORD-2"})
    assert_error(resp, 400, "lookup_conflict", "subscription_id", "orderid")
    assert customer_row(db, customer)["locked"] is False
    assert customer_row(db, other)["locked"] is False


def test_subscription_id_of_two_advertisers_is_ambiguous_until_narrowed(
    api: ApiClient, db: Database, advertiser: int, customer: int
) -> None:
    rival = add_advertiser(db, "globex")
    theirs = add_customer(db, rival, "SUB-1")
    resp = api.patch(LOCK, {"subscription_id": "SUB-1"})
    assert_error(resp, 409, "ambiguous_subscription_id", "SUB-1", "advertiserid")
    assert api.patch(LOCK, {"subscription_id": "SUB-1", "advertiserid": rival}).content == b"true"
    assert customer_row(db, theirs)["locked"] is True
    assert customer_row(db, customer)["locked"] is False
    by_name = {"subscription_id": "SUB-1", "advertiser_username": "ACME"}
    assert api.patch(LOCK, by_name).content == b"true"
    assert customer_row(db, customer)["locked"] is True


def test_advertiser_narrowing_applies_to_every_key(
    api: ApiClient, db: Database, customer: int
) -> None:
    rival = add_advertiser(db, "globex")
    resp = api.patch(LOCK, {"customer_id": customer, "advertiserid": rival})
    assert_error(resp, 404, "customer_not_found", "customer_id", str(customer), str(rival))
    add_transaction(db, customer, "ORD-9")
    resp = api.patch(LOCK, {"orderid": "ORD-9", "advertiser_username": "globex"})
    assert_error(resp, 404, "customer_not_found", "orderid", "ORD-9")
    assert customer_row(db, customer)["locked"] is False


def test_unknown_or_contradictory_advertiser(
    api: ApiClient, db: Database, advertiser: int, customer: int
) -> None:
    resp = api.patch(LOCK, {"subscription_id": "SUB-1", "advertiser_username": "nobody"})
    assert_error(resp, 404, "advertiser_not_found", "nobody")
    rival = add_advertiser(db, "globex")
    resp = api.patch(
        LOCK, {"subscription_id": "SUB-1", "advertiserid": rival, "advertiser_username": "acme"}
    )
    assert_error(resp, 400, "lookup_conflict", "advertiserid", "advertiser_username")


@pytest.mark.parametrize("bad", ["abc", "-1", "0", "1.5", "99999999999999999999", "\uff11\uff12"])
def test_malformed_customer_id_is_400(api: ApiClient, customer: int, bad: str) -> None:
    assert_error(api.patch(LOCK, {"customer_id": bad}), 400, "invalid_parameter", "customer_id")


def test_malformed_advertiserid_is_400(api: ApiClient, customer: int) -> None:
    resp = api.patch(LOCK, {"subscription_id": "SUB-1", "advertiserid": "acme"})
    assert_error(resp, 400, "invalid_parameter", "advertiserid")


def test_unknown_parameter_is_400_naming_it(api: ApiClient, db: Database, customer: int) -> None:
    resp = api.patch(LOCK, {"customerid": customer})
    assert_error(resp, 400, "unknown_parameter", "customerid")
    assert customer_row(db, customer)["locked"] is False
