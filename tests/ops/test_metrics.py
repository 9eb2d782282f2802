"""GET /metrics: what it counts, who may read it, and that `serve`'s workers add up."""

from __future__ import annotations

import glob
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from tests.conftest import Admin, BuildApp, Built
from tests.support import assert_error
from tests.system.test_serve import free_port, wait_healthy
from trackpost.cli.main import main
from trackpost.core.config import Settings, get_settings
from trackpost.core.errors import Conflict
from trackpost.core.http import Endpoint, RequestContext

PING = "/api/service/ping"
ADD_IP = "/api/config/add_global_post_ip"
REQUESTS = "trackpost_http_requests_total"


def sample(text: str, name: str, **labels: str) -> float:
    """The sum of every sample of that name whose labels include the given ones."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def scrape(client: TestClient, **headers: str) -> str:
    resp = client.get("/metrics", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
    text: str = resp.text
    return text


def endpoint(built: Built, path: str) -> Endpoint:
    found: list[Endpoint] = built.app.starlette.state.endpoints
    return next(ep for ep in found if ep.path == path)


def test_requests_are_counted_by_route_template_method_and_status(
    build_app: BuildApp, admin: Admin
) -> None:
    local = build_app().client("127.0.0.1")
    for _ in range(3):
        assert local.get(PING, headers=admin.headers).status_code == 200
    assert_error(
        local.get(PING, params={"bogus": "1"}, headers=admin.headers), 400, "unknown_parameter"
    )
    details = "/api/customer/get_customer_details"
    missing = local.get(details, params={"customer_id": "987654"}, headers=admin.headers)
    assert_error(missing, 404, "customer_not_found")
    assert_error(local.get("/no/such/path/4242"), 404, "unknown_endpoint")
    local.get("/track/code-that-must-not-be-a-label-77", follow_redirects=False)
    assert_error(local.post("/healthz"), 405, "method_not_allowed")
    text = scrape(local)
    assert sample(text, REQUESTS, route=PING, method="GET", status="200") == 3
    assert sample(text, REQUESTS, route=PING, method="GET", status="400") == 1
    assert sample(text, REQUESTS, route=details, status="404") == 1
    assert sample(text, REQUESTS, route="unmatched", method="GET", status="404") == 1
    assert sample(text, REQUESTS, route="/track/{code}") == 1
    assert sample(text, REQUESTS, route="/healthz", method="POST", status="405") == 1
    assert sample(text, "trackpost_http_request_duration_seconds_count", route=PING) == 4
    # Ids and raw paths never become labels: a series per id would grow without end.
    assert "code-that-must-not-be-a-label-77" not in text
    assert "/no/such/path" not in text


def test_each_app_counts_only_its_own_requests(build_app: BuildApp) -> None:
    one, other = build_app().client("127.0.0.1"), build_app().client("127.0.0.1")
    for _ in range(2):
        one.get("/healthz")
    assert sample(scrape(one), REQUESTS, route="/healthz") == 2
    assert sample(scrape(other), REQUESTS, route="/healthz") == 0


def test_authentication_failures_and_throttling_are_counted(
    build_app: BuildApp, admin: Admin
) -> None:
    built = build_app(auth_fail_limit=2)
    caller = built.client("203.0.113.50")
    wrong = {"api-key": "0" * 32, "api-username": admin.username}
    for _ in range(2):
        assert_error(caller.get(PING, headers=wrong), 401, "unauthorized")
    assert_error(caller.get(PING, headers=wrong), 429, "too_many_auth_failures")
    text = scrape(built.client("127.0.0.1"))
    assert sample(text, "trackpost_auth_failures_total", reason="bad_credentials") == 2
    assert sample(text, "trackpost_auth_throttled_total") == 1
    assert sample(text, REQUESTS, route=PING, status="401") == 2
    assert sample(text, REQUESTS, route=PING, status="429") == 1

    fenced = build_app(admin_api_allowed_ips="10.0.0.0/8")
    assert_error(
        fenced.client("203.0.113.7").get(PING, headers=admin.headers), 403, "ip_not_allowed"
    )
    text = scrape(fenced.client("10.0.0.5"))
    assert sample(text, "trackpost_auth_failures_total", reason="ip_not_allowed") == 1


def test_group_commit_batches_and_their_replays_are_counted(
    build_app: BuildApp, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_app()
    assert built.services.batcher is not None, "group commit is on by default on both backends"
    local = built.client("127.0.0.1")
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert local.post(ADD_IP, data={"ip": ip}, headers=admin.headers).status_code == 200
    ep = endpoint(built, ADD_IP)
    original = ep.handler

    def refuse_after_writing(ctx: RequestContext, params: Any) -> Any:
        original(ctx, params)
        raise Conflict("Refused after writing.", code="refused_after_writing")

    monkeypatch.setattr(ep, "handler", refuse_after_writing)
    refused = local.post(ADD_IP, data={"ip": "198.51.100.3"}, headers=admin.headers)
    assert_error(refused, 409, "refused_after_writing")
    text = scrape(local)
    assert sample(text, "trackpost_write_batch_size_count") == 3
    assert sample(text, "trackpost_write_batch_size_sum") == 3
    assert sample(text, "trackpost_write_batch_wait_seconds_count") >= 3
    assert sample(text, "trackpost_write_queue_depth") == 0
    assert sample(text, "trackpost_db_retries_total", reason="replay") == 1


def test_a_busy_database_is_counted(
    build_app: BuildApp, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = build_app()

    def busy(ctx: RequestContext, params: Any) -> Any:
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(endpoint(built, PING), "handler", busy)
    local = built.client("127.0.0.1")
    assert_error(local.get(PING, headers=admin.headers), 503, "database_busy")
    text = scrape(local)
    assert sample(text, "trackpost_db_errors_total", kind="busy") == 1
    assert sample(text, REQUESTS, route=PING, status="503") == 1


def test_without_settings_only_loopback_may_scrape(build_app: BuildApp) -> None:
    built = build_app()
    scrape(built.client("127.0.0.1"))
    scrape(built.client("::1"))
    assert_error(built.client("203.0.113.7").get("/metrics"), 403, "ip_not_allowed")
    # A proxy on this host that is not a trusted proxy would make every visitor look local.
    proxied = built.client("127.0.0.1").get("/metrics", headers={"x-forwarded-for": "203.0.113.9"})
    assert_error(proxied, 403, "ip_not_allowed")
    behind = build_app(trusted_proxies="127.0.0.1/32").client("127.0.0.1")
    outside = behind.get("/metrics", headers={"x-forwarded-for": "203.0.113.9"})
    assert_error(outside, 403, "ip_not_allowed")
    scrape(behind, **{"x-forwarded-for": "127.0.0.1"})


def test_the_admin_allowlist_replaces_loopback(build_app: BuildApp) -> None:
    built = build_app(admin_api_allowed_ips="10.0.0.0/8")
    scrape(built.client("10.1.2.3"))
    assert_error(built.client("127.0.0.1").get("/metrics"), 403, "ip_not_allowed")
    assert_error(built.client("203.0.113.7").get("/metrics"), 403, "ip_not_allowed")


def test_a_token_is_required_from_everyone_when_set(build_app: BuildApp) -> None:
    token = "metrics-token-5f1e-sentinel"
    built = build_app(metrics_token=token, admin_api_allowed_ips="10.0.0.0/8")
    anywhere = built.client("203.0.113.7")
    scrape(anywhere, authorization=f"Bearer {token}")
    scrape(anywhere, authorization=f"bearer {token}")
    bodies = set()
    for headers in (
        {},
        {"authorization": "Bearer wrong"},
        {"authorization": f"Bearer {token}x"},
        {"authorization": token},
        {"authorization": f"Basic {token}"},
    ):
        for client in (anywhere, built.client("127.0.0.1"), built.client("10.1.2.3")):
            resp = client.get("/metrics", headers=headers)
            assert_error(resp, 401, "unauthorized")
            assert resp.headers["www-authenticate"] == "Bearer"
            bodies.add(resp.content)
    twice = [("authorization", f"Bearer {token}"), ("authorization", f"Bearer {token}")]
    resp = anywhere.get("/metrics", headers=twice)
    assert_error(resp, 401, "unauthorized")
    bodies.add(resp.content)
    assert len(bodies) == 1, bodies
    assert token.encode() not in bodies.pop()
    text = scrape(anywhere, authorization=f"Bearer {token}")
    assert sample(text, "trackpost_auth_failures_total", reason="metrics_token") == 16


def test_settings_read_the_new_variables(settings: Settings) -> None:
    assert settings.replace(log_format=" JSON ").log_format == "json"
    assert settings.replace(metrics_token=" ").metrics_token is None
    assert settings.log_format == "text"
    assert settings.metrics_token is None


def test_a_bad_log_format_stops_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKPOST_LOG_FORMAT", "xml")
    get_settings.cache_clear()
    try:
        code = main(["db", "current"])
    finally:
        get_settings.cache_clear()
    assert code == 2
    err = capsys.readouterr().err
    assert "TRACKPOST_LOG_FORMAT" in err, err
    assert "'xml'" in err, err


def _pings_per_worker(metrics_dir: Path) -> dict[str, float]:
    """Each worker's own count of ping requests, read from its file."""
    out: dict[str, float] = {}
    for path in glob.glob(str(metrics_dir / "counter_*.db")):
        pid = Path(path).stem.rsplit("_", 1)[1]
        merged = MultiProcessCollector.merge([path])  # type: ignore[no-untyped-call]
        out[pid] = sum(
            s.value
            for family in merged
            for s in family.samples
            if s.name == REQUESTS and s.labels.get("route") == PING
        )
    return out


def test_serve_adds_up_the_counts_of_every_worker(tmp_path: Path) -> None:
    """Two workers each count what they answered; any one scrape reports the sum of both."""
    port = free_port()
    parent = tmp_path / "var" / "metrics"
    # A killed server's directory goes at the next start; a live process's stays.
    killed = parent / f"{socket.gethostname()}-999999999"
    alive = parent / f"{socket.gethostname()}-{os.getpid()}"
    for left in (killed, alive):
        left.mkdir(parents=True)
        (left / "counter_1.db").write_bytes(b"")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update(
        TRACKPOST_PORT=str(port),
        TRACKPOST_WORKERS="2",
        TRACKPOST_DATA_DIR=str(tmp_path / "var"),
        TRACKPOST_AUTH_FAIL_LIMIT="1000000",
        TRACKPOST_ACCESS_LOG="false",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    out = tmp_path / "serve.log"
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trackpost", "serve"],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    try:
        wait_healthy(port, proc)
        assert not killed.exists()
        [metrics_dir] = set(parent.iterdir()) - {alive}
        url = f"http://127.0.0.1:{port}{PING}"
        sent = 0
        deadline = time.monotonic() + 60
        with ThreadPoolExecutor(4) as pool:
            # Until both workers have answered some: which one accepts is the kernel's choice.
            while True:
                statuses = list(
                    pool.map(lambda _: requests.get(url, timeout=10).status_code, range(20))
                )
                assert set(statuses) == {401}, statuses
                sent += len(statuses)
                per_worker = _pings_per_worker(metrics_dir)
                if len([n for n in per_worker.values() if n > 0]) >= 2:
                    break
                assert time.monotonic() < deadline, f"one worker answered everything: {per_worker}"
        resp = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert resp.status_code == 200, resp.text
        assert sample(resp.text, REQUESTS, route=PING) == sent
        assert sum(_pings_per_worker(metrics_dir).values()) == sent
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    assert set(parent.iterdir()) == {alive}, "serve leaves no metrics directory behind"
