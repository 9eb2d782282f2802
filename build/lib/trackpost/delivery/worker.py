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
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

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
        # A claimed delivery may wait one timeout for its host's slot, then take one to send.
        lease=max(settings.delivery_lease_seconds, settings.delivery_timeout_seconds * 3),
    )


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where installed (granian brings it): cheaper sends than asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


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
        self._fanned, self._fanned_at = True, 0.0  # the last fan-out took events; when it ran
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
            with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                runner.run(self._main())
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

    def _sender(self) -> Sender:
        s = self.settings
        return Sender(
            Guard(s.outbound_allow_private),
            timeout=s.delivery_timeout_seconds,
            per_host=s.delivery_host_concurrency,
        )

    async def _main(self) -> None:
        s = self.settings
        pump = _Pump(self._sender())
        try:
            while not self._stop.is_set():
                busy = False
                try:
                    busy = await self._tick(pump)
                except Exception:
                    # A database that is down now may be back soon; serving goes on.
                    log.exception("delivery: a round failed")
                    await asyncio.sleep(min(5.0, s.delivery_poll_seconds * 4))
                if busy or pump.results:
                    await asyncio.sleep(0)
                    continue
                pump.settled.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(pump.settled.wait(), s.delivery_poll_seconds)
            # Stopping: what waits goes back untried; what is in flight finishes (bounded by
            # the timeout) and is recorded.
            waiting = pump.drop_backlog()
            if waiting:
                await self._call(lambda c: service.give_back(c, waiting))
            if pump.tasks:
                await asyncio.wait(pump.tasks, timeout=s.delivery_timeout_seconds + 1)
            if pump.results:
                done = pump.take_results()
                await self._call(lambda c: service.record_outcomes(c, done, self.policy))
        finally:
            await pump.sender.close()

    async def _tick(self, pump: _Pump) -> bool:
        """One round in one write transaction: fan out new events, record the attempts that
        came back, claim what there is room for. True when there may be more to do at once."""
        subscribers = self.plan.subscribers
        now = time.monotonic()
        # Fan-out reads the log: once per poll interval while the log is quiet.
        fan = bool(subscribers) and (
            self._fanned or now - self._fanned_at >= self.settings.delivery_poll_seconds
        )
        done = pump.take_results()
        room = self.settings.delivery_concurrency - pump.load
        if not (fan or done or room > 0):
            return False
        busy = pump.saturated_hosts() if room > 0 else []

        def step(conn: Connection) -> tuple[int, list[Claimed]]:
            taken = service.fan_out(conn, subscribers) if fan else 0
            if done:
                service.record_outcomes(conn, done, self.policy)
            return taken, (self._claim(conn, room, busy) if room > 0 else [])

        try:
            taken, claimed = await self._call(step)
        except BaseException:
            pump.results[:0] = done  # recorded by the next round that commits
            raise
        self.sent += len(done)
        if fan:
            self._fanned, self._fanned_at = taken > 0, now
        overflow = [d.id for d in claimed if not pump.take(d)]
        if overflow:
            await self._call(lambda c: service.give_back(c, overflow))
        return taken > 0 or len(claimed) > len(overflow)

    def _claim(self, conn: Connection, room: int, busy: list[str]) -> list[Claimed]:
        claimed = service.claim(conn, room, busy, self.policy, utcnow())
        for kind, sign in self.plan.signers.items():
            mine = [d for d in claimed if d.kind == kind]
            if mine:
                sign(conn, mine)
        return claimed


class _Pump:
    """The sends in flight and, per host, a short backlog of claimed deliveries waiting for a
    slot: at most the host's limit, so a backlog row starts within one timeout and is sent
    well inside its lease (Policy.lease is at least three timeouts)."""

    def __init__(self, sender: Sender) -> None:
        self.sender = sender
        self.tasks: set[asyncio.Task[None]] = set()
        self.results: list[Outcome] = []
        self.settled = asyncio.Event()
        self.backlog: dict[str, deque[Claimed]] = {}

    @property
    def load(self) -> int:
        return len(self.tasks) + sum(len(q) for q in self.backlog.values())

    def saturated_hosts(self) -> list[str]:
        limit = self.sender.per_host
        return [
            h
            for h in {*self.sender.in_flight, *self.backlog}
            if not self.sender.has_room(h) and len(self.backlog.get(h, ())) >= limit
        ]

    def take(self, d: Claimed) -> bool:
        """Start it, or queue it behind its host's sends; False when the host has no room."""
        if self.sender.has_room(d.host):
            self._start(d)
            return True
        queue = self.backlog.setdefault(d.host, deque())
        if len(queue) >= self.sender.per_host:
            return False
        queue.append(d)
        return True

    def _start(self, d: Claimed) -> None:
        self.sender.reserve(d.host)
        task = asyncio.create_task(self._attempt(d))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _attempt(self, d: Claimed) -> None:
        try:
            outcome = await self.sender.send(d)
            # Looked up after the send: take_results may have swapped the list meanwhile.
            self.results.append(outcome)
        finally:
            self.sender.release(d.host)
            queue = self.backlog.get(d.host)
            if queue:
                self._start(queue.popleft())
                if not queue:
                    del self.backlog[d.host]
            self.settled.set()

    def take_results(self) -> list[Outcome]:
        done, self.results = self.results, []
        return done

    def drop_backlog(self) -> list[int]:
        ids = [d.id for q in self.backlog.values() for d in q]
        self.backlog.clear()
        return ids


def drain(settings: Settings, plan: Plan, db: Database, *, rounds: int = 50) -> int:
    """Run rounds in the caller's thread until nothing is due (tests and `deliver --once`)."""
    worker = Worker(settings, plan, db)

    async def go() -> int:
        pump = _Pump(worker._sender())
        made = 0
        try:
            for _ in range(rounds):
                worker._fanned = True  # every round looks at the log
                more = await worker._tick(pump)
                while pump.tasks:
                    await asyncio.wait(set(pump.tasks))
                made += len(pump.results)
                if not more and not pump.tasks and not pump.results:
                    break
        finally:
            await pump.sender.close()
        return made

    return asyncio.run(go())
