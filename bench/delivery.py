"""Delivery throughput to a fast local receiver, and a hanging receiver beside it.

    python -m bench.delivery [--events 5000] [--endpoints 2] [--hanging] [--postgres URL]

Events are recorded as producers record them (customer.locked, a customer each), then one
delivery worker (as `trackpost deliver` runs it) fans them out to webhook endpoints on a
receiver process (asyncio, keep-alive, answers 200 at once) and sends them. Reported: the time
from the worker's start until every fast delivery is done, and deliveries per second. With
--hanging, one more endpoint on another receiver never answers within the timeout: its
deliveries hold that host's slots only, and the fast figure should barely move.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import socket
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from bench.database import drop_pg_database, pg_database
from trackpost.cli.background import delivery_plan
from trackpost.core import migrate
from trackpost.core.config import Settings
from trackpost.core.db import Database, create_db_engine
from trackpost.delivery.worker import Worker
from trackpost.events.service import Event, record
from trackpost.webhooks import service as webhooks

_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def _receiver(port: int, hang: bool) -> None:
    """A minimal HTTP/1.1 server: reads each request whole, answers 200 (or never)."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if length:
                    await reader.readexactly(length)
                if hang:
                    await asyncio.sleep(3600)
                writer.write(_ANSWER)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--endpoints", type=int, default=2)
    parser.add_argument("--hanging", action="store_true")
    parser.add_argument("--postgres", default="")
    # One receiver is one host: its limit bounds the rate (8 in flight by default).
    parser.add_argument("--host-concurrency", type=int, default=64)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tp-bench-delivery-"))
    # A database of its own on PostgreSQL: endpoints left by an earlier run would take sends.
    pg_name = f"trackpost_bench_delivery_{os.getpid()}" if args.postgres else ""
    url = pg_database(args.postgres, pg_name) if pg_name else f"sqlite:///{tmp / 'bench.db'}"
    settings = Settings(
        database_url=url,
        data_dir=tmp,
        secret_key="bench-secret-0123456789abcdef0123",  # noqa: S106 (a throwaway database)
        outbound_allow_private="127.0.0.1/32",
        delivery_poll_seconds=0.01,
        delivery_timeout_seconds=5.0,
        delivery_host_concurrency=args.host_concurrency,
    )
    db = Database(create_db_engine(settings, pool_size=4))
    migrate.upgrade(db.engine)
    fast_port, slow_port = _port(), _port()
    procs = [multiprocessing.Process(target=_receiver, args=(fast_port, False), daemon=True)]
    if args.hanging:
        procs.append(multiprocessing.Process(target=_receiver, args=(slow_port, True), daemon=True))
    for p in procs:
        p.start()
    time.sleep(0.5)
    with db.transaction(write=True) as conn:
        for n in range(args.endpoints):
            webhooks.add_endpoint(conn, f"http://127.0.0.1:{fast_port}/h{n}", ["*"], None)
        if args.hanging:
            webhooks.add_endpoint(conn, f"http://127.0.0.1:{slow_port}/hang", ["*"], None)
        for n in range(args.events):
            record(conn, Event("customer.locked", {"customer_id": n + 1}, n + 1))
    want = args.events * args.endpoints
    done_sql = sa.text(
        "SELECT count(*) FROM deliveries WHERE status = 'done' AND host = :host"
    ).bindparams(host=f"127.0.0.1:{fast_port}")
    worker_db = Database(create_db_engine(settings, pool_size=2))
    worker = Worker(settings, delivery_plan(), worker_db)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    done = 0
    while done < want:
        time.sleep(0.05)
        with db.transaction(write=False) as conn:
            done = int(conn.execute(done_sql).scalar_one())
    seconds = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    worker.request_stop()
    thread.join(timeout=30)
    backend = "postgres" if args.postgres else "sqlite"
    hanging = " (one more endpoint hanging)" if args.hanging else ""
    print(
        f"{backend}: {want} deliveries to {args.endpoints} fast endpoints{hanging} in "
        f"{seconds:.2f} s: {want / seconds:,.0f} deliveries/s (fan-out included); "
        f"{cpu * 1e6 / want:,.0f} us of this process's CPU each, so {want / cpu:,.0f}/s per core",
        flush=True,
    )
    for p in procs:
        p.terminate()
    worker_db.dispose()
    db.dispose()
    if pg_name:
        drop_pg_database(args.postgres, pg_name)


if __name__ == "__main__":
    main()
