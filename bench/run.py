"""`make bench`: seed, serve, load, measure, and print one table (also written as JSON)."""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import cache, console, machine, procs, profile, report, wrk
from bench import cases as cases_mod
from bench.cases import CEILING, Case, Load
from bench.database import ADMIN, CONSOLE_PASSWORD, Target, prepare
from bench.options import Options, parse
from bench.report import Row

RESULTS = procs.ROOT / "bench" / "results"
DOC = procs.ROOT / "BENCHMARKS.md"


@dataclass
class Run:
    """State shared by every case of one invocation."""

    opts: Options
    wrk_bin: str
    workdir: Path
    run_id: str
    rows: list[Row] = field(default_factory=list)
    seeds: list[dict[str, object]] = field(default_factory=list)
    profiles: dict[str, str] = field(default_factory=dict)
    page_cache: list[dict[str, object]] = field(default_factory=list)
    integrity: list[dict[str, object]] = field(default_factory=list)
    counter: int = 0

    @property
    def load(self) -> Load:
        o = self.opts
        return Load(o.threads, o.connections, o.duration, o.warmup, o.timeout)

    def tag(self) -> str:
        self.counter += 1
        return f"{self.run_id}{self.counter}"


def _start_trackpost(run: Run, target: Target, workers: int) -> procs.Server:
    port = procs.free_port()
    argv = [procs.trackpost_bin(), "serve", "--port", str(port), "--workers", str(workers)]
    server = procs.start("trackpost", [*argv, "--no-access-log"], target.env, port, run.workdir)
    procs.wait_ready(server, "/healthz", workers)
    return server


def _start_ceiling(run: Run, target: Target, workers: int) -> procs.Server:
    port = procs.free_port()
    argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--workers", str(workers)]
    server = procs.start("ceiling", argv, target.env, port, run.workdir)
    procs.wait_ready(server, "/", workers)
    return server


def _start_yardstick(run: Run, target: Target, workers: int, name: str) -> procs.Server:
    port = procs.free_port()
    app = cases_mod.YARDSTICKS[name]
    argv = [sys.executable, "-m", "bench.yardstick", app, "--port", str(port)]
    server = procs.start(name, [*argv, "--workers", str(workers)], target.env, port, run.workdir)
    procs.wait_ready(server, "/healthz", workers)
    return server


def _wrk(
    run: Run, server: procs.Server, case: Case, target: Target, codes: Path, secs: float
) -> wrk.WrkResult:
    load = run.load
    return wrk.run(
        run.wrk_bin,
        server.base_url,
        case.script,
        threads=load.threads,
        connections=load.connections,
        seconds=secs,
        timeout_s=load.timeout,
        args=case.args(target, load, codes, run.tag()),
    )


@dataclass(frozen=True)
class Segment:
    """One measured wrk run: its result, the workers' peak RSS and the server's CPU seconds."""

    res: wrk.WrkResult
    rss: float
    cpu: float
    # Seconds by kind of server thread (procs.thread_kind), wrk's CPU, and the machine's idle
    # and total time, during the measured seconds.
    spent: dict[str, float] = field(default_factory=dict)


def _combine(parts: list[Segment]) -> tuple[wrk.WrkResult, float, float]:
    """Several segments of one case: the combined result, the peak RSS, CPU us per request."""
    res = wrk.WrkResult.combine([p.res for p in parts])
    cpu_us = sum(p.cpu for p in parts) * 1e6 / res.requests if res.requests else 0.0
    return res, max(p.rss for p in parts), cpu_us


def _spend(parts: list[Segment], requests: int) -> dict[str, float]:
    """Microseconds per answered request by where the machine's time went (Row.spend_us)."""
    totals: dict[str, float] = {}
    for part in parts:
        for kind, seconds in part.spent.items():
            totals[kind] = totals.get(kind, 0.0) + seconds
    return {k: round(v * 1e6 / requests, 1) for k, v in totals.items()} if requests else {}


def _segment(
    run: Run, server: procs.Server, case: Case, target: Target, codes: Path, label: str
) -> Segment:
    """One measured wrk run with the workers' RSS and the server's CPU time sampled (and, once
    per case, profiled)."""
    secs = run.load.seconds / run.opts.rounds
    if case.touches_locks:
        _settle()
        target.reset_locks()
    sampler = procs.RssSampler(server)
    spy = None
    raw = run.workdir / "profiles" / f"{label}.txt"
    if run.opts.profile and not case.reference and server.workers() and label not in run.profiles:
        spy = profile.start(server.workers()[0], secs, raw)
    cpu_before, threads_before = server.cpu_seconds(), server.thread_cpu()
    idle_before, total_before = procs.machine_times()
    wrk_before = _children_cpu()
    with sampler.sampling():
        result = _wrk(run, server, case, target, codes, secs)
    cpu = server.cpu_seconds() - cpu_before
    spent = _delta(server.thread_cpu(), threads_before)
    # wrk is the only child process that ends during the measured seconds.
    spent["wrk"] = _children_cpu() - wrk_before
    idle_after, total_after = procs.machine_times()
    spent["idle"] = idle_after - idle_before
    spent["machine"] = total_after - total_before
    if spy is not None:
        spy.wait(timeout=60)
        if raw.exists():
            run.profiles[label] = profile.summarise(raw)
    if case.touches_locks:
        _settle()
        target.reset_locks()
    return Segment(result, sampler.peak_mib, cpu, spent)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items()}


def _reset_growth(target: Target) -> None:
    """Back to the seeded size before the next case (a postback case alone adds ~100,000)."""
    _settle()
    started = time.monotonic()
    removed = target.reset_growth()
    if removed:
        print(
            f"[{target.backend} {target.dataset.customers:,}] removed {removed:,} rows the case "
            f"added, in {time.monotonic() - started:.1f} s",
            flush=True,
        )


def _settle() -> None:
    """Let the server finish requests wrk abandoned at its deadline before touching their rows."""
    time.sleep(1.5)


def _row(
    target: Target, workers: int, case: str, res: wrk.WrkResult, rss: float, cpu_us: float
) -> Row:
    return Row(
        backend=target.backend,
        customers=target.dataset.customers,
        workers=workers,
        case=case,
        rps=res.rps,
        p50_ms=res.p50_ms,
        p99_ms=res.p99_ms,
        errors=res.errors,
        http_5xx=res.http_5xx,
        rss_mib=rss,
        cpu_us=cpu_us,
        requests=res.requests,
        sample=res.sample + (f" [postback clicks wrapped {res.wrapped}x]" if res.wrapped else ""),
    )


def _say(row: Row) -> None:
    where = f"[{row.backend} {row.customers:,} customers, {row.workers} worker(s)]"
    if not row.measured:
        print(f"{where} {row.case}: {row.status}", flush=True)
        return
    ratio = f" x{row.ratio:.2f} of ceiling" if row.case != "ceiling" else ""
    print(
        f"{where} {row.case}: {row.rps:,.0f} req/s, p50 {row.p50_ms:.2f} ms, "
        f"p99 {row.p99_ms:.2f} ms, errors {row.errors}, RSS {row.rss_mib:.0f} MiB, "
        f"CPU {row.cpu_us:.0f} us/req{ratio}",
        flush=True,
    )
    if row.spend_us:
        print(f"    {report.spend_line(row)}", flush=True)
    if row.errors and row.sample:
        print(f"    first failure: {row.sample[:300]}", flush=True)


def _warm_cache(run: Run, target: Target, workers: int, case: Case) -> None:
    """Read the SQLite files into the page cache, as a busy server keeps them (bench/cache.py)."""
    db_file = target.sqlite_file
    if db_file is None:
        return
    warmed = cache.warm(cache.database_files(db_file))
    run.page_cache.append(
        {
            "customers": target.dataset.customers,
            "workers": workers,
            "case": case.name,
            "resident_before": warmed.resident_before,
            "seconds": round(warmed.seconds, 2),
        }
    )
    print(f"[{target.backend} {target.dataset.customers:,}] {warmed.describe()}", flush=True)


class _Servers:
    """The servers of one worker count: the ceiling throughout, and one database app at a time
    (trackpost or a yardstick), so that an idle one's checkpointer never works for another."""

    def __init__(self, run: Run, target: Target, workers: int) -> None:
        self.run, self.target, self.workers = run, target, workers
        self.ceiling = _start_ceiling(run, target, workers)
        self.app: procs.Server | None = None
        self.signed_in: procs.Server | None = None

    def serving(self, case: Case) -> procs.Server:
        if case.bare:
            return self.ceiling
        if self.app is None or self.app.name != case.server:
            self.stop_app()
            if case.server == "trackpost":
                self.app = _start_trackpost(self.run, self.target, self.workers)
            else:
                self.app = _start_yardstick(self.run, self.target, self.workers, case.server)
        return self.app

    def stop_app(self) -> None:
        if self.app is not None:
            self.app.stop()
            self.app = None

    def stop(self) -> None:
        self.stop_app()
        self.ceiling.stop()


def _run_workers(
    run: Run, target: Target, workers: int, codes: Path, chosen: tuple[Case, ...]
) -> None:
    servers = _Servers(run, target, workers)
    samples: list[Segment] = []
    group = f"{target.backend}-{target.dataset.customers}-w{workers}"
    try:
        for case in chosen:
            if case.server in cases_mod.YARDSTICKS and target.backend != "sqlite":
                continue  # the yardsticks are SQLite endpoints
            on = servers.serving(case)
            if not case.reference and cases_mod.endpoint_missing(on.port, case, target.api_key):
                row = report.missing_row(
                    target.backend, target.dataset.customers, workers, case.name
                )
                run.rows.append(row)
                _say(row)
                continue
            if case.session and servers.signed_in is not on:
                # Once per server start, as a person signs in once and then works.
                target.console_cookie = console.sign_in(on.base_url, ADMIN, CONSOLE_PASSWORD)
                servers.signed_in = on
            label = f"{group}-{case.name.replace('/', '-')}".replace(" ", "-")
            if not case.bare:
                _warm_cache(run, target, workers, case)
            if run.load.warmup > 0:
                _wrk(run, on, case, target, codes, run.load.warmup)
            # Ceiling and case alternate in short rounds, so that a busy neighbour on a shared
            # machine weighs on both sides of the ratio alike.
            parts: list[Segment] = []
            ceiling_parts: list[Segment] = []
            for _ in range(run.opts.rounds):
                ceiling_parts.append(
                    _segment(run, servers.ceiling, CEILING, target, codes, f"{group}-ceiling")
                )
                parts.append(_segment(run, on, case, target, codes, label))
            samples.extend(ceiling_parts)
            row = _row(target, workers, case.name, *_combine(parts))
            row.spend_us = _spend(parts, row.requests)
            row.ceiling_rps = _combine(ceiling_parts)[0].rps
            run.rows.append(row)
            _say(row)
            if case.name == "postback+outbound":
                target.drain_report()
            if not case.bare:
                _reset_growth(target)
    finally:
        servers.stop()
    if samples:
        crow = _row(target, workers, "ceiling", *_combine(samples))
        crow.ceiling_rps = crow.rps
        crow.spend_us = _spend(samples, crow.requests)
        crow.ceiling_samples = [round(s.res.rps) for s in samples]
        # The ceiling row goes first in its group.
        at = next(
            (i for i, r in enumerate(run.rows)
             if (r.backend, r.customers, r.workers) == (crow.backend, crow.customers, workers)),
            len(run.rows),
        )  # fmt: skip
        run.rows.insert(at, crow)
        _say(crow)


def _run_backend(run: Run, backend: str, chosen: tuple[Case, ...]) -> None:
    for customers in run.opts.customers:
        target = prepare(backend, customers, run.opts.spare_clicks, run.workdir, run.opts.postgres)
        target.stats_fold = run.opts.stats_fold
        target.jobs_nice = run.opts.jobs_nice
        target.server_env = run.opts.server_env
        # Every case that converts spare clicks (postback, postback+rules) takes its own share.
        converting = max(1, sum(1 for c in chosen if c.script == "postback"))
        target.postback_runs = (1 + run.opts.rounds) * len(run.opts.workers) * converting
        run.seeds.append(
            {"backend": backend, "customers": customers, "seconds": round(target.seed_seconds, 1)}
        )
        codes = run.workdir / f"linkcodes-{backend}-{customers}.txt"
        codes.write_text("\n".join(target.dataset.linkcodes(2000)) + "\n")
        try:
            for workers in run.opts.workers:
                _run_workers(run, target, workers, codes, chosen)
            verdict = target.integrity()
            run.integrity.append({"backend": backend, "customers": customers, "check": verdict})
            print(f"[{backend} {customers:,}] integrity: {verdict}", flush=True)
        finally:
            if not run.opts.keep:
                target.drop()


def main(argv: list[str] | None = None) -> int:
    opts = parse(sys.argv[1:] if argv is None else argv)
    chosen = cases_mod.by_name(opts.cases)
    run_id = time.strftime("%Y%m%d-%H%M%S")
    workdir = Path(tempfile.mkdtemp(prefix="trackpost-bench-"))
    run = Run(opts, wrk.ensure_wrk(), workdir, run_id)
    meta = machine.describe(opts)
    started = time.monotonic()
    try:
        backends = (["sqlite"] if opts.sqlite else []) + (["postgres"] if opts.postgres else [])
        for backend in backends:
            _run_backend(run, backend, chosen)
    finally:
        meta["seconds"] = round(time.monotonic() - started)
        meta["seeding"] = run.seeds
        meta["page_cache"] = run.page_cache
        meta["integrity"] = run.integrity
        out = RESULTS / f"{run_id}.json"
        report.write_json(out, meta, run.rows)
        shutil.copyfile(out, RESULTS / "latest.json")
        for label, text in run.profiles.items():
            (RESULTS / run_id).mkdir(parents=True, exist_ok=True)
            (RESULTS / run_id / f"{label}.profile.txt").write_text(text + "\n")
        if not opts.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(report.render(run.rows, md=False))
    print(f"\nresults: {out}" + (f" (profiles in {RESULTS / run_id})" if run.profiles else ""))
    if opts.keep:
        print(f"kept the seeded databases and the servers' logs in {workdir}")
    if opts.update_doc:
        machine.update_doc(DOC, meta, report.render(run.rows, md=True))
        print(f"updated {DOC}")
    unsound = [i for i in run.integrity if i["check"] != "ok"]
    if unsound:
        print(f"DATABASE INTEGRITY FAILED: {unsound}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
