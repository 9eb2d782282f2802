"""Fixtures shared by the group-commit tests (tests/core/test_batch*.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, event

from trackpost.core.batch import WriteBatcher
from trackpost.core.config import Settings
from trackpost.core.db import WRITE_OPTION
from trackpost.core.http import Services


@pytest.fixture
def sqlite_only(settings: Settings) -> None:
    """SQLite's group commit (behind the writer gate); PostgreSQL's is tested on its own."""
    if not settings.is_sqlite:
        pytest.skip("SQLite's group commit; PostgreSQL's is in test_batch_postgres.py")


@pytest.fixture
def batcher(services: Services, sqlite_only: None) -> WriteBatcher:
    assert services.batcher is not None, "group commit is on by default for SQLite"
    return services.batcher


@pytest.fixture
def batches(services: Services) -> Iterator[list[int]]:
    """Counts write transactions begun: under group commit, one per attempt at a batch."""
    opened: list[int] = []

    def count(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION, False):
            opened.append(1)

    event.listen(services.db.engine, "begin", count)
    yield opened
    event.remove(services.db.engine, "begin", count)
