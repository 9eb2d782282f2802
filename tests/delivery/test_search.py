"""The delivery log by customer (the console shows a customer's deliveries) and by affiliate."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.core.test_query_plans import plan
from tests.delivery.conftest import Outbound
from tests.delivery.receiver import Receiver
from trackpost.delivery.repository import search_statements


def test_search_by_customer_finds_only_that_customers_deliveries(
    out: Outbound, receiver: Receiver
) -> None:
    resp = out.api.post(
        "/api/affiliate/add_postback",
        {"loginid": out.net.affiliate, "event": "conversion", "url": receiver.url("/pb")},
    )
    assert resp.status_code == 200, resp.text
    hook = out.api.post("/api/webhook/add_endpoint", {"url": receiver.url("/wh"), "events": "*"})
    assert hook.status_code == 200, hook.text
    first = out.net.convert()["customer_id"]
    second = out.net.convert()["customer_id"]
    out.deliver()
    mine = out.deliveries(customer_id=first)
    assert {d["kind"] for d in mine} == {"postback", "webhook"}
    assert {d["customer_id"] for d in mine} == {first}
    assert {d["customer_id"] for d in out.deliveries(customer_id=second)} == {second}
    listed = out.api.get("/api/delivery/search", {"customer_id": first, "count": 1}).json()
    assert listed["total"] == len(mine)
    assert listed["count"] == 1


@pytest.fixture
def plan_db(sqlite_template: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(sqlite_template)) as conn:
        yield conn


@pytest.mark.parametrize(
    ("key", "index"),
    [("customer_id", "ix_deliveries_customer_id"), ("loginid", "ix_deliveries_loginid")],
)
def test_a_customers_or_affiliates_deliveries_are_read_by_index(
    plan_db: sqlite3.Connection, key: str, index: str
) -> None:
    for stmt in search_statements({key: 7}):
        lines = plan(plan_db, stmt)
        assert any(index in line for line in lines), lines
        assert not any(line.startswith("SCAN deliveries") and "INDEX" not in line for line in lines)
