"""What the `trackpost` subcommands share: the database, migrated first, and progress lines."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from trackpost.core import migrate
from trackpost.core.backup import OpsError, first_line
from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine


def engine_of(settings: Settings) -> Engine:
    """A one-connection engine: a command never needs more."""
    return create_db_engine(settings, pool_size=1)


def db_of(settings: Settings) -> Database:
    """The database, migrated to the newest schema first."""
    engine = engine_of(settings)
    migrate.upgrade(engine)
    return Database(engine, checkpoint=False)


T = TypeVar("T")


def run_on_db(settings: Settings, what: str, work: Callable[[Database], T]) -> T:
    """Run a job on the migrated database and close it; a database failure is one line,
    "<what> failed: ...", instead of a traceback."""
    try:
        db = db_of(settings)
        try:
            return work(db)
        finally:
            db.dispose()
    except SQLAlchemyError as exc:
        raise OpsError(f"{what} failed: {first_line(exc)}") from None


def progress_line(line: str) -> None:
    """A progress line on standard error (standard output keeps the command's answer)."""
    print(line, file=sys.stderr, flush=True)
