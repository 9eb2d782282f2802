"""Two hosts behind HAProxy on one PostgreSQL, under a mixed stream of clicks, conversions,
postbacks, locks and edits: a rolling restart of each host (SIGTERM, drain, start) fails no
request at the client, a kill -9 of one host loses nothing acknowledged while the other keeps
serving, and every acknowledged write is in the database exactly once; and the same two hosts
through a PostgreSQL outage.

Bounded here (one rolling round); `make cluster` runs TRACKPOST_CLUSTER_ROUNDS rounds.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.reliability.cluster import DRAIN, cluster
from tests.reliability.mixed import (
    Sent,
    all_acknowledged,
    build_network,
    health,
    lost_or_doubled,
    outage_problems,
)
from tests.reliability.private_pg import private_postgres
from tests.reliability.servers import PG_URL, site
from tests.reliability.test_outage import OUTAGE, RESUME_WITHIN

ROUNDS = int(os.environ.get("TRACKPOST_CLUSTER_ROUNDS", "1"))
STOP_TIMEOUT = 10  # TRACKPOST_SHUTDOWN_TIMEOUT of the hosts (tests/reliability/cluster.py)


def _failed(sent: list[Sent]) -> list[Sent]:
    return [x for x in sent if not x.acknowledged]


@pytest.mark.skipif(not PG_URL, reason="needs TRACKPOST_TEST_POSTGRES_URL (one shared database)")
def test_rolling_restart_and_kill_9_behind_haproxy(tmp_path: Path) -> None:
    with site("postgres", tmp_path / "site") as s, cluster(s, tmp_path) as c:
        mixed = build_network(c.url, s.headers).start(threads=4)
        time.sleep(1.0)
        stops = []
        for _ in range(ROUNDS):
            for host in c.hosts:
                stops.append(c.restart(host))
                time.sleep(0.5)
        victim = c.hosts[0]
        assert victim.server is not None
        killed_at = time.monotonic()
        victim.server.kill9()
        time.sleep(3.0)
        mixed.finish()
        sent = mixed.sent
        print(
            f"cluster: {sorted(mixed.tally().items())}; stops took {[round(t, 2) for t in stops]}"
        )

        rolling = [x for x in sent if x.done < killed_at]
        assert rolling, "nothing was sent during the rolling restart"
        assert not _failed(rolling), _failed(rolling)[:20]
        # Requests in flight at the killed host when it died may go unanswered (the balancer
        # never sends a request twice); once its connections are refused, the other host serves.
        survivors = [x for x in sent if x.at > killed_at + 1.0]
        assert survivors, "nothing was sent after the kill"
        assert not _failed(survivors), _failed(survivors)[:20]
        failed = _failed(sent)
        unexplained = [x for x in failed if x.done < killed_at or x.at > killed_at + 1.0]
        assert not unexplained, unexplained[:20]
        assert all(x.status in (None, 502) for x in failed), failed
        problems = lost_or_doubled(s.db, sent)
        assert not problems, "\n".join(problems[:40])
        bound = float(DRAIN) + STOP_TIMEOUT + 5
        assert max(stops) < bound, stops
        assert not [e for e in s.server_errors() if "Traceback" in e], s.server_errors()


def test_postgres_outage_behind_haproxy(tmp_path: Path) -> None:
    """The database (a server of the test's own) stops for OUTAGE seconds under load: 503s with
    Retry-After from the hosts, then from HAProxy once it has taken them out; both hosts back in
    rotation within 2 s of the database's return; nothing acknowledged lost."""
    with (
        private_postgres() as pg,
        site("postgres", tmp_path / "site", pg.url) as s,
        cluster(s, tmp_path) as c,
    ):
        mixed = build_network(c.url, s.headers).start(threads=4)
        time.sleep(1.0)
        pg.stop("fast")
        down_at = time.monotonic()
        while time.monotonic() - down_at < OUTAGE:
            time.sleep(0.25)
        health_down = health(c.url)
        restart_at = time.monotonic()
        pg.start()
        back_at = time.monotonic()
        c.in_rotation({"host1", "host2"}, timeout=10)
        resumed = time.monotonic() - back_at
        time.sleep(max(0.0, back_at + RESUME_WITHIN + 2.0 - time.monotonic()))
        mixed.finish()
        sent = mixed.sent
        print(f"cluster outage: {sorted(mixed.tally().items())}; resumed after {resumed:.2f} s")
        problems = outage_problems(sent)
        s.db.engine.dispose()  # the test's own pooled connections died with the server
        problems += lost_or_doubled(s.db, sent)
        assert not problems, "\n".join(problems[:40])
        assert health_down == 503
        assert resumed <= RESUME_WITHIN, resumed
        during = [x for x in sent if down_at + 0.5 < x.at < restart_at - 0.5]
        assert during, "nothing was sent during the outage"
        assert {x.status for x in during} == {503}, mixed.tally()
        all_acknowledged([x for x in sent if x.at > back_at + RESUME_WITHIN])
        assert not [e for e in s.server_errors() if "Traceback" in e], s.server_errors()
