"""Drive load with wrk (a separate process) and read the summary its Lua done() hook prints."""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA_DIR = Path(__file__).resolve().parent / "lua"
MARKER = "BENCH_JSON "


def ensure_wrk() -> str:
    """The wrk binary; installed from Debian's package when missing (the harness runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing; installing Debian's wrk package", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is still missing after apt-get install wrk")
    return found


@dataclass(frozen=True)
class WrkResult:
    """One wrk run: throughput, latency percentiles and every kind of error."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    http_errors: int
    http_5xx: int
    wrapped: int
    sample: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Socket errors (connect, read, write, timeout) plus non-2xx/3xx responses."""
        return self.socket_errors + self.http_errors

    @classmethod
    def combine(cls, parts: list[WrkResult]) -> WrkResult:
        """Several runs of one case as one: totals add up; percentiles are the runs' medians."""

        def mid(values: list[float]) -> float:
            return statistics.median(values)

        return cls(
            requests=sum(p.requests for p in parts),
            seconds=sum(p.seconds for p in parts),
            p50_ms=mid([p.p50_ms for p in parts]),
            p90_ms=mid([p.p90_ms for p in parts]),
            p99_ms=mid([p.p99_ms for p in parts]),
            max_ms=max(p.max_ms for p in parts),
            socket_errors=sum(p.socket_errors for p in parts),
            http_errors=sum(p.http_errors for p in parts),
            http_5xx=sum(p.http_5xx for p in parts),
            wrapped=sum(p.wrapped for p in parts),
            sample=next((p.sample for p in parts if p.sample), ""),
        )

    @classmethod
    def parse(cls, stdout: str) -> WrkResult:
        for line in stdout.splitlines():
            if line.startswith(MARKER):
                data: dict[str, Any] = json.loads(line[len(MARKER) :])
                return cls(
                    requests=int(data["requests"]),
                    seconds=data["duration_us"] / 1e6,
                    p50_ms=data["p50_us"] / 1000.0,
                    p90_ms=data["p90_us"] / 1000.0,
                    p99_ms=data["p99_us"] / 1000.0,
                    max_ms=data["max_us"] / 1000.0,
                    socket_errors=int(
                        data["connect"] + data["read"] + data["write"] + data["timeout"]
                    ),
                    # wrk's own count of non-2xx/3xx; the Lua counter only sees >= 400.
                    http_errors=max(int(data["status"]), int(data["http_4xx_5xx"])),
                    http_5xx=int(data["http_5xx"]),
                    wrapped=int(data["wrapped"]),
                    sample=str(data["sample"]),
                )
        raise RuntimeError(f"wrk printed no summary line:\n{stdout[-2000:]}")


def run(
    wrk: str,
    url: str,
    script: str,
    *,
    threads: int,
    connections: int,
    seconds: float,
    timeout_s: float,
    args: dict[str, str | int],
) -> WrkResult:
    """Run wrk once against url with bench/lua/<script>.lua and the given key=value arguments."""
    argv = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, math.ceil(seconds))}s",
        f"--timeout={max(1, round(timeout_s))}s",
        "-s",
        str(LUA_DIR / f"{script}.lua"),
        url,
        "--",
        f"threads={threads}",
        f"connections={connections}",
        *(f"{k}={v}" for k, v in args.items()),
    ]
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds + timeout_s + 60, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return WrkResult.parse(proc.stdout)
