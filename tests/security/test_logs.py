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

from tests.conftest import SECRET, Admin
from tests.security.endpoints import all_endpoints, concrete_path, params_of
from tests.security.secret_recipes import RECIPES
from tests.security.world import World
from tests.support import ApiClient
from tests.system.test_serve import free_port, wait_healthy
from trackpost.core.config import Settings
from trackpost.core.http import Endpoint, Services

PASSWORD = "Pw-sentinel-93d1"
WRONG_KEY = "feedfacefeedfacefeedfacefeedface"
# The test's own HTTP client logs the URLs it requests; that is the caller's log, not ours.
CLIENT_LOGGERS = frozenset({"httpx", "httpcore", "urllib3", "requests"})


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


def test_log_records_carry_no_secret_and_no_body(
    caplog: pytest.LogCaptureFixture,
    http: TestClient,
    api: ApiClient,
    services: Services,
    admin: Admin,
) -> None:
    caplog.set_level(logging.DEBUG)
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
    server_side = [r for r in caplog.records if r.name.split(".")[0] not in CLIENT_LOGGERS]
    assert server_side or caplog.records is not None
    for record in server_side:
        line = _render(record)
        for secret in secrets:
            assert secret not in line, (record.name, line[:500])
        for body in bodies:
            values = [v for v in body.values() if len(v) > 3]
            if len(values) >= 2:
                assert not all(v in line for v in values), (record.name, line[:500])


def test_database_errors_never_carry_parameter_values(services: Services) -> None:
    """A failing statement's error (and so its traceback in the log) must not echo the inputs."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as failure, services.db.transaction(write=True) as conn:
        conn.execute(text("INSERT INTO no_such_table (a) VALUES (:secret)"), {"secret": PASSWORD})
    assert PASSWORD not in str(failure.value)


def test_server_output_carries_no_secret_and_no_query_string(
    settings: Settings, services: Services, admin: Admin, tmp_path: Path
) -> None:
    """A real `trackpost serve` with its access log on: method, path and status, nothing else."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update(
        TRACKPOST_DATABASE_URL=settings.database_url,
        TRACKPOST_SECRET_KEY=SECRET,
        TRACKPOST_DATA_DIR=str(settings.data_dir),
        TRACKPOST_PORT=str(port),
        TRACKPOST_WORKERS="1",
        TRACKPOST_ACCESS_LOG="true",
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
    assert '"GET /api/service/ping' in log, "the access log should be on in this test"
    for secret in (admin.api_key, WRONG_KEY, PASSWORD, "password="):
        assert secret not in log, secret
