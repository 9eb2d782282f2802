"""The background jobs' subcommands: clicks prune, stats rebuild and status, deliver, payments
build (each the same work a `serve` worker's job does, run once or in this process)."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
from typing import Any

from trackpost.caps import job as caps_job
from trackpost.cli.background import cmd_jobs, delivery_plan
from trackpost.cli.common import db_of, progress_line, run_on_db
from trackpost.core.backup import OpsError, Throttle
from trackpost.core.config import Settings
from trackpost.core.db import Database, utcnow
from trackpost.core.origin import CLI
from trackpost.core.payperiods import local_midnight, network_zone
from trackpost.delivery.worker import Worker, drain
from trackpost.payments import job as payments_job
from trackpost.payments.build import Due
from trackpost.stats import job as stats_job
from trackpost.tracking import retention


def cmd_clicks_prune(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days or settings.click_retention_days
    if days is None:
        raise OpsError(
            "Click retention is off: pass --days N or set TRACKPOST_CLICK_RETENTION_DAYS."
        )
    throttle = Throttle(progress_line)

    def progress(r: retention.PruneReport) -> None:
        verb = "deletable" if r.dry_run else "pruned"
        throttle(f"clicks: {r.examined:,} read, {r.pruned:,} {verb}, {r.kept:,} kept")

    report = run_on_db(
        settings,
        "Prune",
        lambda db: retention.prune(db, days, dry_run=args.dry_run, progress=progress),
    )
    verb = "would prune" if args.dry_run else "pruned"
    rate = report.pruned / report.seconds if report.seconds else 0.0
    print(
        f"{verb} {report.pruned:,} clicks older than {days} days and kept {report.kept:,} that a "
        f"customer or transaction refers to ({report.batches} batches, {report.seconds:.1f} s, "
        f"{rate:,.0f} clicks/s)"
    )
    return 0


def cmd_caps_prune(args: argparse.Namespace, settings: Settings) -> int:
    report = run_on_db(settings, "Prune", caps_job.prune)
    print(
        f"pruned {report.visitors:,} unique-click addresses and {report.bookings:,} counted "
        f"sales of ended cap windows ({report.batches} batches, {report.seconds:.1f} s)"
    )
    return 0


def cmd_stats_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    if args.to < args.from_:
        raise OpsError("--to must not be before --from.")
    zone = settings.zone
    # The network's days, as whole UTC hours (the rollups' grain).
    lo = dt.datetime.combine(args.from_, dt.time(), zone).astimezone(dt.UTC)
    hi = dt.datetime.combine(args.to + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    lo, hi = (t.replace(minute=0, second=0, microsecond=0) for t in (lo, hi))
    throttle = Throttle(progress_line)

    def progress(done: int, total: int) -> None:
        throttle(f"stats: {done:,} of {total:,} click ids recounted")

    def rebuild(db: Database) -> tuple[int, int]:
        stats_job.ensure_zone(db, settings.timezone)
        return stats_job.rebuild(db, lo, hi, settings.stats_unique_seconds, progress=progress)

    clicks, txns = run_on_db(settings, "Rebuild", rebuild)
    print(
        f"rebuilt the statistics of {args.from_} to {args.to} ({lo:%Y-%m-%d %H:%M} to "
        f"{hi:%Y-%m-%d %H:%M} UTC) from clicks up to id {clicks:,} and transactions up to "
        f"id {txns:,}"
    )
    return 0


def cmd_stats_fold(args: argparse.Namespace, settings: Settings) -> int:
    throttle = Throttle(progress_line)

    def progress(total: stats_job.Folded) -> None:
        throttle(f"stats: {total.clicks:,} clicks and {total.transactions:,} events folded")

    done = run_on_db(
        settings,
        "Fold",
        lambda db: stats_job.fold_all(
            db, settings.stats_unique_seconds, zone=settings.timezone, progress=progress
        ),
    )
    print(f"folded {done.clicks:,} clicks and {done.transactions:,} ledger events; none left")
    return 0


def cmd_stats_status(args: argparse.Namespace, settings: Settings) -> int:
    state = run_on_db(settings, "Status", stats_job.status)
    when = state.folded_at.isoformat() if state.folded_at else "never"
    lag = (
        f"{(dt.datetime.now(dt.UTC) - state.folded_at).total_seconds():.1f} s ago"
        if state.folded_at
        else "-"
    )
    print(f"clicks folded through id {state.click_cursor:,}; {state.clicks_behind:,} behind")
    print(
        f"transactions folded through id {state.txn_cursor:,}; {state.transactions_behind:,} behind"
    )
    print(
        f"last fold: {when} ({lag}); fold job every {settings.stats_fold_seconds:g} s "
        "(TRACKPOST_STATS_FOLD_SECONDS; 0 is off)"
    )
    return 0


def cmd_deliver(args: argparse.Namespace, settings: Settings) -> int:
    """Run a delivery worker in this process (beside or instead of serve's)."""
    db = db_of(settings)
    if args.once:
        made = drain(settings, delivery_plan(), db)
        db.dispose()
        print(f"delivery: {made} attempts made; nothing else is due now")
        return 0
    worker = Worker(settings, delivery_plan(), db)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.request_stop())
    print("delivery worker running (SIGTERM or Ctrl-C stops it)", file=sys.stderr, flush=True)
    worker.run()
    db.dispose()
    return 0


def cmd_payments_build(args: argparse.Namespace, settings: Settings) -> int:
    as_of = local_midnight(args.as_of, network_zone(settings)) if args.as_of else utcnow()
    throttle = Throttle(progress_line)

    def progress(run: payments_job.BuildRun, item: Due) -> None:
        throttle(
            f"payments: {run.built + run.skipped:,}/{run.due:,} period ends "
            f"(period {item.periodid} ending {item.period_end:%Y-%m-%d}), "
            f"{run.payments:,} payments, {run.stored:,} stored",
            final=run.built + run.skipped == run.due,
        )

    run = run_on_db(
        settings,
        "Build",
        lambda db: payments_job.run_builds(
            db, as_of, network_zone(settings), CLI, progress=progress
        ),
    )
    print(
        f"built {run.built} period ends before {as_of:%Y-%m-%d %H:%M} UTC "
        f"({run.skipped} already built by another process): {run.payments} payments, "
        f"{run.stored} stored"
    )
    return 0


def date_arg(raw: str) -> dt.date:
    """An argument that must be a date (YYYY-MM-DD)."""
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{raw[:32]!r}: must be a date such as 2026-04-01"
        ) from None


def days_arg(raw: str) -> int:
    """An argument that must be a whole number of days, 1 or more."""
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number of days, 1 or more")
    return value


def add_parsers(sub: Any) -> None:
    """The background jobs' subcommands on the `trackpost` parser."""
    clicks = sub.add_parser("clicks", help="click retention")
    csub = clicks.add_subparsers(dest="clicks_cmd", required=True)
    prune = csub.add_parser("prune", help="delete old clicks no customer or transaction names")
    prune.add_argument(
        "--days", type=days_arg, help="keep this many days (TRACKPOST_CLICK_RETENTION_DAYS)"
    )
    prune.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    prune.set_defaults(func=cmd_clicks_prune)

    caps = sub.add_parser("caps", help="conversion caps")
    capsub = caps.add_subparsers(dest="caps_cmd", required=True)
    capsub.add_parser(
        "prune", help="forget unique-click addresses and counted sales of ended windows"
    ).set_defaults(func=cmd_caps_prune)

    stats = sub.add_parser("stats", help="statistics rollups")
    ssub = stats.add_subparsers(dest="stats_cmd", required=True)
    rebuild = ssub.add_parser(
        "rebuild", help="recount the rollups of a range of days from raw rows"
    )
    rebuild.add_argument("--from", dest="from_", type=date_arg, required=True, help="YYYY-MM-DD")
    rebuild.add_argument("--to", type=date_arg, required=True, help="YYYY-MM-DD, inclusive")
    rebuild.set_defaults(func=cmd_stats_rebuild)
    ssub.add_parser(
        "fold", help="fold every click and ledger event not yet in the rollups, now"
    ).set_defaults(func=cmd_stats_fold)
    ssub.add_parser("status", help="the fold's position and lag").set_defaults(
        func=cmd_stats_status
    )

    run_jobs = sub.add_parser(
        "jobs", help="run the background jobs (serve starts this; or run it on another host)"
    )
    run_jobs.add_argument("--nice", type=int, default=0, help="lower this process's priority")
    run_jobs.add_argument("--parent", type=int, default=0, help=argparse.SUPPRESS)
    run_jobs.set_defaults(func=cmd_jobs)
    deliver = sub.add_parser(
        "deliver", help="run a delivery worker (postbacks, webhooks) in this process"
    )
    deliver.add_argument("--once", action="store_true", help="send what is due now, then exit")
    deliver.set_defaults(func=cmd_deliver)
    pay = sub.add_parser("payments", help="affiliate payments")
    psub = pay.add_subparsers(dest="payments_cmd", required=True)
    build = psub.add_parser("build", help="build every payout period that ended before a date")
    build.add_argument(
        "--as-of",
        type=date_arg,
        help="build periods ending by this date's start, in the network's time zone (default: now)",
    )
    build.set_defaults(func=cmd_payments_build)
