"""The one table, the p99 growth from the smallest to the largest seed, and the target check."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.cases import CASES, CEILING, MISSING

# Rows of the bare app and the yardsticks, not of trackpost: no target is about them.
REFERENCES = frozenset(c.name for c in (CEILING, *CASES) if c.reference)


@dataclass
class Row:
    """One measured case (or the ceiling) at one backend, seed size and worker count."""

    backend: str
    customers: int
    workers: int
    case: str
    status: str = "ok"
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    http_5xx: int = 0
    rss_mib: float = 0.0
    # The server's CPU time (all its processes and threads) per answered request, in us: what
    # a request costs the machine whatever share of it the load generator leaves.
    cpu_us: float = 0.0
    ceiling_rps: float = 0.0
    # Where the machine's time went, in us per answered request: each kind of server thread
    # (bench/procs.py thread_kind), wrk, the machine's idle time and its whole time.
    spend_us: dict[str, float] = field(default_factory=dict)
    requests: int = 0
    sample: str = ""
    ceiling_samples: list[float] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        return self.status == "ok"

    @property
    def ratio(self) -> float:
        return self.rps / self.ceiling_rps if self.ceiling_rps and self.measured else 0.0


# Targets checked on SQLite, the largest seed and 2 workers. The old ratio-to-ceiling targets
# are retired: speed is now judged against a before-run on the same machine (BENCHMARKS.md).
P99_GROWTH_MAX = 1.5
RSS_MAX_MIB = 150.0


def _fmt_row(r: Row) -> list[str]:
    key = [r.backend, f"{r.customers:,}", str(r.workers), r.case]
    if not r.measured:
        return [*key, r.status, "", "", "", "", "", ""]
    ratio = "1.00" if r.case == "ceiling" else f"{r.ratio:.2f}"
    return [
        *key,
        f"{r.rps:,.0f}",
        f"{r.p50_ms:.2f}",
        f"{r.p99_ms:.2f}",
        str(r.errors) + (f" ({r.http_5xx} 5xx)" if r.http_5xx else ""),
        f"{r.rss_mib:.0f}",
        f"{r.cpu_us:.0f}",
        ratio,
    ]


HEADERS = ["backend", "customers", "workers", "case", "req/s", "p50 ms", "p99 ms", "errors"]
HEADERS += ["peak RSS/worker MiB", "server CPU us/req", "x ceiling"]


def markdown(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def text_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(x) for x in col) for col in zip(headers, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def growth(rows: list[Row]) -> list[dict[str, Any]]:
    """p99 at the largest seed over p99 at the smallest, per backend, workers and case."""
    out: list[dict[str, Any]] = []
    keys = sorted({(r.backend, r.workers, r.case) for r in rows}, key=str)
    for backend, workers, case in keys:
        group = [r for r in rows if (r.backend, r.workers, r.case) == (backend, workers, case)]
        group = [r for r in group if r.measured]
        if len(group) < 2:
            continue
        small = min(group, key=lambda r: r.customers)
        large = max(group, key=lambda r: r.customers)
        if small.customers == large.customers or not small.p99_ms:
            continue
        out.append(
            {
                "backend": backend,
                "workers": workers,
                "case": case,
                "small": small.customers,
                "large": large.customers,
                "p99_small_ms": small.p99_ms,
                "p99_large_ms": large.p99_ms,
                "ratio": large.p99_ms / small.p99_ms,
            }
        )
    return out


def growth_table(items: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    headers = ["backend", "workers", "case", "p99 small ms", "p99 large ms", "large/small"]
    rows = [
        [
            g["backend"],
            str(g["workers"]),
            g["case"],
            f"{g['p99_small_ms']:.2f} ({g['small']:,})",
            f"{g['p99_large_ms']:.2f} ({g['large']:,})",
            f"{g['ratio']:.2f}",
        ]
        for g in items
        if g["case"] not in REFERENCES
    ]
    return headers, rows


def targets(rows: list[Row], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of the issue with its measured value, on SQLite, largest seed, 2 workers."""
    sqlite = [r for r in rows if r.backend == "sqlite" and r.workers == 2]
    if not sqlite:
        return []
    top = max(r.customers for r in sqlite)
    at = {r.case: r for r in sqlite if r.customers == top}
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, limit: float, higher: bool) -> None:
        ok = None if value is None else (value >= limit if higher else value <= limit)
        out.append({"target": name, "value": value, "limit": limit, "met": ok})

    for g in items:
        if g["backend"] == "sqlite" and g["workers"] == 2 and g["case"] not in REFERENCES:
            add(
                f"{g['case']} p99 large/small <= {P99_GROWTH_MAX}",
                g["ratio"],
                P99_GROWTH_MAX,
                False,
            )
    measured = [r for r in at.values() if r.measured and r.case not in REFERENCES]
    worst_rss = max((r.rss_mib for r in measured), default=None)
    add(f"peak RSS/worker <= {RSS_MAX_MIB:.0f} MiB", worst_rss, RSS_MAX_MIB, False)
    all_measured = [r for r in rows if r.measured and r.case not in REFERENCES]
    add(
        "errors (all cases, all backends) == 0",
        float(sum(r.errors for r in all_measured)),
        0,
        False,
    )
    return out


# What the issue says each yardstick reached "on this machine", x ceiling.
YARDSTICK_CLAIMS = {"fastapi-orm lock/unlock": 0.03, "fastapi-sqlite3 lock/unlock": 0.2}


def yardsticks(rows: list[Row]) -> list[dict[str, Any]]:
    """trackpost's lock/unlock against the issue's yardsticks, measured beside it (SQLite)."""
    ours = {
        (o.customers, o.workers): o
        for o in rows
        if o.backend == "sqlite" and o.case == "lock/unlock" and o.measured
    }
    out: list[dict[str, Any]] = []
    for r in rows:
        if r.backend != "sqlite" or r.case not in YARDSTICK_CLAIMS or not r.measured:
            continue
        mine = ours.get((r.customers, r.workers))
        out.append(
            {
                "customers": r.customers,
                "workers": r.workers,
                "yardstick": r.case,
                "issue_ratio": YARDSTICK_CLAIMS[r.case],
                "ratio": r.ratio,
                "trackpost_ratio": mine.ratio if mine else None,
                "times": mine.rps / r.rps if mine and r.rps else None,
            }
        )
    return out


def yardsticks_table(items: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    headers = ["customers", "workers", "yardstick", "issue says", "measured x ceiling"]
    headers += ["trackpost lock/unlock x ceiling", "trackpost / yardstick"]
    rows = [
        [
            f"{y['customers']:,}",
            str(y["workers"]),
            y["yardstick"],
            f"{y['issue_ratio']:.2f}",
            f"{y['ratio']:.3f}",
            "n/a" if y["trackpost_ratio"] is None else f"{y['trackpost_ratio']:.3f}",
            "n/a" if y["times"] is None else f"{y['times']:.1f}x",
        ]
        for y in items
    ]
    return headers, rows


def targets_table(items: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    def show(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}"

    rows = [
        [t["target"], show(t["value"]), {True: "met", False: "NOT met", None: "n/a"}[t["met"]]]
        for t in items
    ]
    return ["target (SQLite, largest seed, 2 workers)", "measured", "state"], rows


# Where a request's machine time goes, in this order (Row.spend_us).
SPEND_KINDS = (
    "event loop",
    "granian runtime",
    "writer gate",
    "checkpointer",
    "other threads",
    "jobs process",
    "supervisor",
    "wrk",
    "idle",
    "machine",
)


def spend_line(row: Row) -> str:
    """One line of Row.spend_us for the terminal."""
    shown = [f"{k} {row.spend_us[k]:.0f}" for k in SPEND_KINDS if k in row.spend_us]
    return "machine time, us/req: " + ", ".join(shown)


def spend_table(rows: list[Row]) -> tuple[list[str], list[list[str]]]:
    """Where each case's machine time went, on SQLite, the largest seed, 2 workers."""
    chosen = [r for r in rows if r.backend == "sqlite" and r.workers == 2 and r.spend_us]
    if not chosen:
        return [], []
    top = max(r.customers for r in chosen)
    headers = ["case (us per request)", *SPEND_KINDS]
    body = [
        [r.case, *(f"{r.spend_us.get(k, 0.0):.0f}" for k in SPEND_KINDS)]
        for r in chosen
        if r.customers == top and r.measured
    ]
    return headers, body


def render(rows: list[Row], md: bool) -> str:
    """The whole report as text (terminal) or markdown (BENCHMARKS.md)."""
    table = markdown if md else text_table
    items = growth(rows)
    parts = [table(HEADERS, [_fmt_row(r) for r in rows])]
    gh, gr = growth_table(items)
    if gr:
        parts.append(("**p99 growth**\n\n" if md else "p99 growth\n") + table(gh, gr))
    yh, yr = yardsticks_table(yardsticks(rows))
    if yr:
        title = "Against the issue's yardsticks (same host, same run)"
        parts.append((f"**{title}**\n\n" if md else f"{title}\n") + table(yh, yr))
    sh, sr = spend_table(rows)
    if sr:
        title = "Where the machine's time went (SQLite, largest seed, 2 workers)"
        parts.append((f"**{title}**\n\n" if md else f"{title}\n") + table(sh, sr))
    th, tr = targets_table(targets(rows, items))
    if tr:
        parts.append(("**Targets**\n\n" if md else "Targets\n") + table(th, tr))
    return "\n\n".join(parts)


def median_ceiling(samples: list[float]) -> float:
    return statistics.median(samples) if samples else 0.0


def write_json(path: Path, meta: dict[str, Any], rows: list[Row]) -> None:
    items = growth(rows)
    doc = {
        "meta": meta,
        "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
        "p99_growth": items,
        "targets": targets(rows, items),
        "yardsticks": yardsticks(rows),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2) + "\n")


def missing_row(backend: str, customers: int, workers: int, case: str) -> Row:
    return Row(backend, customers, workers, case, status=MISSING)
