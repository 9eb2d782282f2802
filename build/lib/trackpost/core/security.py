"""Secrets: API key generation and keyed hashing, password hashing, the server secret."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from trackpost.core.config import Settings
from trackpost.core.errors import ServiceUnavailable

# RFC 9106's low-memory profile: still slow to brute-force, but bounded so that a burst of
# postbacks carrying passwords cannot exhaust the host's memory.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)


def new_api_key() -> str:
    """A 128-bit random key in the vendor's 32-hex-digit shape."""
    return secrets.token_hex(16)


def new_click_hash() -> str:
    """An unguessable click hash: the time in milliseconds (12 hex digits), then 120 random bits.

    The time prefix makes new hashes sort after older ones, so each click's insert lands at the
    right-hand edge of the unique index instead of on a random page of it: a batch of clicks
    dirties a few index pages rather than one per click, and the index's working set stays
    small however many clicks it holds. The 120 random bits alone make it unguessable.
    """
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_urlsafe(15)}"


class KeyHasher:
    """Keyed HMAC-SHA256 of API keys; keys are random, so a fast keyed hash suffices."""

    def __init__(self, secret: bytes) -> None:
        # Keyed once: each hash copies the keyed state instead of deriving it from the secret
        # again (a third cheaper than the one-shot hmac.digest, on every authenticated request).
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)
        self._dummy = self.hash("trackpost-dummy-key")

    def hash(self, api_key: str) -> str:
        mac = self._keyed.copy()
        mac.update(api_key.encode("utf-8"))
        return mac.hexdigest()

    def verify(self, api_key: str, stored: str | None) -> bool:
        """Constant-time check; an absent account still costs one HMAC and one compare."""
        candidate = self.hash(api_key)
        return hmac.compare_digest(candidate, stored if stored is not None else self._dummy) and (
            stored is not None
        )


def load_secret(settings: Settings) -> bytes:
    """TRACKPOST_SECRET_KEY, or var/secret.key created once with mode 0600."""
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    path = Path(settings.data_dir) / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when several workers start at once, exactly one writes the secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            data = path.read_bytes().strip()
            if data:
                return data
            time.sleep(0.02)
        raise RuntimeError(
            f"{path} exists but is empty; delete it or set TRACKPOST_SECRET_KEY"
        ) from None
    secret = secrets.token_hex(32).encode("ascii")
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret + b"\n")
    return secret


def hash_password(password: str) -> str:
    """Slow salted hash for human passwords (argon2id)."""
    return _hasher.hash(password)


class HashedPassword(str):
    """A password's argon2 hash, made before the transaction that stores it."""


def password_hash_of(password: str) -> str:
    """The stored form of a password: a hash made earlier is kept as it is."""
    return password if isinstance(password, HashedPassword) else hash_password(password)


class PasswordHashing:
    """Hashes passwords in threads, never in the event loop nor inside a write transaction.

    A hash costs tens of milliseconds by design. Run in a request's transaction it held SQLite's
    single writer that long, so anyone posting passwords could stall every write; here it waits
    off the loop, and one client address may have one hash in progress at a time, so it can
    never take every thread from the others (its next post gets a 503 to retry).
    """

    def __init__(self, threads: int = 2, per_source: int = 1) -> None:
        self.per_source = per_source
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="tp-hash")
        # Touched only from the worker's event loop: no lock needed.
        self._busy: dict[str, int] = {}

    async def hash(self, source: str, password: str) -> HashedPassword:
        """The hash, or 503 password_hashing_busy when this source already has its share."""
        busy = self._busy.get(source, 0)
        if busy >= self.per_source:
            raise ServiceUnavailable(
                "Too many passwords from this address are being hashed; retry shortly.",
                code="password_hashing_busy",
                headers={"Retry-After": "1"},
            )
        self._busy[source] = busy + 1
        try:
            loop = asyncio.get_running_loop()
            return HashedPassword(await loop.run_in_executor(self._pool, hash_password, password))
        finally:
            left = self._busy[source] - 1
            if left:
                self._busy[source] = left
            else:
                del self._busy[source]

    async def verify(self, source: str, password: str, stored: str | None) -> bool:
        """A sign-in's password check, off the loop and under the same per-source share.

        An unknown account is checked against a dummy hash, so that the answer's time does not
        tell which usernames exist.
        """
        busy = self._busy.get(source, 0)
        if busy >= self.per_source:
            raise ServiceUnavailable(
                "Too many sign-ins from this address are being checked; retry shortly.",
                code="password_hashing_busy",
                headers={"Retry-After": "1"},
            )
        self._busy[source] = busy + 1
        try:
            loop = asyncio.get_running_loop()
            target = stored or _dummy_hash()
            ok = await loop.run_in_executor(self._pool, verify_password, password, target)
            return ok and stored is not None
        finally:
            left = self._busy[source] - 1
            if left:
                self._busy[source] = left
            else:
                del self._busy[source]

    def close(self) -> None:
        """Let the threads go (at shutdown)."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash of a random password, made once, for checks of accounts that do not exist."""
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_hex(16)))
    return _DUMMY[0]


def verify_password(password: str, stored: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
