"""Apps built with settings of a test's own (throttle limits, allowlists, proxies)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tests.conftest import BuildApp, Built
from trackpost.core import security

__all__ = ["BuildApp", "Built"]

PRODUCTION_HASHER = security._hasher


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, at its smallest cost: these tests send many passwords and never guess one.

    test_secrets_at_rest checks the production parameters separately.
    """
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )
