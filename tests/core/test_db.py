"""SQLite write path: writers queue on the gate file, checkpoints happen off the request path."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

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
    WriterGate,
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


def _gate_frees(path: Path) -> bool:
    """The gate is free, or soon: the checkpointer holds it too, for one checkpoint at a time."""
    deadline = time.monotonic() + 5
    while not _gate_is_free(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def wal_frames(db_file: Path) -> tuple[int, int]:
    """(frames in the WAL, frames copied) from the wal-index header, read by another process:
    closing a descriptor of the -shm file here would drop this process's SQLite locks on it."""
    code = (
        "import sys; raw = open(sys.argv[1], 'rb').read(100); "
        "print(int.from_bytes(raw[16:20], sys.byteorder), int.from_bytes(raw[96:100], sys.byteorder))"
    )
    shm = db_file.with_name(db_file.name + "-shm")
    out = subprocess.run(
        [sys.executable, "-c", code, str(shm)], capture_output=True, text=True, check=True
    )
    frames, copied = out.stdout.split()
    return int(frames), int(copied)


def test_a_write_transaction_holds_the_gate_until_it_commits(sqlite_db: Database) -> None:
    assert sqlite_db.gate is not None
    gate = sqlite_db.gate.path
    with sqlite_db.transaction(write=True) as conn:
        conn.execute(text("UPDATE cache_versions SET version = version + 1"))
        assert not _gate_is_free(gate)
        with sqlite_db.transaction(write=False) as reader:
            # Readers never queue on the gate (WAL lets them read while a writer works).
            assert reader.execute(text("SELECT count(*) FROM cache_versions")).scalar()
    assert _gate_frees(gate)
    with sqlite_db.transaction(write=False):
        assert _gate_frees(gate)
    sqlite_db.dispose()


def test_a_failed_write_releases_the_gate(sqlite_db: Database) -> None:
    assert sqlite_db.gate is not None

    def failing_handler() -> None:
        with sqlite_db.transaction(write=True) as conn:
            conn.execute(text("UPDATE cache_versions SET version = 99"))
            raise RuntimeError("handler failed")

    with pytest.raises(RuntimeError):
        failing_handler()
    assert _gate_frees(sqlite_db.gate.path)
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


def _wal_file(path: Path) -> sqlite3.Connection:
    """A WAL-mode file and a writer on it that never checkpoints by itself."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE filler (x TEXT)")
    return conn


def _copied(path: Path, frames: int) -> bool:
    deadline = time.monotonic() + 5
    while wal_frames(path) != (frames, frames):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def _recording(checkpointer: Checkpointer) -> list[tuple[bool, bool]]:
    """Each checkpoint from now on: (held the gate, left frames uncopied)."""
    calls: list[tuple[bool, bool]] = []
    real = checkpointer._checkpoint

    def recorded(conn: sqlite3.Connection, gated: bool, state: Any) -> int:
        frames = real(conn, gated, state)
        calls.append((gated, state.waiting))
        return frames

    checkpointer._checkpoint = recorded  # type: ignore[method-assign]
    return calls


def test_no_unguarded_checkpoint_starts_while_every_frame_is_copied(tmp_path: Path) -> None:
    """SQLite's WAL-reset race (before 3.51.3) needs a checkpoint started while the WAL is wholly
    copied, when the next commit may start it over (docs/ARCHITECTURE.md, "Why an acknowledged
    write is visible to every later request"). The checkpointer this replaced checkpointed a
    copied WAL every 100 ms, without the gate."""
    path = tmp_path / "w.db"
    writer = _wal_file(path)
    checkpointer = Checkpointer(path)
    calls = _recording(checkpointer)
    try:
        for _ in range(3):
            writer.executemany("INSERT INTO filler VALUES (?)", [("y" * 2000,)] * 20)
            frames = wal_frames(path)[0]
            assert _copied(path, frames)
            seen = len(calls)
            time.sleep(0.3)  # nothing to copy: at most a few gated looks, every 100 ms or more
            idle = calls[seen:]
            assert len(idle) <= 5, idle
            assert all(gated for gated, _waiting in idle), idle
        assert any(not gated for gated, _waiting in calls), "frames that wait go unguarded"
    finally:
        checkpointer.stop()
        writer.close()


def test_frames_known_to_wait_are_copied_while_a_writer_holds_the_gate(tmp_path: Path) -> None:
    """The common case costs writers nothing: once the checkpointer knows the WAL (it copied it
    all, then data_version moved), a short WAL's checkpoint runs beside the writers."""
    path = tmp_path / "w.db"
    writer = _wal_file(path)
    checkpointer = Checkpointer(path)
    try:
        writer.execute("INSERT INTO filler VALUES ('x')")
        assert _copied(path, wal_frames(path)[0])
        time.sleep(0.05)
        with WriterGate(path).hold():
            writer.executemany("INSERT INTO filler VALUES (?)", [("y" * 2000,)] * 5)
            frames = wal_frames(path)[0]
            assert _copied(path, frames), "copied with the gate held"
    finally:
        checkpointer.stop()
        writer.close()


def test_a_checkpoint_of_a_long_wal_waits_for_the_writer_gate(tmp_path: Path) -> None:
    """From gate_frames on, SQLite's own backstop checkpoint (inside a writer's commit, behind
    the gate) could complete between the checkpointer's look and its checkpoint: so it takes
    the gate, and copies nothing while a writer holds it."""
    path = tmp_path / "w.db"
    writer = _wal_file(path)
    checkpointer = Checkpointer(path, gate_frames=10)
    try:
        writer.executemany("INSERT INTO filler VALUES (?)", [("y" * 2000,)] * 20)
        assert _copied(path, wal_frames(path)[0])  # it saw a WAL of 20 frames or more
        with WriterGate(path).hold():
            writer.executemany("INSERT INTO filler VALUES (?)", [("y" * 2000,)] * 3)
            frames, copied = wal_frames(path)
            time.sleep(0.3)  # sixty checkpoint intervals
            assert wal_frames(path) == (frames, copied)
            assert copied < frames
        assert _copied(path, frames), "copied once the gate was free"
    finally:
        checkpointer.stop()
        writer.close()


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


def test_none_and_bool_bind_as_sqlite_binds_them(sqlite_db: Database) -> None:
    """The engine's adapters for None and bool (they spare sqlite3 a failed lookup per value)
    store what sqlite3 stores without them: NULL, and 1 or 0 as INTEGER."""
    driver = sqlite_db.engine.raw_connection()
    try:
        got = driver.execute(
            "SELECT ? IS NULL, typeof(?), ?, typeof(?), ?", (None, None, True, True, False)
        ).fetchone()
    finally:
        driver.close()
    assert got == (1, "null", 1, "integer", 0)
