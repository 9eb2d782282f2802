"""SQLite write path: writers queue on the gate file, checkpoints happen off the request path."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as settings_h
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError

from tests.support import os_thread_name
from trackpost.core.config import Settings
from trackpost.core.db import (
    CHECKPOINT_THREAD,
    WRITE_OPTION,
    Checkpointer,
    Database,
    UTCDateTime,
    create_db_engine,
    sqlite_utc_text,
)


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Database:
    path = tmp_path / "t.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=tmp_path, secret_key="s")
    return Database(create_db_engine(settings, pool_size=2))


def _gate_is_free(path: Path) -> bool:
    """Try the gate from a separate open file description, as another process would."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_write_transaction_holds_the_gate_until_it_commits(sqlite_db: Database) -> None:
    assert sqlite_db.gate is not None
    gate = sqlite_db.gate.path
    with sqlite_db.transaction(write=True) as conn:
        conn.execute(text("UPDATE cache_versions SET version = version + 1"))
        assert not _gate_is_free(gate)
        with sqlite_db.transaction(write=False) as reader:
            # Readers never queue on the gate (WAL lets them read while a writer works).
            assert reader.execute(text("SELECT count(*) FROM cache_versions")).scalar()
    assert _gate_is_free(gate)
    with sqlite_db.transaction(write=False):
        assert _gate_is_free(gate)
    sqlite_db.dispose()


def test_a_failed_write_releases_the_gate(sqlite_db: Database) -> None:
    assert sqlite_db.gate is not None

    def failing_handler() -> None:
        with sqlite_db.transaction(write=True) as conn:
            conn.execute(text("UPDATE cache_versions SET version = 99"))
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        failing_handler()
    assert _gate_is_free(sqlite_db.gate.path)
    with sqlite_db.transaction(write=False) as conn:
        assert conn.execute(text("SELECT max(version) FROM cache_versions")).scalar() == 0
    sqlite_db.dispose()


def test_a_busy_database_at_begin_is_sqlalchemys_operational_error(sqlite_db: Database) -> None:
    """BEGIN runs on the driver, yet a writer outside the gate (a sqlite3 shell) still surfaces
    as the error the request pipeline answers with 503 database_busy."""
    assert sqlite_db.path is not None
    with sqlite_db.engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA busy_timeout=0")
        conn.execution_options(**{WRITE_OPTION: True})
        with closing(sqlite3.connect(sqlite_db.path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")
            with pytest.raises(OperationalError, match="locked"):
                conn.begin()
            other.execute("ROLLBACK")
    with sqlite_db.transaction(write=True) as conn:
        conn.execute(text("UPDATE cache_versions SET version = version + 1"))
    sqlite_db.dispose()


def test_checkpoints_reach_the_database_file_without_a_commit_paying(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db_file = tmp_path / "t.db"
    before = db_file.stat().st_size
    with sqlite_db.transaction(write=True) as conn:
        conn.execute(text("CREATE TABLE filler (x TEXT)"))
        for _ in range(200):
            conn.execute(text("INSERT INTO filler VALUES (:x)"), {"x": "y" * 2000})
    # The backstop threshold (20,000 pages) is far away, so only the background thread can
    # have copied these pages into the database file.
    deadline = time.monotonic() + 5
    while db_file.stat().st_size == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert db_file.stat().st_size > before + 200 * 2000
    sqlite_db.dispose()


def test_an_idle_checkpointer_still_copies_new_writes_within_its_longest_wait(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Backing off while idle must not leave a burst of writes in the WAL for long."""
    db_file = tmp_path / "t.db"
    time.sleep(0.8)  # idle: the thread's wait has grown to its longest (0.1 s)
    before = db_file.stat().st_size
    with sqlite_db.transaction(write=True) as conn:
        conn.execute(text("CREATE TABLE filler (x TEXT)"))
        for _ in range(200):
            conn.execute(text("INSERT INTO filler VALUES (:x)"), {"x": "y" * 2000})
    written = time.monotonic()
    # The copy extends the file page by page, so wait for all of it, not its first page.
    while db_file.stat().st_size <= before + 200 * 2000 and time.monotonic() - written < 5:
        time.sleep(0.01)
    assert db_file.stat().st_size > before + 200 * 2000
    assert time.monotonic() - written < 0.5
    sqlite_db.dispose()


def test_one_checkpointer_per_database_file_and_another_takes_over_when_it_stops(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Worker processes share the file: one checkpoints, the others stand by for its exit."""
    first = sqlite_db.checkpointer
    assert first is not None
    assert first.leading.wait(2)
    assert os_thread_name(first._thread) == CHECKPOINT_THREAD, "named for top -H"
    second = Checkpointer(tmp_path / "t.db", standby_interval=0.05)
    try:
        time.sleep(0.3)  # several standby ticks: it keeps finding the flock taken
        assert not second.leading.is_set()
        sqlite_db.dispose()  # the leading worker stops: its flock goes with its descriptor
        assert not first.leading.is_set()
        assert second.leading.wait(2)
        db_file = tmp_path / "t.db"
        before = db_file.stat().st_size
        with closing(sqlite3.connect(db_file, isolation_level=None)) as conn:
            conn.execute("CREATE TABLE filler (x TEXT)")
            conn.executemany("INSERT INTO filler VALUES (?)", [("y" * 2000,)] * 200)
        deadline = time.monotonic() + 5
        while db_file.stat().st_size <= before + 200 * 2000 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert db_file.stat().st_size > before + 200 * 2000
    finally:
        second.stop()
    assert not second.leading.is_set()


@settings_h(max_examples=300, deadline=None)
@given(
    st.datetimes(timezones=st.timezones(), min_value=dt.datetime(1000, 1, 2), allow_imaginary=False)
)
def test_hot_timestamps_are_stored_as_core_stores_them(value: dt.datetime) -> None:
    """Hot statements' one-step SQLite timestamp text equals Core's, so both sort and compare."""
    dialect = sqlite.dialect()
    core = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert core is not None
    assert sqlite_utc_text(value) == core(value)
