"""Real `trackpost serve` processes on one database, which the tests may kill -9 and restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.system.test_serve import free_port
from trackpost.accounts import service as accounts
from trackpost.core import migrate
from trackpost.core.config import Settings, normalise_database_url
from trackpost.core.db import Database, create_db_engine
from trackpost.core.security import KeyHasher

PG_URL = os.environ.get("TRACKPOST_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
SECRET = "reliability-secret-0123456789abcdef"


@dataclass
class Server:
    """One `trackpost serve` (granian main process and its worker, in their own session)."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        """SIGKILL the server's whole process group: no shutdown code runs anywhere."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self) -> float:
        """SIGTERM to the main process only, as a service manager sends it; wait for the exit.
        Returns the seconds the server took to stop."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill9()


@dataclass
class Site:
    """A database with an admin, and the servers currently running on it."""

    workdir: Path
    backend: str
    database_url: str
    env: dict[str, str]
    db: Database
    headers: dict[str, str] = field(default_factory=dict)
    servers: list[Server] = field(default_factory=list)

    def start(self, workers: int = 1, port: int | None = None, **env: str) -> Server:
        """A server on `port` (a free one if None), with `env` added to the site's."""
        port = port or free_port()
        log = self.workdir / f"serve-{port}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "trackpost", "serve", "--port", str(port)],
                env={**self.env, "TRACKPOST_WORKERS": str(workers), **env},
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(port, proc, log)
        self.servers.append(server)
        _wait_healthy(server)
        return server

    def server_errors(self) -> list[str]:
        """Tracebacks any server logged (a 500 is a bug, wherever it happened)."""
        out: list[str] = []
        for server in self.servers:
            text_ = server.log.read_text(errors="replace")
            if "Traceback" in text_ or "unhandled error" in text_:
                out.append(f"{server.log.name}:\n{text_[-3000:]}")
        return out


def _wait_healthy(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"server exited:\n{server.log.read_text(errors='replace')}")
        with suppress(requests.RequestException):
            if requests.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server not healthy in {timeout} s:\n{server.log.read_text()}")


def _database(backend: str, workdir: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'var' / 'trackpost.db'}", None
    schema = f"tp_rel_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(normalise_database_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


@contextmanager
def site(
    backend: str, workdir: Path, database_url: str | None = None, **extra_env: str
) -> Iterator[Site]:
    """A migrated database with admin `ops`; every server started on it is stopped at the end.

    `database_url` names a database to use as it is (a test's own PostgreSQL server); otherwise
    SQLite in `workdir`, or a schema of its own on TRACKPOST_TEST_POSTGRES_URL.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    url, schema = (database_url, None) if database_url else _database(backend, workdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update(
        TRACKPOST_DATABASE_URL=url,
        TRACKPOST_DATA_DIR=str(workdir / "var"),
        TRACKPOST_SECRET_KEY=SECRET,
        TRACKPOST_ACCESS_LOG="false",
        TRACKPOST_AUTH_FAIL_LIMIT="100000",
        **extra_env,
    )
    settings = Settings(
        database_url=normalise_database_url(url), data_dir=workdir / "var", secret_key=SECRET
    )
    db = Database(create_db_engine(settings, pool_size=2))
    migrate.upgrade(db.engine)
    with db.transaction(write=True) as conn:
        admin = accounts.create_admin(conn, KeyHasher(SECRET.encode()), "ops")
    the_site = Site(
        workdir, backend, url, env, db, {"api-key": admin.api_key, "api-username": "ops"}
    )
    try:
        yield the_site
    finally:
        for server in the_site.servers:
            server.stop()
        db.dispose()
        if schema is not None:
            engine = create_engine(normalise_database_url(PG_URL))
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()
