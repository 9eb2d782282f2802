"""Where a hot request spends its time: py-spy samples one worker while wrk runs a case."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy() -> str:
    """The py-spy next to this interpreter (the dev extra installs it), else the one on PATH."""
    candidate = Path(sys.executable).with_name("py-spy")
    found = str(candidate) if candidate.exists() else shutil.which("py-spy")
    if not found:
        raise SystemExit("--profile needs py-spy: pip install -e '.[dev]'")
    return found


def start(pid: int, seconds: float, out: Path, rate: int = 200) -> subprocess.Popen[bytes]:
    """Sample pid for seconds into a collapsed-stack file (one 'frame;frame;... count' a line)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [py_spy(), "record", "--pid", str(pid), "--duration", str(max(1, round(seconds)))]
    argv += ["--rate", str(rate), "--format", "raw", "--function"]
    argv += ["--output", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _frame_name(frame: str) -> str:
    # py-spy writes "function (path/to/module.py)"; keep the function and the short module.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    module = where.rsplit("/", 2)
    short = "/".join(module[-2:]) if len(module) > 1 else where
    return f"{name} ({short})" if where else name


def summarise(raw: Path, top: int = 25) -> str:
    """Inclusive and self shares of the busiest frames, as text for the report."""
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not stack or not count_s.isdigit():
            continue
        count = int(count_s)
        frames = [_frame_name(f) for f in stack.split(";") if f]
        if not frames:
            continue
        total += count
        for name in set(frames):
            inclusive[name] += count
        self_time[frames[-1]] += count
    if not total:
        return "(no samples)"
    lines = [f"{total} samples", "", "inclusive (share of samples whose stack holds the frame):"]
    # Frames on nearly every stack are the process skeleton (granian, multiprocessing, the CLI).
    busy = [(name, n) for name, n in inclusive.most_common() if n < 0.97 * total]
    for name, n in busy[:top]:
        lines.append(f"  {100.0 * n / total:5.1f}%  {name}")
    lines += ["", "self (share of samples in the frame itself):"]
    for name, n in self_time.most_common(top):
        lines.append(f"  {100.0 * n / total:5.1f}%  {name}")
    return "\n".join(lines)
