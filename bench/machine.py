"""What a result was measured on (machine, versions, commit) and the generated part of
BENCHMARKS.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import platform
import sqlite3
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.options import Options
from bench.procs import ROOT

BEGIN = "<!-- bench:begin (written by `python -m bench.run --update-doc`; edit outside) -->"
END = "<!-- bench:end -->"


def _git(*args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.strip()


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _wrk_version() -> str:
    proc = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    text = (proc.stdout or proc.stderr).strip()
    # "wrk debian/4.1.0-3+b2 [epoll] Copyright ..." -> "debian/4.1.0-3+b2 [epoll]"
    return " ".join(text.splitlines()[0].split()[1:3]) if text else ""


def describe(opts: Options) -> dict[str, Any]:
    """Machine, software versions, commit and the exact parameters of this run."""
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "--short", "HEAD")
        + (" (with uncommitted changes)" if dirty else ""),
        "command": opts.command,
        "machine": f"{os.cpu_count()} cores ({_cpu()}), {_memory_gib():.0f} GiB, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": {
            "granian": version("granian"),
            "starlette": version("starlette"),
            "sqlalchemy": version("sqlalchemy"),
            "psycopg": version("psycopg"),
            "sqlite": sqlite3.sqlite_version,
            "wrk": _wrk_version(),
        },
        "options": dataclasses.asdict(opts),
    }


def _page_cache(warms: list[dict[str, Any]]) -> str:
    """One line on how cold the SQLite files were before the harness read them (bench/cache.py)."""
    if not warms:
        return "not warmed (no SQLite case ran)"
    parts = []
    for size in sorted({int(w["customers"]) for w in warms}):
        mine = [w for w in warms if int(w["customers"]) == size]
        known = [float(w["resident_before"]) for w in mine if w["resident_before"] is not None]
        span = f"{min(known):.0%} to {max(known):.0%} resident" if known else "residency unknown"
        slowest = max(float(w["seconds"]) for w in mine)
        parts.append(f"{size:,} customers {span} before each case, read in at most {slowest:.1f} s")
    return "SQLite files read before each case; " + "; ".join(parts)


def update_doc(path: Path, meta: dict[str, Any], table_md: str) -> None:
    """Replace the generated block of BENCHMARKS.md (or append one) with this run."""
    seeding = ", ".join(
        f"{s['backend']} {int(str(s['customers'])):,} customers in {s['seconds']} s"
        for s in meta.get("seeding", [])
    )
    o = meta["options"]
    block = "\n".join(
        [
            BEGIN,
            f"- date: {meta['date']}",
            f"- commit: `{meta['commit']}`",
            f"- machine: {meta['machine']}; Python {meta['python']}",
            "- versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
            f"- command: `{meta['command']}`",
            f"- load: wrk, {o['threads']} threads, {o['connections']} connections, "
            f"{o['duration']:g} s measured after {o['warmup']:g} s of warm-up per case",
            f"- seeding (bulk, not HTTP): {seeding}",
            f"- page cache: {_page_cache(meta.get('page_cache', []))}",
            "- integrity after the run (SQLite `PRAGMA quick_check`): "
            + (
                ", ".join(
                    f"{i['backend']} {int(str(i['customers'])):,} {i['check']}"
                    for i in meta.get("integrity", [])
                    if i["backend"] == "sqlite"
                )
                or "not checked"
            ),
            f"- whole run: {meta.get('seconds', 0) // 60} min {meta.get('seconds', 0) % 60} s",
            "",
            table_md,
            END,
        ]
    )
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
