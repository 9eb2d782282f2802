"""Backup and restore refuse what they must, in one line with exit status 2, never a secret."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import URL, make_url

from tests.ops.support import BACKENDS, PG_URL, base_env, cli, counts, fresh_url, site
from trackpost.core import pgbackup

PASSWORD = "Hunter2-not-for-logs"


def _refused(run: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def _with_password(url: str, database: str | None = None) -> str:
    """The URL with a password in it (trust authentication ignores it)."""
    parsed = make_url(url)
    return URL.create(
        "postgresql",
        username=parsed.username,
        password=PASSWORD,
        host=parsed.host,
        port=parsed.port,
        database=database or parsed.database,
        query=parsed.query,
    ).render_as_string(hide_password=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_refuses_a_database_that_has_tables(backend: str, tmp_path: Path) -> None:
    dump = tmp_path / "x.backup"
    with site(backend, tmp_path / "src") as live:
        assert cli(live.env, "db", "backup", str(dump)).returncode == 0
        with live.db.transaction(write=False) as conn:
            before = counts(conn)
        run = cli(live.env, "db", "restore", str(dump))
        with live.db.transaction(write=False) as conn:
            assert counts(conn) == before
    # The message names the tables it found (the first few, alphabetically).
    line = _refused(run, "tables", "restore only into", "admin_sessions")
    assert "empty database" in line or "new database" in line


@pytest.mark.parametrize("backend", BACKENDS)
def test_restore_refuses_what_is_not_a_trackpost_backup(backend: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_text("not a backup\n")
    with contextlib.ExitStack() as stack:
        env = base_env(fresh_url(backend, tmp_path, stack, "t"), tmp_path)
        _refused(cli(env, "db", "restore", str(junk)), str(junk))
        _refused(cli(env, "db", "restore", str(tmp_path / "missing")), "No backup file")


def test_sqlite_backup_and_restore_errors_are_one_line(tmp_path: Path) -> None:
    env = base_env(f"sqlite:///{tmp_path / 'none' / 'trackpost.db'}", tmp_path)
    _refused(cli(env, "db", "backup", str(tmp_path / "b.db")), "No SQLite database")
    with site("sqlite", tmp_path / "src") as live:
        _refused(cli(live.env, "db", "backup", str(tmp_path / "no" / "b.db")), "does not exist")
    # A stale WAL beside a missing target would be applied to the restored file.
    target = tmp_path / "t" / "trackpost.db"
    target.parent.mkdir()
    target.with_name("trackpost.db-wal").write_bytes(b"\0" * 64)
    env = base_env(f"sqlite:///{target}", tmp_path)
    with site("sqlite", tmp_path / "src2") as live:
        assert cli(live.env, "db", "backup", str(tmp_path / "ok.db")).returncode == 0
    _refused(cli(env, "db", "restore", str(tmp_path / "ok.db")), "stale WAL")
    assert not target.exists()


@pytest.mark.skipif(not PG_URL, reason="TRACKPOST_TEST_POSTGRES_URL is not set")
def test_postgres_password_reaches_no_output(tmp_path: Path) -> None:
    dump = tmp_path / "pw.backup"
    with site("postgres", tmp_path / "src") as live:
        env = {**live.env, "TRACKPOST_DATABASE_URL": _with_password(live.database_url)}
        made = cli(env, "db", "backup", str(dump))
        assert made.returncode == 0, made.stderr
        assert "pg_dump: dumping contents of table" in made.stderr  # progress, per table
        refused = cli(env, "db", "restore", str(dump))
        missing = {**env, "TRACKPOST_DATABASE_URL": _with_password(PG_URL, "tp_ops_missing_db")}
        no_db = cli(missing, "db", "backup", str(tmp_path / "x.backup"))
        no_target = cli(missing, "db", "restore", str(dump))
    _refused(refused, "already has")
    _refused(no_db, "pg_dump failed", "tp_ops_missing_db")
    _refused(no_target, "tp_ops_missing_db")
    for run in (made, refused, no_db, no_target):
        assert PASSWORD not in run.stdout + run.stderr
    assert not (tmp_path / "x.backup").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pw.backup", "src"]


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://ops:{PASSWORD}@db.internal:6432/tp?sslmode=require",
        f"postgresql+psycopg://ops@db.internal/tp?password={PASSWORD}&sslmode=require",
    ],
)
def test_the_tools_get_the_password_through_pgpassword_only(url: str) -> None:
    where = pgbackup.target(url)
    assert PASSWORD not in where.uri
    assert PASSWORD not in where.label
    assert where.uri.startswith("postgresql://ops@db.internal")
    assert "sslmode=require" in where.uri
    assert where.env["PGPASSWORD"] == PASSWORD
    assert where.scrub(f"failed for {PASSWORD}") == "failed for ***"
