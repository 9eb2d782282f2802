"""The harness tells where a case's machine time went, by kind of server thread, wrk and idle."""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

from bench import procs, report
from bench.report import Row


def test_a_served_app_s_cpu_is_split_by_kind_of_thread(tmp_path: Path) -> None:
    """A real granian server: its event loop and runtime threads work for the requests sent."""
    port = procs.free_port()
    argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--workers", "1"]
    server = procs.start("ceiling", argv, {}, port, tmp_path)
    try:
        procs.wait_ready(server, "/", 1)
        before = server.thread_cpu()
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            with urllib.request.urlopen(server.base_url + "/", timeout=2) as resp:  # noqa: S310
                assert resp.read() == b"true"
        after = server.thread_cpu()
    finally:
        server.stop()
    assert {"supervisor", "event loop", "granian runtime"} <= set(after)
    served = ("event loop", "granian runtime")
    assert sum(after[k] for k in served) > sum(before.get(k, 0.0) for k in served)
    assert all(after[k] >= before.get(k, 0.0) for k in after)


def test_machine_times_grow_and_idle_is_part_of_the_whole() -> None:
    idle, total = procs.machine_times()
    time.sleep(0.05)
    idle2, total2 = procs.machine_times()
    assert 0 <= idle <= total
    assert total2 > total
    assert idle2 >= idle


def _row(customers: int, case: str, event_loop: float) -> Row:
    spend = {"machine": 100.0, "idle": 5.0, "wrk": 20.0, "event loop": event_loop}
    return Row("sqlite", customers, 2, case, rps=1000.0, spend_us=spend)


def test_the_table_shows_the_largest_seed_at_two_workers_in_a_fixed_order() -> None:
    rows = [
        _row(1000, "lock/unlock", 50.0),
        _row(1000000, "lock/unlock", 61.0),
        _row(1000000, "ping", 30.0),
        Row("sqlite", 1000000, 1, "ping", rps=1.0, spend_us={"event loop": 9.0}),
    ]
    headers, body = report.spend_table(rows)
    assert headers == ["case (us per request)", *report.SPEND_KINDS]
    assert body == [
        ["lock/unlock", "61", "0", "0", "0", "0", "0", "0", "20", "5", "100"],
        ["ping", "30", "0", "0", "0", "0", "0", "0", "20", "5", "100"],
    ]
    assert "Where the machine's time went" in report.render(rows, md=True)
    line = report.spend_line(rows[1])
    assert line == "machine time, us/req: event loop 61, wrk 20, idle 5, machine 100"
