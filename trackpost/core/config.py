"""Settings read once from the environment; every knob is a TRACKPOST_* variable.

pydantic-settings reads and checks them: a value that is not what its variable needs (a typo
such as TRACKPOST_ACCESS_LOG=flase) stops the server at start with a sentence naming it.
"""

from __future__ import annotations

import ipaddress
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AliasChoices,
    BeforeValidator,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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


def _networks(value: object) -> object:
    if isinstance(value, str):
        return parse_networks(value, "list")
    return value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _country_header(value: object) -> object:
    # An HTTP header name (RFC 9110 token characters); blank means no header is read.
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text and not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError(f"{text[:64]!r} is not an HTTP header name")
    return text


def _readable_file(value: Path | None) -> Path | None:
    if value is not None and not value.is_file():
        raise ValueError(f"{str(value)[:200]!r} is not a readable file")
    return value


def normalise_database_url(url: str) -> str:
    """Map plain postgresql:// URLs to the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _zone_name(value: object) -> object:
    if not isinstance(value, str) or not value.strip():
        return "UTC"
    try:
        ZoneInfo(value.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value.strip()!r} is not an IANA time zone name") from None
    return value.strip()


Networks = Annotated[tuple[IPNetwork, ...], NoDecode, BeforeValidator(_networks)]


def _env(name: str, field: str) -> Any:
    # The variable's name, and the field's own for code that builds Settings directly.
    return AliasChoices(field, f"TRACKPOST_{name}")


def _setting_cents(value: object) -> object:
    """A money setting written in the base currency ('5.00') as cents, rounded half up."""
    if not isinstance(value, str):
        return value
    try:
        amount = Decimal(value.strip() or "0")
    except InvalidOperation:
        raise ValueError("must be an amount in the base currency such as 5.00") from None
    if not amount.is_finite():
        raise ValueError("must be an amount in the base currency such as 5.00")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Settings(BaseSettings):
    """Process-wide configuration; build with Settings.from_env()."""

    model_config = SettingsConfigDict(
        env_prefix="TRACKPOST_", frozen=True, extra="ignore", populate_by_name=True
    )

    database_url: str = ""
    data_dir: Path = Path("var")
    secret_key: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=256)
    admin_api_allowed_ips: Networks = ()
    trusted_proxies: Networks = ()
    sqlite_synchronous: Annotated[Literal["NORMAL", "FULL", "EXTRA"], BeforeValidator(_upper)] = (
        "NORMAL"
    )
    # Concurrent write requests of one worker share a transaction (core/batch.py), on SQLite
    # and on PostgreSQL; each may be switched off on its own.
    group_commit: bool = Field(True, validation_alias=_env("SQLITE_GROUP_COMMIT", "group_commit"))
    postgres_group_commit: bool = True
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    auth_fail_limit: int = Field(10, ge=1)
    auth_fail_window_seconds: int = Field(
        60, ge=1, validation_alias=_env("AUTH_FAIL_WINDOW", "auth_fail_window_seconds")
    )
    # How long a worker trusts an admin's credentials row before reading it again.
    auth_cache_seconds: float = Field(1.0, ge=0, le=60)
    track_fallback_url: str = ""
    click_cookie_name: str = Field(
        "tp_click", min_length=1, validation_alias=_env("CLICK_COOKIE", "click_cookie_name")
    )
    click_cookie_days: int = Field(30, ge=0)
    access_log: bool = True
    # 200: business errors (400, 404, 409) answer 200 with the same envelope, for integrations
    # that take any other status for a transport failure.
    vendor_error_status: Literal[200] | None = None
    # "ignore": names no endpoint documents are dropped instead of refused (legacy clients).
    unknown_params: Literal["refuse", "ignore"] = "refuse"
    # Clicks older than this many days that no customer or transaction refers to are pruned
    # (trackpost/tracking/retention.py); None keeps every click.
    click_retention_days: int | None = Field(None, ge=1)
    # Refused advertiser posts are kept for admins to read and replay: at most this many per
    # sender address a minute in each worker (a sender on no list cannot grow the table at
    # will; 0 keeps every one), and for this many days.
    failed_postback_limit: int = Field(60, ge=0)
    failed_postback_days: int = Field(30, ge=1, le=3650)
    # "json": every log line one JSON object, and trackpost writes the access log itself.
    log_format: Annotated[Literal["text", "json"], BeforeValidator(_lower)] = "text"
    # Set: /metrics answers only `Authorization: Bearer <token>`; unset, only allowed addresses.
    metrics_token: Annotated[str | None, BeforeValidator(_blank_is_none)] = None
    # Outbound delivery (trackpost/delivery/): a worker in serve's jobs process (`trackpost
    # deliver` runs one alone), and the addresses they may reach.
    delivery_workers: bool = True
    # serve runs its background jobs (delivery, the statistics fold, payments, click retention)
    # in one child process, at this niceness (docs/ARCHITECTURE.md, "Background jobs": on
    # SQLite keep 0, since a niced process holding the single writer stalls every request).
    jobs_nice: int = Field(0, ge=0, le=19)
    outbound_allow_private: Networks = ()
    delivery_timeout_seconds: float = Field(10.0, gt=0, le=120)
    delivery_max_attempts: int = Field(8, ge=1, le=50)
    delivery_backoff_base_seconds: float = Field(60.0, gt=0)
    delivery_backoff_factor: float = Field(3.15, ge=1)
    delivery_pause_after_seconds: float = Field(86400.0, gt=0)
    delivery_host_concurrency: int = Field(8, ge=1, le=1024)
    delivery_concurrency: int = Field(256, ge=1, le=4096)
    delivery_poll_seconds: float = Field(0.5, gt=0, le=60)
    # A worker that dies mid-send leaves its deliveries leased this long before another sends them.
    delivery_lease_seconds: float = Field(60.0, gt=0)
    # The network's rule for rebills of affiliates no longer active (docs/commissions.md):
    # a disabled affiliate keeps earning on its customers' rebills, a banned one does not.
    rebill_pay_disabled: bool = True
    rebill_pay_banned: bool = False
    # A flat bonus (base currency, '5.00'; 0: none) paid to an affiliate's referrer once, on the
    # referred affiliate's first conversion (docs/commissions.md); held as cents.
    referral_signup_bonus: Annotated[int, BeforeValidator(_setting_cents)] = Field(
        0, ge=0, le=10**11
    )
    # One serve worker builds payments when payout periods end (docs/payments.md).
    payments_build: bool = True
    # The admin console: a session ends after this many idle minutes, and at the latest this
    # many hours after sign-in, whatever its use.
    console_idle_minutes: int = Field(30, ge=1, le=24 * 60)
    console_max_hours: int = Field(12, ge=1, le=24 * 30)
    # Where `serve`'s workers keep their metrics files (memory-mapped; data_dir/metrics when
    # unset). Best on a RAM-backed filesystem (/run, /dev/shm): a write to a memory-mapped page
    # on a full disk kills the process (SIGBUS), where the database would only answer 503.
    metrics_dir: Annotated[Path | None, BeforeValidator(_blank_is_none)] = None
    # Stopping (SIGTERM): for this long /healthz answers 503 while everything else is served as
    # usual, so that a load balancer's health check takes the host out first (0: no drain) ...
    shutdown_drain: float = Field(0.0, ge=0, le=600)
    # ... then the server stops accepting and gives the requests and write batches in flight
    # this long to finish; a worker still busy after it is killed (nothing it had not
    # answered was acknowledged).
    shutdown_timeout: int = Field(10, ge=1, le=3600)
    # The network's time zone (an IANA name such as America/New_York): every period code, day
    # boundary, payout period and report uses its days. Stored times stay UTC.
    timezone: Annotated[str, BeforeValidator(_zone_name)] = "UTC"
    # A click's country (docs/tracking.md): this header when a trusted proxy sends it (blank:
    # none is read), else the GeoIP database in MaxMind's format named here, else unknown.
    country_header: Annotated[str, BeforeValidator(_country_header), Field(max_length=64)] = (
        "CF-IPCountry"
    )
    geoip_db: Annotated[
        Path | None, BeforeValidator(_blank_is_none), AfterValidator(_readable_file)
    ] = None
    # Statistics (trackpost/stats/job.py): serve's jobs process folds new clicks and ledger events
    # into the hourly rollups every this many seconds; 0 runs no fold job (reports stay exact,
    # counting the unfolded tail live, which grows). A click is unique when the same IP's
    # previous click on the offer is at least the offer's ip_uniqueness_seconds old, or this
    # many seconds when the offer sets none.
    stats_fold_seconds: float = Field(5.0, ge=0, le=3600)
    # On SQLite the fold sums each batch at this niceness (its copy into the rollups, which
    # holds the writer, runs at the process's own): a saturated host serves clicks first and
    # the fold catches up, counted live meanwhile, when the load eases (0: no lowering).
    stats_fold_nice: int = Field(10, ge=0, le=19)
    stats_unique_seconds: int = Field(86400, ge=0)
    # Caps (trackpost/caps/job.py): serve's jobs process forgets the unique-click addresses and
    # counted sales of ended cap windows every this many seconds; 0 runs no prune job
    # (`trackpost caps prune` does the same once).
    caps_prune_seconds: float = Field(600.0, ge=0, le=86400)

    @model_validator(mode="after")
    def _database(self) -> Settings:
        url = self.database_url or f"sqlite:///{self.data_dir / 'trackpost.db'}"
        object.__setattr__(self, "database_url", normalise_database_url(url))
        if not self.secret_key:
            object.__setattr__(self, "secret_key", None)
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The network's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (validated like the environment's)."""
        return Settings.model_validate({**self.model_dump(), **changes})

    @classmethod
    def from_env(cls) -> Settings:
        """The environment's settings, or a ValueError naming each bad variable."""
        try:
            return cls()
        except ValidationError as exc:
            raise ValueError(_explain(exc)) from None


def _variable(field: str) -> str:
    alias = (
        Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
    )
    if isinstance(alias, AliasChoices):
        return next(str(c) for c in alias.choices if str(c).startswith("TRACKPOST_"))
    return f"TRACKPOST_{field.upper()}"


def _explain(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors(include_url=False):
        name = _variable(str(err["loc"][0]) if err["loc"] else "")
        problems.append(f"{name}: {err['msg']} (got {str(err.get('input'))[:64]!r})")
    return "; ".join(problems)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process settings, read from the environment on first use."""
    return Settings.from_env()
