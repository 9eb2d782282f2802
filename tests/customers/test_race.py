"""Lock racing set_customer_details across two real server processes on one database.

The rule under test: an edit racing a lock either commits before the lock or is refused with 409
customer_locked; it is never written after the lock committed. Two `trackpost serve` processes
share one database (an SQLite file, and PostgreSQL when configured); each round creates a fresh
customer and fires one lock and several edits at it at the same moment, through both servers.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
import requests
from sqlalchemy import select

from tests.customers.factory import add_advertiser, add_customer, customer_row
from tests.examples.live import BACKENDS, Instance, live_instance
from trackpost.models.tables import customer_audit

ROUNDS = 30
EDITS_PER_ROUND = 4
TIME_BUDGET = 8.0  # seconds; the test stops early rather than run long on a slow machine
MIN_ROUNDS = 8


@dataclass
class Outcome:
    kind: str
    value: str
    status: int
    code: str | None


@pytest.fixture(scope="module", params=BACKENDS)
def two_servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Instance]:
    workdir = tmp_path_factory.mktemp(f"race-{request.param}")
    with live_instance(request.param, workdir, servers=2) as inst:
        yield inst


def _fire(
    inst: Instance, url: str, path: str, data: dict[str, str], barrier: threading.Barrier
) -> requests.Response:
    barrier.wait()
    time.sleep(random.uniform(0, 0.004))  # spread the arrivals so both orders happen
    return requests.patch(f"{url}{path}", data=data, headers=inst.headers, timeout=30)


def _round(inst: Instance, pool: ThreadPoolExecutor, customer_id: int, n: int) -> list[Outcome]:
    barrier = threading.Barrier(EDITS_PER_ROUND + 1)
    lock_url = inst.urls[n % 2]
    lock = pool.submit(
        _fire, inst, lock_url, "/api/customer/lock", {"customer_id": str(customer_id)}, barrier
    )
    edits = []
    for k in range(EDITS_PER_ROUND):
        value = f"round{n}-edit{k}"
        data = {"customer_id": str(customer_id), "custom1": value}
        future = pool.submit(
            _fire,
            inst,
            inst.urls[(n + k + 1) % 2],
            "/api/customer/set_customer_details",
            data,
            barrier,
        )
        edits.append((value, future))
    outcomes = []
    lock_resp = lock.result()
    assert (lock_resp.status_code, lock_resp.content) == (200, b"true"), lock_resp.text
    for value, future in edits:
        resp = future.result()
        code = None if resp.status_code == 200 else resp.json()["code"]
        if resp.status_code == 200:
            assert resp.content == b"true"
        else:
            assert (resp.status_code, code) == (409, "customer_locked"), resp.text
        outcomes.append(Outcome("edit", value, resp.status_code, code))
    return outcomes


def _audit(inst: Instance, customer_id: int) -> list[dict[str, object]]:
    assert inst.db is not None
    with inst.db.transaction(write=False) as conn:
        rows = conn.execute(
            select(customer_audit)
            .where(customer_audit.c.customer_id == customer_id)
            .order_by(customer_audit.c.auditid)
        ).mappings()
        return [dict(r) for r in rows]


def test_no_edit_is_written_after_the_lock_commits(two_servers: Instance) -> None:
    inst = two_servers
    assert inst.db is not None
    advertiser = add_advertiser(inst.db, f"race_adv_{random.randrange(10**9)}")
    accepted = refused = rounds = 0
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=EDITS_PER_ROUND + 1) as pool:
        for n in range(ROUNDS):
            if n >= MIN_ROUNDS and time.monotonic() - started > TIME_BUDGET:
                break
            rounds += 1
            customer_id = add_customer(inst.db, advertiser, f"race-{n}", custom1="initial")
            outcomes = _round(inst, pool, customer_id, n)
            trail = _audit(inst, customer_id)
            actions = [str(r["action"]) for r in trail]
            assert actions.count("lock") == 1, actions
            lock_pos = actions.index("lock")
            lock_row = trail[lock_pos]
            written = [
                orjson.loads(str(r["changes"]))["custom1"]["after"]
                for r in trail
                if r["action"] == "set_details"
            ]
            # Every edit in the trail precedes the lock, in commit order and in time.
            for row in trail[lock_pos + 1 :]:
                assert row["action"] != "set_details", trail
            for row in trail[:lock_pos]:
                assert row["at"] <= lock_row["at"]  # type: ignore[operator]
            ok = {o.value for o in outcomes if o.status == 200}
            no = {o.value for o in outcomes if o.status == 409}
            assert set(written) == ok  # accepted edits are exactly those written
            assert not (no & set(written))  # refused edits left no trace
            final = customer_row(inst.db, customer_id)
            assert final["locked"] is True
            assert final["custom1"] == (written[-1] if written else "initial")
            accepted += len(ok)
            refused += len(no)
    print(f"race: {rounds} rounds, {accepted} edits accepted, {refused} refused")
    assert rounds >= MIN_ROUNDS
    # Both orders really happened, so the race was exercised rather than serialised by luck.
    assert accepted > 0
    assert refused > 0


def test_workdir_is_private(two_servers: Instance) -> None:
    assert Path(two_servers.workdir).exists()
    assert len(set(two_servers.urls)) == 2
