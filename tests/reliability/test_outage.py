"""The database goes away under load and comes back: 503 with Retry-After meanwhile (never a 500),
/healthz 503, service back by itself within 2 s of the database's return, nothing acknowledged
lost. PostgreSQL is a server of the test's own, stopped for real (tests/reliability/private_pg.py).
"""

from __future__ import annotations

import errno
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.reliability.mixed import (
    all_acknowledged,
    build_network,
    health,
    lost_or_doubled,
    outage_problems,
)
from tests.reliability.private_pg import private_postgres
from tests.reliability.servers import site

# How long the database stays away (10 s, the outage; `make cluster` takes OUTAGE_SECONDS).
OUTAGE = float(os.environ.get("TRACKPOST_OUTAGE_SECONDS", "10"))
RESUME_WITHIN = 2.0


def test_postgres_outage_gives_503_and_service_resumes(tmp_path: Path) -> None:
    with private_postgres() as pg, site("postgres", tmp_path / "site", pg.url) as s:
        server = s.start(workers=2)
        mixed = build_network(server.url, s.headers).start(threads=4)
        time.sleep(1.0)
        pg.stop("fast")
        down_at = time.monotonic()
        health_down = []
        while time.monotonic() - down_at < OUTAGE:
            health_down.append(health(server.url))
            time.sleep(0.5)
        restart_at = time.monotonic()
        pg.start()
        back_at = time.monotonic()
        resumed = None
        while time.monotonic() - back_at < 10:
            if health(server.url) == 200:
                resumed = time.monotonic() - back_at
                break
            time.sleep(0.05)
        time.sleep(max(0.0, back_at + RESUME_WITHIN + 2.0 - time.monotonic()))
        mixed.finish()
        sent = mixed.sent
        during = [x for x in sent if down_at + 0.5 < x.at < restart_at - 0.5]
        after = [x for x in sent if x.at > back_at + RESUME_WITHIN]
        print(f"outage postgres: {sorted(mixed.tally().items())}; resumed after {resumed} s")
        problems = outage_problems(sent)
        s.db.engine.dispose()  # the test's own pooled connections died with the server
        problems += lost_or_doubled(s.db, sent)
        assert not problems, "\n".join(problems[:40])
        assert set(health_down) == {503}, health_down
        assert resumed is not None, "not healthy within 10 s of the database's return"
        assert resumed <= RESUME_WITHIN, resumed
        assert during, "nothing was sent during the outage"
        assert {x.status for x in during} == {503}, mixed.tally()
        all_acknowledged(after)
        assert not [e for e in s.server_errors() if "Traceback" in e], s.server_errors()


@contextmanager
def _small_disk(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` (root only; skipped where mounting is refused)."""
    where.mkdir(parents=True)
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        for _ in range(10):
            if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode:
                time.sleep(0.5)  # a process still had a file open there
            else:
                break
        else:
            subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def _fill(disk: Path) -> Path:
    """Write a file until the disk is full; deleting it frees the disk again."""
    filler = disk / "filler"
    chunk = b"\0" * 65536
    # The close flushes what the last write left buffered: it can be the call that meets the
    # full disk, so it is inside the try too.
    try:
        with filler.open("wb") as out:
            while True:
                out.write(chunk)
                out.flush()
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    return filler


def test_sqlite_disk_full_gives_503_and_no_corruption(tmp_path: Path) -> None:
    disk_url = f"sqlite:///{tmp_path / 'disk' / 'trackpost.db'}"
    with (
        _small_disk(tmp_path / "disk", "8m") as disk,
        site("sqlite", tmp_path / "site", disk_url) as s,
    ):
        server = s.start(workers=2)
        mixed = build_network(server.url, s.headers).start(threads=4)
        time.sleep(0.5)
        filler = _fill(disk)
        full_at = time.monotonic()
        # Until the writes meet the full disk (the WAL may first reuse its own free space).
        deadline = full_at + 30
        while time.monotonic() < deadline:
            if any(x.status == 503 for x in mixed.sent[-50:]):
                break
            time.sleep(0.2)
        time.sleep(2.0)
        health_full = health(server.url)
        filler.unlink()
        freed_at = time.monotonic()
        time.sleep(RESUME_WITHIN + 2.0)
        mixed.finish()
        sent = mixed.sent
        print(f"outage sqlite disk full: {sorted(mixed.tally().items())}")
        problems = outage_problems(sent)
        problems += lost_or_doubled(s.db, sent)
        with s.db.transaction(write=False) as conn:
            check = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
        assert check == ["ok"], check
        assert not problems, "\n".join(problems[:40])
        full = [x for x in sent if full_at < x.at < freed_at and x.status == 503]
        assert full, f"no write met the full disk: {mixed.tally()}"
        assert {x.code for x in full} == {"database_unavailable"}, mixed.tally()
        assert health_full == 200  # reads still work; only writes wait for space
        all_acknowledged([x for x in sent if x.at > freed_at + RESUME_WITHIN])
        assert not [e for e in s.server_errors() if "Traceback" in e], s.server_errors()
