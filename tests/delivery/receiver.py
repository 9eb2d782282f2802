"""A real HTTP receiver on 127.0.0.1 for delivery tests: records every request, answers as told.

Threaded, so a hanging answer on one path does not hold the others. `plan` maps a path to the
statuses to answer in turn (the last repeats); `hang` maps a path to seconds to wait first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Received:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def path(self) -> str:
        return urlsplit(self.target).path


@dataclass
class Receiver:
    port: int
    requests: list[Received] = field(default_factory=list)
    plan: dict[str, list[int]] = field(default_factory=dict)
    hang: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: dict[str, int] = field(default_factory=dict)
    overlaps: list[str] = field(default_factory=list)  # delivery ids seen twice at once

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(
        self, count: int, path: str | None = None, timeout: float = 20.0
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.to(path) if path else list(self.requests)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        got = self.to(path) if path else list(self.requests)
        raise AssertionError(f"expected {count} requests, got {len(got)}: {got[-3:]}")


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            did = self.headers.get("Trackpost-Delivery-Id", "")
            with receiver.lock:
                receiver.requests.append(
                    Received(self.command, self.path, dict(self.headers), body, time.monotonic())
                )
                if did and receiver.in_flight.get(did):
                    receiver.overlaps.append(did)
                receiver.in_flight[did] = receiver.in_flight.get(did, 0) + 1
                statuses = receiver.plan.get(path) or [200]
                status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
                delay = receiver.hang.get(path, 0.0)
            try:
                if delay:
                    time.sleep(delay)
                payload = f"answer {status}".encode()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://example.com/elsewhere?token=abc")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the sender gave up (a timeout): nothing to answer
            finally:
                with receiver.lock:
                    receiver.in_flight[did] -= 1

        do_GET = do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver(0)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
