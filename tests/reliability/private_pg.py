"""A PostgreSQL server of the test's own (initdb and pg_ctl into a temporary directory), which the
test may stop and start again: the machine's shared server is never touched."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

from tests.system.test_serve import free_port


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """One cluster on a free loopback port; `stop` and `start` make and end an outage."""

    def __init__(self, root: Path, bindir: Path, user: str | None) -> None:
        self.root = root
        self.data = root / "data"
        self.bindir = bindir
        self.user = user  # initdb refuses to run as root: then the cluster runs as this user
        self.port = free_port()
        self.log = root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                "max_connections = 100\nshared_buffers = 32MB\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: `fast` ends every session; `immediate` is a crash (no checkpoint)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A fresh cluster for one test, removed after it; skips where PostgreSQL is not installed."""
    bindir = _bindir()
    if bindir is None:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and no `postgres` user to run a cluster as")
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="tp-pg-"))
    if user is not None:
        shutil.chown(root, user)
    pg = PrivatePostgres(root, bindir, user)
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        with suppress(Exception):
            if pg.running():
                pg.stop("immediate")
        # Its files belong to the cluster's user; root removes them all the same.
        for _ in range(3):
            shutil.rmtree(root, ignore_errors=True)
            if not root.exists():
                break
            time.sleep(0.2)
