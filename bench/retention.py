"""Storage per click and per customer, and the click prune's rate, on a bulk-seeded database.

    python -m bench.retention --customers 100000 --spare-clicks 400000 [--postgres URL]

Sizes are read once seeding is done: SQLite's dbstat (every B-tree's pages, each index counted
with its table), PostgreSQL's pg_total_relation_size. Then the clicks' times are rewritten one
minute apart in id order (the seed spreads them over 90 days without regard to ids; live
clicks' ids grow with time, which the prune relies on) and `trackpost clicks prune --days 30`
runs as an operator would run it, with its batches and pauses, while a probe thread writes one
click every 10 ms through trackpost's own write path (the writer gate and BEGIN IMMEDIATE on
SQLite, with the WAL checkpointer thread a server runs) and times each: first for a few seconds
alone, then during the prune.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from bench.database import Target, prepare
from bench.procs import ROOT, trackpost_bin
from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine, utcnow
from trackpost.models.tables import clicks

TABLES = ("clicks", "customers", "transactions")
_SQLITE_SIZES = sa.text(
    "SELECT m.tbl_name, sum(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name "
    "GROUP BY m.tbl_name"
)
# The index migration 0008 added for the prune's check, on its own.
_SQLITE_INDEX = sa.text("SELECT sum(pgsize) FROM dbstat WHERE name = 'ix_customers_clickid'")
_PG_INDEX = sa.text("SELECT pg_relation_size('ix_customers_clickid')")
_PG_SIZES = sa.text(
    "SELECT c, pg_total_relation_size(c), pg_relation_size(c), pg_indexes_size(c) "
    "FROM unnest(CAST(:tables AS text[])) AS c"
)
# One minute apart, the newest now: with --days 30 the clicks older than 43,200 minutes go.
_SQLITE_SPREAD = sa.text(
    "UPDATE clicks SET created_at = strftime('%Y-%m-%d %H:%M:%S', 'now', "
    "'-' || ((:top - clickid) * 60) || ' seconds') || '.000000'"
)
_PG_SPREAD = sa.text(
    "UPDATE clicks SET created_at = now() - make_interval(mins => CAST(:top - clickid AS int))"
)


def _rows(conn: sa.Connection) -> dict[str, int]:
    return {
        t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())  # noqa: S608
        for t in TABLES
    }


def sizes(target: Target) -> dict[str, dict[str, int]]:
    """Rows and bytes (table with its indexes; on PostgreSQL also heap and indexes apart)."""
    engine = sa.create_engine(target.sa_url)
    out: dict[str, dict[str, int]] = {}
    try:
        with engine.connect() as conn:
            rows = _rows(conn)
            if target.backend == "sqlite":
                found = {str(r[0]): int(r[1]) for r in conn.execute(_SQLITE_SIZES)}
                pages = conn.execute(sa.text("PRAGMA page_count")).scalar_one()
                size = conn.execute(sa.text("PRAGMA page_size")).scalar_one()
                out["file"] = {"bytes": int(pages) * int(size)}
                index = conn.execute(_SQLITE_INDEX).scalar_one()
                for t in TABLES:
                    out[t] = {"rows": rows[t], "bytes": found[t]}
            else:
                index = conn.execute(_PG_INDEX).scalar_one()
                for name, total, heap, idx in conn.execute(_PG_SIZES, {"tables": list(TABLES)}):
                    out[str(name)] = {
                        "rows": rows[str(name)],
                        "bytes": int(total),
                        "heap": int(heap),
                        "indexes": int(idx),
                    }
            out["ix_customers_clickid"] = {"rows": rows["customers"], "bytes": int(index)}
    finally:
        engine.dispose()
    return out


def _spread_times(target: Target) -> int:
    engine = sa.create_engine(target.sa_url)
    try:
        with engine.begin() as conn:
            top = int(conn.execute(sa.text("SELECT max(clickid) FROM clicks")).scalar_one())
            conn.execute(_SQLITE_SPREAD if target.backend == "sqlite" else _PG_SPREAD, {"top": top})
        if target.backend != "sqlite":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE clicks"))
    finally:
        engine.dispose()
    return top


class Probe:
    """Writes one click every 10 ms from a thread; the seconds each write took."""

    def __init__(self, target: Target) -> None:
        settings = Settings(database_url=target.sa_url, data_dir=target.data_dir)
        # With the checkpointer thread, as a running server has: without it, the WAL grows
        # until a commit checkpoints it inside the writer's turn.
        self.db = Database(create_db_engine(settings, pool_size=1))
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._n = 0

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self._n += 1
            row = {"click_hash": f"probe{self._n:015d}", "loginid": 1, "offerid": 1}
            row.update(landing_pageid=1, created_at=utcnow())
            began = time.monotonic()
            with self.db.transaction(write=True) as conn:
                conn.execute(sa.insert(clicks).values(row))
            self.times.append(time.monotonic() - began)

    def during(self, seconds: float | None = None) -> list[float]:
        """Start, wait `seconds` (or nothing), and return the times recorded from now on."""
        first = len(self.times)
        if not self._thread.is_alive():
            self._thread.start()
        if seconds is not None:
            time.sleep(seconds)
        return self.times[first:]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.db.dispose()


def latency(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    if not ms:
        return "no writes"
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"{len(ms)} writes, p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"


def prune_rate(target: Target, days: int) -> tuple[str, float]:
    """Run `trackpost clicks prune` once; its summary line and the wall time around it."""
    started = time.monotonic()
    proc = subprocess.run(
        [trackpost_bin(), "clicks", "prune", "--days", str(days)],
        env=target.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip(), time.monotonic() - started


def _report(backend: str, found: dict[str, dict[str, int]]) -> None:
    for t in (*TABLES, "ix_customers_clickid"):
        row = found[t]
        per = row["bytes"] / max(row["rows"], 1)
        extra = ""
        if "heap" in row:
            heap = row["heap"] / max(row["rows"], 1)
            idx = row["indexes"] / max(row["rows"], 1)
            extra = f"  (heap {heap:,.0f}, indexes {idx:,.0f})"
        print(
            f"[{backend}] {t:<13} {row['rows']:>10,} rows {row['bytes']:>14,} B  {per:,.0f} B/row{extra}"
        )
    if "file" in found:
        print(f"[{backend}] file {found['file']['bytes']:,} B")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.retention", description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--spare-clicks", type=int, default=400_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--postgres", default="", help="an admin URL; a database is made beside it")
    args = parser.parse_args(argv)
    backend = "postgres" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="tp-retention-") as tmp:
        target = prepare(backend, args.customers, args.spare_clicks, Path(tmp), args.postgres)
        try:
            _report(backend, sizes(target))
            top = _spread_times(target)
            print(f"[{backend}] clicks 1..{top:,} spread one minute apart; pruning", flush=True)
            probe = Probe(target)
            try:
                alone = probe.during(5.0)
                first = len(probe.times)
                summary, wall = prune_rate(target, args.days)
                pruning = probe.times[first:]
            finally:
                probe.stop()
            print(f"[{backend}] {summary}")
            print(f"[{backend}] probe writes alone: {latency(alone)}")
            print(f"[{backend}] probe writes while pruning: {latency(pruning)}")
            print(f"[{backend}] wall time around the command (with start-up): {wall:.1f} s")
            _report(backend, sizes(target))
        finally:
            target.drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
