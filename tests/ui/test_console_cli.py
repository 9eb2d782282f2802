"""`trackpost admin set-password` and `set-role`: the console's accounts from the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from starlette.testclient import TestClient

from tests.conftest import SECRET
from tests.ui.support import sign_in
from trackpost.core.config import Settings


def _cli(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRACKPOST_DATABASE_URL": settings.database_url,
        "TRACKPOST_SECRET_KEY": SECRET,
        "TRACKPOST_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "trackpost", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_set_password_reads_stdin_and_the_password_signs_in(
    settings: Settings, http: TestClient
) -> None:
    assert _cli(settings, "admin", "create", "ops").returncode == 0
    short = _cli(settings, "admin", "set-password", "ops", stdin="short\n")
    assert short.returncode == 2
    assert "at least 8" in short.stderr
    done = _cli(settings, "admin", "set-password", "ops", stdin="a long passphrase\n")
    assert done.returncode == 0, done.stderr
    sign_in(http, "ops", "a long passphrase")
    assert (
        _cli(settings, "admin", "set-password", "nobody", stdin="a long passphrase\n").returncode
        == 2
    )


def test_set_role_support_removes_the_api_key(settings: Settings, http: TestClient) -> None:
    made = _cli(settings, "admin", "create", "desk")
    key = made.stdout.strip().splitlines()[-1]
    headers = {"api-key": key, "api-username": "desk"}
    assert http.get("/api/service/ping", headers=headers).status_code == 200
    assert _cli(settings, "admin", "set-role", "desk", "support").returncode == 0
    assert http.get("/api/service/ping", headers=headers).status_code == 401
    listed = _cli(settings, "admin", "list").stdout
    assert "support" in listed
