"""Fixtures shared by the group-commit tests (tests/core/test_batch*.py)."""

from __future__ import annotations

import pytest

from trackpost.core.batch import WriteBatcher
from trackpost.core.config import Settings
from trackpost.core.http import Services


@pytest.fixture
def sqlite_only(settings: Settings) -> None:
    """SQLite's group commit (every write); PostgreSQL's (clicks only) is tested on its own."""
    if not settings.is_sqlite:
        pytest.skip("SQLite's group commit; PostgreSQL's is in test_batch_postgres.py")


@pytest.fixture
def batcher(services: Services, sqlite_only: None) -> WriteBatcher:
    assert services.batcher is not None, "group commit is on by default for SQLite"
    return services.batcher
