"""Click retention's prune: what goes, what stays, in bounded batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, func, insert, select

from tests.ops.support import add_advertiser, add_clicks
from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine, utcnow
from trackpost.models.tables import clicks, customers, transactions
from trackpost.tracking import repository
from trackpost.tracking.retention import PruneReport, prune

DAYS = 30
NOW = utcnow()
OLD = NOW - dt.timedelta(days=DAYS + 10)
RECENT = NOW - dt.timedelta(days=DAYS - 1)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(create_db_engine(settings, pool_size=2), checkpoint=False)
    yield database
    database.dispose()


def _ids(db: Database) -> set[int]:
    with db.transaction(write=False) as conn:
        return {int(r[0]) for r in conn.execute(select(clicks.c.clickid))}


def _customer(conn: Connection, advertiserid: int, clickid: int | None) -> int:
    stmt = insert(customers).values(advertiserid=advertiserid, clickid=clickid, join_date=OLD)
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def test_old_unreferenced_clicks_go_and_the_others_stay(db: Database) -> None:
    with db.transaction(write=True) as conn:
        adv = add_advertiser(conn, "ret_adv")
        old = add_clicks(conn, "old", 12, OLD)
        recent = add_clicks(conn, "new", 5, RECENT)
        # One old click named by a customer only, one by a transaction only (a follow-up of a
        # customer made by tracking code), one by a conversion (both).
        _customer(conn, adv, old[0])
        other = _customer(conn, adv, None)
        conn.execute(
            insert(transactions).values(
                customer_id=other,
                advertiserid=adv,
                trans_type="rebill",
                click_hash="old00000001",
            )
        )
        both = _customer(conn, adv, old[2])
        conn.execute(
            insert(transactions).values(
                customer_id=both,
                advertiserid=adv,
                trans_type="initial",
                click_hash="old00000002",
                orderid="o-2",
            )
        )
    everything = _ids(db)

    dry = prune(db, DAYS, dry_run=True)
    assert (dry.pruned, dry.kept, dry.old) == (9, 3, 12)
    assert _ids(db) == everything  # a dry run deletes nothing

    report = prune(db, DAYS)
    assert (report.pruned, report.kept) == (9, 3)
    assert _ids(db) == {old[0], old[1], old[2], *recent}
    # Nothing is left to do; a second run reads a page and stops.
    again = prune(db, DAYS)
    assert again.pruned == 0
    # The recent clicks go once they are old enough.
    later = prune(db, DAYS, now=NOW + dt.timedelta(days=2))
    assert later.pruned == 5
    assert _ids(db) == {old[0], old[1], old[2]}


def test_a_prune_of_many_clicks_is_many_short_transactions(db: Database) -> None:
    with db.transaction(write=True) as conn:
        add_clicks(conn, "bulk", 350, OLD)
        add_clicks(conn, "keep", 3, RECENT)
    seen: list[tuple[int, int]] = []

    def committed(r: PruneReport) -> None:
        # Each batch is committed before the next begins: another connection already sees it.
        with db.engine.connect() as other:
            left = int(other.execute(select(func.count()).select_from(clicks)).scalar_one())
        seen.append((r.pruned, left))

    report = prune(db, DAYS, batch=100, progress=committed)
    assert report.pruned == 350
    assert report.batches == 4
    assert [p for p, _ in seen] == [100, 200, 300, 350]
    assert [left for _, left in seen] == [253, 153, 53, 3]
    assert report.watermark == max(_ids(db)) - 3  # the last old click


def test_a_watermark_lets_the_next_run_skip_what_is_kept_for_good(db: Database) -> None:
    with db.transaction(write=True) as conn:
        adv = add_advertiser(conn, "wm_adv")
        old = add_clicks(conn, "wm", 5, OLD)
        for clickid in old:
            _customer(conn, adv, clickid)
        add_clicks(conn, "fresh", 2, RECENT)
    first = prune(db, DAYS, batch=2)
    assert (first.pruned, first.kept, first.watermark) == (0, 5, old[-1])
    second = prune(db, DAYS, batch=2, after=first.watermark)
    assert second.examined == 2  # only the recent clicks are read again
    assert second.old == 0


def test_the_watermark_stops_below_a_young_click_among_old_ones(db: Database) -> None:
    """Ids and times may disagree by a little; a young click is never skipped for good."""
    with db.transaction(write=True) as conn:
        first = add_clicks(conn, "a", 1, OLD)
        add_clicks(conn, "b", 1, RECENT)
        add_clicks(conn, "c", 3, OLD)
        add_clicks(conn, "d", 2, RECENT)
    report = prune(db, DAYS, batch=2)
    assert report.pruned == 4
    assert report.watermark == first[0]


def test_the_prune_reaches_references_through_indexes(db: Database) -> None:
    """Every old click is checked against customers and transactions: by index, not a scan."""
    with db.transaction(write=False) as conn:
        compiled = repository._PRUNE.compile(conn)
        values = compiled.construct_params({"after": 0, "upto": 10, "cutoff": NOW})
        if conn.dialect.name == "sqlite":
            values["cutoff"] = NOW.replace(tzinfo=None).isoformat(" ")
            args = tuple(values[name] for name in compiled.positiontup or ())
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
            plan = " | ".join(str(r[3]) for r in rows)
            assert "SCAN customers" not in plan, plan
            assert "SCAN transactions" not in plan, plan
        else:
            # Tables this small are cheaper to scan; the question is whether an index serves.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = conn.exec_driver_sql(f"EXPLAIN {compiled}", values)
            plan = " | ".join(str(r[0]) for r in rows)
            assert "Anti Join" not in plan, plan  # one probe per click, never a hash of a table
        assert "ix_customers_clickid" in plan, plan
        assert "ix_transactions_click_hash" in plan, plan


def test_retention_days_are_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKPOST_CLICK_RETENTION_DAYS", "0")
    with pytest.raises(ValueError, match="TRACKPOST_CLICK_RETENTION_DAYS"):
        Settings.from_env()
    monkeypatch.setenv("TRACKPOST_CLICK_RETENTION_DAYS", "7")
    assert Settings.from_env().click_retention_days == 7
    monkeypatch.delenv("TRACKPOST_CLICK_RETENTION_DAYS")
    assert Settings.from_env().click_retention_days is None
