"""Databases, servers, traffic and the CLI for the operations tests."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import URL, Connection, create_engine, func, insert, make_url, select, text
from sqlalchemy.pool import NullPool

from tests.reliability import servers
from tests.reliability.servers import SECRET, Site
from tests.reliability.traffic import PIXEL, Network, session
from trackpost.accounts import service as accounts
from trackpost.core import migrate
from trackpost.core.config import Settings, normalise_database_url
from trackpost.core.db import Database, create_db_engine
from trackpost.core.security import KeyHasher
from trackpost.models.tables import clicks, customers, logins, transactions

PG_URL = servers.PG_URL
BACKENDS = servers.BACKENDS


def _pg_admin() -> Any:
    return create_engine(
        normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )


@contextmanager
def pg_database(tag: str) -> Iterator[str]:
    """A new PostgreSQL database of its own (a backup is of a whole database), dropped after."""
    name = f"tp_ops_{tag}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = make_url(PG_URL)
    url = URL.create(
        "postgresql",
        username=base.username,
        password=base.password,
        host=base.host,
        port=base.port,
        database=name,
        query=base.query,
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fresh_url(backend: str, workdir: Path, stack: Any, tag: str) -> str:
    """An empty database to restore into: a file path not yet made, or a new database."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / tag / 'trackpost.db'}"
    url: str = stack.enter_context(pg_database(tag))
    return url


def base_env(url: str, workdir: Path) -> dict[str, str]:
    """The environment `trackpost` runs in here: this checkout first on the path, one database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update(
        TRACKPOST_DATABASE_URL=url,
        TRACKPOST_DATA_DIR=str(workdir / "var"),
        TRACKPOST_SECRET_KEY=SECRET,
        TRACKPOST_ACCESS_LOG="false",
        TRACKPOST_AUTH_FAIL_LIMIT="100000",
    )
    return env


@contextmanager
def site(backend: str, workdir: Path, **extra_env: str) -> Iterator[Site]:
    """A migrated database with admin `ops` (on PostgreSQL a database of its own)."""
    workdir.mkdir(parents=True, exist_ok=True)
    with pg_database("src") if backend == "postgres" else _nothing() as pg_url:
        url = pg_url or f"sqlite:///{workdir / 'var' / 'trackpost.db'}"
        env = {**base_env(url, workdir), **extra_env}
        settings = Settings(
            database_url=normalise_database_url(url), data_dir=workdir / "var", secret_key=SECRET
        )
        db = Database(create_db_engine(settings, pool_size=2))
        migrate.upgrade(db.engine)
        with db.transaction(write=True) as conn:
            admin = accounts.create_admin(conn, KeyHasher(SECRET.encode()), "ops")
        headers = {"api-key": admin.api_key, "api-username": "ops"}
        the_site = Site(workdir, backend, url, env, db, headers)
        try:
            yield the_site
        finally:
            for server in the_site.servers:
                server.stop()
            db.dispose()


@contextmanager
def _nothing() -> Iterator[str]:
    yield ""


def cli(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`trackpost ARGS` as an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "trackpost", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
    )


def engine_for(url: str) -> Any:
    return create_engine(normalise_database_url(url), poolclass=NullPool)


def counts(conn: Connection) -> dict[str, int]:
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in (customers, transactions, clicks)
    }


def ledger_problems(conn: Connection) -> list[str]:
    """What a consistent snapshot of the ledger never shows."""
    problems = []
    orphan = conn.execute(
        text(
            "SELECT count(*) FROM transactions t WHERE NOT EXISTS "
            "(SELECT 1 FROM customers c WHERE c.customer_id = t.customer_id)"
        )
    ).scalar_one()
    if orphan:
        problems.append(f"{orphan} transactions without their customer")
    # Each conversion makes its customer and initial transaction in one transaction.
    initial = conn.execute(
        text("SELECT count(*) FROM transactions WHERE trans_type = 'initial'")
    ).scalar_one()
    people = conn.execute(text("SELECT count(*) FROM customers")).scalar_one()
    if initial != people:
        problems.append(f"{people} customers but {initial} initial transactions")
    lost = conn.execute(
        text(
            "SELECT count(*) FROM transactions t WHERE t.click_hash IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM clicks k WHERE k.click_hash = t.click_hash)"
        )
    ).scalar_one()
    if lost:
        problems.append(f"{lost} transactions whose click is missing")
    return problems


@dataclass
class Load:
    """Clicks and conversions sent from a thread until stopped; counts what was acknowledged."""

    net: Network
    stop: threading.Event = field(default_factory=threading.Event)
    clicks: int = 0
    conversions: int = 0
    failures: list[str] = field(default_factory=list)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                self.net.click()
                self.clicks += 1
                sub = f"load-{uuid.uuid4().hex[:12]}"
                params = {"click_hash": self.net.click(), "subscription_id": sub, "orderid": sub}
                self.clicks += 1
                resp = session().get(self.net.url + PIXEL, params=params, timeout=30)
                if resp.status_code != 200:
                    self.failures.append(f"{resp.status_code} {resp.text[:200]}")
                else:
                    self.conversions += 1
            except (AssertionError, requests.RequestException) as exc:
                self.failures.append(repr(exc)[:300])

    def __enter__(self) -> Load:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)


def add_advertiser(conn: Connection, username: str) -> int:
    now = dt.datetime.now(dt.UTC)
    stmt = insert(logins).values(
        type="advertiser", username=username, created_at=now, updated_at=now
    )
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def add_clicks(conn: Connection, prefix: str, count: int, at: dt.datetime) -> list[int]:
    """Clicks made at `at`, inserted as the click path does (ids in time order)."""
    rows = [
        {
            "click_hash": f"{prefix}{i:08d}",
            "loginid": 1,
            "programid": 0,
            "offerid": 1,
            "landing_pageid": 1,
            "campaignid": 0,
            "adtoolid": 0,
            "created_at": at,
        }
        for i in range(count)
    ]
    conn.execute(insert(clicks), rows)
    found = conn.execute(
        select(clicks.c.clickid)
        .where(clicks.c.click_hash.like(f"{prefix}%"))
        .order_by(clicks.c.clickid)
    )
    return [int(r[0]) for r in found]
