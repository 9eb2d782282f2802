"""Every endpoint against the hostile-input catalogue: a clear 4xx, and nothing written.

Probes refused while the request is parsed (encoding, brackets, content types) never reach the
database, so they run on SQLite only; every probe that reaches the database runs on both.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tests.conftest import Admin
from tests.security.endpoints import (
    SYNONYMS,
    all_endpoints,
    all_text_values,
    concrete_path,
    label,
    row_counts,
)
from tests.security.hostile import Catalogue, Probe, base_pairs
from tests.security.world import World
from tests.support import ApiClient
from trackpost.core.http import Endpoint, Services

ENDPOINTS = all_endpoints()
_CODE = re.compile(r"^[a-z0-9_]+$")


async def send(
    client: httpx.AsyncClient, ep: Endpoint, headers: dict[str, str], probe: Probe
) -> httpx.Response:
    url = probe.path or concrete_path(ep.path)
    if probe.query:
        url = f"{url}?{probe.query}"
    all_headers = {**headers, **probe.extra_headers}
    if probe.ctype:
        all_headers["content-type"] = probe.ctype
    return await client.request(
        ep.method, url, headers=all_headers, content=probe.body, follow_redirects=False
    )


def asgi_client(app: Any) -> httpx.AsyncClient:
    """Straight into the ASGI app from the test's own event loop: many requests, little overhead."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def refusal_problem(ep: Endpoint, probe: Probe, resp: httpx.Response) -> str | None:
    """Why this response is not a clear refusal, or None when it is one."""
    if not 400 <= resp.status_code < 500:
        return f"status {resp.status_code}: {resp.text[:200]}"
    ctype = resp.headers.get("content-type", "")
    if ctype.startswith("text/html") and ep.public:
        # The public click endpoint answers a browser with a page; it must not echo the input.
        return "the HTML page reflects the input" if "<script>" in resp.text else None
    if not ctype.startswith("application/json"):
        return f"status {resp.status_code} with content type {ctype!r}"
    body = resp.json()
    if not (
        isinstance(body, dict)
        and body.get("result") == "error"
        and isinstance(body.get("code"), str)
        and _CODE.match(body["code"])
        and isinstance(body.get("message"), str)
        and body["message"]
    ):
        return f"not the error envelope: {resp.text[:200]}"
    return None


def naming_problem(probe: Probe, resp: httpx.Response) -> str | None:
    """A 400 about one parameter should name it (meaningful only when the base request is valid)."""
    if probe.names_param and probe.param and resp.status_code == 400:
        message = str(resp.json().get("message", ""))
        if not any(name in message for name in SYNONYMS.get(probe.param, {probe.param})):
            return f"{probe.what}: the 400 message does not name {probe.param!r}: {message!r}"
    return None


def _set_aside(ep: Endpoint, probe: Probe, resp: httpx.Response) -> bool:
    """A customer field a post cannot store is set aside and the sale booked, the answer naming
    it in `warnings` (docs/postbacks.md): not a refusal, by design."""
    if not (ep.path.startswith("/signup/process_pixel") and resp.status_code == 200):
        return False
    body = resp.json()
    warnings = body.get("warnings") if isinstance(body, dict) else None
    if not isinstance(warnings, list):
        return False
    return any(w.get("field") == probe.param for w in warnings)


def _kept_refusal(ep: Endpoint, table: str, before: int, after: int) -> bool:
    """A refused advertiser post writes exactly one row: its record in failed_postbacks."""
    return ep.path.startswith("/signup/") and table == "failed_postbacks" and after == before + 1


def judge(
    engine: Engine, ep: Endpoint, probe: Probe, resp: httpx.Response, before: dict[str, int]
) -> tuple[dict[str, int], str | None]:
    """(row counts now, the problem with this outcome or None)."""
    after = row_counts(engine)
    refused = refusal_problem(ep, probe, resp)
    if refused is not None and _set_aside(ep, probe, resp):
        return after, None
    if refused is None:
        changed = {
            t: (before[t], n)
            for t, n in after.items()
            if before[t] != n and not _kept_refusal(ep, t, before[t], n)
        }
        return after, (f"refused but wrote rows {changed}" if changed else None)
    if probe.strict or resp.status_code >= 500:
        return after, refused
    if not 200 <= resp.status_code < 400:
        return after, refused
    if probe.never_stored:
        if probe.value in all_text_values(engine):
            return after, "accepted and stored with the invisible character"
        return after, None
    # Accepted: anything it wrote must hold the value as sent, not a mangled or folded one.
    if after != before and probe.value and probe.param and "password" not in probe.param:
        stored = all_text_values(engine)
        if not any(probe.value in v for v in stored):
            return after, "accepted and wrote rows, but the value is not stored verbatim"
    return after, None


async def probe_endpoint(
    client: httpx.AsyncClient,
    engine: Engine,
    headers: dict[str, str],
    ep: Endpoint,
    world: World,
    full: bool,
) -> list[str]:
    """Every probe of the catalogue against one endpoint; the problems found."""
    parsing = world.services.db.is_sqlite
    catalogue = Catalogue(ep, base_pairs(ep, world.values()), full=full, parsing=parsing)
    counts = row_counts(engine)
    failures: list[str] = []
    unnamed: list[str] = []
    for probe in catalogue.probes():
        resp = await send(client, ep, headers, probe)
        counts, problem = judge(engine, ep, probe, resp, counts)
        if problem:
            failures.append(f"{label(ep)}: {probe.what}: {problem}")
        if 200 <= resp.status_code < 300 and "click_hash" in catalogue.base:
            # A click converts once: later probes get a fresh one, or they would only meet 409s.
            catalogue.base["click_hash"] = world.click()
            counts = row_counts(engine)
        elif (naming := naming_problem(probe, resp)) is not None:
            unnamed.append(f"{label(ep)}: {naming}")
    base = await send(client, ep, headers, catalogue.form("base", catalogue.encoded_base()))
    # Whether a 400 names the right parameter only means something when the rest was valid.
    return failures + (unnamed if 200 <= base.status_code < 400 else [])


def test_hostile_input_is_refused_and_writes_nothing(
    http: TestClient, api: ApiClient, services: Services, admin: Admin
) -> None:
    """One database for all endpoints (the world is costly to build); fresh customers for each."""
    world = World(api, http, services)
    failures: list[str] = []

    async def run() -> None:
        seen: set[tuple[object, object]] = set()
        async with asgi_client(http.app) as client:
            for ep in ENDPOINTS:
                world.forget_customer()
                full = (ep.handler, ep.params) not in seen
                seen.add((ep.handler, ep.params))
                failures.extend(
                    await probe_endpoint(client, services.db.engine, admin.headers, ep, world, full)
                )

    asyncio.run(run())
    assert not failures, "\n".join(failures)


def test_every_endpoint_is_probed() -> None:
    """The catalogue has something to say about each endpoint, parameters or not."""
    for ep in ENDPOINTS:
        assert any(True for _ in Catalogue(ep, {}).probes()), label(ep)
