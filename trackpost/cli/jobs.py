"""The background jobs' subcommands: clicks prune, stats rebuild and status, deliver, payments
build (each the same work a `serve` worker's job does, run once or in this process)."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys

from sqlalchemy.exc import SQLAlchemyError

from trackpost.affiliates.postbacks import service as affiliate_postbacks
from trackpost.caps import job as caps_job
from trackpost.cli.common import db_of, progress_line
from trackpost.core.backup import OpsError, Throttle, first_line
from trackpost.core.config import Settings
from trackpost.core.db import utcnow
from trackpost.core.origin import CLI
from trackpost.core.payperiods import local_midnight, network_zone
from trackpost.delivery.worker import Plan, Worker, drain
from trackpost.payments import job as payments_job
from trackpost.payments.build import Due
from trackpost.stats import job as stats_job
from trackpost.tracking import retention
from trackpost.webhooks import service as webhooks


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

    try:
        db = db_of(settings)
        try:
            report = retention.prune(db, days, dry_run=args.dry_run, progress=progress)
        finally:
            db.dispose()
    except SQLAlchemyError as exc:
        raise OpsError(f"Prune failed: {first_line(exc)}") from None
    verb = "would prune" if args.dry_run else "pruned"
    rate = report.pruned / report.seconds if report.seconds else 0.0
    print(
        f"{verb} {report.pruned:,} clicks older than {days} days and kept {report.kept:,} that a "
        f"customer or transaction refers to ({report.batches} batches, {report.seconds:.1f} s, "
        f"{rate:,.0f} clicks/s)"
    )
    return 0


def cmd_caps_prune(args: argparse.Namespace, settings: Settings) -> int:
    try:
        db = db_of(settings)
        try:
            report = caps_job.prune(db)
        finally:
            db.dispose()
    except SQLAlchemyError as exc:
        raise OpsError(f"Prune failed: {first_line(exc)}") from None
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

    try:
        db = db_of(settings)
        try:
            stats_job.ensure_zone(db, settings.timezone)
            clicks, txns = stats_job.rebuild(
                db, lo, hi, settings.stats_unique_seconds, progress=progress
            )
        finally:
            db.dispose()
    except SQLAlchemyError as exc:
        raise OpsError(f"Rebuild failed: {first_line(exc)}") from None
    print(
        f"rebuilt the statistics of {args.from_} to {args.to} ({lo:%Y-%m-%d %H:%M} to "
        f"{hi:%Y-%m-%d %H:%M} UTC) from clicks up to id {clicks:,} and transactions up to "
        f"id {txns:,}"
    )
    return 0


def cmd_stats_status(args: argparse.Namespace, settings: Settings) -> int:
    try:
        db = db_of(settings)
        try:
            state = stats_job.status(db)
        finally:
            db.dispose()
    except SQLAlchemyError as exc:
        raise OpsError(f"Status failed: {first_line(exc)}") from None
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


def delivery_plan() -> Plan:
    """What the delivery workers fan events out to, and how each kind is signed."""
    return Plan(
        subscribers=(affiliate_postbacks.fan_out, webhooks.fan_out),
        signers={webhooks.KIND: webhooks.sign},
    )


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

    try:
        db = db_of(settings)
        try:
            run = payments_job.run_builds(db, as_of, network_zone(settings), CLI, progress=progress)
        finally:
            db.dispose()
    except SQLAlchemyError as exc:
        raise OpsError(f"Build failed: {first_line(exc)}") from None
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
