"""The database's share of a lock, without trackpost: raw sqlite3 doing a lock's writes.

    python -m bench.floor DATA_DIR [--locks N] [--batch 20] [--checkpoint-ms 5]

DATA_DIR is a seeded database directory kept by `python -m bench.run --keep` (for example
`sqlite-1000000`); it is copied first. Two processes take turns at the write lock, as two
workers do: each runs batches of `--batch` locks of random customers (a conditional UPDATE of
the lock columns and an audit row, in one BEGIN IMMEDIATE .. COMMIT, with the pragmas trackpost
sets), taking a flock beside the database first, and one of them checkpoints the WAL every
`--checkpoint-ms` as trackpost's checkpointer does. It prints the CPU time both processes
spent per lock: what any implementation on this SQLite and this machine pays for the database
part of a lock, before any HTTP, Python pipeline or group-commit bookkeeping (BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import multiprocessing as mp
import os
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from multiprocessing.queues import Queue
from pathlib import Path

from trackpost.core.config import Settings
from trackpost.core.db import configure_sqlite

_UPDATE = (
    "UPDATE customers SET locked = 1, locked_at = ?, locked_by = ?, lock_reason = NULL, "
    "updated_at = ? WHERE customer_id = ? AND locked = 0 RETURNING customer_id"
)
_AUDIT = (
    "INSERT INTO customer_audit (customer_id, at, actor, source, source_ip, action, changes, "
    "reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30)
    configure_sqlite(conn, Settings.sqlite_synchronous)  # the default, as `trackpost serve` runs
    return conn


def _checkpoint(path: Path, every: float, stop: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    while not stop.wait(every):
        # Busy: the next tick tries again, as trackpost's checkpointer does.
        with contextlib.suppress(sqlite3.OperationalError):
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    conn.close()


def _worker(
    path: Path, seed: int, locks: int, batch: int, checkpoint: float, out: Queue[float]
) -> None:
    """One writer process: `locks` locks in batches, then its CPU seconds on the queue."""
    rng = random.Random(seed)
    conn = _connect(path)
    customers = conn.execute("SELECT max(customer_id) FROM customers").fetchone()[0]
    gate = os.open(f"{path}.floor-gate", os.O_RDWR | os.O_CREAT, 0o600)
    stop = threading.Event()
    ckpt = threading.Thread(target=_checkpoint, args=(path, checkpoint, stop), daemon=True)
    if checkpoint > 0:
        ckpt.start()
    started = time.process_time()
    for _ in range(locks // batch):
        now = time.strftime("%Y-%m-%d %H:%M:%S.000000")
        rows = []
        fcntl.flock(gate, fcntl.LOCK_EX)
        conn.execute("BEGIN IMMEDIATE")
        for _ in range(batch):
            cid = rng.randint(1, customers)
            conn.execute(_UPDATE, (now, "floor", now, cid)).fetchall()
            rows.append((cid, now, "floor", "api", "127.0.0.1", "lock", "{}", None, "floor"))
        conn.executemany(_AUDIT, rows)
        conn.execute("COMMIT")
        fcntl.flock(gate, fcntl.LOCK_UN)
    stop.set()
    if checkpoint > 0:
        ckpt.join()
    out.put(time.process_time() - started)
    conn.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--locks", type=int, default=40_000, help="per process")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--checkpoint-ms", type=float, default=5.0)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="trackpost-floor-"))
    try:
        shutil.copytree(args.data_dir, work / "db")
        path = work / "db" / "trackpost.db"
        out: Queue[float] = mp.Queue()
        # Both write; only the first checkpoints, as one worker holds trackpost's checkpoint flock.
        every = [args.checkpoint_ms / 1000, 0.0]
        procs = [
            mp.Process(target=_worker, args=(path, i, args.locks, args.batch, every[i], out))
            for i in (0, 1)
        ]
        wall = time.perf_counter()
        for p in procs:
            p.start()
        cpu = sum(out.get() for _ in procs)
        for p in procs:
            p.join()
        wall = time.perf_counter() - wall
        total = args.locks // args.batch * args.batch * len(procs)
        print(
            f"{total:,} locks by 2 processes in batches of {args.batch}, checkpoint every "
            f"{args.checkpoint_ms:g} ms: {cpu / total * 1e6:.1f} us of CPU per lock "
            f"({total / wall:,.0f} locks/s)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
