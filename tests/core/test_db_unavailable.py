"""Which database errors mean "the database is away" (503 database_unavailable, retry) rather
than "this request is wrong" or a bug (a 500), and the answer a client then gets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pg_errors
from sqlalchemy import exc as sa_exc
from starlette.testclient import TestClient

from trackpost.app import build_services, create_app
from trackpost.core.config import Settings
from trackpost.core.db import unavailable


def _sqlite_error(tmp_path: Path, statement: str, *, read_only: bool = False) -> sqlite3.Error:
    path = tmp_path / "t.db"
    with sqlite3.connect(path) as made:
        made.execute("CREATE TABLE IF NOT EXISTS t (x)")
    conn = sqlite3.connect(f"file:{path}?mode=ro" if read_only else path, uri=read_only)
    try:
        conn.execute(statement)
    except sqlite3.Error as exc:
        return exc
    finally:
        conn.close()
    raise AssertionError(f"{statement} did not fail")


def test_sqlite_storage_failures_are_unavailable(tmp_path: Path) -> None:
    read_only = _sqlite_error(tmp_path, "INSERT INTO t VALUES (1)", read_only=True)
    assert read_only.sqlite_errorname.startswith("SQLITE_READONLY")
    assert unavailable(read_only)
    # Wrapped by SQLAlchemy, as a statement's error reaches the pipeline.
    assert unavailable(sa_exc.OperationalError("INSERT", None, read_only))


def test_sqlite_statement_errors_are_not(tmp_path: Path) -> None:
    assert not unavailable(_sqlite_error(tmp_path, "SELECT * FROM missing"))
    assert not unavailable(_sqlite_error(tmp_path, "SELEC 1"))


@pytest.mark.parametrize(
    ("sqlstate", "away"),
    [
        ("57P01", True),  # admin shutdown: the server is stopping
        ("57P03", True),  # cannot connect now: starting up
        ("08006", True),  # connection failure
        ("53100", True),  # disk full
        ("53300", True),  # too many connections
        ("58030", True),  # I/O error
        ("23505", False),  # unique violation: the request's own
        ("42P01", False),  # undefined table: a bug
        ("57014", False),  # query canceled (statement_timeout): not the server's absence
    ],
)
def test_postgres_sqlstates(sqlstate: str, away: bool) -> None:
    error = pg_errors.lookup(sqlstate)("message")
    assert unavailable(error) is away
    assert unavailable(sa_exc.OperationalError("SELECT 1", None, error)) is away


def test_postgres_client_side_failures_are_unavailable() -> None:
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("host=127.0.0.1 port=1 user=nobody connect_timeout=2")
    assert refused.value.sqlstate is None
    assert unavailable(refused.value)
    assert not unavailable(ValueError("not a database error"))


def test_requests_answer_503_with_retry_after_when_postgres_is_unreachable(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        data_dir=tmp_path / "var",
        secret_key="s",
    )
    app = create_app(settings, build_services(settings))
    with TestClient(app) as client:
        calls = [
            client.get("/track/MS4xLjEuMC4wLjAuMC4wLjAuMC4w"),
            client.get("/signup/process_pixel.php", params={"type": "rebill", "orderid": "o1"}),
            client.patch(
                "/api/customer/lock",
                data={"customer_id": "1"},
                headers={"api-username": "admin", "api-key": "0" * 32},
            ),
        ]
    for resp in calls:
        assert resp.status_code == 503, resp.text
        assert resp.headers["retry-after"] == "1"
        assert resp.json()["code"] == "database_unavailable"
