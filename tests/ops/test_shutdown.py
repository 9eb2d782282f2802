"""SIGTERM to `trackpost serve`: /healthz says draining while the server still serves, then it
stops accepting, finishes what is in flight (requests and their write batches) and exits within
TRACKPOST_SHUTDOWN_DRAIN + TRACKPOST_SHUTDOWN_TIMEOUT; a stop never loses an acknowledged write.
Real server processes, on both backends."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlencode

import orjson
import pytest
import requests
from sqlalchemy import select

from tests.reliability.mixed import build_network, lost_or_doubled
from tests.reliability.servers import BACKENDS, Server, site
from trackpost.core.db import Database
from trackpost.core.lifecycle import MARKER_PREFIX
from trackpost.models.tables import customer_audit

DRAIN = 3.0
TIMEOUT = 4
MARGIN = 5.0  # process start-up of the stop itself, on a busy machine


def _refused(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def _partial_edit(
    server: Server, headers: dict[str, str], customer: int, rid: str
) -> tuple[socket.socket, bytes]:
    """An edit whose body is only half sent: a request in flight. Returns the socket and the rest."""
    body = urlencode({"customer_id": customer, "custom3": rid}).encode()
    head = (
        f"PATCH /api/customer/set_customer_details HTTP/1.1\r\nHost: t\r\n"
        f"api-key: {headers['api-key']}\r\napi-username: {headers['api-username']}\r\n"
        f"X-Request-ID: {rid}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(head + body[:5])
    return sock, body[5:]


def _request_ids(db: Database) -> set[str]:
    with db.transaction(write=False) as conn:
        return {r[0] for r in conn.execute(select(customer_audit.c.request_id))}


def _answer(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_drains_then_finishes_in_flight_requests(backend: str, tmp_path: Path) -> None:
    with site(backend, tmp_path / "site") as s:
        server = s.start(
            workers=2,
            TRACKPOST_SHUTDOWN_DRAIN=str(DRAIN),
            TRACKPOST_SHUTDOWN_TIMEOUT=str(TIMEOUT),
        )
        mixed = build_network(server.url, s.headers)
        customer = mixed.editable[0]
        in_flight, rest = _partial_edit(server, s.headers, customer, "inflight-1")
        time.sleep(0.2)
        stopped_at = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        # Draining: the balancer's check fails (once the main process has taken the signal),
        # everything else is served as before.
        health = requests.get(f"{server.url}/healthz", timeout=5)
        while health.status_code == 200 and time.monotonic() < stopped_at + DRAIN:
            time.sleep(0.02)
            health = requests.get(f"{server.url}/healthz", timeout=5)
        assert health.status_code == 503
        assert health.json()["status"] == "draining"
        assert health.headers["retry-after"] == "1"
        edit = requests.patch(
            f"{server.url}/api/customer/set_customer_details",
            data={"customer_id": customer, "custom4": "during-drain"},
            headers={**s.headers, "X-Request-ID": "drain-1"},
            timeout=10,
        )
        assert edit.status_code == 200, edit.text
        assert list((tmp_path / "site" / "var").glob(f"{MARKER_PREFIX}*"))
        # Then it stops accepting, while the half-sent request is still waited for.
        deadline = stopped_at + DRAIN + MARGIN
        while not _refused(server.port):
            assert time.monotonic() < deadline, "still accepting after the drain"
            time.sleep(0.05)
        assert server.proc.poll() is None, "exited before the request in flight was answered"
        in_flight.sendall(rest)
        status, body = _answer(in_flight)
        assert status == 200, body
        assert orjson.loads(body), body
        server.proc.wait(timeout=DRAIN + TIMEOUT + MARGIN)
        took = time.monotonic() - stopped_at
        assert server.proc.returncode == 0, server.log.read_text()
        assert took < DRAIN + TIMEOUT + MARGIN, took
        assert not list((tmp_path / "site" / "var").glob(f"{MARKER_PREFIX}*"))
        rids = _request_ids(s.db)
        assert {"inflight-1", "drain-1"} <= rids
        assert not [e for e in s.server_errors() if "Traceback" in e], s.server_errors()


def test_a_request_that_never_finishes_does_not_hold_the_stop(tmp_path: Path) -> None:
    """The stop is bounded: a worker still waiting after the timeout is killed."""
    with site("sqlite", tmp_path / "site") as s:
        server = s.start(TRACKPOST_SHUTDOWN_TIMEOUT="2")
        mixed = build_network(server.url, s.headers)
        stuck, _rest = _partial_edit(server, s.headers, mixed.editable[0], "stuck-1")
        time.sleep(0.2)
        stopped_at = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=2 + MARGIN + 5)
        took = time.monotonic() - stopped_at
        stuck.close()
        assert took < 2 + MARGIN, took
        rids = _request_ids(s.db)
        assert "stuck-1" not in rids  # never acknowledged, never written


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigterm_under_write_load_loses_nothing_acknowledged(backend: str, tmp_path: Path) -> None:
    """Without a balancer a client may see its connection refused or closed; never a 5xx, and
    every write it was told of is in the database once."""
    with site(backend, tmp_path / "site") as s:
        server = s.start(workers=2, TRACKPOST_SHUTDOWN_TIMEOUT=str(TIMEOUT))
        mixed = build_network(server.url, s.headers, customers=4)
        mixed.timeout = 10.0
        mixed.start(threads=4)
        time.sleep(1.0)
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=TIMEOUT + MARGIN + 5)
        time.sleep(0.3)
        mixed.finish()
        print(f"shutdown {backend}: {sorted(mixed.tally().items())}")
        statuses = [x.status for x in mixed.sent if x.status is not None]
        assert statuses, mixed.tally()
        assert max(statuses) < 500, mixed.tally()
        problems = lost_or_doubled(s.db, mixed.sent)
        assert not problems, "\n".join(problems[:40])
        assert server.proc.returncode == 0, server.log.read_text()
