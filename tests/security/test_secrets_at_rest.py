"""API keys and passwords are stored only as hashes: the tests read the database to prove it."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from tests.accounts.test_cli import run_cli
from tests.conftest import SECRET, Admin
from tests.security.conftest import PRODUCTION_HASHER
from tests.security.endpoints import all_endpoints, all_text_values, label, params_of
from tests.security.secret_recipes import RECIPES
from tests.security.world import World
from tests.support import ApiClient
from trackpost.core.config import Settings
from trackpost.core.http import Services
from trackpost.core.security import KeyHasher, load_secret
from trackpost.models import metadata
from trackpost.models.tables import logins


def _assert_nowhere(services: Services, *secrets: str) -> None:
    stored = all_text_values(services.db.engine)
    for secret in secrets:
        leaks = [v for v in stored if secret in v]
        assert not leaks, f"a secret is stored in clear: {leaks[:3]}"


def test_admin_keys_are_stored_as_keyed_hashes(settings: Settings, services: Services) -> None:
    created = run_cli(settings, "admin", "create", "ops")
    assert created.returncode == 0, created.stderr
    first = created.stdout.strip().splitlines()[-1]
    rotated = run_cli(settings, "admin", "rotate-key", "ops")
    assert rotated.returncode == 0, rotated.stderr
    second = rotated.stdout.strip().splitlines()[-1]
    assert first != second
    _assert_nowhere(services, first, second, first.upper(), second.upper())
    with services.db.engine.connect() as conn:
        stored = conn.execute(
            select(logins.c.api_key_hash).where(logins.c.username == "ops")
        ).scalar_one()
    # A keyed HMAC: useless to whoever reads the database without the server secret.
    assert stored == KeyHasher(SECRET.encode()).hash(second)
    assert stored != KeyHasher(b"another-secret").hash(second)
    # Plain HMAC-SHA256, hex: keys stored by any earlier release keep verifying.
    assert stored == hmac.new(SECRET.encode(), second.encode(), hashlib.sha256).hexdigest()


def test_generated_server_secret_is_private(settings: Settings, tmp_path: Path) -> None:
    own = settings.replace(secret_key=None, data_dir=tmp_path / "fresh")
    secret = load_secret(own)
    path = tmp_path / "fresh" / "secret.key"
    assert path.read_bytes().strip() == secret
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret(own) == secret


def test_production_password_hashes_are_slow() -> None:
    """argon2id with at least OWASP's minimum cost (the other tests run a cheaper one)."""
    params = PRODUCTION_HASHER
    assert params.type.name == "ID"
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2


def test_every_endpoint_taking_a_secret_has_a_recipe() -> None:
    """A new endpoint that accepts a password must be added to secret_recipes.py."""
    for ep in all_endpoints():
        secret_params = [p.name for p in params_of(ep) if p.is_secret]
        if secret_params:
            assert ep.path in RECIPES, f"{label(ep)} takes {secret_params}: add a recipe"


def test_passwords_sent_to_any_endpoint_are_never_stored_in_clear(
    http: TestClient, api: ApiClient, services: Services, admin: Admin
) -> None:
    world = World(api, http, services)
    sent: list[str] = []
    for path, recipe in RECIPES.items():
        if any(ep.path == path for ep in all_endpoints()):
            sent.extend(recipe(world))
    _assert_nowhere(services, admin.api_key, *sent)
    # Human passwords get a slow, salted hash (argon2id), never a fast digest or a reversible form.
    with services.db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for column in table.columns:
                if "password" in column.name:
                    for value in conn.execute(select(column).where(column.is_not(None))).scalars():
                        assert str(value).startswith("$argon2id$"), (table.name, column.name)
