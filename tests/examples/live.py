"""Real `trackpost serve` processes on free 127.0.0.1 ports, over a database of their own.

Used by the vendor-example tests and the cross-process race test: they must exercise the real
server (granian, worker processes, a file or PostgreSQL database shared between processes).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from trackpost.core.config import Settings, normalise_database_url
from trackpost.core.db import Database, create_db_engine

PG_URL = os.environ.get("TRACKPOST_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
SECRET = "live-test-secret-0123456789abcdef"


def free_port() -> int:
    """A port nobody listens on right now, on the loopback interface only."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def trackpost_command() -> list[str]:
    """The installed `trackpost` console script next to this interpreter (or `-m trackpost`)."""
    script = Path(sys.executable).with_name("trackpost")
    return [str(script)] if script.exists() else [sys.executable, "-m", "trackpost"]


@dataclass
class Instance:
    """A database, an admin key and the base URLs of the servers running on it."""

    workdir: Path
    database_url: str
    env: dict[str, str]
    username: str = ""
    api_key: str = ""
    urls: list[str] = field(default_factory=list)
    db: Database | None = None

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def headers(self) -> dict[str, str]:
        return {"api-key": self.api_key, "api-username": self.username}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run `trackpost <args>` against this instance's database, failing loudly."""
        done = subprocess.run(
            [*trackpost_command(), *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done


def _database(backend: str, workdir: Path) -> tuple[str, str | None]:
    """The TRACKPOST_DATABASE_URL to use, and the PostgreSQL schema to drop afterwards."""
    if backend == "sqlite":
        return f"sqlite:///{workdir / 'var' / 'trackpost.db'}", None
    schema = f"tp_live_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    base = normalise_database_url(PG_URL)
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}", schema


def _drop_schema(schema: str) -> None:
    engine = create_engine(normalise_database_url(PG_URL))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"trackpost serve exited early:\n{log.read_text(errors='replace')}")
        with (
            suppress(OSError),
            urllib.request.urlopen(f"{url}/healthz", timeout=1) as resp,  # noqa: S310
        ):
            if resp.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(
        f"trackpost serve did not answer in 30 s:\n{log.read_text(errors='replace')}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop one server we started: its own process group (granian's main and worker)."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _start_server(
    env: dict[str, str], workdir: Path, n: int
) -> tuple[subprocess.Popen[bytes], str]:
    """Start one `trackpost serve`; a port taken between probing and binding gets a retry."""
    for attempt in range(3):
        port = free_port()
        log = workdir / f"serve-{n}-{attempt}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*trackpost_command(), "serve", "--port", str(port), "--no-access-log"],
                env=env,
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(proc, url, log)
        except RuntimeError:
            _stop(proc)
            if attempt == 2:
                raise
            continue
        return proc, url
    raise AssertionError("unreachable")


@contextmanager
def live_instance(backend: str, workdir: Path, *, servers: int = 1) -> Iterator[Instance]:
    """Create admin tf_admin with the CLI, then start `servers` processes on one database."""
    workdir.mkdir(parents=True, exist_ok=True)
    database_url, schema = _database(backend, workdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update(
        TRACKPOST_DATABASE_URL=database_url,
        TRACKPOST_DATA_DIR=str(workdir / "var"),
        TRACKPOST_SECRET_KEY=SECRET,
        TRACKPOST_HOST="127.0.0.1",
        TRACKPOST_WORKERS="1",
        TRACKPOST_ACCESS_LOG="false",
        TRACKPOST_AUTH_FAIL_LIMIT="100000",
    )
    inst = Instance(workdir=workdir, database_url=database_url, env=env)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        created = inst.cli("admin", "create", "tf_admin")
        inst.username = "tf_admin"
        inst.api_key = created.stdout.strip().splitlines()[-1]
        for n in range(servers):
            proc, url = _start_server(env, workdir, n)
            procs.append(proc)
            inst.urls.append(url)
        settings = Settings(
            database_url=normalise_database_url(database_url),
            data_dir=workdir / "var",
            secret_key=SECRET,
        )
        inst.db = Database(create_db_engine(settings, pool_size=2))
        yield inst
    finally:
        if inst.db is not None:
            inst.db.dispose()
        for proc in procs:
            _stop(proc)
        if schema is not None:
            _drop_schema(schema)
        shutil.rmtree(workdir, ignore_errors=True)
