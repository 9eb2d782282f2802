"""serve's jobs process: started niced beside the workers, restarted, and never left behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from tests.reliability.servers import Server, site


def _children(pid: int) -> list[int]:
    """Every descendant of pid (the kernel's view, read from /proc)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except FileNotFoundError:
            continue  # gone meanwhile
        for task in tasks:
            try:
                raw = (task / "children").read_text().split()
            except FileNotFoundError:
                continue
            kids = [int(k) for k in raw]
            out.extend(kids)
            todo.extend(kids)
    return out


def _jobs_pids(server: Server) -> list[int]:
    found = []
    for pid in _children(server.proc.pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"trackpost" in argv and b"jobs" in argv:
            found.append(pid)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait(check: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def _one_jobs_pid(server: Server) -> int:
    _wait(lambda: len(_jobs_pids(server)) == 1)
    return _jobs_pids(server)[0]


def test_serve_runs_its_jobs_in_one_niced_process_and_restarts_it(tmp_path: Path) -> None:
    with site("sqlite", tmp_path / "site") as s:
        server = s.start(workers=2, TRACKPOST_JOBS_NICE="7")
        pid = _one_jobs_pid(server)
        # One jobs process for the two workers, below the workers' priority (it lowers its
        # own as it starts).
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        _wait(lambda: os.getpriority(os.PRIO_PROCESS, pid) == ours + 7)
        workers = [p for p in _children(server.proc.pid) if p != pid]
        assert workers
        assert all(os.getpriority(os.PRIO_PROCESS, w) == ours for w in workers)
        os.kill(pid, signal.SIGKILL)
        _wait(lambda: _jobs_pids(server) not in ([], [pid]))
        assert len(_jobs_pids(server)) == 1
        server.terminate()
        assert not any(_alive(p) for p in _jobs_pids(server))


def test_the_jobs_process_goes_when_serve_is_killed_outright(tmp_path: Path) -> None:
    with site("sqlite", tmp_path / "site") as s:
        server = s.start()
        pid = _one_jobs_pid(server)
        os.kill(server.proc.pid, signal.SIGKILL)  # the main process only, not its group
        server.proc.wait(timeout=10)
        try:
            _wait(lambda: not _alive(pid))
        finally:
            # granian's web worker outlives its killed parent; the group still names it.
            server.kill9()


def test_no_jobs_process_when_every_job_is_off(tmp_path: Path) -> None:
    with site("sqlite", tmp_path / "site") as s:
        server = s.start(
            TRACKPOST_DELIVERY_WORKERS="false",
            TRACKPOST_STATS_FOLD_SECONDS="0",
            TRACKPOST_PAYMENTS_BUILD="false",
            TRACKPOST_CAPS_PRUNE_SECONDS="0",
        )
        time.sleep(1.0)
        assert _jobs_pids(server) == []
