"""The database goes away under load and comes back: 503 with Retry-After meanwhile (never a 500),
/healthz 503, service back by itself within 2 s of the database's return, nothing acknowledged
lost. PostgreSQL is a server of the test's own, stopped for real (tests/reliability/private_pg.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import requests

from tests.reliability.mixed import Sent, build_network, lost_or_doubled
from tests.reliability.private_pg import private_postgres
from tests.reliability.servers import site

# How long the database stays away (the outage is 10 s; `make crash` may set more).
OUTAGE = float(os.environ.get("TRACKPOST_OUTAGE_SECONDS", "10"))
RESUME_WITHIN = 2.0


def _health(url: str) -> int | None:
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code
    except requests.RequestException:
        return None


def _outage_problems(sent: list[Sent]) -> list[str]:
    """Each answer is a success or a 503 with Retry-After; the server never stopped answering."""
    problems = []
    for s in sent:
        if s.status is None:
            problems.append(f"{s.kind} {s.token}: no answer ({s.error})")
        elif s.status == 503:
            if s.retry_after is None or s.code not in ("database_unavailable", "database_busy"):
                problems.append(f"{s.kind} {s.token}: 503 {s.code} Retry-After {s.retry_after}")
        elif not s.acknowledged:
            problems.append(f"{s.kind} {s.token}: answered {s.status} {s.code}")
    return problems


def test_postgres_outage_gives_503_and_service_resumes(tmp_path: Path) -> None:
    with private_postgres() as pg, site("postgres", tmp_path / "site", pg.url) as s:
        server = s.start(workers=2)
        mixed = build_network(server.url, s.headers).start(threads=4)
        time.sleep(1.0)
        pg.stop("fast")
        down_at = time.monotonic()
        health_down = []
        while time.monotonic() - down_at < OUTAGE:
            health_down.append(_health(server.url))
            time.sleep(0.5)
        restart_at = time.monotonic()
        pg.start()
        back_at = time.monotonic()
        resumed = None
        while time.monotonic() - back_at < 10:
            if _health(server.url) == 200:
                resumed = time.monotonic() - back_at
                break
            time.sleep(0.05)
        time.sleep(max(0.0, back_at + RESUME_WITHIN + 2.0 - time.monotonic()))
        mixed.finish()
        sent = mixed.sent
        during = [x for x in sent if down_at + 0.5 < x.at < restart_at - 0.5]
        after = [x for x in sent if x.at > back_at + RESUME_WITHIN]
        print(f"outage postgres: {sorted(mixed.tally().items())}; resumed after {resumed} s")
        problems = _outage_problems(sent)
        s.db.engine.dispose()  # the test's own pooled connections died with the server
        problems += lost_or_doubled(s.db, sent)
        assert not problems, "\n".join(problems[:40])
        assert health_down and set(health_down) == {503}, health_down
        assert resumed is not None and resumed <= RESUME_WITHIN, resumed
        assert during and all(x.status == 503 for x in during), mixed.tally()
        assert after and all(x.acknowledged for x in after), [
            x for x in after if not x.acknowledged
        ]
        assert not [e for e in s.server_errors() if "Traceback" in e], s.server_errors()
