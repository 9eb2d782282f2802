"""The delivery worker: fan events out, claim due deliveries, send them, record what came back.

One worker per process: a daemon thread with its own event loop and its own small engine inside
each `trackpost serve` worker process, or the main thread of `trackpost deliver`. Several workers
share the outbox safely: a claim locks rows with FOR UPDATE SKIP LOCKED on PostgreSQL (the single
writer serialises claims on SQLite) and leases them, so two never send one attempt at once, and a
lease left by a killed worker expires and its deliveries go out again (at least once).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection

from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine, name_os_thread, utcnow
from trackpost.delivery import service
from trackpost.delivery.outbound import Guard, Sender
from trackpost.delivery.service import Claimed, Outcome, Policy, Subscriber

log = logging.getLogger("trackpost.delivery")
THREAD_NAME = "tp-delivery"
T = TypeVar("T")

# Adds a kind's headers (a webhook's signature) to its claimed deliveries, in the claim's
# transaction, just before they are sent.
Signer = Callable[[Connection, list[Claimed]], None]


@dataclass(frozen=True)
class Plan:
    """What the wiring gives the worker: the subscribers of the fan-out and the kinds' signers."""

    subscribers: Sequence[Subscriber] = ()
    signers: Mapping[str, Signer] = field(default_factory=dict)


def policy_of(settings: Settings) -> Policy:
    return Policy(
        max_attempts=settings.delivery_max_attempts,
        base=settings.delivery_backoff_base_seconds,
        factor=settings.delivery_backoff_factor,
        pause_after=settings.delivery_pause_after_seconds,
        lease=max(settings.delivery_lease_seconds, settings.delivery_timeout_seconds + 1),
    )


class Worker:
    """Runs the delivery loop until stopped."""

    def __init__(self, settings: Settings, plan: Plan, db: Database | None = None) -> None:
        self.settings = settings
        self.plan = plan
        self.policy = policy_of(settings)
        self._db = db
        self._own_db = db is None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0  # attempts made by this worker (tests and logs)

    # -- running -----------------------------------------------------------------------------
    def start(self) -> Worker:
        """In a daemon thread of this process (inside `trackpost serve`)."""
        self._thread = threading.Thread(target=self.run, name=THREAD_NAME, daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def run(self) -> None:
        """In the calling thread until stop() (the `trackpost deliver` command)."""
        name_os_thread(THREAD_NAME)
        if self._db is None:
            self._db = Database(create_db_engine(self.settings, pool_size=2), checkpoint=False)
        try:
            asyncio.run(self._main())
        finally:
            if self._own_db:
                self._db.dispose()

    def request_stop(self) -> None:
        """Finish what is in flight and return (a signal handler may call this)."""
        self._stop.set()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=timeout)

    # -- the loop ----------------------------------------------------------------------------
    async def _call(self, fn: Callable[[Connection], T]) -> T:
        """One write transaction off the loop, so sends in flight keep moving meanwhile."""
        db = self._db
        assert db is not None

        def run() -> T:
            with db.transaction(write=True) as conn:
                return fn(conn)

        return await asyncio.to_thread(run)

    async def _main(self) -> None:
        s = self.settings
        sender = Sender(
            Guard(s.outbound_allow_private),
            timeout=s.delivery_timeout_seconds,
            per_host=s.delivery_host_concurrency,
        )
        tasks: set[asyncio.Task[None]] = set()
        results: list[Outcome] = []
        settled = asyncio.Event()

        async def attempt(d: Claimed) -> None:
            try:
                results.append(await sender.send(d))
            finally:
                sender.release(d.host)
                settled.set()

        try:
            while not self._stop.is_set():
                busy = False
                try:
                    busy = await self._tick(sender, tasks, results, attempt)
                except Exception:
                    # A database that is down now may be back soon; serving goes on.
                    log.exception("delivery: a round failed")
                    await asyncio.sleep(min(5.0, s.delivery_poll_seconds * 4))
                if busy or results:
                    await asyncio.sleep(0)
                    continue
                settled.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(settled.wait(), s.delivery_poll_seconds)
            # Stopping: what is in flight finishes (bounded by the timeout) and is recorded.
            if tasks:
                await asyncio.wait(tasks, timeout=s.delivery_timeout_seconds + 1)
            if results:
                done, results[:] = list(results), []
                await self._call(lambda c: service.record_outcomes(c, done, self.policy))
        finally:
            await sender.close()

    async def _tick(
        self,
        sender: Sender,
        tasks: set[asyncio.Task[None]],
        results: list[Outcome],
        attempt: Callable[[Claimed], Any],
    ) -> bool:
        """One round; True when there may be more to do at once."""
        subscribers = self.plan.subscribers
        taken = 0
        if subscribers:
            taken = await self._call(lambda c: service.fan_out(c, subscribers))
        if results:
            done, results[:] = list(results), []
            self.sent += len(done)
            await self._call(lambda c: service.record_outcomes(c, done, self.policy))
        room = self.settings.delivery_concurrency - len(tasks)
        if room <= 0:
            return taken > 0
        claimed = await self._call(lambda c: self._claim(c, room, sender.busy_hosts()))
        overflow = []
        for d in claimed:
            if not sender.has_room(d.host):
                overflow.append(d.id)
                continue
            sender.reserve(d.host)
            task = asyncio.create_task(attempt(d))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if overflow:
            await self._call(lambda c: service.give_back(c, overflow))
        return taken > 0 or len(claimed) - len(overflow) > 0

    def _claim(self, conn: Connection, room: int, busy: list[str]) -> list[Claimed]:
        claimed = service.claim(conn, room, busy, self.policy, utcnow())
        for kind, sign in self.plan.signers.items():
            mine = [d for d in claimed if d.kind == kind]
            if mine:
                sign(conn, mine)
        return claimed


def drain(settings: Settings, plan: Plan, db: Database, *, rounds: int = 50) -> int:
    """Run rounds in the caller's thread until nothing is due (tests and `deliver --once`)."""
    worker = Worker(settings, plan, db)

    async def go() -> int:
        sender = Sender(
            Guard(settings.outbound_allow_private),
            timeout=settings.delivery_timeout_seconds,
            per_host=settings.delivery_host_concurrency,
        )
        tasks: set[asyncio.Task[None]] = set()
        results: list[Outcome] = []
        made = 0

        async def attempt(d: Claimed) -> None:
            try:
                results.append(await sender.send(d))
            finally:
                sender.release(d.host)

        try:
            for _ in range(rounds):
                more = await worker._tick(sender, tasks, results, attempt)
                if tasks:
                    await asyncio.wait(set(tasks))
                made += len(results)
                if not more and not tasks and not results:
                    break
        finally:
            await sender.close()
        return made

    return asyncio.run(go())
