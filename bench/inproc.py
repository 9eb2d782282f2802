"""Cost of one request in process: the ASGI app called directly, no server, no network.

    python -m bench.inproc DATA_DIR {ping,lock,track,postback,get} [--requests N]
        [--setup rules,outbound]

DATA_DIR is a database directory kept by `python -m bench.run --keep --customers 1000` (the
`sqlite-1000` folder, with `linkcodes-sqlite-1000.txt` beside it). It is copied first, so runs
start from the same state. The requests are the ones the wrk scripts send, 32 at a time (so
that write requests share group-commit batches as under load); the answer is microseconds of
wall and CPU time per request. Subtract it from the server's cost per request to see what the
server adds (see BENCHMARKS.md).

--setup adds what the money engine and outbound delivery issues measure their floors with:
`rules` (100 commission changes on every offer, 3 referral tiers: bench/database.py) and
`outbound` (three affiliate postbacks for every affiliate's conversions and two webhook
endpoints for every transaction). Deliveries are fanned out and sent by the delivery workers,
not by the request: this measures what the postback's request costs with them configured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import text

from bench.database import add_commission_rules, add_outbound
from bench.dataset import HASH_FMT, ORDER_PREFIX, SUB_PREFIX
from trackpost.accounts import service as accounts
from trackpost.app import build_services, create_app, tune_gc_for_serving
from trackpost.core.config import get_settings
from trackpost.core.security import KeyHasher, load_secret

ADMIN = "inproc"
Request = tuple[dict[str, Any], bytes]
_BROWSER = [
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
    (b"accept", b"text/html"),
    (b"referer", b"https://publisher.example/review"),
]


def _scope(method: str, path: str, query: str, headers: list[tuple[bytes, bytes]]) -> Any:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "http_version": "1.1",
        "root_path": "",
    }


def requests(kind: str, key: str, codes: list[str], customers: int) -> Callable[[int], Request]:
    """The i-th request of a kind, as the matching bench/lua script would send it."""
    api = [(b"api-key", key.encode()), (b"api-username", ADMIN.encode())]
    keys = ("customer_id={c}", f"subscription_id={SUB_PREFIX}{{c}}", f"orderid={ORDER_PREFIX}{{c}}")

    def make(i: int) -> Request:
        c = i // 2 % customers + 1
        if kind == "ping":
            return _scope("GET", "/api/service/ping", "", api), b""
        if kind == "get":
            return _scope("GET", "/api/customer/get_customer_details", f"customer_id={c}", api), b""
        if kind == "track":
            code = codes[i % len(codes)]
            return _scope("GET", f"/track/{code}", f"subaff1=s{i % 500}", _BROWSER), b""
        if kind == "postback":
            # Never-converted clicks follow the customers' own (bench/dataset.py).
            query = (
                f"click_hash={HASH_FMT % (customers + 1 + i)}&subscription_id=ip{i}"
                f"&orderid=io{i}&amount=19.95"
            )
            return _scope("GET", "/signup/process_pixel.php", query, _BROWSER), b""
        body = keys[i // 2 % 3].format(c=c).encode()
        form = [
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
        ]
        op = "lock" if i % 2 == 0 else "unlock"
        return _scope("PATCH", f"/api/customer/{op}", "", api + form), body

    return make


async def drive(app: Any, make: Callable[[int], Request], n: int) -> dict[int, int]:
    """Send n requests, 32 at a time; count the answers' statuses."""
    statuses: dict[int, int] = {}

    async def one(i: int) -> None:
        scope, body = make(i)

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] = statuses.get(message["status"], 0) + 1

        await app(scope, receive, send)

    for start in range(0, n, 32):
        await asyncio.gather(*(one(start + j) for j in range(min(32, n - start))))
    return statuses


def setup(conn: Any, what: set[str]) -> None:
    """Add the rules or outbound subscriptions --setup names to the copied database."""
    offers = [r[0] for r in conn.execute(text("SELECT offerid FROM offers ORDER BY offerid"))]
    affiliates = [
        r[0]
        for r in conn.execute(
            text("SELECT loginid FROM logins WHERE type = 'affiliate' ORDER BY loginid")
        )
    ]
    if "rules" in what:
        add_commission_rules(conn, offers, affiliates)
    if "outbound" in what:
        # Nothing listens on port 9: the delivery workers are off here (only the request counts).
        add_outbound(conn, affiliates, "http://127.0.0.1:9")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("kind", choices=("ping", "lock", "track", "postback", "get"))
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--setup", default="", help="comma list: rules, outbound")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="trackpost-inproc-"))
    try:
        data = work / "db"
        shutil.copytree(args.data_dir, data)
        os.environ["TRACKPOST_DATABASE_URL"] = f"sqlite:///{data / 'trackpost.db'}"
        os.environ["TRACKPOST_DATA_DIR"] = str(data)
        os.environ["TRACKPOST_DELIVERY_WORKERS"] = "false"
        get_settings.cache_clear()
        settings = get_settings()
        services = build_services(settings)
        with services.db.transaction(write=True) as conn:
            key = accounts.create_admin(conn, KeyHasher(load_secret(settings)), ADMIN).api_key
            setup(conn, {w.strip() for w in args.setup.split(",") if w.strip()})
        codes_file = args.data_dir.parent / f"linkcodes-{args.data_dir.name}.txt"
        codes = [line for line in codes_file.read_text().split() if line]
        with services.db.transaction(write=False) as conn:
            customers = int(conn.execute(text("SELECT count(*) FROM customers")).scalar_one())
        app = create_app(settings, services)
        tune_gc_for_serving()  # as `trackpost serve` does in each worker
        make = requests(args.kind, key, codes, customers)

        async def run() -> tuple[dict[int, int], float, float]:
            await drive(app, make, 200)  # warm the caches and the statement compilation
            wall, cpu = time.perf_counter(), time.process_time()
            statuses = await drive(app, lambda i: make(200 + i), args.requests)
            return statuses, time.perf_counter() - wall, time.process_time() - cpu

        statuses, wall, cpu = uvloop.run(run())
        per = 1e6 / args.requests
        print(
            f"{args.kind}: {wall * per:.1f} us wall, {cpu * per:.1f} us CPU per request; {statuses}"
        )
        services.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
