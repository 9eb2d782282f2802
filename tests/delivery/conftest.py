"""Fixtures of the delivery tests: an app allowed to reach 127.0.0.1, a network, a receiver."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import BuildApp, Built, make_admin
from tests.delivery.receiver import Receiver, running_receiver
from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.cli.background import delivery_plan
from trackpost.delivery.worker import drain

# Events the delivery consumer has not taken yet (its cursor is (txid, last_id); SQLite: id).
_UNREAD = text(
    "SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_cursors c "
    "WHERE c.consumer = 'delivery' AND (coalesce(e.txid, 0) < c.txid "
    "OR (coalesce(e.txid, 0) = c.txid AND e.id <= c.last_id)))"
)
# Fast retries: the schedule's shape is the production one, its unit milliseconds.
FAST = {
    "outbound_allow_private": "127.0.0.1/32",
    "delivery_backoff_base_seconds": 0.01,
    "delivery_backoff_factor": 2.0,
    "delivery_timeout_seconds": 2.0,
    "delivery_poll_seconds": 0.02,
}


@dataclass
class Outbound:
    """The app, an admin client, a network built through it, and a way to run delivery."""

    built: Built
    api: ApiClient
    net: Network

    def deliver(self, rounds: int = 50) -> int:
        """Fan out and send until nothing is due now; returns the attempts made.

        On PostgreSQL a consumer sees an event only once every older transaction of the
        cluster has ended (events/repository.py), and other test processes share the cluster:
        so this waits until every committed event has been fanned out.
        """
        made = 0
        for _ in range(500):
            made += drain(
                self.built.settings, delivery_plan(), self.built.services.db, rounds=rounds
            )
            if self.fanned_out():
                return made
            time.sleep(0.02)
        raise AssertionError("the delivery consumer never caught up with the event log")

    def fanned_out(self) -> bool:
        with self.built.services.db.transaction(write=False) as conn:
            left = conn.execute(_UNREAD).scalar_one()
        return int(left) == 0

    def settle(self, until: Any, timeout: float = 30.0) -> None:
        """Deliver repeatedly (retries come due) until `until()` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.deliver()
            if until():
                return
            time.sleep(0.02)
        raise AssertionError("delivery did not settle")

    def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        resp = self.api.get("/api/delivery/search", {"count": 500, **filters})
        assert resp.status_code == 200, resp.text
        out: list[dict[str, Any]] = resp.json()["deliveries"]
        return out


def make_outbound(build_app: BuildApp, **overrides: Any) -> Outbound:
    built = build_app(**{**FAST, **overrides})
    admin = make_admin(built.services, f"ops{id(built)}")
    api = ApiClient(built.client(), admin.headers)
    return Outbound(built, api, build_network(api, built.services))


@pytest.fixture
def out(build_app: BuildApp) -> Outbound:
    return make_outbound(build_app)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r
