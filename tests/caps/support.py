"""Helpers of the caps tests: a network, caps through the API, clicks and their outcomes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from tests.postbacks.network import Network
from trackpost.models.tables import clicks, events

OVERFLOW_URL = "https://overflow.example/full"


def add_cap(net: Network, **params: Any) -> int:
    """A cap on the network's offer (override offerid/advertiserid to scope it elsewhere)."""
    data = {"offerid": net.offer, "redirect_type": "url", "redirect_url": OVERFLOW_URL, **params}
    data = {k: v for k, v in data.items() if v is not None}
    resp = net.api.post("/api/offer/add_conversion_cap", data)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["result"] == "Success"
    return int(body["message"]["cap_redirect_id"])


def visit(net: Network, link: str | None = None, ip: str | None = None) -> httpx.Response:
    """A click on the link (the network's own by default), not followed."""
    client = net.from_ip(ip) if ip else net.http
    resp: httpx.Response = client.get(link or net.link, follow_redirects=False)
    client.cookies.clear()
    assert resp.status_code == 302, resp.text
    return resp


def overflowed(resp: httpx.Response) -> bool:
    return resp.headers["location"].startswith(OVERFLOW_URL)


def click_count(net: Network, offerid: int | None = None) -> int:
    stmt = select(func.count()).select_from(clicks)
    if offerid is not None:
        stmt = stmt.where(clicks.c.offerid == offerid)
    with net.services.db.transaction(write=False) as conn:
        return int(conn.execute(stmt).scalar_one())


def reached_events(net: Network) -> list[dict[str, Any]]:
    import orjson

    stmt = select(events.c.payload).where(events.c.type == "cap.reached").order_by(events.c.id)
    with net.services.db.transaction(write=False) as conn:
        return [orjson.loads(r[0]) for r in conn.execute(stmt)]


def caps(net: Network, **params: Any) -> list[dict[str, Any]]:
    resp = net.api.get("/api/offer/get_conversion_caps", params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["result"] == "success"
    data: list[dict[str, Any]] = body["data"]
    return data


def status(net: Network, capid: int) -> dict[str, Any]:
    [found] = [c for c in caps(net, enabled="", deleted="") if c["cap_redirect_id"] == str(capid)]
    return found
