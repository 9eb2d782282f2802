"""Trackfinity-style header authentication: api-key and api-username on every /api call."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from trackpost.core.config import IPNetwork, Settings
from trackpost.core.errors import Forbidden, TooManyRequests, Unauthorized
from trackpost.core.metrics import Metrics, new_metrics
from trackpost.core.net import in_networks
from trackpost.core.security import KeyHasher
from trackpost.core.throttle import FailureThrottle


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated admin a request acts as."""

    loginid: int
    username: str


@dataclass(frozen=True, slots=True)
class AdminCredentials:
    """What authentication needs to know about an admin account."""

    loginid: int
    username: str
    api_key_hash: str | None
    disabled: bool
    allow_ips: tuple[IPNetwork, ...]


# Reads an admin's credentials by username (case-insensitive) from committed state.
CredentialLookup = Callable[[str], AdminCredentials | None]

_MAX_USERNAME = 128
_MAX_CACHED = 10_000
_BAD_CREDENTIALS = "Invalid or missing API credentials (api-key and api-username headers)."


class Authenticator:
    """Checks the global allowlist, throttling, the key and the per-admin allowlist, in that order."""

    def __init__(
        self,
        settings: Settings,
        hasher: KeyHasher,
        lookup: CredentialLookup,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or new_metrics()
        self.hasher = hasher
        self.lookup = lookup
        self.throttle = FailureThrottle(
            settings.auth_fail_limit, float(settings.auth_fail_window_seconds)
        )
        self.cache_seconds = settings.auth_cache_seconds
        self._cache: dict[str, tuple[float, AdminCredentials]] = {}

    def credentials(self, username: str, *, fresh: bool = False) -> AdminCredentials | None:
        """The admin's credentials, re-read at most once per auth_cache_seconds per worker.

        Only existing accounts' rows are kept (the key hash, never a key), so an unknown name
        always reaches the database and the throttle, and a new admin works at once; a rotated
        key or a disabled account takes effect within auth_cache_seconds in every worker.
        fresh=True reads the row now (and keeps that).
        """
        return self._credentials(username, fresh)[0]

    def _credentials(self, username: str, fresh: bool) -> tuple[AdminCredentials | None, bool]:
        """The credentials, and whether they were read from the database just now."""
        if self.cache_seconds <= 0:
            return self.lookup(username), True
        key = username.lower()
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now and not fresh:
            return hit[1], False
        creds = self.lookup(username)
        if creds is None:
            self._cache.pop(key, None)
            return None, True
        if len(self._cache) >= _MAX_CACHED:
            self._cache.clear()
        self._cache[key] = (now + self.cache_seconds, creds)
        return creds, True

    def check_ip(self, ip: str) -> None:
        allowed = self.settings.admin_api_allowed_ips
        if allowed and not in_networks(ip, allowed):
            self.metrics.auth_ip_not_allowed.inc()
            raise Forbidden(f"API access is not allowed from {ip}.", code="ip_not_allowed")

    def authenticate(self, ip: str, api_key: str | None, username: str | None) -> Principal:
        self.check_ip(ip)
        # Usernames are at most 64 characters; a longer header must not buy more memory here.
        ip_key, user_key = f"ip:{ip}", f"user:{(username or '')[:_MAX_USERNAME].lower()}"
        wait = self.throttle.retry_after(ip_key, user_key)
        if wait:
            self.metrics.auth_throttled.inc()
            raise TooManyRequests(
                "Too many failed authentication attempts; retry later.",
                code="too_many_auth_failures",
                headers={"Retry-After": str(wait)},
            )
        name = username or ""
        creds, read_now = self._credentials(name, False)
        ok = self.hasher.verify(api_key or "", creds.api_key_hash if creds else None)
        if creds is None or not ok or creds.disabled:
            # A refusal is only ever made on the current row: a kept one may be older than a
            # rotation or an enable, so a new key works at once and never feeds the throttle.
            if not read_now:
                creds = self.credentials(name, fresh=True)
            # Every refusal costs one read and two hashes, known name or not, so that its
            # time does not tell which usernames exist.
            ok = self.hasher.verify(api_key or "", creds.api_key_hash if creds else None)
        if not ok or creds is None or creds.disabled:
            self.throttle.record(ip_key, user_key)
            self.metrics.auth_bad_credentials.inc()
            raise Unauthorized(_BAD_CREDENTIALS, code="unauthorized")
        if creds.allow_ips and not in_networks(ip, creds.allow_ips):
            self.metrics.auth_ip_not_allowed.inc()
            raise Forbidden(
                f"API access for this account is not allowed from {ip}.", code="ip_not_allowed"
            )
        return Principal(creds.loginid, creds.username)
