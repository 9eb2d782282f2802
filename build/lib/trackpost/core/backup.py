"""SQLite backups taken while the server writes, and restores into a new database file.

The PostgreSQL side (pg_dump and pg_restore) is core/pgbackup.py; both report through OpsError,
which the CLI prints as one line with exit status 2.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from trackpost.core.errors import TrackpostError

Progress = Callable[[str], None]
# Pages copied per step of sqlite3's backup: 4 MiB at the default page size, so progress is
# reported often while each step stays short.
STEP_PAGES = 1024
# Progress lines are printed at most this often (seconds), and always once at the end.
REPORT_EVERY = 1.0


class OpsError(TrackpostError):
    """An operator command that could not do its work; the message is the whole story."""

    code = "ops_failed"


@dataclass(frozen=True)
class Copied:
    """What a backup or restore produced: where, how big, and the schema revision it holds."""

    path: Path
    size: int
    revision: str | None


def first_line(exc: BaseException) -> str:
    """An exception's first line, the driver's own words when a database error wraps them."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return lines[0] if lines else type(inner).__name__


def _quiet(_line: str) -> None:
    return None


class Throttle:
    """Calls `report` at most once per `every` seconds, and always for the last line."""

    def __init__(self, report: Progress, every: float = REPORT_EVERY) -> None:
        self.report = report
        self.every = every
        self._last = 0.0

    def __call__(self, line: str, *, final: bool = False) -> None:
        now = time.monotonic()
        if final or now - self._last >= self.every:
            self._last = now
            self.report(line)


def temp_beside(path: Path) -> Path:
    """A new 0600 file in path's directory, so that a rename puts it in place atomically."""
    if not path.parent.is_dir():
        raise OpsError(f"Directory {path.parent} does not exist.")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise OpsError(f"Cannot write in {path.parent}: {exc.strerror}.") from None
    return tmp


def discard(path: Path) -> None:
    """Remove a file and the journal files SQLite may have left beside it."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            path.with_name(path.name + suffix).unlink()


def put_in_place(tmp: Path, path: Path) -> None:
    """Sync the finished file, rename it over path, and sync the directory's entry too."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def staged(tmp: Path, failed: str, failed_io: str | None = None) -> Iterator[None]:
    """Any failure in the block removes tmp; database and file errors become one-line OpsErrors.

    `failed` names the operation for a database error ("Backup of x"), `failed_io` for a file
    error (default: the same).
    """
    try:
        yield
    except sqlite3.Error as exc:
        discard(tmp)
        raise OpsError(f"{failed} failed: {first_line(exc)}.") from None
    except OSError as exc:
        discard(tmp)
        raise OpsError(f"{failed_io or failed} failed: {exc.strerror or exc}.") from None
    except BaseException:
        discard(tmp)
        raise


@contextlib.contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return [str(r[0]) for r in rows]


def _revision(conn: sqlite3.Connection) -> str | None:
    if "alembic_version" not in _tables(conn):
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _check_integrity(conn: sqlite3.Connection, what: str) -> None:
    rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall()]
    if rows != ["ok"]:
        raise OpsError(f"{what} fails SQLite's integrity check: {rows[0]}")


def _copy(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    verb: str,
    report: Progress,
    pages: int = STEP_PAGES,
    every: float = REPORT_EVERY,
) -> None:
    throttle = Throttle(report, every)

    def step(_status: int, remaining: int, total: int) -> None:
        done = total - remaining
        throttle(f"{verb}: {done:,}/{total:,} pages", final=remaining == 0)

    source.backup(target, pages=pages, progress=step)


def backup_sqlite(
    source: Path,
    dest: Path,
    report: Progress = _quiet,
    *,
    pages: int = STEP_PAGES,
    every: float = REPORT_EVERY,
) -> Copied:
    """Copy a live database into dest as one consistent snapshot, written atomically (0600)."""
    if not source.is_file():
        raise OpsError(f"No SQLite database at {source}.")
    tmp = temp_beside(dest)
    with staged(tmp, f"Backup of {source}", f"Backup to {dest}"):
        with _connect(source) as src, _connect(tmp) as out:
            # One read transaction for the whole copy: every step reads the same snapshot, and
            # WAL readers never block writers. Without it each step would see the writes made
            # since the last, and sqlite3's backup starts over whenever the source changes, so
            # under steady writes it would never finish.
            src.execute("BEGIN")
            src.execute("SELECT count(*) FROM sqlite_master").fetchone()
            _copy(src, out, "backup", report, pages, every)
            src.execute("COMMIT")
            # The copy carries the source's WAL flag; a backup is one self-contained file.
            out.execute("PRAGMA journal_mode=DELETE")
            report("backup: checking integrity")
            _check_integrity(out, "The backup")
            revision = _revision(out)
        put_in_place(tmp, dest)
    return Copied(dest, dest.stat().st_size, revision)


def _target_tables(target: Path) -> list[str]:
    """The tables of the file at target, empty when it does not exist or holds nothing."""
    wal = target.with_name(target.name + "-wal")
    wal_written = wal.exists() and wal.stat().st_size > 0
    if not target.exists():
        if wal_written:
            raise OpsError(
                f"{wal} exists without its database; a stale WAL would be applied to the "
                f"restored file. Move it away, then restore."
            )
        return []
    if target.stat().st_size == 0 and not wal_written:
        return []
    with _connect(target) as conn:  # reads what the WAL holds too
        return _tables(conn)


def restore_sqlite(backup: Path, target: Path, report: Progress = _quiet) -> Copied:
    """Copy a backup into target, which must not exist or hold no table, and check the copy."""
    if not backup.is_file():
        raise OpsError(f"No backup file at {backup}.")
    try:
        with _connect(backup) as src:
            if "alembic_version" not in _tables(src):
                raise OpsError(f"{backup} is not a trackpost database (it has no alembic_version).")
    except sqlite3.DatabaseError as exc:
        raise OpsError(f"{backup} is not a readable SQLite database: {first_line(exc)}.") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        existing = _target_tables(target)
    except sqlite3.DatabaseError as exc:
        raise OpsError(
            f"{target} exists and is not an SQLite database: {first_line(exc)}."
        ) from None
    if existing:
        shown = ", ".join(existing[:4]) + (", ..." if len(existing) > 4 else "")
        raise OpsError(
            f"{target} already holds {len(existing)} tables ({shown}); restore only into a new "
            f"database: stop trackpost, move that file away (with its -wal and -shm), restore."
        )
    tmp = temp_beside(target)
    with staged(tmp, f"Restore into {target}"):
        with _connect(backup) as src, _connect(tmp) as out:
            _copy(src, out, "restore", report)
            out.execute("PRAGMA journal_mode=DELETE")
            # Pages are copied as they are, so this checks the backup as well as the copy.
            report("restore: checking integrity")
            _check_integrity(out, "The restored database")
            revision = _revision(out)
        # An empty target's journal files belong to another file now: never apply them.
        discard(target)
        put_in_place(tmp, target)
    return Copied(target, target.stat().st_size, revision)


def sqlite_file(url: str) -> Path:
    """The database file of a sqlite:/// URL."""
    path = url.split(":///", 1)[1].split("?", 1)[0] if ":///" in url else ""
    if not path or path.startswith(":memory:"):
        raise OpsError("TRACKPOST_DATABASE_URL names no SQLite file (an in-memory database?).")
    return Path(path)
