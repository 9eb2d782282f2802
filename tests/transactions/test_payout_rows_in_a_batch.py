"""Payout rows are deferred to the batch's end, yet a void in the same batch sees them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, select

from tests.core.test_batch import run_batch
from tests.customers.factory import add_advertiser, add_customer
from trackpost.core.batch import WriteBatcher
from trackpost.core.db import utcnow
from trackpost.core.http import Services
from trackpost.core.money import PayoutRow
from trackpost.core.origin import Origin
from trackpost.models.tables import transaction_payouts
from trackpost.transactions import service as txns
from trackpost.transactions.ledger import base_row

pytestmark = pytest.mark.usefixtures("sqlite_only")


@pytest.fixture
def sqlite_only(services: Services) -> None:
    if not services.settings.is_sqlite:
        pytest.skip("SQLite's group commit (PostgreSQL defers the same way, tested by the API)")


def test_a_void_in_the_same_batch_offsets_every_deferred_payout_row(services: Services) -> None:
    batcher = services.batcher
    assert isinstance(batcher, WriteBatcher)
    advertiser = add_advertiser(services.db, "batch-adv")
    customer = add_customer(services.db, advertiser, "batch-sub")
    payouts = [PayoutRow(7, "affiliate", 500, flat=500), PayoutRow(8, "referral", 50, 1, 0, 1000)]
    seen: dict[str, Any] = {}

    def sale(conn: Connection) -> str:
        row = base_row(utcnow(), kind="initial", source="advertiser")
        row.update(
            customer_id=customer, advertiserid=advertiser, orderid="BATCH-1", amount=2000, loginid=7
        )
        seen["tid"] = txns.book(conn, row, payouts)
        return "sale"

    def void(conn: Connection) -> str:
        txn = txns.find_by_orderid(conn, "BATCH-1")
        txns.void(conn, txn, Origin("tester"))
        return "void"

    assert run_batch(batcher, [sale, void]) == ["sale", "void"]
    stmt = select(transaction_payouts).order_by(transaction_payouts.c.payoutid)
    with services.db.transaction(write=False) as conn:
        rows = [(r.transactionid, r.loginid, r.kind, r.amount) for r in conn.execute(stmt)]
    tid = seen["tid"]
    assert rows[:2] == [(tid, 7, "affiliate", 500), (tid, 8, "referral", 50)]
    assert sorted((r[1], r[3]) for r in rows[2:]) == [(7, -500), (8, -50)]
