"""The `trackpost` command: serve, db and admin here; the jobs' subcommands in cli/jobs.py."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError

from trackpost import __version__
from trackpost.accounts import console
from trackpost.accounts import service as accounts
from trackpost.cli import background, jobs
from trackpost.cli.common import db_of, engine_of, progress_line
from trackpost.core import lifecycle, migrate, pgbackup
from trackpost.core.backup import (
    Copied,
    backup_sqlite,
    restore_sqlite,
    sqlite_file,
)
from trackpost.core.config import Settings, get_settings
from trackpost.core.errors import TrackpostError
from trackpost.core.logs import JsonLines, granian_log_config
from trackpost.core.metrics import prepare_multiprocess_dir
from trackpost.core.security import KeyHasher, load_secret


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = engine_of(settings)
    migrate.upgrade(engine, args.revision)
    print(f"database at revision {migrate.current(engine)}")
    return 0


def cmd_db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = engine_of(settings)
    migrate.downgrade(engine, args.revision)
    print(f"database at revision {migrate.current(engine)}")
    return 0


def cmd_db_current(args: argparse.Namespace, settings: Settings) -> int:
    engine = engine_of(settings)
    cur, head = migrate.current(engine), migrate.head()
    state = "up to date" if cur == head else f"head is {head}; run `trackpost db upgrade`"
    print(f"{cur or 'empty'} ({state})")
    return 0


def cmd_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    dest = Path(args.path)
    if settings.is_sqlite:
        made = backup_sqlite(sqlite_file(settings.database_url), dest, progress_line)
    else:
        made = pgbackup.backup_postgres(settings.database_url, dest, progress_line)
    print(f"backup written to {made.path} ({made.size:,} bytes, schema {made.revision})")
    return 0


def cmd_db_restore(args: argparse.Namespace, settings: Settings) -> int:
    source = Path(args.path)
    made: Copied
    if settings.is_sqlite:
        made = restore_sqlite(source, sqlite_file(settings.database_url), progress_line)
        where = str(made.path)
    else:
        made = pgbackup.restore_postgres(settings.database_url, source, progress_line)
        where = pgbackup.target(settings.database_url).label
    head = migrate.head()
    print(f"restored {source} into {where}, schema {made.revision}")
    if made.revision != head:
        print(f"the backup is older than this trackpost: run `trackpost db upgrade` (head {head})")
    return 0


def _print_key(title: str, username: str, key: str) -> None:
    print(f"{title} '{username}'. Its API key is shown once; store it now:")
    print(key)


def cmd_admin_create(args: argparse.Namespace, settings: Settings) -> int:
    db = db_of(settings)
    hasher = KeyHasher(load_secret(settings))
    with db.transaction(write=True) as conn:
        new = accounts.create_admin(conn, hasher, args.username, args.allow_ip)
        if args.role != "admin":
            console.set_role(conn, new.username, args.role)
    print(f"Give it a console password with: trackpost admin set-password {new.username}")
    if args.role == "admin":
        _print_key("Created admin", new.username, new.api_key)
    else:
        print(f"Created {args.role} '{new.username}' (console only: no API key).")
    return 0


def _read_password() -> str:
    """From standard input when it is not a terminal (one line), else asked twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New console password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise ValueError("the two passwords differ")
    return first


def cmd_admin_set_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password()
    console.check_password(password)
    db = db_of(settings)
    with db.transaction(write=True) as conn:
        console.set_password(conn, args.username, password)
        creds = accounts.loginid_of(conn, args.username)
        if creds is not None:
            console.end_sessions(conn, creds)
    print(f"console password set for admin '{args.username}'; its sessions were ended")
    return 0


def cmd_admin_set_role(args: argparse.Namespace, settings: Settings) -> int:
    db = db_of(settings)
    with db.transaction(write=True) as conn:
        console.set_role(conn, args.username, args.role)
    extra = " (its API key no longer works)" if args.role == "support" else ""
    print(f"admin '{args.username}' now has the {args.role} role{extra}")
    return 0


def cmd_admin_rotate(args: argparse.Namespace, settings: Settings) -> int:
    db = db_of(settings)
    hasher = KeyHasher(load_secret(settings))
    with db.transaction(write=True) as conn:
        new = accounts.rotate_key(conn, hasher, args.username)
    _print_key("New key for admin", new.username, new.api_key)
    return 0


def _set_disabled(disabled: bool) -> Callable[[argparse.Namespace, Settings], int]:
    def run(args: argparse.Namespace, settings: Settings) -> int:
        db = db_of(settings)
        with db.transaction(write=True) as conn:
            accounts.set_disabled(conn, args.username, disabled)
        print(f"admin '{args.username}' {'disabled' if disabled else 'enabled'}")
        return 0

    return run


def cmd_admin_list(args: argparse.Namespace, settings: Settings) -> int:
    db = db_of(settings)
    with db.transaction(write=False) as conn:
        rows = accounts.list_admins(conn)
    print(f"{'loginid':>8}  {'username':<24} {'role':<8} {'state':<9} allowed IPs")
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        print(
            f"{row['loginid']:>8}  {row['username']:<24} {row['role']:<8} {state:<9} "
            f"{row['api_allow_ips'] or 'any'}"
        )
    return 0


def bootstrap(settings: Settings) -> None:
    """Migrate, and on a database with no admin create one and show how to call ping."""
    db = db_of(settings)
    hasher = KeyHasher(load_secret(settings))
    password = secrets.token_urlsafe(12)
    try:
        with db.transaction(write=True) as conn:
            new = accounts.ensure_first_admin(conn, hasher)
            if new is not None:
                console.set_password(conn, new.username, password)
    except IntegrityError:
        new = None  # another process created it at the same moment
    db.dispose()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104
    url = f"http://{host}:{settings.port}"
    if settings.log_format == "json":
        _bootstrap_json(settings, url, new, password)
        return
    print(f"Admin console: {url}/admin/", flush=True)
    if new is None:
        print(
            "  sign in with an admin's console password "
            "(set one with: trackpost admin set-password NAME)",
            flush=True,
        )
        return
    print(f"  sign in as '{new.username}' with password {password} (shown once; change it with")
    print(f"  trackpost admin set-password {new.username})")
    print("No admin existed, so one was created. Its API key is shown once; store it now:")
    print(f"  api-username: {new.username}")
    print(f"  api-key:      {new.api_key}")
    print(
        f"  curl -H 'api-username: {new.username}' -H 'api-key: {new.api_key}' "
        f"{url}/api/service/ping",
        flush=True,
    )


def _bootstrap_json(settings: Settings, url: str, new: Any, password: str) -> None:
    """With JSON logs the output is a log stream: one JSON line, and secrets only in a 0600 file."""
    line: dict[str, Any] = {"console": f"{url}/admin/"}
    if new is not None:
        path = Path(settings.data_dir) / "first-admin.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(
                f"api-username: {new.username}\napi-key: {new.api_key}\n"
                f"console password: {password}\n"
            )
        line.update(first_admin=new.username, credentials_file=str(path))
    record = logging.LogRecord("trackpost", logging.INFO, __file__, 0, "starting", None, None)
    record.__dict__.update(line)
    print(JsonLines().format(record), flush=True)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    if args.host:
        os.environ["TRACKPOST_HOST"] = args.host
    if args.port:
        os.environ["TRACKPOST_PORT"] = str(args.port)
    if args.workers:
        os.environ["TRACKPOST_WORKERS"] = str(args.workers)
    if args.no_access_log:
        os.environ["TRACKPOST_ACCESS_LOG"] = "false"  # the workers write it in JSON mode
    get_settings.cache_clear()
    settings = get_settings()
    bootstrap(settings)
    # Before the workers start: each writes its metrics there, and a scrape adds them up.
    metrics_dir = prepare_multiprocess_dir(settings.data_dir, settings.metrics_dir)
    # The workers inherit it: the drain marker their /healthz reads is this process's.
    os.environ[lifecycle.SERVE_PID_ENV] = str(os.getpid())
    lifecycle.clear_stale_markers(settings.data_dir)
    drain = lifecycle.Drain(settings.data_dir, settings.shutdown_drain)

    class GracefulServer(Server):  # type: ignore[valid-type, misc]
        """granian's server, whose stop signal drains first (core/lifecycle.py)."""

        def signal_handler_interrupt(self, *args: Any, **kwargs: Any) -> None:
            stop = super().signal_handler_interrupt
            drain.request(lambda: stop())

    server = GracefulServer(
        "trackpost.app:create_worker_app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=settings.workers,
        loop=Loops.uvloop,
        factory=True,
        # With JSON logs, the workers write the access log themselves (core/observe.py).
        log_access=settings.access_log and settings.log_format == "text",
        log_dictconfig=granian_log_config(settings),
        backlog=2048,
        respawn_failed_workers=True,
        # The bound on a stop: a worker still finishing requests after it is killed.
        workers_kill_timeout=settings.shutdown_timeout,
    )
    jobs = background.JobsProcess(settings).start() if background.wanted(settings) else None
    try:
        server.serve()
    finally:
        if jobs is not None:
            jobs.stop()
        drain.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trackpost", description=__doc__)
    parser.add_argument("--version", action="version", version=f"trackpost {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, then serve the API (granian)")
    serve.add_argument("--host", help="bind address (TRACKPOST_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (TRACKPOST_PORT, default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (TRACKPOST_WORKERS)")
    serve.add_argument("--no-access-log", action="store_true", help="turn the access log off")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="schema migrations, backup and restore").add_subparsers(
        dest="db_cmd", required=True
    )
    up = db.add_parser("upgrade", help="apply pending migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    down = db.add_parser("downgrade", help="revert to an earlier revision")
    down.add_argument("revision")
    down.set_defaults(func=cmd_db_downgrade)
    db.add_parser("current", help="show the current revision").set_defaults(func=cmd_db_current)
    backup = db.add_parser("backup", help="write a consistent backup while the server runs")
    backup.add_argument("path", help="the backup file to write (replaced atomically)")
    backup.set_defaults(func=cmd_db_backup)
    restore = db.add_parser("restore", help="restore a backup into a new, empty database")
    restore.add_argument("path", help="a file written by `trackpost db backup`")
    restore.set_defaults(func=cmd_db_restore)

    admin = sub.add_parser("admin", help="admin accounts and API keys")
    asub = admin.add_subparsers(dest="admin_cmd", required=True)
    create = asub.add_parser("create", help="create a full admin and print its API key")
    create.add_argument("username")
    create.add_argument(
        "--allow-ip", action="append", default=[], metavar="CIDR", help="restrict this admin's IPs"
    )
    create.add_argument(
        "--role", choices=("admin", "support"), default="admin", help="console role (admin)"
    )
    create.set_defaults(func=cmd_admin_create)
    setpw = asub.add_parser(
        "set-password", help="set an admin's console password (read from stdin if not a tty)"
    )
    setpw.add_argument("username")
    setpw.set_defaults(func=cmd_admin_set_password)
    setrole = asub.add_parser("set-role", help="set an admin's console role")
    setrole.add_argument("username")
    setrole.add_argument("role", choices=("admin", "support"))
    setrole.set_defaults(func=cmd_admin_set_role)
    asub.add_parser("list", help="list admins").set_defaults(func=cmd_admin_list)
    for name, func, text in (
        ("rotate-key", cmd_admin_rotate, "replace an admin's API key and print it"),
        ("disable", _set_disabled(True), "refuse an admin's API calls"),
        ("enable", _set_disabled(False), "accept an admin's API calls again"),
    ):
        p = asub.add_parser(name, help=text)
        p.add_argument("username")
        p.set_defaults(func=func)

    jobs.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        result: int = args.func(args, settings)
        return result
    except TrackpostError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
