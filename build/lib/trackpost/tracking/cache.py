"""Per-process cache of linkcode resolutions, dropped whenever the shared version moves.

Every change to an affiliate, offer or landing page bumps the `tracking` row of cache_versions in
its own transaction; each click reads that row (one primary-key read) and empties this cache when
the number differs from the one it was filled under. So a worker process never serves a
resolution older than the last committed change, without any cross-process messaging.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection

from trackpost.tracking.linkcode import TrackingCode
from trackpost.tracking.urls import UrlTemplate


@dataclass(frozen=True, slots=True)
class Target:
    """Where a click may be sent: a configured landing page or an offer's expire URL."""

    offerid: int
    landing_pageid: int
    template: UrlTemplate
    deep_linking: bool


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a code resolves to; target None means the code leads nowhere (a 404)."""

    code: TrackingCode | None
    target: Target | None
    active: bool = False
    date_live: dt.datetime | None = None
    date_expire: dt.datetime | None = None
    expire_target: Target | None = None
    reason: str = ""

    def available(self, now: dt.datetime) -> bool:
        """An offer takes normal clicks while active, live and not yet expired."""
        if not self.active:
            return False
        if self.date_live is not None and now < self.date_live:
            return False
        return self.date_expire is None or now < self.date_expire


class ResolutionCache:
    """Code text to Resolution, bounded; unknown codes are cached too, so misses stay cheap."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self.max_entries = max_entries
        self.version = -1
        self._entries: dict[str, Resolution] = {}

    def sync(self, version: int) -> None:
        if version != self.version:
            self._entries.clear()
            self.version = version

    def clear(self) -> None:
        """Forget everything (a group commit failed: what was read may never have existed)."""
        self._entries.clear()
        self.version = -1

    def get(self, code: str) -> Resolution | None:
        return self._entries.get(code)

    def put(self, code: str, resolution: Resolution) -> None:
        if len(self._entries) >= self.max_entries:
            # Simple and bounded: a flood of random codes cannot grow memory, only cost misses.
            self._entries.clear()
        self._entries[code] = resolution

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True, slots=True)
class Overflow:
    """Where a capped click goes instead: another offer (its landing page) or a URL."""

    offerid: int | None = None
    landing_pageid: int | None = None
    url: str | None = None


class ClickGate(Protocol):
    """A check every recorded click passes before it is inserted (the caps install one)."""

    def admit(
        self,
        conn: Connection,
        version: int,
        offerid: int,
        loginid: int,
        ip: str,
        now: dt.datetime,
    ) -> Overflow | None:
        """None lets the click through, counted; an Overflow sends it elsewhere."""
        ...

    def clear(self) -> None:
        """Forget cached state (a group commit failed)."""
        ...


class ClickGates:
    """The worker's click gate, installed by the wiring: caps sit above tracking's floor."""

    def __init__(self) -> None:
        self.gate: ClickGate | None = None

    def clear(self) -> None:
        if self.gate is not None:
            self.gate.clear()
