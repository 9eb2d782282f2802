"""Each worker keeps admins' credential rows for auth_cache_seconds: the bound on revocation."""

from __future__ import annotations

import time

import pytest

from tests.conftest import SECRET, Admin, make_admin
from trackpost.accounts import repository as accounts_repo
from trackpost.accounts import service as accounts
from trackpost.core.auth import AdminCredentials, Authenticator
from trackpost.core.config import Settings
from trackpost.core.errors import Unauthorized
from trackpost.core.http import Services
from trackpost.core.security import KeyHasher


def _auth(settings: Settings, services: Services, seconds: float) -> Authenticator:
    return Authenticator(
        settings.replace(auth_cache_seconds=seconds),
        KeyHasher(SECRET.encode()),
        accounts_repo.CredentialReader(services.db.engine),
    )


def _disable(services: Services, admin: Admin) -> None:
    with services.db.transaction(write=True) as conn:
        accounts.set_disabled(conn, admin.username, True)


def test_a_disabled_admin_is_refused_once_the_cached_row_expires(
    settings: Settings, services: Services
) -> None:
    """Within the window the worker's copy answers; after it, the database's state does."""
    admin = make_admin(services, "ops")
    auth = _auth(settings, services, 0.3)
    first = auth.authenticate("127.0.0.1", admin.api_key, "ops")
    assert auth.authenticate("127.0.0.1", admin.api_key, "OPS") == first  # names fold case
    _disable(services, admin)
    auth.authenticate("127.0.0.1", admin.api_key, "ops")  # still the cached row
    time.sleep(0.35)
    with pytest.raises(Unauthorized):
        auth.authenticate("127.0.0.1", admin.api_key, "ops")


def test_zero_seconds_reads_the_row_on_every_request(
    settings: Settings, services: Services
) -> None:
    """auth_cache_seconds=0 makes a disable take effect on the very next request."""
    admin = make_admin(services, "ops")
    auth = _auth(settings, services, 0)
    auth.authenticate("127.0.0.1", admin.api_key, "ops")
    _disable(services, admin)
    with pytest.raises(Unauthorized):
        auth.authenticate("127.0.0.1", admin.api_key, "ops")


def test_unknown_names_are_not_cached(settings: Settings, services: Services) -> None:
    """An admin created after a failed attempt under its name works at once."""
    auth = _auth(settings, services, 60)
    with pytest.raises(Unauthorized):
        auth.authenticate("127.0.0.1", "0" * 32, "late")
    admin = make_admin(services, "late")
    assert auth.authenticate("127.0.0.1", admin.api_key, "late").username == "late"


def test_a_wrong_key_is_refused_even_when_the_row_is_cached(
    settings: Settings, services: Services
) -> None:
    """The cache holds the key's hash, so every request's key is still checked."""
    admin = make_admin(services, "ops")
    auth = _auth(settings, services, 60)
    auth.authenticate("127.0.0.1", admin.api_key, "ops")
    with pytest.raises(Unauthorized):
        auth.authenticate("127.0.0.1", admin.api_key[::-1], "ops")


def test_a_rotated_key_works_at_once_while_the_old_row_is_kept(
    settings: Settings, services: Services
) -> None:
    """A refusal is made only on the current row, so a new key is never refused nor throttled."""
    admin = make_admin(services, "ops")
    auth = _auth(settings, services, 60)
    auth.authenticate("127.0.0.1", admin.api_key, "ops")
    with services.db.transaction(write=True) as conn:
        new = accounts.rotate_key(conn, KeyHasher(SECRET.encode()), "ops")
    assert auth.authenticate("127.0.0.1", new.api_key, "ops").username == "ops"
    with pytest.raises(Unauthorized):
        auth.authenticate("127.0.0.1", admin.api_key, "ops")
    assert auth.throttle.retry_after("ip:127.0.0.1", "user:ops") == 0


def test_a_re_enabled_admin_works_at_once(settings: Settings, services: Services) -> None:
    """The disabled row a worker keeps does not outlive an enable."""
    admin = make_admin(services, "ops")
    auth = _auth(settings, services, 60)
    _disable(services, admin)
    with pytest.raises(Unauthorized):
        auth.authenticate("127.0.0.1", admin.api_key, "ops")
    with services.db.transaction(write=True) as conn:
        accounts.set_disabled(conn, "ops", False)
    assert auth.authenticate("127.0.0.1", admin.api_key, "ops").username == "ops"


def test_a_refusal_costs_the_same_work_whether_the_username_exists(
    settings: Settings, services: Services
) -> None:
    """Unknown names and wrong keys take the same reads and hashes, so timing tells nothing."""
    admin = make_admin(services, "ops")
    reader = accounts_repo.CredentialReader(services.db.engine)
    hasher = KeyHasher(SECRET.encode())
    reads: list[str] = []
    hashes: list[str] = []

    def lookup(name: str) -> AdminCredentials | None:
        reads.append(name)
        return reader(name)

    real_hash = hasher.hash

    def counting_hash(key: str) -> str:
        hashes.append(key)
        return real_hash(key)

    hasher.hash = counting_hash  # type: ignore[method-assign,assignment]
    auth = Authenticator(settings, hasher, lookup)
    auth.authenticate("127.0.0.1", admin.api_key, "ops")  # the row is now cached
    work = []
    for name in ("ops", "nobody"):
        reads.clear()
        hashes.clear()
        with pytest.raises(Unauthorized):
            auth.authenticate("127.0.0.1", "0" * 32, name)
        work.append((len(reads), len(hashes)))
    assert work[0] == work[1]
