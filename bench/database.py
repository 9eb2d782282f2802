"""Fresh databases for a run: a temp SQLite file or a dedicated PostgreSQL database, migrated
with `trackpost db upgrade`, bulk-seeded, with an admin made by `trackpost admin create`."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import sqlalchemy as sa

from bench import seed
from bench.dataset import Dataset
from bench.procs import ROOT, trackpost_bin
from trackpost.models import tables

ADMIN = "bench"
# The console cases sign in as ADMIN with this password (a throwaway database's).
CONSOLE_PASSWORD = "bench console password"  # noqa: S105
# Tables the cases add rows to, children first, with the key that grows.
GROWING = (
    ("transaction_payouts", "payoutid"),
    ("events", "id"),
    ("transactions", "transactionid"),
    ("customer_audit", "auditid"),
    ("customers", "customer_id"),
    ("clicks", "clickid"),
)


@dataclass
class Target:
    """One seeded database and how trackpost reaches it."""

    backend: str
    url: str
    data_dir: Path
    dataset: Dataset
    api_key: str
    seed_seconds: float
    pg_admin_url: str = ""
    pg_name: str = ""
    next_spare_click: int = 0
    postback_runs: int = 8
    # The largest key of each GROWING table once seeded: what reset_growth keeps.
    marks: dict[str, int] = field(default_factory=dict)
    # The console cases' session cookie ("tp_session=..."), signed in once per server start.
    console_cookie: str = ""
    # The server's TRACKPOST_STATS_FOLD_SECONDS (None: trackpost's default).
    stats_fold: float | None = None
    jobs_nice: int | None = None
    server_env: tuple[str, ...] = ()

    @property
    def env(self) -> dict[str, str]:
        """The process environment for trackpost: ours, minus any TRACKPOST_* of the caller."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
        env["TRACKPOST_DATABASE_URL"] = self.url
        env["TRACKPOST_DATA_DIR"] = str(self.data_dir)
        # The postback+outbound case's receiver listens on 127.0.0.1.
        env["TRACKPOST_OUTBOUND_ALLOW_PRIVATE"] = "127.0.0.1/32"
        if self.stats_fold is not None:
            env["TRACKPOST_STATS_FOLD_SECONDS"] = f"{self.stats_fold:g}"
        if self.jobs_nice is not None:
            env["TRACKPOST_JOBS_NICE"] = str(self.jobs_nice)
        for pair in self.server_env:
            name, _, value = pair.partition("=")
            env[name] = value
        return env

    @property
    def sqlite_file(self) -> Path | None:
        """The database file, for SQLite targets."""
        if self.backend != "sqlite":
            return None
        return Path(self.url.removeprefix("sqlite:///").split("?", 1)[0])

    @property
    def sa_url(self) -> str:
        if self.url.startswith("postgresql://"):
            return "postgresql+psycopg://" + self.url.removeprefix("postgresql://")
        return self.url

    def take_spare_clicks(self, count: int) -> int:
        """Reserve count never-converted clicks for one postback run; returns the first id."""
        first = self.next_spare_click
        self.next_spare_click += count
        return first

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """One transaction on an engine of its own, disposed after: no pooled connection of the
        harness may outlive it (see bench/cache.py on what a stray one did)."""
        engine = sa.create_engine(self.sa_url)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            engine.dispose()

    def reset_locks(self) -> None:
        """Unlock every customer, so each case starts from the seeded state."""
        with self._transaction() as conn:
            conn.execute(
                sa.text(
                    "UPDATE customers SET locked = :no, locked_at = NULL, locked_by = NULL,"
                    " lock_reason = NULL WHERE locked = :yes"
                ),
                {"no": False, "yes": True},
            )

    def record_marks(self) -> None:
        """Note how far each growing table reaches once seeded."""
        with self._transaction() as conn:
            for table, key in GROWING:
                found = conn.execute(sa.text(f"SELECT max({key}) FROM {table}")).scalar()  # noqa: S608
                self.marks[table] = int(found or 0)

    def reset_growth(self) -> int:
        """Delete the rows the cases added (clicks, converted customers, ledger and audit rows),
        so that the next case meets the seeded size, not 1,000 customers grown to 100,000 by a
        postback case. Returns how many rows went."""
        removed = 0
        with self._transaction() as conn:
            for table, key in GROWING:
                result = conn.execute(
                    sa.text(f"DELETE FROM {table} WHERE {key} > :mark"),  # noqa: S608
                    {"mark": self.marks[table]},
                )
                removed += result.rowcount
            # The rows the next case adds take the deleted ids again (SQLite reuses them): the
            # fold's cursors go back with them, so every case pays for folding its own rows.
            conn.execute(
                sa.text(
                    "UPDATE stats_state SET"
                    " click_cursor = CASE WHEN click_cursor > :c THEN :c ELSE click_cursor END,"
                    " txn_cursor = CASE WHEN txn_cursor > :t THEN :t ELSE txn_cursor END"
                ),
                {"c": self.marks["clicks"], "t": self.marks["transactions"]},
            )
        return removed

    def deliveries_due(self) -> int:
        """Deliveries not yet sent (pending or being sent), and events not yet fanned out."""
        with self._transaction() as conn:
            found = conn.execute(
                sa.text("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')")
            ).scalar_one()
            untaken = conn.execute(
                sa.text(
                    "SELECT count(*) FROM events WHERE id > coalesce((SELECT last_id FROM "
                    "event_cursors WHERE consumer = 'delivery'), 0)"
                )
            ).scalar_one()
        return int(found) + int(untaken)

    def deliveries_done(self) -> int:
        with self._transaction() as conn:
            found = conn.execute(
                sa.text("SELECT count(*) FROM deliveries WHERE status = 'done'")
            ).scalar_one()
        return int(found)

    def drain_report(self, timeout: float = 300.0) -> None:
        """After a case whose conversions make deliveries: how many were still due when it ended,
        and how long the server's jobs took to send them once the load stopped."""
        left = self.deliveries_due()
        if "TRACKPOST_DELIVERY_WORKERS=false" in self.server_env:
            print(
                f"[{self.backend} {self.dataset.customers:,}] deliveries: the server sends none; "
                f"{left:,} events and deliveries wait for a delivery host",
                flush=True,
            )
            return
        started = time.monotonic()
        while left and time.monotonic() - started < timeout:
            time.sleep(0.5)
            left = self.deliveries_due()
        sent = self.deliveries_done()
        print(
            f"[{self.backend} {self.dataset.customers:,}] deliveries: {sent:,} sent; the "
            f"backlog at the run's end was sent {time.monotonic() - started:.1f} s after it"
            + (f" ({left:,} still due)" if left else ""),
            flush=True,
        )

    def integrity(self) -> str:
        """SQLite's quick_check of the file after every case ran on it ("ok" when sound)."""
        path = self.sqlite_file
        if path is None:
            return "ok"
        if not path.exists():
            return f"missing: {path}"
        try:
            # Read-only: a wrong path must not create an empty file that checks "ok".
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                rows = conn.execute("PRAGMA quick_check").fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return "; ".join(str(r[0]) for r in rows[:5])

    def drop(self) -> None:
        """Remove the database (and the data dir with its secret)."""
        if self.pg_name:
            drop_pg_database(self.pg_admin_url, self.pg_name)
        shutil.rmtree(self.data_dir, ignore_errors=True)


def _run(argv: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    proc = subprocess.run(
        argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False, input=stdin
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def drop_pg_database(admin_url: str, name: str) -> None:
    """Drop a database that pg_database made."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_database(admin_url: str, name: str) -> str:
    """Create a dedicated database next to admin_url's and return its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def prepare(
    backend: str, customers: int, spare_clicks: int, workdir: Path, pg_url: str = ""
) -> Target:
    """A fresh, migrated, seeded database with customers customers and the bench admin."""
    data_dir = workdir / f"{backend}-{customers}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    pg_name = ""
    if backend == "postgres":
        pg_name = f"trackpost_bench_{os.getpid()}_{customers}"
        url = pg_database(pg_url, pg_name)
    else:
        url = f"sqlite:///{data_dir / 'trackpost.db'}"
    target = Target(backend, url, data_dir, Dataset(0, 0, 1), "", 0.0, pg_url, pg_name)
    try:
        _run([trackpost_bin(), "db", "upgrade"], target.env)
        data = Dataset(customers, spare_clicks, seed.first_free_loginid(target.sa_url))
        print(f"[{backend}] seeding {customers:,} customers and {data.clicks:,} clicks", flush=True)
        target.seed_seconds = seed.seed(target.sa_url, data)
        print(f"[{backend}] {seed.timing_note(target.seed_seconds, data)}", flush=True)
        # A running network's rollups are caught up: without this, the jobs process would fold
        # the whole seed during the first case measured, beside its requests.
        started = time.monotonic()
        _run([trackpost_bin(), "stats", "fold"], target.env)
        print(f"[{backend}] folded the seed in {time.monotonic() - started:.1f}s", flush=True)
        out = _run([trackpost_bin(), "admin", "create", ADMIN], target.env)
        target.api_key = out.strip().splitlines()[-1].strip()
        _run([trackpost_bin(), "admin", "set-password", ADMIN], target.env, CONSOLE_PASSWORD + "\n")
        target.dataset = data
        target.next_spare_click = customers + 1
        target.record_marks()
    except BaseException:
        target.drop()
        raise
    return target


RULES_PER_OFFER = 100
REFERRAL_TIERS = ("1000", "500", "200")  # basis points of the affiliate's payout


def commission_rules(target: Target) -> None:
    """Give every offer 100 commission changes and every affiliate a 3-deep referral chain."""
    data = target.dataset
    with target._transaction() as conn:
        offers = range(1, data.offers + 1)
        add_commission_rules(conn, offers, [data.affiliate_id(n) for n in range(data.affiliates)])


def add_commission_rules(conn: Any, offers: Iterable[int], affiliates: Sequence[int]) -> None:
    """Give each offer 100 commission changes and chain the affiliates' referrals 3 deep.

    99 changes restrict to a subaff no bench click carries, so a conversion tries every one of
    them before the last (a 10 % change for all) decides: the worst case of the precedence walk.
    Idempotent; the rules are read once per worker (the commissions cache version moves).
    """
    if conn.execute(sa.text("SELECT count(*) FROM commission_changes")).scalar():
        return
    now = dt.datetime.now(dt.UTC)
    rows = []
    for offer in offers:
        for n in range(RULES_PER_OFFER):
            last = n == 0  # the lowest priority: tried last
            rows.append(
                {
                    "offerid": offer,
                    "goalid": 0,
                    "type": "standard",
                    "priority": n,
                    "enabled": True,
                    "subaff1": None if last else f"nobody{n}",
                    "pct_conversion": 1000 if last else 2500,
                }
            )
    stamped = [{**r, "created_at": now, "updated_at": now} for r in rows]
    conn.execute(tables.commission_changes.insert(), stamped)
    tiers = sa.table(
        "referral_tiers",
        sa.column("offerid"),
        sa.column("tier"),
        sa.column("rate"),
        sa.column("base"),
    )
    conn.execute(
        tiers.insert(),
        [
            {"offerid": 0, "tier": i + 1, "rate": int(r), "base": "payout"}
            for i, r in enumerate(REFERRAL_TIERS)
        ],
    )
    # Affiliate n is referred by n-1: every seller has three tiers above it (but the first).
    for prev, cur in itertools.pairwise(affiliates):
        conn.execute(
            sa.text("UPDATE logins SET ref_loginid = :ref WHERE loginid = :id"),
            {"ref": prev, "id": cur},
        )
    conn.execute(
        sa.text(
            "UPDATE cache_versions SET version = version + 1 "
            "WHERE name IN ('commissions', 'tracking')"
        )
    )


def add_outbound(conn: Any, affiliates: Sequence[int], base_url: str) -> None:
    """Three conversion postbacks for every affiliate and two webhook endpoints for every sale."""
    from trackpost.webhooks import service as webhooks

    if conn.execute(sa.text("SELECT count(*) FROM webhook_endpoints")).scalar():
        return
    now = dt.datetime.now(dt.UTC)
    url = base_url + "/pb/{n}?click=%%click_hash%%&pay=%%commission%%&o=%%orderid%%"
    conn.execute(
        tables.affiliate_postbacks.insert(),
        [
            {
                "loginid": a,
                "event": "conversion",
                "kind": "postback",
                "method": "GET",
                "url": url.format(n=n),
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for a in affiliates
            for n in range(3)
        ],
    )
    for n in range(2):
        webhooks.add_endpoint(conn, f"{base_url}/hook{n}", ("transaction.created",), None)
    conn.execute(sa.text("UPDATE cache_versions SET version = version + 1"))
