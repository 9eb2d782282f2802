"""Server processes the benchmark starts, waits for, samples and stops."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A port nobody listens on right now, on the loopback address only."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def trackpost_bin() -> str:
    """The `trackpost` script next to this interpreter (the venv's), else the one on PATH."""
    candidate = Path(sys.executable).with_name("trackpost")
    return str(candidate) if candidate.exists() else "trackpost"


@dataclass
class Server:
    """A server process group we started; the workers are its child processes."""

    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The web worker processes: granian's supervisor forks one child per worker (serve's
        jobs process, its other child, is not one)."""
        return [pid for pid in children_of(self.proc.pid) if not is_jobs_process(pid)]

    def jobs(self) -> list[int]:
        """serve's jobs process (`trackpost jobs`), when it runs one."""
        return [pid for pid in children_of(self.proc.pid) if is_jobs_process(pid)]

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the server, its workers and its jobs process so far."""
        return sum(cpu_seconds(pid) for pid in [self.proc.pid, *children_of(self.proc.pid)])

    def thread_cpu(self) -> dict[str, float]:
        """CPU seconds so far by kind of thread (thread_kind), over the server and its workers;
        every thread of the jobs process counts as "jobs process"."""
        totals: dict[str, float] = {}
        children = children_of(self.proc.pid)
        jobs = {pid for pid in children if is_jobs_process(pid)}
        for pid in [self.proc.pid, *children]:
            for tid, comm, seconds in _threads(pid):
                if pid == self.proc.pid:
                    kind = "supervisor"
                elif pid in jobs:
                    kind = "jobs process"
                else:
                    kind = thread_kind(pid, tid, comm)
                totals[kind] = totals.get(kind, 0.0) + seconds
        return totals

    def stop(self) -> None:
        """SIGINT first (granian shuts down gracefully), then SIGKILL to the group we created."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    """Direct child processes of pid, read from /proc."""
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        kids: list[int] = []
        for task in tasks:
            text = (task / "children").read_text().split()
            kids.extend(int(k) for k in text)
        return sorted(set(kids))
    except OSError:
        return []


def is_jobs_process(pid: int) -> bool:
    """Whether pid runs `trackpost jobs` (serve starts one beside its web workers)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"jobs" in argv and any(a.endswith(b"trackpost") for a in argv)


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process from /proc/<pid>/stat, in seconds (0 once it has gone)."""
    try:
        return _parse_stat(Path(f"/proc/{pid}/stat").read_text())[1]
    except OSError:
        return 0.0


def _parse_stat(stat: str) -> tuple[str, float]:
    """(name, utime + stime seconds) from a /proc stat line."""
    # The name is in parentheses and may itself hold spaces or parentheses.
    head, _, rest = stat.rpartition(")")
    fields = rest.split()
    return head.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / _CLK_TCK


# The OS names trackpost gives its own threads (trackpost/core/db.py), and granian's runtime's.
_KINDS = {
    "tp-checkpoint": "checkpointer",
    "tp-writer-gate": "writer gate",
    "tokio-rt-worker": "granian runtime",
}


def thread_kind(pid: int, tid: int, comm: str) -> str:
    """What a worker's thread is: its event loop (the main thread), a named one, or other."""
    if tid == pid:
        return "event loop"
    return _KINDS.get(comm, "other threads")


def _threads(pid: int) -> Iterator[tuple[int, str, float]]:
    """(thread id, OS name, utime + stime seconds) of each live thread of pid."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return
    for task in tasks:
        try:
            comm, seconds = _parse_stat((task / "stat").read_text())
        except OSError:
            continue  # the thread ended meanwhile
        yield int(task.name), comm, seconds


def machine_times() -> tuple[float, float]:
    """(idle, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    return idle / _CLK_TCK, sum(values[:8]) / _CLK_TCK


def rss_kib(pid: int) -> int:
    """Current resident set size of a process, in KiB (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def start(name: str, argv: Sequence[str], env: dict[str, str], port: int, log_dir: Path) -> Server:
    """Start a server in a process group of its own (so that stopping it reaches every worker).

    Not in a session of its own: Linux's autogroup scheduling makes each session one CPU
    group, and a server alone in one got half the machine while wrk, in ours, held the other
    half. That capped the bare ceiling at 2 workers near 30,000 req/s where the same server in
    wrk's session served 45,000 to 51,000, while a costly case, needing little of wrk's half,
    was not capped: its ratio to the ceiling came out too high (BENCHMARKS.md).
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            list(argv),
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    return Server(name, proc, port, log_path)


def wait_ready(server: Server, path: str, expected_workers: int, timeout: float = 90.0) -> None:
    """Poll until the server answers 200 on path and all its workers are up."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.proc.returncode}; see {server.log_path}:\n"
                + server.log_path.read_text()[-2000:]
            )
        try:
            with urllib.request.urlopen(server.base_url + path, timeout=2) as resp:  # noqa: S310
                if resp.status == 200 and len(server.workers()) >= expected_workers:
                    time.sleep(0.5)  # let every worker finish its own start-up
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{server.name} did not become ready in {timeout}s ({last})")


@dataclass
class RssSampler:
    """Samples VmRSS of the server's workers while a case runs; keeps each worker's peak."""

    server: Server
    interval: float = 0.05
    peaks: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.server.workers():
                kib = rss_kib(pid)
                if kib > self.peaks.get(pid, 0):
                    self.peaks[pid] = kib
            self._stop.wait(self.interval)

    @contextlib.contextmanager
    def sampling(self) -> Iterator[RssSampler]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    @property
    def peak_mib(self) -> float:
        """The largest peak of any single worker, in MiB."""
        return max(self.peaks.values(), default=0) / 1024.0
