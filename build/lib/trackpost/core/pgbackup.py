"""PostgreSQL backups through pg_dump (custom format) and restores through pg_restore.

The URL's password never reaches a command line or a message: the tools get it through the
PGPASSWORD environment variable, and their output is scrubbed of it before it is shown.
"""

from __future__ import annotations

import collections
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import URL, Connection, create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from trackpost.core import migrate
from trackpost.core.backup import (
    Copied,
    OpsError,
    Progress,
    first_line,
    put_in_place,
    staged,
    temp_beside,
)

TOOLS = "install the PostgreSQL client tools, of the server's major version or newer"
# pg_restore --list lines: "216; 1259 16576 TABLE public clicks owner".
_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")
_TOC_SCHEMA = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ")
# The tools' --verbose lines worth showing as progress.
_PROGRESS = re.compile(r"(dumping contents of table|processing data for table) (.*)$")
_TABLES = text(
    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p')"
)
_SCHEMAS = text("SELECT nspname FROM pg_namespace")


@dataclass(frozen=True)
class Target:
    """How the client tools reach the database of a trackpost URL."""

    uri: str  # a libpq URI without the password
    env: dict[str, str]
    password: str
    label: str  # for messages: database, host and port, never the password

    def scrub(self, line: str) -> str:
        return line.replace(self.password, "***") if self.password else line


def target(url: str) -> Target:
    """Split a SQLAlchemy PostgreSQL URL into a password-free libpq URI and PGPASSWORD."""
    parsed = make_url(url)
    query = dict(parsed.query)
    password = parsed.password or query.pop("password", None) or ""
    clean = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=query,
    )
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    return Target(
        clean.render_as_string(hide_password=False),
        env,
        str(password),
        f"database {parsed.database} on {where}",
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise OpsError(f"{name} is not on PATH; {TOOLS}.")
    return found


def _failure(tool: str, lines: Sequence[str], status: int) -> OpsError:
    errors = [line for line in lines if "error:" in line or "FATAL:" in line]
    shown = (errors or list(lines) or [f"exit status {status}"])[0]
    return OpsError(f"{tool} failed: {shown.strip()}")


def _run(argv: list[str], where: Target, stdout: int | IO[str], report: Progress) -> None:
    """Run a client tool, passing its progress lines on and raising its error as one line."""
    tool = Path(argv[0]).name
    tail: collections.deque[str] = collections.deque(maxlen=40)
    # The arguments are the tool's path, fixed options, a file path and a password-free URI.
    proc = subprocess.Popen(  # noqa: S603
        argv,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=where.env,
        text=True,
        errors="replace",
    )
    assert proc.stderr is not None
    for raw in proc.stderr:
        line = where.scrub(raw.rstrip("\n"))
        tail.append(line)
        found = _PROGRESS.search(line)
        if found:
            report(f"{tool}: {found.group(1)} {found.group(2)}")
    status = proc.wait()
    if status != 0:
        raise _failure(tool, tail, status)


def backup_postgres(url: str, dest: Path, report: Progress) -> Copied:
    """pg_dump the URL's database into dest: one consistent snapshot, custom format, 0600."""
    where = target(url)
    pg_dump = _tool("pg_dump")
    tmp = temp_beside(dest)
    argv = [pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--verbose"]
    with staged(tmp, f"Backup to {dest}"):
        with tmp.open("wb") as out:
            _run([*argv, f"--dbname={where.uri}"], where, out.fileno(), report)
        revision = _revision(url, where)
        put_in_place(tmp, dest)
    return Copied(dest, dest.stat().st_size, revision)


def _toc(backup: Path, where: Target) -> list[str]:
    """The archive's table of contents, one entry a line."""
    pg_restore = _tool("pg_restore")
    # The same fixed arguments as _run's.
    listed = subprocess.run(  # noqa: S603
        [pg_restore, "--list", str(backup)], capture_output=True, text=True, env=where.env
    )
    if listed.returncode != 0:
        why = listed.stderr.strip().splitlines()
        raise OpsError(
            f"{backup} is not a pg_dump custom-format archive: {why[0] if why else 'unreadable'}"
        )
    return listed.stdout.splitlines()


@contextmanager
def _connect(url: str, where: Target) -> Iterator[Connection]:
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise OpsError(f"Cannot use {where.label}: {where.scrub(first_line(exc))}") from None
    finally:
        engine.dispose()


def _revision(url: str, where: Target) -> str | None:
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        return migrate.current(engine)
    except SQLAlchemyError as exc:
        raise OpsError(f"Cannot use {where.label}: {where.scrub(first_line(exc))}") from None
    finally:
        engine.dispose()


def restore_postgres(url: str, backup: Path, report: Progress) -> Copied:
    """pg_restore a backup into the URL's database, which must hold none of its tables."""
    where = target(url)
    if not backup.is_file():
        raise OpsError(f"No backup file at {backup}.")
    toc = _toc(backup, where)
    tables = {(m[1], m[2]) for m in map(_TOC_TABLE.match, toc) if m}
    if not any(name == "alembic_version" for _schema, name in tables):
        raise OpsError(f"{backup} is not a trackpost backup (it has no alembic_version table).")
    with _connect(url, where) as conn:
        present = {(str(r[0]), str(r[1])) for r in conn.execute(_TABLES)}
        schemas = {str(r[0]) for r in conn.execute(_SCHEMAS)}
    clash = sorted(f"{s}.{n}" for s, n in tables & present)
    if clash:
        shown = ", ".join(clash[:4]) + (", ..." if len(clash) > 4 else "")
        raise OpsError(
            f"The target {where.label} already has {len(clash)} of the backup's tables "
            f"({shown}); restore only into an empty database (createdb a new one and point "
            f"TRACKPOST_DATABASE_URL at it)."
        )
    # An empty schema the operator made beforehand is used as it is, not created again.
    keep = [e for e in toc if not ((m := _TOC_SCHEMA.match(e)) and m[1] in schemas)]
    pg_restore = _tool("pg_restore")
    with tempfile.NamedTemporaryFile("w", suffix=".toc") as listing:
        listing.write("\n".join(keep) + "\n")
        listing.flush()
        argv = [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            # All or nothing: a failed restore leaves the target as empty as it was.
            "--single-transaction",
            "--exit-on-error",
            "--verbose",
            f"--use-list={listing.name}",
            f"--dbname={where.uri}",
            str(backup),
        ]
        try:
            _run(argv, where, subprocess.DEVNULL, report)
        except OSError as exc:
            raise OpsError(f"pg_restore could not run: {exc.strerror or exc}.") from None
    return Copied(backup, backup.stat().st_size, _revision(url, where))
