"""Two `trackpost serve` hosts behind HAProxy (deploy/haproxy/haproxy.cfg, as shipped), on one
database: the hosts have their own ports and data directories and share one secret key."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.reliability.servers import Server, Site
from tests.system.test_serve import free_port

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "haproxy"
DRAIN = "1"  # seconds; HAProxy's check (inter 250 ms, fall 1) takes a host out well within it


@dataclass
class Host:
    """One host: a fixed port (the balancer's configuration names it) and a data directory."""

    name: str
    port: int
    data_dir: Path
    server: Server | None = None

    def start(self, site: Site, workers: int) -> Server:
        self.server = site.start(
            workers,
            self.port,
            TRACKPOST_DATA_DIR=str(self.data_dir),
            TRACKPOST_SHUTDOWN_DRAIN=DRAIN,
            TRACKPOST_SHUTDOWN_TIMEOUT="10",
            TRACKPOST_TRUSTED_PROXIES="127.0.0.1/32",
        )
        return self.server


@dataclass
class Cluster:
    site: Site
    url: str
    hosts: list[Host]
    proc: subprocess.Popen[bytes]
    log: Path
    workers: int = 1
    seen: set[str] = field(default_factory=set)

    def in_rotation(self, names: set[str], timeout: float = 30) -> None:
        """Wait until the balancer sends requests to each of `names`."""
        deadline = time.monotonic() + timeout
        seen: set[str] = set()
        while time.monotonic() < deadline:
            with suppress(requests.RequestException):
                resp = requests.get(f"{self.url}/healthz", timeout=2)
                if resp.status_code == 200:
                    seen.add(resp.headers.get("x-served-by", ""))
            if names <= seen:
                return
            time.sleep(0.05)
        raise AssertionError(f"balancer sent to {seen}, not {names}:\n{self.log.read_text()}")

    def restart(self, host: Host) -> float:
        """SIGTERM, drain, exit; start again on the same port; back in rotation. The stop time."""
        assert host.server is not None
        took = host.server.terminate()
        host.start(self.site, self.workers)
        self.in_rotation({host.name})
        return took


@contextmanager
def cluster(site: Site, workdir: Path, workers: int = 1) -> Iterator[Cluster]:
    """Two hosts and HAProxy; everything is stopped at the end."""
    haproxy = shutil.which("haproxy")
    if haproxy is None:
        pytest.skip("HAProxy is not installed (Debian's haproxy package)")
    hosts = [Host(f"host{n}", free_port(), workdir / f"host{n}") for n in (1, 2)]
    lb_port = free_port()
    env = {
        **os.environ,
        "TRACKPOST_LB_BIND": f"127.0.0.1:{lb_port}",
        "TRACKPOST_HOST1": f"127.0.0.1:{hosts[0].port}",
        "TRACKPOST_HOST2": f"127.0.0.1:{hosts[1].port}",
        "TRACKPOST_LB_ERRORS": str(DEPLOY / "errors"),
    }
    for host in hosts:
        host.start(site, workers)
    log = workdir / "haproxy.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [haproxy, "-db", "-f", str(DEPLOY / "haproxy.cfg")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    the_cluster = Cluster(site, f"http://127.0.0.1:{lb_port}", hosts, proc, log, workers)
    try:
        the_cluster.in_rotation({"host1", "host2"})
        yield the_cluster
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
