"""serve's background jobs in one child process of their own, beside the workers.

Delivery, the statistics fold, payment builds and click retention (and now the caps' prune)
used to run as threads in every serve worker, where they took the worker's interpreter lock from its requests. Here they
run in one process (at TRACKPOST_JOBS_NICE); the jobs' own leader locks and claims still
coordinate them across processes and hosts.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Protocol

from trackpost.affiliates.postbacks import service as affiliate_postbacks
from trackpost.caps.job import CapsJob
from trackpost.core.config import Settings
from trackpost.delivery.worker import Plan, Worker
from trackpost.payments.job import PaymentsJob
from trackpost.stats.job import StatsJob
from trackpost.tracking.retention import RetentionJob
from trackpost.webhooks import service as webhooks

log = logging.getLogger("trackpost")


class Job(Protocol):
    def stop(self) -> None: ...


def delivery_plan() -> Plan:
    """What the delivery workers fan events out to, and how each kind is signed."""
    return Plan(
        subscribers=(affiliate_postbacks.fan_out, webhooks.fan_out),
        signers={webhooks.KIND: webhooks.sign},
    )


# Each background job: whether the settings switch it on, and how it starts. serve asks the
# first (is a jobs process wanted at all?); the jobs process starts what is on.
_JOBS: tuple[tuple[Callable[[Settings], object], Callable[[Settings], Job]], ...] = (
    (lambda s: s.delivery_workers, lambda s: Worker(s, delivery_plan()).start()),
    (lambda s: s.stats_fold_seconds, lambda s: StatsJob(s).start()),
    (lambda s: s.payments_build, lambda s: PaymentsJob(s).start()),
    (lambda s: s.click_retention_days is not None, lambda s: RetentionJob(s).start()),
    (
        lambda s: s.caps_prune_seconds,
        lambda s: CapsJob(s, interval=s.caps_prune_seconds).start(),
    ),
)


def wanted(settings: Settings) -> bool:
    """Whether any background job is switched on."""
    return any(on(settings) for on, _start in _JOBS)


def start_jobs(settings: Settings) -> list[Job]:
    """Start every switched-on job in this process's threads."""
    return [start(settings) for on, start in _JOBS if on(settings)]


def cmd_jobs(args: argparse.Namespace, settings: Settings) -> int:
    """Run this host's background jobs until SIGTERM, or until the serve that started us dies."""
    if args.nice:
        os.nice(args.nice)
    jobs = start_jobs(settings)
    if not jobs:
        print("jobs: every background job is switched off", file=sys.stderr)
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # Started by serve: a serve killed outright (kill -9) leaves us to init; we go with it.
    while not stop.wait(1.0):
        if args.parent and os.getppid() != args.parent:
            break
    for job in jobs:
        job.stop()
    return 0


class JobsProcess:
    """serve's side: start `trackpost jobs`, start it again if it dies, stop it with serve."""

    def __init__(self, settings: Settings) -> None:
        self.nice = settings.jobs_nice
        self.timeout = settings.shutdown_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="tp-jobs-watch", daemon=True)

    def start(self) -> JobsProcess:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> None:
        argv = [sys.executable, "-m", "trackpost", "jobs", "--parent", str(os.getpid())]
        # Our own interpreter and fixed arguments: nothing here comes from outside.
        self._proc = subprocess.Popen([*argv, "--nice", str(self.nice)])  # noqa: S603

    def _watch(self) -> None:
        while not self._stopping.is_set():
            proc = self._proc
            assert proc is not None
            code = proc.wait()
            if self._stopping.wait(1.0):
                return
            log.warning("the jobs process exited with %s; starting it again", code)
            self._spawn()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after serve's shutdown timeout."""
        self._stopping.set()
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
