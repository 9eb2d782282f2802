"""Trackfinity-style header authentication: api-key and api-username on every /api call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from trackpost.core.config import IPNetwork, Settings
from trackpost.core.errors import Forbidden, TooManyRequests, Unauthorized
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
_BAD_CREDENTIALS = "Invalid or missing API credentials (api-key and api-username headers)."


class Authenticator:
    """Checks the global allowlist, throttling, the key and the per-admin allowlist, in that order."""

    def __init__(self, settings: Settings, hasher: KeyHasher, lookup: CredentialLookup) -> None:
        self.settings = settings
        self.hasher = hasher
        self.lookup = lookup
        self.throttle = FailureThrottle(
            settings.auth_fail_limit, float(settings.auth_fail_window_seconds)
        )

    def check_ip(self, ip: str) -> None:
        allowed = self.settings.admin_api_allowed_ips
        if allowed and not in_networks(ip, allowed):
            raise Forbidden(f"API access is not allowed from {ip}.", code="ip_not_allowed")

    def authenticate(self, ip: str, api_key: str | None, username: str | None) -> Principal:
        self.check_ip(ip)
        # Usernames are at most 64 characters; a longer header must not buy more memory here.
        ip_key, user_key = f"ip:{ip}", f"user:{(username or '')[:_MAX_USERNAME].lower()}"
        wait = self.throttle.retry_after(ip_key, user_key)
        if wait:
            raise TooManyRequests(
                "Too many failed authentication attempts; retry later.",
                code="too_many_auth_failures",
                headers={"Retry-After": str(wait)},
            )
        creds = self.lookup(username) if api_key and username else None
        ok = self.hasher.verify(api_key or "", creds.api_key_hash if creds else None)
        if not ok or creds is None or creds.disabled:
            self.throttle.record(ip_key, user_key)
            raise Unauthorized(_BAD_CREDENTIALS, code="unauthorized")
        if creds.allow_ips and not in_networks(ip, creds.allow_ips):
            raise Forbidden(
                f"API access for this account is not allowed from {ip}.", code="ip_not_allowed"
            )
        return Principal(creds.loginid, creds.username)
