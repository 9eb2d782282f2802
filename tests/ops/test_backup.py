"""`trackpost db backup` while a real server takes clicks and conversions, and `db restore`."""

from __future__ import annotations

import contextlib
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.ops.support import (
    BACKENDS,
    Load,
    base_env,
    cli,
    counts,
    engine_for,
    fresh_url,
    ledger_problems,
    site,
)
from tests.reliability.traffic import Network
from trackpost.core import migrate
from trackpost.core.backup import backup_sqlite

HEAD = migrate.head()


def _wait_for(load: Load, conversions: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while load.conversions < conversions:
        assert not load.failures, load.failures[:3]
        assert time.monotonic() < deadline, "the load made no progress"
        time.sleep(0.05)


def _integrity(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_backup_under_load_restores_a_consistent_snapshot(backend: str, tmp_path: Path) -> None:
    dump = tmp_path / "backups" / "trackpost.backup"
    dump.parent.mkdir()
    with contextlib.ExitStack() as stack:
        live = stack.enter_context(site(backend, tmp_path / "src"))
        server = live.start()
        net = Network(server.url, live.headers).build()
        with Load(net) as load:
            _wait_for(load, 20)
            with live.db.transaction(write=False) as conn:
                before = counts(conn)
            made = cli(live.env, "db", "backup", str(dump))
            with live.db.transaction(write=False) as conn:
                after = counts(conn)
            _wait_for(load, load.conversions + 5)  # the server still writes after the backup
        assert not load.failures, load.failures[:3]
        assert made.returncode == 0, made.stderr
        assert f"backup written to {dump}" in made.stdout
        assert stat.S_IMODE(dump.stat().st_mode) == 0o600
        assert sorted(p.name for p in dump.parent.iterdir()) == [dump.name]  # no temp left
        with live.db.transaction(write=False) as conn:
            final = counts(conn)
        assert live.server_errors() == []

        target = fresh_url(backend, tmp_path, stack, "restored")
        restored = cli(base_env(target, tmp_path / "dst"), "db", "restore", str(dump))
        assert restored.returncode == 0, restored.stderr
        assert f"schema {HEAD}" in restored.stdout
        assert "db upgrade" not in restored.stdout  # already at head
        engine = engine_for(target)
        try:
            with engine.connect() as conn:
                snapshot = counts(conn)
                problems = ledger_problems(conn)
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        finally:
            engine.dispose()
    assert problems == []
    assert revision == HEAD
    # One moment of the live database: no earlier than the backup's start, no later than its end.
    for table, n in snapshot.items():
        assert before[table] <= n <= after[table] <= final[table], (table, before, snapshot)
    assert snapshot["customers"] >= 20
    assert after["clicks"] > before["clicks"]  # the server wrote while the backup ran
    if backend == "sqlite":
        assert _integrity(Path(target.removeprefix("sqlite:///"))) == ["ok"]
        assert _integrity(dump) == ["ok"]


def test_sqlite_backup_copies_one_snapshot_in_many_steps_while_writes_go_on(
    tmp_path: Path,
) -> None:
    """Small steps with pauses between them: the server commits between the steps, yet the
    copy is of one moment (sqlite3's backup would otherwise start over at each change)."""
    dump = tmp_path / "snap.db"
    with site("sqlite", tmp_path / "src") as live:
        server = live.start()
        net = Network(server.url, live.headers).build()
        lines: list[str] = []

        def slow(line: str) -> None:
            lines.append(line)
            time.sleep(0.05)

        with Load(net) as load:
            _wait_for(load, 30)
            assert live.db.path is not None
            with live.db.transaction(write=False) as conn:
                before = counts(conn)
            started = load.conversions
            made = backup_sqlite(live.db.path, dump, slow, pages=4, every=0)
            during = load.conversions - started
            with live.db.transaction(write=False) as conn:
                after = counts(conn)
        assert not load.failures, load.failures[:3]
    copied = [line for line in lines if line.startswith("backup:") and "pages" in line]
    assert len(copied) >= 5, lines  # progress: pages copied / total, step by step
    done = [int(line.split()[1].split("/")[0].replace(",", "")) for line in copied]
    assert done == sorted(done)  # never started over
    assert during >= 3, "no write landed while the backup ran"
    assert made.revision == HEAD
    assert _integrity(dump) == ["ok"]
    conn2 = sqlite3.connect(dump)
    try:
        snapshot = {
            t: conn2.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
            for t in ("customers", "transactions", "clicks")
        }
        journal = conn2.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn2.close()
    assert journal == "delete"  # one self-contained file
    for table, n in snapshot.items():
        assert before[table] <= n <= after[table]
    assert snapshot["customers"] == snapshot["transactions"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_old_backup_restores_and_upgrades_to_head(backend: str, tmp_path: Path) -> None:
    dump = tmp_path / "old.backup"
    with contextlib.ExitStack() as stack:
        source = fresh_url(backend, tmp_path, stack, "old")
        if backend == "sqlite":
            Path(source.removeprefix("sqlite:///")).parent.mkdir(parents=True)
        engine = engine_for(source)
        migrate.upgrade(engine, "0005")
        engine.dispose()
        env = base_env(source, tmp_path)
        assert cli(env, "db", "backup", str(dump)).returncode == 0

        target = fresh_url(backend, tmp_path, stack, "new")
        env = base_env(target, tmp_path)
        restored = cli(env, "db", "restore", str(dump))
        assert restored.returncode == 0, restored.stderr
        assert "schema 0005" in restored.stdout
        assert f"run `trackpost db upgrade` (head {HEAD})" in restored.stdout
        upgraded = cli(env, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        assert cli(env, "db", "current").stdout.startswith(f"{HEAD} (up to date)")
