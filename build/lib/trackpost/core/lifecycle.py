"""Stopping `trackpost serve` gracefully: the drain a load balancer sees, then the bounded stop.

On the first SIGTERM (or SIGINT) the main process writes a marker file in the data directory;
while it exists every worker's /healthz answers 503 `draining` and every other request is
served as usual, so a load balancer's health check takes the host out of rotation before its
listener closes (TRACKPOST_SHUTDOWN_DRAIN seconds; 0 skips this). Then granian stops the
workers: each stops accepting, finishes the requests in flight (and so the write batches they
wait for) and exits; one still busy after TRACKPOST_SHUTDOWN_TIMEOUT is killed, which loses
nothing acknowledged, since every answer follows its commit. A second signal ends the drain.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("trackpost")

# Set by `trackpost serve` in its main process and so inherited by its workers: whose marker
# they read (a worker's parent is not always that process, e.g. under a free-threaded build).
SERVE_PID_ENV = "TRACKPOST_SERVE_PID"
MARKER_PREFIX = ".draining-"


def marker(data_dir: Path, pid: int) -> Path:
    """The file whose presence says that the server with main process `pid` is draining."""
    return data_dir / f"{MARKER_PREFIX}{pid}"


class DrainState:
    """A worker's view of its server's drain; /healthz reads it (one stat, off the hot paths)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @classmethod
    def of_worker(cls, data_dir: Path) -> DrainState:
        """The drain of the `trackpost serve` that started this process, if one did."""
        raw = os.environ.get(SERVE_PID_ENV, "")
        return cls(marker(data_dir, int(raw)) if raw.isdigit() else None)

    def __call__(self) -> bool:
        return self.path is not None and self.path.exists()


class Drain:
    """The main process's side: mark the drain, wait, then stop the workers (granian's stop)."""

    def __init__(self, data_dir: Path, seconds: float, pid: int | None = None) -> None:
        self.path = marker(data_dir, pid or os.getpid())
        self.seconds = seconds
        self._timer: threading.Timer | None = None
        # Re-entrant: a second signal may arrive while the first one's handler holds it.
        self._lock = threading.RLock()

    def request(self, stop: Callable[[], None]) -> None:
        """A stop signal: the first starts the drain (or stops at once without one), the next
        one stops now."""
        with self._lock:
            if self.seconds <= 0 or self._timer is not None:
                if self._timer is not None:
                    self._timer.cancel()
                stop()
                return
            try:
                self.path.touch()
            except OSError as exc:  # without the marker the balancer learns of it on close
                log.warning("could not write the drain marker %s: %s", self.path, exc)
            log.info(
                "draining for %.1f s: /healthz answers 503, then the server stops", self.seconds
            )
            self._timer = threading.Timer(self.seconds, stop)
            self._timer.daemon = True
            self._timer.start()

    def close(self) -> None:
        """The server has stopped: the marker goes (a pid is reused, and the file would lie)."""
        if self._timer is not None:
            self._timer.cancel()
        self.path.unlink(missing_ok=True)


def clear_stale_markers(data_dir: Path) -> None:
    """Remove the markers of servers that no longer run (a main process killed with -9)."""
    try:
        found = list(data_dir.glob(f"{MARKER_PREFIX}*"))
    except OSError:
        return
    for path in found:
        raw = path.name[len(MARKER_PREFIX) :]
        if raw.isdigit() and not _alive(int(raw)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: leave its marker alone
    return True
