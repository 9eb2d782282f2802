"""Two processes build the same periods at once: each period end is built once, by one of them."""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import SECRET
from tests.payments.conftest import Pay
from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine
from trackpost.models.tables import payment_builds, payment_lines, payments, transaction_payouts
from trackpost.payments.job import run_builds

AS_OF = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)


def _builder(url: str, data_dir: str, start: Any, out: Any) -> None:
    """One process's builder: waits for the start signal, then builds everything due."""
    settings = Settings(database_url=url, data_dir=Path(data_dir), secret_key=SECRET)
    db = Database(create_db_engine(settings, pool_size=1), checkpoint=False)
    try:
        start.wait(30)
        run = run_builds(db, AS_OF, dt.UTC)
        out.put((run.due, run.built, run.skipped, run.payments))
    finally:
        db.dispose()


@pytest.mark.timeout(300)
def test_concurrent_builders_in_two_processes_build_each_period_once(
    pay: Pay, settings: Settings
) -> None:
    # Daily periods: some 170 period ends, so the two builders overlap for a while.
    pay.patch("/api/payment/edit_period", periodid=1, spec="d1")
    others = [pay.affiliate(f"conc{i}") for i in range(3)]
    links = [None, *(pay.link_for(a) for a in others)]
    for week in range(24):
        day = dt.date(2026, 1, 5) + dt.timedelta(days=7 * week + week % 5)
        for link in links:
            pay.sale(day.isoformat(), link=link)
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=_builder, args=(settings.database_url, str(settings.data_dir), start, out)
        )
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=240) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    # Each saw what was left to build when it looked; every period end was built by one of
    # them, and whatever one found already claimed it skipped.
    count = max(r[0] for r in results)
    assert count >= 170
    assert sum(r[1] for r in results) == count
    assert all(r[0] == r[1] + r[2] for r in results)
    with pay.services.db.transaction(write=False) as conn:
        builds = conn.execute(select(func.count()).select_from(payment_builds)).scalar_one()
        lines = conn.execute(select(payment_lines.c.payoutid)).scalars().all()
        owed = conn.execute(select(func.sum(transaction_payouts.c.amount))).scalar_one()
        paid = conn.execute(select(func.sum(payments.c.total))).scalar_one()
    assert builds == count
    assert max(Counter(lines).values()) == 1  # no payee row in two payments
    assert paid == owed  # 24 weeks of sales, all in payments, none twice
    assert len(pay.payments()) == 24 * 4  # one a day with sales, per affiliate
