"""Hot statements give exactly what Connection.execute gives, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.dialects import sqlite

from tests.customers.factory import add_advertiser, add_customer, add_transaction
from trackpost.core import hot
from trackpost.core.db import utcnow
from trackpost.core.hot import Hot, HotStatement
from trackpost.core.http import Services
from trackpost.core.origin import Origin
from trackpost.customers import repository as repo
from trackpost.customers import service
from trackpost.models.tables import customers as C
from trackpost.models.tables import ip_list_entries as IP
from trackpost.models.tables import transactions as T
from trackpost.transactions import repository as transactions_repo
from trackpost.transactions.ledger import base_row


@pytest.fixture
def customer(services: Services) -> int:
    advertiser = add_advertiser(services.db, "hot-adv")
    cid = add_customer(services.db, advertiser, "hot-sub", email="a@example.com", city="Gent")
    with services.db.transaction(write=True) as conn:
        service.lock_customer(
            conn, service.Lookup(customer_id=cid), Origin("tester"), reason="fraud check"
        )
    add_transaction(services.db, cid, "hot-order-1", amount=1999)
    add_transaction(services.db, cid, "hot-order-2", amount=995)
    return cid


def test_a_customer_row_matches_connection_execute(services: Services, customer: int) -> None:
    """Types processed alike: aware UTC datetimes, booleans, NULLs, text."""
    with services.db.transaction(write=False) as conn:
        core = conn.execute(select(C).where(C.c.customer_id == customer)).mappings().one()
        hot = repo.by_id(conn, customer, for_update=False)
        assert hot is not None
        assert dict(hot) == dict(core)
        assert hot["locked"] is True
        locked_at = hot["locked_at"]
        assert isinstance(locked_at, dt.datetime)
        assert locked_at.utcoffset() == dt.timedelta(0)
        assert hot["lock_reason"] == "fraud check"
        assert hot["password_hash"] is None


def test_lookups_by_every_key_agree(services: Services, customer: int) -> None:
    with services.db.transaction(write=False) as conn:
        by_id = repo.by_id(conn, customer, for_update=False)
        by_sub = repo.by_subscription(conn, "hot-sub", None, for_update=False)
        by_order = repo.by_orderid(conn, "hot-order-2", None, for_update=False)
        assert by_id is not None
        assert [dict(r) for r in by_sub] == [dict(by_id)]
        assert [dict(r) for r in by_order] == [dict(by_id)]
        assert repo.by_id(conn, 999_999, for_update=False) is None
        assert repo.by_orderid(conn, "no-such-order", None, for_update=False) == []


def test_transactions_newest_first_with_their_count(services: Services, customer: int) -> None:
    with services.db.transaction(write=False) as conn:
        rows = repo.transactions(conn, customer, 10)
        assert [r["orderid"] for r in rows] == ["hot-order-2", "hot-order-1"]
        assert [r["amount"] for r in rows] == [995, 1999]
        assert all(isinstance(r["created_at"], dt.datetime) for r in rows)
        assert repo.transaction_count(conn, customer) == 2
        assert repo.transactions(conn, customer, 1)[0]["orderid"] == "hot-order-2"


def test_mappings_needs_a_query(services: Services) -> None:
    statement = Hot(insert(IP).values(list="post", ip="192.0.2.1", created_at=utcnow()))
    with services.db.transaction(write=True) as conn, pytest.raises(TypeError, match="SELECT"):
        statement.mappings(conn, {})


def test_an_update_stores_typed_values_as_core_reads_them(
    services: Services, customer: int
) -> None:
    """The hot UPDATE binds timestamps and text with each column's processor."""
    moment = dt.datetime(2026, 3, 4, 5, 6, 7, 890_000, tzinfo=dt.UTC)
    with services.db.transaction(write=True) as conn:
        repo.update_customer(conn, customer, {"email": "b@example.com", "updated_at": moment})
    with services.db.transaction(write=False) as conn:
        row = conn.execute(select(C).where(C.c.customer_id == customer)).mappings().one()
    assert row["email"] == "b@example.com"
    assert row["updated_at"] == moment
    assert row["city"] == "Gent"  # columns not named are left alone


def test_history_rows_match_connection_execute(services: Services, customer: int) -> None:
    with services.db.transaction(write=False) as conn:
        core = [
            dict(r)
            for r in conn.execute(repo._HISTORY, {"cid": customer, "lim": 10, "off": 0}).mappings()
        ]
        hot = repo.history(conn, customer, 0, 10)
        assert hot == core
        assert [r["action"] for r in hot][:1] == ["lock"]
        assert repo.history_count(conn, customer) == len(core)


def test_an_insert_tells_its_new_id_or_none_when_a_conflict_skipped_it(
    services: Services, customer: int
) -> None:
    """SQLite reads the id from the cursor, PostgreSQL from RETURNING: the same answers, and a
    skipped row never reports the id of the row inserted before it."""
    now = utcnow()
    row = {**base_row(now, kind="initial", source="advertiser"), "customer_id": customer}
    with services.db.transaction(write=False) as conn:
        row["advertiserid"] = conn.execute(
            select(C.c.advertiserid).where(C.c.customer_id == customer)
        ).scalar_one()
    with services.db.transaction(write=True) as conn:
        first = transactions_repo.insert(conn, {**row, "orderid": "hot-new-1"})
        second = transactions_repo.insert(conn, {**row, "orderid": "hot-new-2"})
        again = transactions_repo.insert(conn, {**row, "orderid": "hot-new-1"})
        taken = transactions_repo.insert(conn, {**row, "orderid": "hot-order-1"})
    assert first is not None
    assert second is not None
    assert second > first
    assert again is None
    assert taken is None
    with services.db.transaction(write=False) as conn:
        found = conn.execute(
            select(T.c.transactionid, T.c.orderid).where(T.c.orderid.like("hot-new-%"))
        )
        assert sorted(tuple(r) for r in found) == [(first, "hot-new-1"), (second, "hot-new-2")]


def test_a_customer_insert_tells_its_id_or_none_for_a_taken_subscription(
    services: Services, customer: int
) -> None:
    advertiser = add_advertiser(services.db, "hot-adv-2")
    values = {"advertiserid": advertiser, "status": "active", "locked": False}
    now = utcnow()
    values |= {"join_date": now, "created_at": now, "updated_at": now}
    with services.db.transaction(write=True) as conn:
        new = repo.insert_customer(conn, {**values, "subscription_id": "hot-sub"})
        dup = repo.insert_customer(conn, {**values, "subscription_id": "hot-sub"})
    assert new is not None
    assert new != customer
    assert dup is None
    with services.db.transaction(write=False) as conn:
        owner = conn.execute(select(C.c.advertiserid).where(C.c.customer_id == new)).scalar_one()
    assert owner == advertiser


def test_lock_by_customer_id_reports_only_a_change(services: Services, customer: int) -> None:
    """By customer_id the lock counts changed rows instead of returning them: an unknown id
    and a customer already in that state are both None."""
    now = utcnow()
    with services.db.transaction(write=True) as conn:
        assert repo.set_lock(conn, "customer_id", customer, True, "t", None, now) is None
        assert repo.set_lock(conn, "customer_id", customer, False, "t", None, now) == customer
        assert repo.set_lock(conn, "customer_id", customer, False, "t", None, now) is None
        assert repo.set_lock(conn, "customer_id", 999_999, True, "t", None, now) is None
        assert repo.set_lock(conn, "orderid", "hot-order-1", True, "t", "r", now) == customer


def test_an_insert_stores_exactly_its_values_whatever_its_nulls(services: Services) -> None:
    """On SQLite a hot insert writes its NULLs into the SQL (one text per pattern of NULLs);
    every pattern stores what was given, on both backends."""
    advertiser = add_advertiser(services.db, "hot-nulls")
    now = utcnow()
    base = {"advertiserid": advertiser, "status": "active", "locked": False}
    base |= {"join_date": now, "created_at": now, "updated_at": now}
    given: list[dict[str, str]] = [
        {},
        {"email": "e@example.com"},
        {"city": "Gent", "firstname": "Ann"},
        {"email": "x@example.com", "city": "Lier", "zip": "2500", "phone": "+32 3 000"},
        {"email": "e@example.com"},
    ]
    with services.db.transaction(write=True) as conn:
        ids = [
            repo.insert_customer(conn, {**base, "subscription_id": f"hot-null-{i}", **extra})
            for i, extra in enumerate(given)
        ]
    with services.db.transaction(write=False) as conn:
        for cid, extra in zip(ids, given, strict=True):
            row = conn.execute(select(C).where(C.c.customer_id == cid)).mappings().one()
            for name in ("email", "city", "firstname", "lastname", "zip", "phone"):
                assert row[name] == extra.get(name)


def test_past_its_null_patterns_an_insert_binds_its_nulls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The NULL patterns an insert keeps SQL for are bounded; others bind as parameters."""
    monkeypatch.setattr(hot, "MAX_NULL_SHAPES", 1)
    compiled = HotStatement(insert(IP), sqlite.dialect())
    names = compiled.positions
    assert names is not None
    assert len(names) > 2
    first = [None if i == 1 else i for i in range(len(names))]
    sql, params = compiled.statement(first)
    assert sql.count("?") == len(names) - 1
    assert "NULL" in sql
    assert list(params) == [v for v in first if v is not None]
    other = [None if i == 2 else i for i in range(len(names))]
    assert compiled.statement(other) == (compiled.sql, other)
    assert compiled.statement(first)[0] == sql
