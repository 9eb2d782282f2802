"""Real processes: kill -9 between commit and delivery loses nothing; two workers never overlap."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.delivery.receiver import Receiver, running_receiver
from tests.reliability.servers import BACKENDS, Site, site
from trackpost.events.service import Event, record

FAST_ENV = {
    "TRACKPOST_OUTBOUND_ALLOW_PRIVATE": "127.0.0.1/32",
    "TRACKPOST_DELIVERY_POLL_SECONDS": "0.05",
    "TRACKPOST_DELIVERY_BACKOFF_BASE_SECONDS": "0.05",
}


def _endpoint(s: Site, base: str, url: str, events: str) -> str:
    resp = requests.post(
        f"{base}/api/webhook/add_endpoint",
        data={"url": url, "events": events},
        headers=s.headers,
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["message"]["secret"])


def _events(s: Site, count: int, first_customer: int = 1) -> None:
    """Committed events as a producer writes them (a customer each, so no queue waits)."""
    with s.db.transaction(write=True) as conn:
        for n in range(count):
            cid = first_customer + n
            record(conn, Event("customer.locked", {"customer_id": cid}, cid))


@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_between_commit_and_delivery_loses_nothing(backend: str, tmp_path: Path) -> None:
    with site(backend, tmp_path / "site") as s, running_receiver() as receiver:
        s.env.update(FAST_ENV, TRACKPOST_DELIVERY_WORKERS="false")
        server = s.start()
        _endpoint(s, server.url, receiver.url("/hook"), "customer.locked")
        receiver.hang["/hook"] = 30.0  # the first send hangs: the kill comes mid-send
        _events(s, 20)
        server.kill9()
        # Delivery on: the server sends, and is killed while the receiver holds a request.
        s.env.update(
            TRACKPOST_DELIVERY_WORKERS="true",
            TRACKPOST_DELIVERY_TIMEOUT_SECONDS="1",
            TRACKPOST_DELIVERY_LEASE_SECONDS="1",
        )
        server = s.start()
        receiver.wait_for(1, "/hook")
        server.kill9()
        assert len({r.headers["Trackpost-Delivery-Id"] for r in receiver.requests}) < 20
        receiver.hang.clear()
        s.start()
        got = _wait_ids(receiver, 20)
        assert len(got) == 20  # every delivery arrived, the interrupted ones again


def _wait_ids(receiver: Receiver, count: int, timeout: float = 120.0) -> set[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with receiver.lock:
            ids = {r.headers["Trackpost-Delivery-Id"] for r in receiver.requests}
        if len(ids) >= count:
            return ids
        time.sleep(0.05)
    raise AssertionError(f"{len(ids)} of {count} deliveries arrived")


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_delivery_processes_never_send_one_attempt_twice(backend: str, tmp_path: Path) -> None:
    with site(backend, tmp_path / "site") as s, running_receiver() as receiver:
        s.env.update(FAST_ENV, TRACKPOST_DELIVERY_WORKERS="false")
        server = s.start()
        for path in ("/a", "/b"):
            _endpoint(s, server.url, receiver.url(path), "customer.locked")
        receiver.hang["/a"] = receiver.hang["/b"] = 0.01  # widens any overlap
        _events(s, 300)
        env = {
            **s.env,
            "TRACKPOST_DELIVERY_CONCURRENCY": "64",
            "TRACKPOST_DELIVERY_HOST_CONCURRENCY": "32",
        }
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "trackpost", "deliver"],
                env=env,
                cwd=s.workdir,
                stdout=subprocess.DEVNULL,
                stderr=(s.workdir / f"deliver-{n}.log").open("wb"),
            )
            for n in range(2)
        ]
        try:
            ids = _wait_ids(receiver, 600)
            time.sleep(0.5)  # anything sent twice would arrive by now
        finally:
            for w in workers:
                w.terminate()
            for w in workers:
                w.wait(timeout=30)
        assert len(ids) == 600
        assert len(receiver.requests) == 600, "an attempt was sent twice"
        assert receiver.overlaps == []
        assert [w.returncode for w in workers] == [0, 0]
