"""Posted passwords are hashed off the event loop and outside the writer's turn, one per address.

A hash is slow by design; run inside a write transaction it held every other write of the worker
(clicks, locks) for its duration, so anyone could stall the platform by posting passwords.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from tests.conftest import Admin
from tests.postbacks.network import PIXEL, Network
from trackpost.core import security

RELEASE_AFTER = 10.0  # seconds a held hash waits at most (a liveness bound, not a timing check)


class HeldHashes:
    """hash_password that waits until released, recording what happened first."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.events: list[str] = []
        real = security.hash_password

        def held(password: str) -> str:
            self.started.release()
            self.events.append("hash released" if self.release.wait(RELEASE_AFTER) else "timeout")
            return real(password)

        monkeypatch.setattr(security, "hash_password", held)


def _client(net: Network, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=net.http.app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def _rebill(subscription_id: str, orderid: str) -> dict[str, Any]:
    return {
        "type": "rebill",
        "subscription_id": subscription_id,
        "orderid": orderid,
        "amount": "9.95",
        "password": "Customer-pass-1",
    }


async def _started(held: HeldHashes) -> None:
    """Wait (off the loop) until a hash has begun in its thread."""
    assert await asyncio.to_thread(held.started.acquire, True, RELEASE_AFTER)


def test_a_hash_in_progress_blocks_no_other_write(
    net: Network, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    net.convert(subscription_id="sub-1", orderid="o-1")
    other = net.convert(subscription_id="sub-2", orderid="o-2")["customer_id"]
    held = HeldHashes(monkeypatch)

    async def run() -> None:
        async with _client(net, "198.51.100.7") as client:
            post = asyncio.create_task(client.get(PIXEL, params=_rebill("sub-1", "o-3")))
            await _started(held)
            # While the hash runs, another customer is locked: its write commits at once.
            lock = await client.patch(
                "/api/customer/lock", headers=admin.headers, data={"customer_id": other}
            )
            assert lock.content == b"true"
            held.events.append("lock committed")
            held.release.set()
            assert (await post).status_code == 200

    asyncio.run(run())
    assert held.events == ["lock committed", "hash released"]
    stored = net.customer(net.rows()[0]["customer_id"])["password_hash"]
    assert security.verify_password("Customer-pass-1", stored)


def test_one_address_may_have_one_hash_in_progress(
    net: Network, monkeypatch: pytest.MonkeyPatch
) -> None:
    net.convert(subscription_id="sub-1", orderid="o-1")
    held = HeldHashes(monkeypatch)

    async def run() -> None:
        async with _client(net, "198.51.100.7") as noisy, _client(net, "203.0.113.9") as quiet:
            first = asyncio.create_task(noisy.get(PIXEL, params=_rebill("sub-1", "n-1")))
            await _started(held)
            refused = await noisy.get(PIXEL, params=_rebill("sub-1", "n-2"))
            assert refused.status_code == 503
            assert refused.json()["code"] == "password_hashing_busy"
            assert refused.headers["retry-after"] == "1"
            # Another address is not held up by the noisy one's share.
            elsewhere = asyncio.create_task(quiet.get(PIXEL, params=_rebill("sub-1", "q-1")))
            await _started(held)
            held.release.set()
            assert [(await t).status_code for t in (first, elsewhere)] == [200, 200]

    asyncio.run(run())
    # The refused post wrote nothing; a retry after the others finished is accepted.
    assert net.post(**_rebill("sub-1", "n-2"), _ip="198.51.100.7").status_code == 200
