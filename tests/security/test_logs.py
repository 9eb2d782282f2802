"""No API key, password or full request body ever reaches a log line, in process or in a server."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from starlette.testclient import TestClient

from tests.conftest import SECRET, Admin, BuildApp
from tests.security.endpoints import all_endpoints, concrete_path, params_of
from tests.security.secret_recipes import RECIPES
from tests.security.world import World
from tests.support import ApiClient
from tests.system.test_serve import free_port, wait_healthy
from trackpost.core.config import Settings
from trackpost.core.http import Endpoint, Services
from trackpost.core.logs import ACCESS_LOGGER, JsonLines

PASSWORD = "Pw-sentinel-93d1"
WRONG_KEY = "feedfacefeedfacefeedfacefeedface"
# The test's own HTTP client logs the URLs it requests; that is the caller's log, not ours.
CLIENT_LOGGERS = frozenset({"httpx", "httpcore", "urllib3", "requests"})
# What every JSON line carries, and what an access line adds.
JSON_FIELDS = {"time", "level", "logger", "message"}
ACCESS_FIELDS = {"request_id", "route", "method", "status", "latency_ms", "admin"}


def _sentinel_params(ep: Endpoint) -> dict[str, str]:
    """Every parameter set to a recognisable value; passwords to the password sentinel."""
    out: dict[str, str] = {}
    for p in params_of(ep):
        if p.is_secret:
            out[p.name] = PASSWORD
        elif p.accepts_string and p.is_scalar:
            out[p.name] = f"sentinel-{p.name}-41"
    return out


def _requests(ep: Endpoint) -> list[dict[str, Any]]:
    """The ways a client may send this endpoint its parameters."""
    params = _sentinel_params(ep)
    if not params:
        params = {"password": PASSWORD, "note": "sentinel-note-41"}
    if ep.method in ("GET", "HEAD"):
        return [{"params": params}]
    return [{"data": params}, {"json": params}, {"params": params}]


def _render(record: logging.LogRecord) -> str:
    formatted = logging.Formatter("%(message)s %(args)s").format(record)
    return f"{formatted} {record.__dict__!r}"


def _send_everything(
    http: TestClient, api: ApiClient, services: Services, admin: Admin
) -> tuple[list[str], list[dict[str, str]]]:
    """Every endpoint, every way, with the right key, a wrong one and none; then every recipe
    that sends a password. Returns the secrets and the bodies sent."""
    bodies: list[dict[str, str]] = []
    for ep in all_endpoints():
        for kw in _requests(ep):
            sent = kw.get("data") or kw.get("json") or kw.get("params") or {}
            bodies.append(sent)
            for headers in (admin.headers, {**admin.headers, "api-key": WRONG_KEY}, {}):
                http.request(ep.method, concrete_path(ep.path), headers=headers, **kw)
    world = World(api, http, services)
    secrets = [admin.api_key, WRONG_KEY, PASSWORD]
    for recipe in RECIPES.values():
        secrets.extend(recipe(world))
    return secrets, bodies


def _assert_clean(line: str, name: str, secrets: list[str], bodies: list[dict[str, str]]) -> None:
    for secret in secrets:
        assert secret not in line, (name, line[:500])
    for body in bodies:
        values = [v for v in body.values() if len(v) > 3]
        if len(values) >= 2:
            assert not all(v in line for v in values), (name, line[:500])


def test_log_records_carry_no_secret_and_no_body(
    caplog: pytest.LogCaptureFixture,
    http: TestClient,
    api: ApiClient,
    services: Services,
    admin: Admin,
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets, bodies = _send_everything(http, api, services, admin)
    server_side = [r for r in caplog.records if r.name.split(".")[0] not in CLIENT_LOGGERS]
    assert server_side or caplog.records is not None
    for record in server_side:
        _assert_clean(_render(record), record.name, secrets, bodies)


def _assert_access_line(line: dict[str, Any]) -> None:
    """An access line: the route template and the request's facts, nothing the client sent."""
    assert set(line) >= ACCESS_FIELDS, line
    assert line["method"] in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OTHER"), line
    assert isinstance(line["status"], int), line
    assert isinstance(line["latency_ms"], float | int), line
    assert "?" not in line["route"], line
    assert line["request_id"], line


def test_json_log_lines_carry_request_fields_and_no_secret(
    caplog: pytest.LogCaptureFixture,
    build_app: BuildApp,
    services: Services,
    admin: Admin,
) -> None:
    """TRACKPOST_LOG_FORMAT=json in process: each record one JSON object, access lines complete."""
    caplog.set_level(logging.DEBUG)
    built = build_app(log_format="json")
    with built.client() as http:
        secrets, bodies = _send_everything(http, ApiClient(http, admin.headers), services, admin)
        assert http.get("/api/service/ping", headers=admin.headers).status_code == 200
    formatter = JsonLines()
    access: list[dict[str, Any]] = []
    for record in caplog.records:
        if record.name.split(".")[0] in CLIENT_LOGGERS:
            continue
        text = formatter.format(record)
        _assert_clean(text, record.name, secrets, bodies)
        assert "\n" not in text, text[:500]
        line = json.loads(text)
        assert set(line) >= JSON_FIELDS, line
        if line["logger"] == ACCESS_LOGGER:
            _assert_access_line(line)
            access.append(line)
    pings = [a for a in access if a["route"] == "/api/service/ping" and a["status"] == 200]
    assert pings, "expected the admin's pings in the access log"
    assert {a["admin"] for a in pings} == {admin.username}
    assert {a["admin"] for a in access if a["status"] == 401} == {None}
    assert any(a["route"] == "/track/{code}" for a in access), "templates, not paths"


def test_database_errors_never_carry_parameter_values(services: Services) -> None:
    """A failing statement's error (and so its traceback in the log) must not echo the inputs."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as failure, services.db.transaction(write=True) as conn:
        conn.execute(text("INSERT INTO no_such_table (a) VALUES (:secret)"), {"secret": PASSWORD})
    assert PASSWORD not in str(failure.value)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_server_output_carries_no_secret_and_no_query_string(
    settings: Settings, services: Services, admin: Admin, tmp_path: Path, log_format: str
) -> None:
    """A real `trackpost serve` with its access log on: method, path and status, nothing else;
    with JSON logs, every line is one JSON object and the access lines name the route template."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update(
        TRACKPOST_DATABASE_URL=settings.database_url,
        TRACKPOST_SECRET_KEY=SECRET,
        TRACKPOST_DATA_DIR=str(settings.data_dir),
        TRACKPOST_PORT=str(port),
        TRACKPOST_WORKERS="1",
        TRACKPOST_ACCESS_LOG="true",
        TRACKPOST_LOG_FORMAT=log_format,
    )
    out = tmp_path / "server.log"
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trackpost", "serve"],
            cwd=tmp_path,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_healthy(port, proc)
            base = f"http://127.0.0.1:{port}"
            query = {"password": PASSWORD, "api-key": admin.api_key}
            for ep in all_endpoints():
                url = base + concrete_path(ep.path)
                for headers in (admin.headers, {**admin.headers, "api-key": WRONG_KEY}):
                    requests.request(
                        ep.method,
                        url,
                        headers=headers,
                        params=query,
                        timeout=10,
                        allow_redirects=False,
                    )
                    if ep.method not in ("GET", "HEAD"):
                        body = json.dumps(_sentinel_params(ep) or {"password": PASSWORD})
                        requests.request(
                            ep.method,
                            url,
                            headers={**headers, "content-type": "application/json"},
                            data=body,
                            timeout=10,
                            allow_redirects=False,
                        )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    log = out.read_text()
    for secret in (admin.api_key, WRONG_KEY, PASSWORD, "password="):
        assert secret not in log, secret
    if log_format == "text":
        assert '"GET /api/service/ping' in log, "the access log should be on in this test"
        return
    lines = [json.loads(text) for text in log.splitlines() if text.strip()]
    access = [line for line in lines if line["logger"] == ACCESS_LOGGER]
    for line in lines:
        assert set(line) >= JSON_FIELDS, line
    for line in access:
        _assert_access_line(line)
    assert "granian.access" not in {line["logger"] for line in lines}, "granian's is off"
    # The right key names its admin (even on a 400), a wrong one none.
    pings = [a for a in access if a["route"] == "/api/service/ping"]
    assert {a["admin"] for a in pings} == {admin.username, None}, "the access log should be on"


def test_first_start_with_json_logs_keeps_the_new_key_out_of_the_log(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """The output is a log stream: one JSON line; the first admin's key and password go to a
    file only its owner can read."""
    from trackpost.cli.main import bootstrap

    bootstrap(settings.replace(log_format="json"))
    out = capsys.readouterr().out
    (line,) = [json.loads(x) for x in out.splitlines()]
    path = Path(line["credentials_file"])
    assert line["console"].endswith("/admin/")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    key = path.read_text().split("api-key: ")[1].split()[0]
    assert len(key) > 20
    assert key not in out
