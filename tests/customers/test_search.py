"""GET /api/customer/search: filters, paging, stable order and the total."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from tests.customers.factory import add_advertiser, add_customer, add_transaction
from tests.support import ApiClient, assert_error
from trackpost.core.db import Database
from trackpost.models.tables import customers

URL = "/api/customer/search"


@pytest.fixture
def people(db: Database, advertiser: int) -> dict[str, int]:
    rival = add_advertiser(db, "globex")
    ids = {
        "ann": add_customer(
            db, advertiser, "A-1", firstname="Ann", lastname="Smith", email="Ann@Example.com"
        ),
        "bob": add_customer(
            db, advertiser, "A-2", firstname="Bob", lastname="Annan", email="bob@example.com"
        ),
        "cat": add_customer(
            db, rival, "A-1", firstname="Cat", lastname="Jones", email="cat@example.com"
        ),
        "dan": add_customer(
            db, rival, "G-9", firstname="Dan", lastname="100%_real", status="expired"
        ),
    }
    days = {"ann": 1, "bob": 2, "cat": 3, "dan": 4}
    with db.transaction(write=True) as conn:
        for key, day in days.items():
            conn.execute(
                update(customers)
                .where(customers.c.customer_id == ids[key])
                .values(join_date=dt.datetime(2026, 3, day, 12, tzinfo=dt.UTC))
            )
    add_transaction(db, ids["bob"], "ORD-B")
    return ids


def _ids(api: ApiClient, **params: object) -> list[int]:
    resp = api.get(URL, params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["result"] == "success"
    return [c["customer_id"] for c in body["customers"]]


def test_no_filter_lists_everyone_in_customer_id_order(
    api: ApiClient, people: dict[str, int]
) -> None:
    body = api.get(URL).json()
    assert body["total"] == 4
    assert [c["customer_id"] for c in body["customers"]] == sorted(people.values())
    assert all("password_hash" not in c for c in body["customers"])


def test_each_filter(api: ApiClient, people: dict[str, int]) -> None:
    p = people
    assert _ids(api, email="ann@example.COM") == [p["ann"]]
    assert _ids(api, name="ann") == [p["ann"], p["bob"]]  # first name Ann, last name Annan
    assert _ids(api, name="100%_") == [p["dan"]]  # % and _ are literal, not wildcards
    assert _ids(api, name="%") == [p["dan"]]
    assert _ids(api, subscription_id="A-1") == [p["ann"], p["cat"]]
    assert _ids(api, orderid="ORD-B") == [p["bob"]]
    assert _ids(api, status="expired") == [p["dan"]]
    assert _ids(api, advertiserid=str(_adv_of(api, p["cat"]))) == [p["cat"], p["dan"]]
    assert _ids(api, join_start="2026-03-02", join_end="2026-03-03") == [p["bob"], p["cat"]]
    assert _ids(api, join_start="2026-03-03T12:00:00Z") == [p["cat"], p["dan"]]
    assert _ids(api, join_end="2026-03-02T12:00:00+00:00") == [p["ann"], p["bob"]]
    assert _ids(api, subscription_id="A-1", name="cat") == [p["cat"]]


def _adv_of(api: ApiClient, customer_id: int) -> int:
    body = api.get("/api/customer/get_customer_details", {"customer_id": customer_id}).json()
    return int(body["customer"]["advertiserid"])


def test_locked_filter(api: ApiClient, people: dict[str, int]) -> None:
    api.patch("/api/customer/lock", {"customer_id": people["cat"]})
    assert _ids(api, locked="1") == [people["cat"]]
    assert _ids(api, locked="false") == sorted(set(people.values()) - {people["cat"]})
    assert_error(api.get(URL, {"locked": "maybe"}), 400, "invalid_parameter", "locked")


def test_paging_and_total(api: ApiClient, people: dict[str, int]) -> None:
    ordered = sorted(people.values())
    page = api.get(URL, {"start": 1, "count": 2}).json()
    assert page["total"] == 4
    assert (page["start"], page["count"]) == (1, 2)
    assert [c["customer_id"] for c in page["customers"]] == ordered[1:3]
    beyond = api.get(URL, {"start": 10}).json()
    assert (beyond["total"], beyond["customers"]) == (4, [])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"count": "0"}, "count"),
        ({"count": "1001"}, "count"),
        # Zero-padding does not slip a larger page past the cap.
        ({"count": "0005000"}, "count"),
        ({"count": "0000019999999"}, "count"),
        ({"count": "9" * 5000}, "count"),
        ({"join_end": "9999-12-31"}, "join_end"),
        ({"count": "ten"}, "count"),
        ({"start": "-1"}, "start"),
        ({"join_start": "yesterday"}, "join_start"),
        ({"join_start": "2026-03-05", "join_end": "2026-03-01"}, "join_end"),
        ({"advertiserid": "x"}, "advertiserid"),
        ({"nickname": "x"}, "nickname"),
    ],
)
def test_bad_search_parameters_are_400(api: ApiClient, params: dict[str, str], name: str) -> None:
    resp = api.get(URL, params)
    assert resp.status_code == 400, resp.text
    assert name in resp.json()["message"]


def test_count_of_1000_is_allowed(api: ApiClient, people: dict[str, int]) -> None:
    assert api.get(URL, {"count": "1000"}).json()["count"] == 4
