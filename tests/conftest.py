"""Shared fixtures: a real migrated database per test (SQLite always, PostgreSQL when set)."""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from tests.support import ApiClient, reset_postgres
from trackpost.accounts import service as accounts
from trackpost.app import build_services, create_app
from trackpost.core import migrate, security
from trackpost.core.config import Settings, parse_networks
from trackpost.core.http import Services
from trackpost.core.security import KeyHasher

PG_URL = os.environ.get("TRACKPOST_TEST_POSTGRES_URL", "")
FUZZ_SEED = "TRACKPOST_FUZZ_SEED"


def pytest_configure(config: pytest.Config) -> None:
    """A fresh fuzz seed for each run, shared with xdist's workers (they inherit the variable)."""
    if not os.environ.get(FUZZ_SEED):
        os.environ[FUZZ_SEED] = str(random.SystemRandom().randrange(2**32))


def pytest_report_header(config: pytest.Config) -> str:
    seed = os.environ[FUZZ_SEED]
    return f"fuzz seed {seed} (replay: TRACKPOST_FUZZ_SEED={seed} make test)"


BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
# Read before any test swaps it: tests/security/test_secrets_at_rest.py checks its parameters.
PRODUCTION_HASHER = security._hasher


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, at its smallest cost: a production hash took about half a second of
    this host's CPU, and most tests store a password in their setup and never guess one.

    test_secrets_at_rest checks the production parameters separately; processes a test starts
    (`trackpost serve`) hash with them.
    """
    monkeypatch.setattr(
        security, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


SECRET = "test-secret-key-0123456789abcdef"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A schema of its own for this xdist worker, migrated once, dropped at the end.

    The process id is in the name because several test runs may share one PostgreSQL database.
    """
    if not PG_URL:
        yield ""
        return
    from trackpost.core.config import normalise_database_url

    schema = f"tp_{_worker()}_{os.getpid()}"
    base = normalise_database_url(PG_URL)
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_schema_url: str
) -> Settings:
    base = Settings(
        database_url="",
        data_dir=tmp_path / "var",
        secret_key=SECRET,
        auth_fail_limit=1000,
    )
    if request.param == "sqlite":
        db = tmp_path / "trackpost.db"
        shutil.copy(sqlite_template, db)
        return base.replace(database_url=f"sqlite:///{db}")
    reset_postgres(pg_schema_url)
    return base.replace(database_url=pg_schema_url)


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    svc = build_services(settings, pool_size=2)
    yield svc
    svc.close()


@pytest.fixture
def http(settings: Settings, services: Services) -> Iterator[TestClient]:
    """The whole ASGI stack in process; every request still goes through routing and auth."""
    with TestClient(create_app(settings, services), raise_server_exceptions=False) as client:
        yield client


@dataclass
class Admin:
    username: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"api-key": self.api_key, "api-username": self.username}


def make_admin(services: Services, username: str, allow_ips: list[str] | None = None) -> Admin:
    hasher = KeyHasher(SECRET.encode())
    with services.db.transaction(write=True) as conn:
        new = accounts.create_admin(conn, hasher, username, allow_ips)
    return Admin(new.username, new.api_key)


@pytest.fixture
def admin(services: Services) -> Admin:
    return make_admin(services, "tf_admin")


@pytest.fixture
def api(http: TestClient, admin: Admin) -> ApiClient:
    """An HTTP client that sends the admin's real key in the vendor's two headers."""
    return ApiClient(http, admin.headers)


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


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The seed again at the end, where a quiet run (make test) shows it."""
    seed = os.environ[FUZZ_SEED]
    terminalreporter.write_line(f"fuzz seed {seed} (replay: TRACKPOST_FUZZ_SEED={seed} make test)")
