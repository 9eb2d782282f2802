"""Command-line parameters of `python -m bench.run`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    """Everything a run is parameterised by."""

    customers: tuple[int, ...]
    workers: tuple[int, ...]
    connections: int
    threads: int
    duration: float
    warmup: float
    timeout: float
    postgres: str
    sqlite: bool
    cases: str
    rounds: int
    spare_clicks: int
    profile: bool
    update_doc: bool
    keep: bool
    command: str
    stats_fold: float | None = None
    jobs_nice: int | None = None
    server_env: tuple[str, ...] = ()


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x.replace("_", "")) for x in text.split(",") if x.strip())


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=(
            "Benchmark trackpost with `trackpost serve` on freshly seeded databases, wrk as the "
            "client and a bare ASGI app served by granian as the ceiling. Prints one table and "
            "writes it as JSON under bench/results/."
        ),
    )
    p.add_argument("--quick", action="store_true", help="smoke run: a few seconds per case")
    p.add_argument(
        "--customers",
        help="comma list of seed sizes (default 1000,1000000; --quick: 1000,100000)",
    )
    p.add_argument("--workers", default="1,2", help="comma list of worker counts (default 1,2)")
    p.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    p.add_argument("--duration", type=float, help="seconds measured per case (default 12; quick 3)")
    p.add_argument(
        "--warmup", type=float, help="seconds of unmeasured load first (default 2; quick 1)"
    )
    p.add_argument("--timeout", type=float, default=10.0, help="wrk request timeout, seconds")
    p.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="also run on PostgreSQL: a server URL (a database is created there and dropped)",
    )
    p.add_argument("--no-sqlite", action="store_true", help="skip SQLite (with --postgres)")
    p.add_argument("--cases", default="", help="comma list of cases (default: all)")
    p.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="the measured seconds are split into this many ceiling/case alternations (3)",
    )
    p.add_argument(
        "--spare-clicks",
        type=int,
        default=0,
        help="never-converted clicks seeded for the postback case (default: from the durations)",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="sample one worker with py-spy during each case (slows it; numbers are marked)",
    )
    p.add_argument("--update-doc", action="store_true", help="write the table into BENCHMARKS.md")
    p.add_argument("--keep", action="store_true", help="keep the seeded databases and logs")
    p.add_argument(
        "--stats-fold",
        type=float,
        metavar="SECONDS",
        help="the server's TRACKPOST_STATS_FOLD_SECONDS (0: no statistics fold; default: its own)",
    )
    p.add_argument(
        "--jobs-nice",
        type=int,
        metavar="N",
        help="the server's TRACKPOST_JOBS_NICE (its jobs process's niceness; default: its own)",
    )
    p.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a TRACKPOST_* setting for the server (repeatable), e.g. "
        "TRACKPOST_DELIVERY_WORKERS=false to measure a web host whose deliveries run elsewhere",
    )
    return p


def parse(argv: list[str] | None = None) -> Options:
    args = parser().parse_args(argv)
    quick = bool(args.quick)
    duration = args.duration if args.duration is not None else (3.0 if quick else 12.0)
    warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    customers = _ints(args.customers or ("1000,100000" if quick else "1000,1000000"))
    workers = _ints(args.workers)
    if not customers or not workers:
        raise SystemExit("--customers and --workers need at least one value")
    # Postback runs (warm-up and rounds) per worker count, at up to ~8k requests/s each.
    # Each case converting clicks (postback, postback+rules) needs its own.
    names = [n.strip() for n in (args.cases or "postback,postback+rules").split(",")]
    converting = max(1, sum(1 for n in names if n.startswith("postback")))
    spare = args.spare_clicks or int(8000 * (duration + warmup) * len(workers) * 1.5 * converting)
    cmd = "python -m bench.run " + " ".join(argv) if argv else "python -m bench.run"
    return Options(
        customers=customers,
        workers=workers,
        connections=args.connections,
        threads=args.threads,
        duration=duration,
        warmup=warmup,
        timeout=args.timeout,
        postgres=args.postgres,
        sqlite=not args.no_sqlite,
        cases=args.cases,
        rounds=max(1, args.rounds),
        spare_clicks=spare,
        profile=args.profile,
        update_doc=args.update_doc,
        keep=args.keep,
        stats_fold=args.stats_fold,
        jobs_nice=args.jobs_nice,
        server_env=tuple(args.server_env),
        command=cmd,
    )
