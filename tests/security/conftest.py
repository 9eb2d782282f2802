"""Apps built with settings of a test's own (throttle limits, allowlists, proxies)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from starlette.testclient import TestClient

from trackpost.app import build_services, create_app
from trackpost.core import security
from trackpost.core.config import Settings, parse_networks
from trackpost.core.http import Services

PRODUCTION_HASHER = security._hasher


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, at its smallest cost: these tests send many passwords and never guess one.

    test_secrets_at_rest checks the production parameters separately.
    """
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@dataclass
class Built:
    """One app over the test's database, and a way to call it from any client address."""

    settings: Settings
    services: Services
    app: Any

    def client(self, ip: str = "203.0.113.7") -> TestClient:
        return TestClient(self.app, client=(ip, 50000), raise_server_exceptions=False)


BuildApp = Callable[..., Built]


@pytest.fixture
def build_app(settings: Settings) -> Iterator[BuildApp]:
    """Build the app with Settings fields replaced, e.g. auth_fail_limit=3."""
    made: list[Services] = []

    def build(**overrides: Any) -> Built:
        for name in ("admin_api_allowed_ips", "trusted_proxies"):
            if isinstance(overrides.get(name), str):
                overrides[name] = parse_networks(overrides[name], name)
        custom = settings.replace(**overrides)
        services = build_services(custom, pool_size=2)
        made.append(services)
        return Built(custom, services, create_app(custom, services))

    yield build
    for services in made:
        services.db.dispose()
