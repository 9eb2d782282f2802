"""Migrations are the only way the schema is made: they run from empty, round-trip, match models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from tests.conftest import BACKENDS, PG_URL
from trackpost.core import migrate
from trackpost.core.config import normalise_database_url
from trackpost.models import metadata


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield engine
        engine.dispose()
        return
    schema = f"tp_mig_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    base = normalise_database_url(PG_URL)
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(f"{base}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_creates_every_model_table(empty_engine: Engine) -> None:
    assert migrate.current(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert migrate.current(empty_engine) == migrate.head()
    assert _tables(empty_engine) == set(metadata.tables)


def test_downgrade_then_upgrade_round_trip(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert _tables(empty_engine) == set()
    migrate.upgrade(empty_engine)
    assert _tables(empty_engine) == set(metadata.tables)
    with empty_engine.connect() as conn:
        names = [r[0] for r in conn.execute(text("SELECT name FROM payvia_types ORDER BY 1"))]
    assert "Check" in names
    assert "PayPal" in names


def test_models_and_migrations_agree(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    sqlite = empty_engine.dialect.name == "sqlite"
    with empty_engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [
            d
            for d in compare_metadata(ctx, metadata)
            # SQLite cannot reflect expression indexes, so only PostgreSQL compares indexes.
            if not (sqlite and isinstance(d, tuple) and d[0] in ("add_index", "remove_index"))
        ]
    assert diff == []
