"""`trackpost admin ...` and `trackpost db ...` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from tests.conftest import SECRET
from tests.support import assert_error
from trackpost.core.config import Settings
from trackpost.core.http import Services


def run_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TRACKPOST_DATABASE_URL": settings.database_url,
        "TRACKPOST_SECRET_KEY": SECRET,
        "TRACKPOST_DATA_DIR": str(settings.data_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "trackpost", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ping(http: TestClient, username: str, key: str) -> int:
    headers = {"api-key": key, "api-username": username}
    status: int = http.get("/api/service/ping", headers=headers).status_code
    return status


def ping_until(http: TestClient, username: str, key: str, want: int, within: float) -> float:
    """Seconds until ping answers `want`; fails after `within` seconds."""
    start = time.monotonic()
    while (status := ping(http, username, key)) != want:
        assert time.monotonic() - start < within, f"still {status} after {within} s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_admin_create_prints_a_key_that_ping_accepts(settings: Settings, http: TestClient) -> None:
    out = run_cli(settings, "admin", "create", "ops")
    assert out.returncode == 0, out.stderr
    key = out.stdout.strip().splitlines()[-1]
    assert len(key) == 32
    assert all(c in "0123456789abcdef" for c in key)
    assert ping(http, "ops", key) == 200
    assert_error(
        http.get("/api/service/ping", headers={"api-key": key[::-1], "api-username": "ops"}),
        401,
        "unauthorized",
    )


def test_duplicate_username_is_refused(settings: Settings) -> None:
    assert run_cli(settings, "admin", "create", "ops").returncode == 0
    again = run_cli(settings, "admin", "create", "OPS")
    assert again.returncode == 2
    assert "already taken" in again.stderr


def test_key_is_stored_only_as_a_keyed_hash(settings: Settings, services: Services) -> None:
    key = run_cli(settings, "admin", "create", "ops").stdout.strip().splitlines()[-1]
    with services.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT api_key_hash FROM logins WHERE username='ops'")).scalar()
    assert stored is not None
    assert key not in stored
    assert len(stored) == 64


def test_rotate_key_replaces_the_old_key(settings: Settings, http: TestClient) -> None:
    old = run_cli(settings, "admin", "create", "ops").stdout.strip().splitlines()[-1]
    rotated = run_cli(settings, "admin", "rotate-key", "ops")
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip().splitlines()[-1]
    assert new != old
    assert ping(http, "ops", old) == 401
    assert ping(http, "ops", new) == 200


def test_disable_and_enable(settings: Settings, http: TestClient) -> None:
    """A running server honours a disable within auth_cache_seconds and an enable at once."""
    key = run_cli(settings, "admin", "create", "ops").stdout.strip().splitlines()[-1]
    assert ping(http, "ops", key) == 200  # the worker now holds the account's row
    assert run_cli(settings, "admin", "disable", "ops").returncode == 0
    window = settings.auth_cache_seconds + 0.5
    ping_until(http, "ops", key, 401, within=window)
    listing = run_cli(settings, "admin", "list").stdout
    assert "ops" in listing
    assert "disabled" in listing
    assert run_cli(settings, "admin", "enable", "ops").returncode == 0
    assert ping(http, "ops", key) == 200  # a refusal is only made on the current row


def test_rotated_key_stops_working_within_the_cache_window(
    settings: Settings, http: TestClient
) -> None:
    """A key in use when it is rotated is refused after at most auth_cache_seconds."""
    old = run_cli(settings, "admin", "create", "ops").stdout.strip().splitlines()[-1]
    assert ping(http, "ops", old) == 200
    new = run_cli(settings, "admin", "rotate-key", "ops").stdout.strip().splitlines()[-1]
    ping_until(http, "ops", old, 401, within=settings.auth_cache_seconds + 0.5)
    assert ping(http, "ops", new) == 200


def test_unknown_admin_is_an_error(settings: Settings) -> None:
    out = run_cli(settings, "admin", "rotate-key", "ghost")
    assert out.returncode == 2
    assert "ghost" in out.stderr


@pytest.mark.parametrize("bad", ["has space", "x" * 65, "semi;colon"])
def test_invalid_usernames_are_refused(settings: Settings, bad: str) -> None:
    out = run_cli(settings, "admin", "create", bad)
    assert out.returncode == 2
    assert "invalid" in out.stderr.lower()


def test_allow_ip_must_be_a_network(settings: Settings) -> None:
    out = run_cli(settings, "admin", "create", "ops", "--allow-ip", "not-an-ip")
    assert out.returncode == 2
    assert "not-an-ip" in out.stderr


def test_db_current_reports_head(settings: Settings) -> None:
    out = run_cli(settings, "db", "current")
    assert out.returncode == 0
    assert "up to date" in out.stdout


def test_secret_file_is_created_private(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPOST_")}
    env["TRACKPOST_DATA_DIR"] = str(tmp_path / "var")
    out = subprocess.run(
        [sys.executable, "-m", "trackpost", "admin", "create", "ops"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    secret = tmp_path / "var" / "secret.key"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "var" / "trackpost.db").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TRACKPOST_ACCESS_LOG", "flase"),
        ("TRACKPOST_SQLITE_GROUP_COMMIT", "maybe"),
        ("TRACKPOST_PORT", "80a"),
        ("TRACKPOST_TRUSTED_PROXIES", "10.0.0.0/33"),
    ],
)
def test_a_bad_setting_stops_the_command_naming_its_variable(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    out = run_cli(settings, "admin", "list")
    assert out.returncode == 2
    assert variable in out.stderr
    assert "Traceback" not in out.stderr
