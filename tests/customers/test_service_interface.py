"""The interface other domains call (postbacks, CLI, jobs), checked through the database and HTTP."""

from __future__ import annotations

import pytest

from tests.customers.factory import add_customer, customer_row
from tests.support import ApiClient
from trackpost.core.db import Database
from trackpost.core.errors import TrackpostError
from trackpost.core.origin import Origin
from trackpost.core.security import verify_password
from trackpost.customers import service


def _create(db: Database, advertiser: int, sub: str, **fields: str | None) -> int:
    with db.transaction(write=True) as conn:
        return service.create_customer(
            conn,
            advertiserid=advertiser,
            subscription_id=sub,
            fields=fields,
            join_ip="192.0.2.1",
            loginid=None,
            offerid=None,
            landing_pageid=None,
            clickid=None,
            origin=Origin("acme", "postback", "203.0.113.9", "conv-1"),
        )


def test_create_customer_stores_fields_and_audits_create(
    api: ApiClient, db: Database, advertiser: int
) -> None:
    cid = _create(db, advertiser, "NEW-1", firstname="Grace", password="pw", phone="+1 555")
    row = customer_row(db, cid)
    assert (row["firstname"], row["phone"], row["status"]) == ("Grace", "+1 555", "active")
    assert verify_password("pw", row["password_hash"])
    history = api.get("/api/customer/history", {"customer_id": cid}).json()["history"]
    assert len(history) == 1
    entry = history[0]
    assert (entry["action"], entry["source"], entry["actor"]) == ("create", "postback", "acme")
    assert (entry["source_ip"], entry["request_id"]) == ("203.0.113.9", "conv-1")
    assert entry["changes"]["password"] == {"before": None, "after": "********"}


def test_duplicate_subscription_id_is_409_and_the_transaction_survives(
    db: Database, advertiser: int, customer: int
) -> None:
    with db.transaction(write=True) as conn:
        with pytest.raises(TrackpostError) as caught:
            service.create_customer(
                conn,
                advertiserid=advertiser,
                subscription_id="SUB-1",
                fields={},
                join_ip=None,
                loginid=None,
                offerid=None,
                landing_pageid=None,
                clickid=None,
                origin=Origin("acme", "postback"),
            )
        assert (caught.value.status, caught.value.error_code) == (409, "subscription_id_taken")
        # The caller can carry on in the same transaction, e.g. find the existing customer.
        found = service.find_customer(conn, subscription_id="SUB-1", advertiserid=advertiser)
        assert found["customer_id"] == customer


def test_duplicate_username_on_create_is_409(db: Database, advertiser: int, customer: int) -> None:
    with pytest.raises(TrackpostError) as caught:
        _create(db, advertiser, "NEW-2", username="ADA")
    assert (caught.value.status, caught.value.error_code) == (409, "username_taken")


def test_advertiser_update_validates_and_clears(db: Database, customer: int) -> None:
    with db.transaction(write=True) as conn:
        row = service.find_customer(conn, customer_id=customer)
        cases: list[tuple[dict[str, str | None], str]] = [
            ({"favourite": "x"}, "unknown_parameter"),
            ({"status": "dancing"}, "invalid_parameter"),
            ({"status": None}, "invalid_parameter"),
            ({"email": "nope"}, "invalid_parameter"),
            ({"zip": "9" * 33}, "invalid_parameter"),
        ]
        for bad, code in cases:
            with pytest.raises(TrackpostError) as caught:
                service.apply_advertiser_update(
                    conn, row, bad, Origin("acme", "postback"), action="p"
                )
            assert caught.value.error_code == code, bad
        changes = service.apply_advertiser_update(
            conn,
            row,
            {"city": None, "status": "expired", "password": "newpw"},
            Origin("acme", "postback"),
            action="postback:expire",
        )
    assert changes["city"] == {"before": "London", "after": None}
    assert changes["password"] == {"before": "********", "after": "********"}
    after = customer_row(db, customer)
    assert (after["city"], after["status"]) == (None, "expired")
    assert verify_password("newpw", after["password_hash"])


def test_write_audit_refuses_unknown_source(db: Database, customer: int) -> None:
    with db.transaction(write=True) as conn, pytest.raises(ValueError, match="source"):
        service.write_audit(conn, customer, Origin("x", "web"), action="poke")  # type: ignore[arg-type]


def test_cli_source_shows_in_history(api: ApiClient, db: Database, customer: int) -> None:
    with db.transaction(write=True) as conn:
        service.write_audit(
            conn, customer, Origin("ops", "cli"), action="note", reason="manual check"
        )
    entry = api.get("/api/customer/history", {"customer_id": customer}).json()["history"][0]
    assert (entry["source"], entry["actor"], entry["reason"]) == ("cli", "ops", "manual check")


def test_find_customer_without_for_update_reads(db: Database, advertiser: int) -> None:
    cid = add_customer(db, advertiser, "R-1")
    with db.transaction(write=False) as conn:
        assert (
            service.find_customer(conn, customer_id=str(cid), for_update=False)["customer_id"]
            == cid
        )
