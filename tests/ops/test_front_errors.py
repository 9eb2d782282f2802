"""The errors a front server answers before trackpost sees the request (a URI too long, a bad
Content-Length, headers too large, no upstream) carry the API's JSON envelope too.

granian answers such requests itself with an empty body and offers no hook to change it, so the
envelope comes from the proxy in front: deploy/nginx/trackpost-errors.conf, run here as shipped.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import orjson
import pytest

from tests.reliability.servers import site
from tests.system.test_serve import free_port

SNIPPET = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "trackpost-errors.conf"
LONG_URI = b"/track/" + b"a" * 70_000


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (no client library would send these) and read the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    return int(lines[0].split()[1]), headers, body


MALFORMED = {
    "uri too long": (b"GET " + LONG_URI + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414, "uri_too_long"),
    "content-length not a number": (
        b"POST /signup/process_pixel.php HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
        400,
        "bad_request",
    ),
    "content-length negative": (
        b"POST /signup/process_pixel.php HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
        400,
        "bad_request",
    ),
    "two content-lengths": (
        b"POST /signup/process_pixel.php HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
        b"Content-Length: 6\r\n\r\nhello!",
        400,
        "bad_request",
    ),
    "headers too large": (
        b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 60_000 + b"\r\n\r\n",
        431,
        "headers_too_large",
    ),
}


@contextmanager
def _nginx(workdir: Path, upstream: int) -> Iterator[int]:
    binary = shutil.which("nginx")
    if binary is None:
        pytest.skip("nginx is not installed (Debian's nginx-light package)")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"""daemon off;
master_process off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    server {{
        listen 127.0.0.1:{port};
        include {SNIPPET};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}
}}
"""
    )
    proc = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.05)
        yield port
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _envelope(body: bytes) -> dict[str, str]:
    data: dict[str, str] = orjson.loads(body)
    assert set(data) == {"result", "code", "message"}, data
    assert data["result"] == "error"
    return data


def test_granian_answers_malformed_requests_with_an_empty_body(tmp_path: Path) -> None:
    """Why the front server is needed: granian refuses these before the app, without a body.

    (Headers are refused only past granian's 400 KB buffer, so that case is nginx's alone.)
    """
    with site("sqlite", tmp_path / "site") as s:
        server = s.start()
        for case, (request, status, _code) in MALFORMED.items():
            if case == "headers too large":
                continue
            got, headers, body = _raw(server.port, request)
            assert (got, body, headers.get("content-length")) == (status, b"", "0"), case


def test_the_shipped_nginx_errors_answer_with_the_envelope(tmp_path: Path) -> None:
    with site("sqlite", tmp_path / "site") as s:
        server = s.start()
        with _nginx(tmp_path / "nginx", server.port) as port:
            for case, (request, status, code) in MALFORMED.items():
                got, headers, body = _raw(port, request)
                assert got == status, (case, got, body[:200])
                assert headers["content-type"] == "application/json", case
                assert _envelope(body)["code"] == code, case
            # trackpost's own answers pass through untouched, errors included.
            got, _, body = _raw(
                port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            )
            assert (got, orjson.loads(body)["status"]) == (200, "ok")
            got, _, body = _raw(
                port, b"GET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            )
            assert (got, _envelope(body)["code"]) == (404, "unknown_endpoint")
            server.stop()
            got, _, body = _raw(
                port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            )
            assert (got, _envelope(body)["code"]) == (502, "bad_gateway")
