"""The statistics bench: seed clicks and sales over 90 days in bulk, fold them into the rollups,
then time the reports (in process, on one connection, as a request's handler runs them).

    python -m bench.stats --backend sqlite --clicks 1000000 10000000
    python -m bench.stats --backend postgres --clicks 1000000 --pg-url postgresql://...
    python -m bench.stats --backend postgres --clicks 1000000 --keep     # prints --url, --affiliate
    python -m bench.stats --url postgresql+psycopg://.../trackpost_bench_1_100000 --affiliate 24

With several sizes, each case's p99 is also given as a ratio to the first size's. `--keep`
leaves the seeded, folded database in place; `--url` times the cases on such a database
without seeding it again (to alternate two commits on the same data).

Cases: P&L by day for 30 days, by offer, by affiliate with an affiliate filter, stats day x
offer over 30 days. Sales are a tenth of the clicks (the issue's 10M clicks, 1M transactions).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from bench.database import prepare
from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine
from trackpost.stats import job, service
from trackpost.stats.schemas import ProfitLoss, Stats

UWIN = 86400


def _cases(affiliate: int) -> dict[str, Callable[[Connection], Any]]:
    now = dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(days=30)).date().isoformat()
    end = now.date().isoformat()
    zone = ZoneInfo("UTC")

    def pl(**params: Any) -> Callable[[Connection], Any]:
        model = ProfitLoss(**params)
        return lambda conn: service.profit_loss(conn, model, zone, UWIN)

    stats = Stats(dims="day,offer", period=8, start=start, end=end)
    return {
        "pl_day_30d": pl(view="period", period=8, start=start, end=end),
        "pl_offer": pl(view="offer", period=7),
        "pl_affiliate_filtered": pl(view="login", period=7, filter_loginid=affiliate),
        "stats_day_x_offer_30d": lambda conn: service.stats(conn, stats, zone, UWIN),
    }


def _time(db: Database, run: Callable[[Connection], Any], rounds: int) -> tuple[float, float]:
    """(p50, p99) in milliseconds over `rounds` runs, each in its own read transaction."""
    spent = []
    for _ in range(rounds + 2):
        began = time.perf_counter()
        with db.transaction(write=False) as conn:
            run(conn)
        spent.append((time.perf_counter() - began) * 1000)
    spent = sorted(spent[2:])  # the first two warm the caches
    p99 = spent[min(len(spent) - 1, round(0.99 * (len(spent) - 1)))]
    return statistics.median(spent), p99


TABLES = (
    "clicks",
    "transactions",
    "stats_offer_daily",
    "stats_offer_hourly",
    "stats_hourly",
    "stats_subaff_hourly",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clicks", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "tp-stats")
    parser.add_argument("--keep", action="store_true", help="leave the seeded database")
    parser.add_argument("--url", help="time the cases on this seeded, folded database")
    parser.add_argument("--affiliate", type=int, help="with --url: the filtered affiliate")
    parser.add_argument(
        "--no-analyze", action="store_true", help="skip ANALYZE after the fold (as before)"
    )
    args = parser.parse_args(argv)
    if args.url:
        if args.affiliate is None:
            parser.error("--url needs --affiliate (printed by --keep)")
        db = Database(create_db_engine(_settings(args.url, args.workdir)), checkpoint=False)
        try:
            backend = "sqlite" if args.url.startswith("sqlite") else "postgres"
            _report(db, backend, _size(db), args.affiliate, args.rounds)
        finally:
            db.dispose()
        return 0
    first: dict[str, float] = {}
    for clicks in args.clicks:
        p99s = _one(args, clicks)
        for name, p99 in p99s.items():
            if first:
                print(
                    f"[{args.backend}] {name:<24} p99 {clicks:,} / {args.clicks[0]:,} clicks: "
                    f"{p99 / max(first[name], 1e-9):.2f}x",
                    flush=True,
                )
        first = first or p99s
    return 0


def _settings(url: str, workdir: Path) -> Settings:
    return Settings(database_url=url, data_dir=workdir / "url")


def _size(db: Database) -> int:
    with db.transaction(write=False) as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM clicks").scalar() or 0)


def _report(
    db: Database, backend: str, clicks: int, affiliate: int, rounds: int
) -> dict[str, float]:
    """Time each case; print p50, p99 and the load average; each case's p99."""
    p99s: dict[str, float] = {}
    for name, run in _cases(affiliate).items():
        p50, p99 = _time(db, run, rounds)
        p99s[name] = p99
        print(
            f"[{backend}] {clicks:,} {name:<24} p50 {p50:8.1f} ms   p99 {p99:8.1f} ms"
            f"   load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
    return p99s


def _analyze(db: Database) -> None:
    """Fresh planner statistics for the folded rollups (and SQLite's for every table): a
    server's autovacuum would have them; a bench timing straight after a bulk fold would not."""
    with db.transaction(write=True) as conn:
        conn.execute(text("ANALYZE"))


def _one(args: argparse.Namespace, clicks: int) -> dict[str, float]:
    """Seed `clicks` clicks, fold them, time the cases; each case's p99."""
    sales = clicks // 10
    target = prepare(args.backend, sales, clicks - sales, args.workdir, args.pg_url)
    p99s: dict[str, float] = {}
    try:
        settings = Settings(database_url=target.sa_url, data_dir=target.data_dir)
        db = Database(create_db_engine(settings, pool_size=1), checkpoint=False)
        began = time.monotonic()
        done = job.fold_all(db, UWIN, batch=500_000)
        fold = time.monotonic() - began
        print(
            f"[{args.backend}] folded {done.clicks:,} clicks and {done.transactions:,} sales "
            f"in {fold:.1f} s ({done.clicks / max(fold, 1e-9):,.0f} clicks/s)",
            flush=True,
        )
        with db.transaction(write=False) as conn:
            counts = {
                t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()  # noqa: S608
                for t in TABLES
            }
        print(f"[{args.backend}] rows: {counts}", flush=True)
        if not args.no_analyze:
            _analyze(db)
        affiliate = target.dataset.affiliate_id(3)
        p99s = _report(db, args.backend, clicks, affiliate, args.rounds)
        db.dispose()
        if args.keep:
            print(f"[{args.backend}] kept: --url {target.sa_url} --affiliate {affiliate}")
    finally:
        if not args.keep:
            target.drop()
    return p99s


if __name__ == "__main__":
    raise SystemExit(main())
