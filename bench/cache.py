"""The database's files in the OS page cache before each case, as on a server that serves them.

A server that answers a million customers' traffic keeps its database file cached: every page is
read again within seconds. Between the benchmark's cases it is not so: a case may touch an index
no case touched for minutes, and some kernels (this machine's runs DAMON proactive reclaim) evict
page cache that was idle for a while, so the case would measure the disk, not trackpost:
set_customer_details at 1M ran at 962 req/s, 122 ms mean latency, with 4 % of the file
resident, and at 5,137 req/s, 12.9 ms, once the file was read. So each SQLite case starts after
the files are read once, and the report says how much of them was resident before.

The reading happens in a child process. POSIX drops every fcntl lock a process holds on a file
when it closes any descriptor of that file, so a harness that opened and closed the database
itself while holding an SQLite connection to it lost that connection's lock, and the server's
last closing connection then thought itself the last user and reset the WAL under it: the next
write from the harness found the database malformed (SQLite's "How To Corrupt", section 2.2).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.procs import ROOT

_CHUNK = 1 << 20


@dataclass
class Warm:
    """What reading a database's files took, and how much of them the cache held before."""

    mib: float
    seconds: float
    resident_before: float | None  # a fraction; None where fincore is missing

    def describe(self) -> str:
        before = (
            f"{self.resident_before:.0%} resident before, "
            if self.resident_before is not None
            else ""
        )
        return f"page cache: {self.mib:,.0f} MiB of database files, {before}read in {self.seconds:.1f} s"


def database_files(db_file: Path) -> list[Path]:
    """The SQLite file and its WAL (the shared-memory index is always mapped)."""
    return [p for p in (db_file, db_file.with_name(db_file.name + "-wal")) if p.exists()]


def resident_bytes(path: Path) -> int | None:
    """Bytes of path in the page cache, from util-linux's fincore (None when it is missing)."""
    tool = shutil.which("fincore")
    if tool is None:
        return None
    proc = subprocess.run(
        [tool, "--bytes", "--noheadings", "--raw", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    text = proc.stdout.strip()
    return int(text) if proc.returncode == 0 and text.isdigit() else None


def warm(files: list[Path]) -> Warm:
    """Read every file once, front to back, so that its pages are cached."""
    total = sum(p.stat().st_size for p in files)
    counts = [resident_bytes(p) for p in files]
    known = [c for c in counts if c is not None]
    # fincore counts whole pages, so a WAL that ends mid-page can read as a little over 100 %.
    resident = min(1.0, sum(known) / total) if total and len(known) == len(counts) else None
    started = time.monotonic()
    argv = [sys.executable, "-m", "bench.cache", *map(str, files)]
    subprocess.run(argv, check=True, cwd=ROOT)
    return Warm(total / (1 << 20), time.monotonic() - started, resident)


def _read_all(paths: list[str]) -> None:
    for name in paths:
        with Path(name).open("rb", buffering=0) as f:
            while f.read(_CHUNK):
                pass


if __name__ == "__main__":
    _read_all(sys.argv[1:])
