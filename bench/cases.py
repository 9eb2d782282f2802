"""The measured cases: which Lua script, which arguments, and how to tell a missing endpoint."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.database import ADMIN, Target, add_outbound, commission_rules
from bench.dataset import HASH_FMT, ORDER_PREFIX, SUB_PREFIX, USER_PREFIX

MISSING = "n/a (endpoint missing)"
Args = dict[str, str | int]


@dataclass(frozen=True)
class Load:
    """How hard wrk pushes: threads, connections, seconds per run."""

    threads: int
    connections: int
    seconds: float
    warmup: float
    timeout: float


@dataclass(frozen=True)
class Case:
    """One row of the table: a request mix against one endpoint."""

    name: str
    script: str
    probe_method: str
    probe_path: str
    args: Callable[[Target, Load, Path, str], Args]
    touches_locks: bool = False
    # Who answers: trackpost, or a reference (not an endpoint of ours): the bare ceiling app,
    # or one of the conventional yardsticks (bench/yardstick.py, SQLite only).
    server: str = "trackpost"
    # Signed in to the console (Target.console_cookie) rather than sending the API key.
    session: bool = False

    @property
    def bare(self) -> bool:
        """Served by the bare ceiling app."""
        return self.server == "ceiling"

    @property
    def reference(self) -> bool:
        """A row to compare with, not trackpost's: no target is about it."""
        return self.server != "trackpost"


def _api(target: Target, load: Load, codes: Path, run: str) -> Args:
    return {
        "key": target.api_key,
        "username": ADMIN,
        "customers": target.dataset.customers,
        "sub_prefix": SUB_PREFIX,
        "order_prefix": ORDER_PREFIX,
    }


def _ping(target: Target, load: Load, codes: Path, run: str) -> Args:
    return {**_api(target, load, codes, run), "path": "/api/service/ping"}


def _track(target: Target, load: Load, codes: Path, run: str) -> Args:
    return {"codes": str(codes)}


def _postback(target: Target, load: Load, codes: Path, run: str) -> Args:
    spare = target.dataset.spare_clicks // max(1, target.postback_runs)
    per_thread = max(1, spare // load.threads)
    return {
        "first_click": target.take_spare_clicks(per_thread * load.threads),
        "per_thread": per_thread,
        "hash_fmt": HASH_FMT,
        "run": run,
    }


def _postback_rules(target: Target, load: Load, codes: Path, run: str) -> Args:
    """The postback with 100 commission changes on every offer and 3 referral tiers."""
    commission_rules(target)
    return _postback(target, load, codes, run)


_RECEIVER: list[int] = []


def _postback_outbound(target: Target, load: Load, codes: Path, run: str) -> Args:
    """The postback with three affiliate postbacks and two webhook endpoints per conversion.

    The server's delivery workers send them to a local receiver (asyncio, answers 200 at once)
    while the conversions are measured: their CPU is the server's, as in production.
    """
    if not _RECEIVER:
        import multiprocessing

        from bench.delivery import _port, _receiver

        port = _port()
        multiprocessing.Process(target=_receiver, args=(port, False), daemon=True).start()
        _RECEIVER.append(port)
    data = target.dataset
    with target._transaction() as conn:
        affiliates = [data.affiliate_id(n) for n in range(data.affiliates)]
        add_outbound(conn, affiliates, f"http://127.0.0.1:{_RECEIVER[0]}")
    return _postback(target, load, codes, run)


def _rebill(target: Target, load: Load, codes: Path, run: str) -> Args:
    return {**_api(target, load, codes, run), "run": run}


def _console(mode: str) -> Callable[[Target, Load, Path, str], Args]:
    def args(target: Target, load: Load, codes: Path, run: str) -> Args:
        data = target.dataset
        return {
            "mode": mode,
            "cookie": target.console_cookie,
            "customers": data.customers,
            "offers": data.offers,
            "first_affiliate": data.affiliate_id(0),
            "affiliates": data.affiliates,
            "first_advertiser": data.advertiser_id(0),
            "advertisers": data.advertisers,
            "sub_prefix": SUB_PREFIX,
            "order_prefix": ORDER_PREFIX,
            "user_prefix": USER_PREFIX,
        }

    return args


def _ceiling(target: Target, load: Load, codes: Path, run: str) -> Args:
    return {**_api(target, load, codes, run), "path": "/"}


CEILING = Case("ceiling", "get", "GET", "/", _ceiling, server="ceiling")
# The lock/unlock traffic against the bare app, which reads each form body and answers `true`:
# the most any endpoint that takes a body can reach (the server's receive() costs about as much
# as the whole ceiling request).
CEILING_BODY = Case("ceiling+body", "lock", "PATCH", "/", _api, server="ceiling")
# The calibration of the lock target, measured on today's host: FastAPI with a sync def
# and the SQLAlchemy ORM ("about 0.03"), and FastAPI with raw sqlite3 inline ("about 0.2").
YARDSTICKS = {"fastapi-orm": "orm", "fastapi-sqlite3": "raw"}
YARDSTICK_ORM = Case(
    "fastapi-orm lock/unlock", "lock", "PATCH", "/", _api, touches_locks=True, server="fastapi-orm"
)
YARDSTICK_RAW = Case(
    "fastapi-sqlite3 lock/unlock",
    "lock",
    "PATCH",
    "/",
    _api,
    touches_locks=True,
    server="fastapi-sqlite3",
)

CASES: tuple[Case, ...] = (
    CEILING_BODY,
    Case("ping", "get", "GET", "/api/service/ping", _ping),
    Case("lock/unlock", "lock", "PATCH", "/api/customer/lock", _api, touches_locks=True),
    YARDSTICK_ORM,
    YARDSTICK_RAW,
    Case(
        "set_customer_details", "set_details", "PATCH", "/api/customer/set_customer_details", _api
    ),
    Case("get_customer_details", "get_details", "GET", "/api/customer/get_customer_details", _api),
    Case("track", "track", "GET", "/track/MS4wLjEuMS4wLjAuMC4wLjAuMC4wLjA", _track),
    Case("postback", "postback", "GET", "/signup/process_pixel.php", _postback),
    Case("rebill", "rebill", "GET", "/signup/process_pixel.php", _rebill),
    # The admin console, signed in: the customer list, the basic search, a customer's page.
    Case("console list", "console", "GET", "/admin/customers", _console("list"), session=True),
    Case("console search", "console", "GET", "/admin/customers", _console("search"), session=True),
    Case(
        "console customer",
        "console",
        "GET",
        "/admin/customers/1",
        _console("details"),
        session=True,
    ),
    # Last: the rules and subscriptions they add stay for the cases after them (run each alone
    # to measure it alone: `--cases postback+outbound`).
    Case("postback+rules", "postback", "GET", "/signup/process_pixel.php", _postback_rules),
    Case("postback+outbound", "postback", "GET", "/signup/process_pixel.php", _postback_outbound),
)


def endpoint_missing(port: int, case: Case, api_key: str) -> bool:
    """True when the app has no route there yet (404 unknown_endpoint), however it answers else.

    http.client, not urllib: a redirect (the click) must never be followed off this machine.
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            case.probe_method,
            case.probe_path,
            headers={"api-key": api_key, "api-username": ADMIN},
        )
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    if resp.status != 404:
        return False
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("code") == "unknown_endpoint"


def by_name(names: str) -> tuple[Case, ...]:
    """The cases named in a comma list (all when empty)."""
    if not names:
        return CASES
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {c.name: c for c in CASES}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; known: {', '.join(known)}")
    return tuple(known[n] for n in wanted)
