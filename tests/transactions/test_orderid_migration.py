"""Migration 0023 gives every existing transaction its advertiser (from its offer)."""

from __future__ import annotations

from sqlalchemy import select

from tests.postbacks.network import Network
from trackpost.core import migrate
from trackpost.core.db import create_db_engine
from trackpost.models.tables import transactions


def test_downgrade_and_upgrade_backfill_the_advertiser(net: Network) -> None:
    net.convert(orderid="M-1")
    net.api.post("/api/transaction/process_void", {"orderid": "M-1"})
    engine = create_db_engine(net.services.settings, pool_size=1)
    try:
        migrate.downgrade(engine, "0018")
        migrate.upgrade(engine)
        with engine.connect() as conn:
            found = conn.execute(select(transactions.c.advertiserid)).scalars().all()
    finally:
        engine.dispose()
    assert len(found) == 2  # the sale and its void
    assert set(found) == {net.advertiser}
