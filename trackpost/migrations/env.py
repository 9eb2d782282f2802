"""Alembic environment: runs against the connection handed in by trackpost.core.migrate."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy.exc import SAWarning

from trackpost.models import metadata

config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `trackpost db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction(), warnings.catch_warnings():
        # SQLite's batch mode reflects the tables a rebuilt table refers to; SQLAlchemy cannot
        # reflect their expression indexes (lower(email) ...) and says so, though the rebuild
        # never touches them: not a thing an operator can act on.
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", SAWarning
        )
        context.run_migrations()


run_migrations_online()
