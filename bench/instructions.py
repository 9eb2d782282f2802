"""Instructions per request in process, counted by valgrind: steady where timings are not.

    python -m bench.instructions DATA_DIR {ping,lock,track,postback,get} [--setup rules]
        [--small 500] [--large 1500]

Runs `bench.inproc` under `valgrind --tool=callgrind` twice, with --small and --large measured
requests, and divides the difference in instructions by the difference in requests, so that
start-up, seeding and warm-up cancel out. A count is repeatable to about 1 % whatever else
the machine is doing (a timing on this shared host moves by a third), which is what a before
and after comparison of two commits needs; it does not see waiting (fsync, the writer's lock),
so read it beside the server's req/s. Both runs go in parallel, one per core.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path


def _start(argv: list[str], requests: int) -> subprocess.Popen[bytes]:
    """valgrind counting one bench.inproc run of `requests` requests (its count on stderr)."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    cmd += [sys.executable, "-m", "bench.inproc", *argv, "--requests", str(requests)]
    # A fixed hash seed: the same dict layouts, so the same instructions, run after run.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("kind", choices=("ping", "lock", "track", "postback", "get"))
    parser.add_argument("--setup", default="")
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--large", type=int, default=1500)
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        raise SystemExit("bench.instructions needs valgrind (Debian's package)")
    inproc = [str(args.data_dir), args.kind] + (["--setup", args.setup] if args.setup else [])
    runs = {n: _start(inproc, n) for n in (args.small, args.large)}
    counts = {}
    for n, proc in runs.items():
        _, err = proc.communicate()
        found = re.search(rb"Collected : (\d+)", err)
        if proc.returncode != 0 or found is None:
            raise SystemExit(f"valgrind run of {n} requests failed:\n{err.decode()[-2000:]}")
        counts[n] = int(found.group(1))
    per = (counts[args.large] - counts[args.small]) / (args.large - args.small)
    print(
        f"{args.kind}{'+' + args.setup if args.setup else ''}: {per:,.0f} instructions per request"
    )


if __name__ == "__main__":
    main()
