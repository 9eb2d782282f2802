"""The drain's rules in one process: the marker /healthz reads, the stop after the drain, a second
signal stopping at once, and the markers of dead servers cleared."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from trackpost.core.lifecycle import (
    MARKER_PREFIX,
    SERVE_PID_ENV,
    Drain,
    DrainState,
    clear_stale_markers,
    marker,
)


def test_the_first_signal_drains_then_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SERVE_PID_ENV, "4242")
    state = DrainState.of_worker(tmp_path)
    drain = Drain(tmp_path, 0.2, pid=4242)
    stopped = threading.Event()
    assert not state()
    drain.request(stopped.set)
    assert state()  # /healthz now answers 503 draining
    assert not stopped.is_set()
    assert stopped.wait(10)
    drain.close()
    assert not state()


def test_a_second_signal_stops_at_once(tmp_path: Path) -> None:
    drain = Drain(tmp_path, 600)
    stops: list[str] = []
    drain.request(lambda: stops.append("timer"))
    drain.request(lambda: stops.append("now"))
    assert stops == ["now"]
    drain.close()


def test_without_a_drain_the_signal_stops_at_once(tmp_path: Path) -> None:
    drain = Drain(tmp_path, 0)
    stops: list[str] = []
    drain.request(lambda: stops.append("now"))
    assert stops == ["now"]
    assert not list(tmp_path.glob(f"{MARKER_PREFIX}*"))


def test_a_worker_not_started_by_serve_is_never_draining(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SERVE_PID_ENV, raising=False)
    assert DrainState.of_worker(tmp_path).path is None
    assert not DrainState.of_worker(tmp_path)()


def test_markers_of_dead_servers_are_cleared(tmp_path: Path) -> None:
    dead = marker(tmp_path, 999_999_999)
    alive = marker(tmp_path, os.getpid())
    dead.touch()
    alive.touch()
    clear_stale_markers(tmp_path)
    assert not dead.exists()
    assert alive.exists()
