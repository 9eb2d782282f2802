"""`trackpost serve` as an operator starts it: migrates, bootstraps an admin, serves, stops cleanly."""

from __future__ import annotations

import gc
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from trackpost.app import create_worker_app
from trackpost.core.config import get_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(port: int, proc: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited early"
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not become healthy")


def test_serve_bootstraps_admin_and_serves_ping(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env.update({"TRACKPOST_PORT": str(port), "TRACKPOST_WORKERS": "2"})
    log = (tmp_path / "out.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "trackpost", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_healthy(port, proc)
        output = (tmp_path / "out.log").read_text()
        key = re.search(r"api-key:\s+([0-9a-f]{32})", output)
        assert key, output
        curl = re.search(r"curl .*/api/service/ping", output)
        assert curl, output
        assert f"127.0.0.1:{port}" in curl.group(0)
        headers = {"api-key": key.group(1), "api-username": "admin"}
        resp = requests.get(f"http://127.0.0.1:{port}/api/service/ping", headers=headers, timeout=5)
        assert resp.status_code == 200
        assert resp.json()["message"] == "pong"
        assert (tmp_path / "var" / "trackpost.db").exists()
        # granian ignores a SIGTERM that lands while workers are still spawning; wait for both.
        deadline = time.monotonic() + 30
        while "Started worker-2" not in (tmp_path / "out.log").read_text():
            assert time.monotonic() < deadline, "second worker never started"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    assert code == 0
    assert "shutdown completed" in (tmp_path / "out.log").read_text()
    log.close()
    # A second start on the same database must not create or print another admin key.
    port2 = free_port()
    env["TRACKPOST_PORT"] = str(port2)
    with (tmp_path / "out2.log").open("w") as log2:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trackpost", "serve", "--workers", "1"],
            cwd=tmp_path,
            env=env,
            stdout=log2,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_healthy(port2, proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    assert "api-key:" not in (tmp_path / "out2.log").read_text()


def test_healthz_is_503_when_the_database_is_gone(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from trackpost.app import build_services, create_app
    from trackpost.core.config import Settings

    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        data_dir=tmp_path / "var",
        secret_key="s",
    )
    app = create_app(settings, build_services(settings))
    with TestClient(app) as client:
        resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json()["database"] == "unreachable"


def test_worker_app_tunes_the_collector_for_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full collections over the start-up heap stopped the event loop for 55 to 78 ms at a time."""
    for name in [k for k in os.environ if k.startswith("TRACKPOST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRACKPOST_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    before = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    app = None
    try:
        app = create_worker_app()
        # The whole start-up heap (modules, the schema, the routes), not a handful of objects.
        assert gc.get_freeze_count() - before > 50_000
        # And the young generation is not scanned every few requests.
        assert gc.get_threshold()[0] >= 10_000
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        get_settings.cache_clear()
        if app is not None:
            app.starlette.state.services.close()
