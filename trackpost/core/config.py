"""Settings read once from the environment; every knob is a TRACKPOST_* variable."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(raw: str, name: str) -> tuple[IPNetwork, ...]:
    """Parse a comma- or space-separated CIDR list; raise ValueError naming the setting."""
    nets: list[IPNetwork] = []
    for part in raw.replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(f"{name}: {part!r} is not an IP address or CIDR network") from exc
    return tuple(nets)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from exc


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if not 0 <= value <= 60:
        raise ValueError(f"{name} must be between 0 and 60 seconds, got {raw!r}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Map plain postgresql:// URLs to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration; build with Settings.from_env()."""

    database_url: str
    data_dir: Path
    secret_key: str | None
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    admin_api_allowed_ips: tuple[IPNetwork, ...] = ()
    trusted_proxies: tuple[IPNetwork, ...] = ()
    sqlite_synchronous: str = "NORMAL"
    # Concurrent write requests of one worker share a transaction (core/batch.py), on SQLite
    # and on PostgreSQL; each may be switched off on its own.
    group_commit: bool = True
    postgres_group_commit: bool = True
    max_body_bytes: int = 1024 * 1024
    auth_fail_limit: int = 10
    auth_fail_window_seconds: int = 60
    # How long a worker trusts an admin's credentials row before reading it again.
    auth_cache_seconds: float = 1.0
    track_fallback_url: str = ""
    click_cookie_name: str = "tp_click"
    click_cookie_days: int = 30
    access_log: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("TRACKPOST_DATA_DIR", "var"))
        default_db = f"sqlite:///{data_dir / 'trackpost.db'}"
        url = normalise_database_url(os.environ.get("TRACKPOST_DATABASE_URL", "") or default_db)
        sync = os.environ.get("TRACKPOST_SQLITE_SYNCHRONOUS", "NORMAL").strip().upper()
        if sync not in {"NORMAL", "FULL", "EXTRA"}:
            raise ValueError("TRACKPOST_SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA")
        return cls(
            database_url=url,
            data_dir=data_dir,
            secret_key=os.environ.get("TRACKPOST_SECRET_KEY") or None,
            host=os.environ.get("TRACKPOST_HOST", "127.0.0.1"),
            port=_env_int("TRACKPOST_PORT", 8000),
            workers=_env_int("TRACKPOST_WORKERS", 1),
            admin_api_allowed_ips=parse_networks(
                os.environ.get("TRACKPOST_ADMIN_API_ALLOWED_IPS", ""),
                "TRACKPOST_ADMIN_API_ALLOWED_IPS",
            ),
            trusted_proxies=parse_networks(
                os.environ.get("TRACKPOST_TRUSTED_PROXIES", ""), "TRACKPOST_TRUSTED_PROXIES"
            ),
            sqlite_synchronous=sync,
            group_commit=_env_bool("TRACKPOST_SQLITE_GROUP_COMMIT", True),
            postgres_group_commit=_env_bool("TRACKPOST_POSTGRES_GROUP_COMMIT", True),
            max_body_bytes=_env_int("TRACKPOST_MAX_BODY_BYTES", 1024 * 1024),
            auth_fail_limit=_env_int("TRACKPOST_AUTH_FAIL_LIMIT", 10),
            auth_fail_window_seconds=_env_int("TRACKPOST_AUTH_FAIL_WINDOW", 60),
            auth_cache_seconds=_env_float("TRACKPOST_AUTH_CACHE_SECONDS", 1.0),
            track_fallback_url=os.environ.get("TRACKPOST_TRACK_FALLBACK_URL", ""),
            click_cookie_name=os.environ.get("TRACKPOST_CLICK_COOKIE", "tp_click"),
            click_cookie_days=_env_int("TRACKPOST_CLICK_COOKIE_DAYS", 30),
            access_log=_env_bool("TRACKPOST_ACCESS_LOG", True),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process settings, read from the environment on first use."""
    return Settings.from_env()
