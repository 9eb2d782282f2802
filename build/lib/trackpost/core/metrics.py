"""Prometheus metrics: one worker's counters, and the protected /metrics scrape that reads them all.

`trackpost serve` runs several worker processes, so it sets PROMETHEUS_MULTIPROC_DIR before they
start (prepare_multiprocess_dir): each worker then writes its values to files of its own there,
and a scrape, whichever worker answers it, adds up every worker's files. An app built without
that variable (the tests' in-process apps) counts into a registry of its own.
"""

from __future__ import annotations

import glob
import hmac
import os
import re
import shutil
import socket
from collections.abc import Callable, Coroutine
from pathlib import Path
from time import perf_counter
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, values
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import Response

from trackpost.core.config import IPNetwork, Settings, parse_networks
from trackpost.core.errors import Forbidden, TrackpostError, Unauthorized
from trackpost.core.net import client_ip, in_networks
from trackpost.core.responses import error_response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LOOPBACK: tuple[IPNetwork, ...] = parse_networks("127.0.0.0/8 ::1/128", "loopback")

# Requests take well under a millisecond to seconds; the default buckets start at 5 ms.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
WAIT_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class Metrics:
    """Every metric trackpost keeps, with the label sets known in advance resolved once."""

    def __init__(self, multiproc_dir: str | None = None) -> None:
        self.multiproc_dir = multiproc_dir
        registry: CollectorRegistry | None = None
        if multiproc_dir is None:
            registry = CollectorRegistry()
        else:
            _use_multiprocess_values()
        self.registry = registry
        self.requests = Counter(
            "trackpost_http_requests",
            "Requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=registry,
        )
        self.latency = Histogram(
            "trackpost_http_request_duration_seconds",
            "Time from a request's dispatch to its answer, by route template.",
            ("route",),
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "trackpost_write_batch_size",
            "Write requests sharing one group-commit transaction.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.batch_wait = Histogram(
            "trackpost_write_batch_wait_seconds",
            "Time from a batch's drain being scheduled to its start (the event loop's turn and "
            "the SQLite writer gate).",
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        # livesum: the workers' queues add up, and a stopped worker's queue is gone.
        self.queue_depth = Gauge(
            "trackpost_write_queue_depth",
            "Write requests queued for group commit, as of the last batch's start or end.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        db_errors = Counter(
            "trackpost_db_errors",
            "Database failures: busy answered a request 503 database_busy; unavailable answered "
            "503 database_unavailable (the server unreachable, its disk full or read-only); "
            "batch_failed failed every request of a group-commit batch (its commit or its "
            "connection).",
            ("kind",),
            registry=registry,
        )
        self.db_busy = db_errors.labels("busy")
        self.db_unavailable = db_errors.labels("unavailable")
        self.batch_failed = db_errors.labels("batch_failed")
        retries = Counter(
            "trackpost_db_retries",
            "Group-commit batches run again: transient (deadlock, lock or serialization "
            "timeout), replay (a handler failed after writing), undefer (a deferred row failed).",
            ("reason",),
            registry=registry,
        )
        self.retry_transient = retries.labels("transient")
        self.retry_replay = retries.labels("replay")
        self.retry_undefer = retries.labels("undefer")
        auth_failures = Counter(
            "trackpost_auth_failures",
            "Refused authentications: bad_credentials (401 on /api), ip_not_allowed (403 on "
            "/api), metrics_token (401 on /metrics).",
            ("reason",),
            registry=registry,
        )
        self.auth_bad_credentials = auth_failures.labels("bad_credentials")
        self.auth_ip_not_allowed = auth_failures.labels("ip_not_allowed")
        self.auth_metrics_token = auth_failures.labels("metrics_token")
        self.auth_throttled = Counter(
            "trackpost_auth_throttled",
            "Requests refused 429 by the failed-authentication throttle.",
            registry=registry,
        )

    def batch_began(self, size: int, queued: int, scheduled: float) -> None:
        """A batch of `size` writes starts, `queued` in all, its drain scheduled at `scheduled`."""
        self.batch_size.observe(size)
        self.batch_wait.observe(perf_counter() - scheduled)
        self.queue_depth.set(queued)

    def scrape(self) -> bytes:
        """The exposition text: this app's registry, or every worker's files added up."""
        if self.multiproc_dir is None:
            assert self.registry is not None
            return generate_latest(self.registry)
        _forget_dead_workers(self.multiproc_dir)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiproc_dir)  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def close(self) -> None:
        """This worker is stopping: its live gauges (the queue depth) stop counting."""
        if self.multiproc_dir is not None:
            mark_process_dead(os.getpid(), self.multiproc_dir)  # type: ignore[no-untyped-call]


_process_metrics: tuple[int, Metrics] | None = None


def new_metrics() -> Metrics:
    """A private registry for an in-process app; the process's one Metrics under `serve`."""
    global _process_metrics
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        return Metrics()
    # Two metric objects of one name in one process would overwrite each other's files.
    if _process_metrics is None or _process_metrics[0] != os.getpid():
        _process_metrics = (os.getpid(), Metrics(directory))
    return _process_metrics[1]


_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def _process_id() -> int:
    """This process's id, kept current across forks without a getpid call per update."""
    return _pid


def _use_multiprocess_values() -> None:
    # prometheus-client picks its value class when first imported, and serve's main process
    # may import it before it sets the directory (forked workers inherit that choice). Its
    # own class also calls os.getpid, a system call, on every update to notice a fork.
    make = values.MultiProcessValue
    values.ValueClass = make(process_identifier=_process_id)  # type: ignore[no-untyped-call]


_LIVE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db$")


def _forget_dead_workers(directory: str) -> None:
    """Drop the live gauges of workers that exited without saying so (killed, crashed)."""
    for path in glob.glob(os.path.join(directory, "gauge_live*_*.db")):
        found = _LIVE_FILE.search(path)
        if found is None:
            continue
        pid = int(found.group(1))
        if not _alive(pid):
            mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, under another user
    return True


def prepare_multiprocess_dir(data_dir: Path, parent: Path | None = None) -> str:
    """A fresh, empty <parent>/<host>-<pid> for the workers (parent: TRACKPOST_METRICS_DIR, else
    data_dir/metrics), in PROMETHEUS_MULTIPROC_DIR."""
    parent = parent or data_dir / "metrics"
    parent.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    # A server that was killed could not remove its own; the host's name keeps a data
    # directory shared by several hosts from judging another host's process ids.
    for old in parent.glob(f"{host}-*"):
        pid = old.name.rsplit("-", 1)[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    directory = (parent / f"{host}-{os.getpid()}").resolve()
    shutil.rmtree(directory, ignore_errors=True)  # a dead server's that had this process id
    directory.mkdir()
    os.environ[MULTIPROC_ENV] = str(directory)
    return str(directory)


def metrics_endpoint(settings: Settings, metrics: Metrics) -> Handler:
    """GET /metrics: with a token set, only for its bearer; else only from allowed addresses."""
    expected = settings.metrics_token.encode() if settings.metrics_token else None
    allowed = settings.admin_api_allowed_ips or LOOPBACK
    loopback_only = not settings.admin_api_allowed_ips
    trusted = settings.trusted_proxies

    async def scrape(request: Request) -> Response:
        headers = request.scope["headers"]
        if expected is not None:
            given = [v for k, v in headers if k == b"authorization"]
            scheme, _, token = given[0].partition(b" ") if len(given) == 1 else (b"", b"", b"")
            # compare_digest: the time taken must not tell how much of a guess was right.
            if scheme.lower() != b"bearer" or not hmac.compare_digest(token.strip(), expected):
                metrics.auth_metrics_token.inc()
                refusal: TrackpostError = Unauthorized(
                    "Invalid or missing metrics token (Authorization: Bearer).",
                    code="unauthorized",
                    headers={"WWW-Authenticate": "Bearer"},
                )
                return error_response(refusal)
        else:
            client = request.scope.get("client")
            peer = client[0] if client else ""
            forwarded = [v.decode("latin-1") for k, v in headers if k == b"x-forwarded-for"]
            ip = client_ip(peer, ", ".join(forwarded) or None, trusted)
            # A proxy on this host that is not a trusted proxy makes every client look local.
            proxied = bool(forwarded) and not in_networks(peer, trusted)
            if not in_networks(ip, allowed) or (loopback_only and proxied):
                refusal = Forbidden(f"Metrics are not served to {ip}.", code="ip_not_allowed")
                return error_response(refusal)
        return Response(metrics.scrape(), media_type=CONTENT_TYPE_PLAIN_0_0_4)

    return scrape
