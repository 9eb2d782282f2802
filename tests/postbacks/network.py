"""A small network built through the API, and helpers to post like an advertiser does.

Shared by the postback, transaction, config and report tests: an advertiser, an offer with a
default revenue and payout, a landing page, an affiliate, real clicks through /track.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from tests.support import ApiClient
from trackpost.core.http import Services
from trackpost.models.tables import customer_audit, customers, transactions

PIXEL = "/signup/process_pixel.php"
VOID = "/signup/process_void.php"
_seq = itertools.count(1)


def created(resp: httpx.Response, key: str) -> int:
    assert resp.status_code == 200, resp.text
    return int(resp.json()[0]["message"][key])


@dataclass
class Network:
    """One advertiser's offer and landing page, and one affiliate promoting it."""

    api: ApiClient
    services: Services
    advertiser: int = 0
    advertiser_username: str = ""
    offer: int = 0
    landing_page: int = 0
    affiliate: int = 0
    link: str = ""
    offer_params: dict[str, Any] = field(default_factory=dict)
    _clients: dict[str, TestClient] = field(default_factory=dict)

    @property
    def http(self) -> Any:
        return self.api.client

    def click(self, **query: str) -> str:
        """A real click on the affiliate's link; returns its click hash."""
        resp = self.http.get(self.link, params=query, follow_redirects=False)
        assert resp.status_code == 302, resp.text
        # Postbacks come from the advertiser's server, which never saw the browser's cookie.
        self.http.cookies.clear()
        return str(parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0])

    def post(self, method: str = "GET", path: str = PIXEL, **params: Any) -> httpx.Response:
        """A postback as an advertiser sends it: a query string, or a form body for POST."""
        ip = params.pop("_ip", None)
        client = self.from_ip(ip) if ip else self.http
        if method == "GET":
            resp: httpx.Response = client.get(path, params=params)
        else:
            resp = client.post(path, data=params)
        return resp

    def from_ip(self, ip: str) -> TestClient:
        """The same app seen from another client address (no lifespan: the db stays open)."""
        if ip not in self._clients:
            self._clients[ip] = TestClient(
                self.http.app, client=(ip, 50000), raise_server_exceptions=False
            )
        return self._clients[ip]

    def subscribe(self, events: str = "*") -> int:
        """A webhook endpoint (added through the API) for these types: while nothing subscribes
        to a type it is not recorded (docs/events.md), so tests reading the log add one first.
        Nothing listens at its address and no delivery worker runs here."""
        hook = {"url": "https://hooks.example.com/trackpost", "events": events}
        resp = self.api.post("/api/webhook/add_endpoint", hook)
        assert resp.status_code == 200, resp.text
        return int(resp.json()["message"]["endpointid"])

    def convert(self, **params: Any) -> dict[str, Any]:
        """A successful conversion postback on a fresh click."""
        params.setdefault("click_hash", self.click())
        resp = self.post(**params)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def rows(self, customer_id: int | None = None) -> list[dict[str, Any]]:
        """The ledger rows (of one customer), oldest first."""
        stmt = select(transactions).order_by(transactions.c.transactionid)
        if customer_id is not None:
            stmt = stmt.where(transactions.c.customer_id == customer_id)
        with self.services.db.transaction(write=False) as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def customer(self, customer_id: int) -> dict[str, Any]:
        stmt = select(customers).where(customers.c.customer_id == customer_id)
        with self.services.db.transaction(write=False) as conn:
            return dict(conn.execute(stmt).mappings().one())

    def audit(self, customer_id: int) -> list[dict[str, Any]]:
        stmt = (
            select(customer_audit)
            .where(customer_audit.c.customer_id == customer_id)
            .order_by(customer_audit.c.auditid)
        )
        with self.services.db.transaction(write=False) as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def counts(self) -> tuple[int, int, int]:
        """(customers, transactions, audit rows): what a refused or replayed post must not move."""
        with self.services.db.transaction(write=False) as conn:
            return tuple(  # type: ignore[return-value]
                len(conn.execute(select(t)).all())
                for t in (customers, transactions, customer_audit)
            )


def ledger(rows: list[dict[str, Any]]) -> tuple[int, int]:
    """Revenue and affiliate payout in cents, counting every row but pending or denied ones."""
    counted = [r for r in rows if r["status"] not in ("pending", "denied")]
    return sum(r["amount"] for r in counted), sum(r["affiliate_payout"] for r in counted)


def build_network(
    api: ApiClient,
    services: Services,
    *,
    landing_page: dict[str, Any] | None = None,
    **offer: Any,
) -> Network:
    """Advertiser, offer (defaults: 9.95 revenue, 5.00 flat payout; None drops a default),
    landing page, affiliate."""
    n = next(_seq)
    adv_name = f"adv{n}"
    advertiser = created(
        api.post(
            "/api/advertiser/add_advertiser",
            {"username": adv_name, "password": "Adv-pass-1234", "email": f"{adv_name}@ex.com"},
        ),
        "loginid",
    )
    merged = {"conversion": "9.95", "flat_amount_per_conversion": "5.00", **offer}
    offer_params = {k: v for k, v in merged.items() if v is not None}
    offerid = created(
        api.post(
            "/api/offer/add_offer",
            {"name": f"Offer {n}", "advertiserid": advertiser, **offer_params},
        ),
        "offerid",
    )
    page = {
        "name": f"Page {n}",
        "offerid": offerid,
        "url": "https://lander.example.com/?ch=%%click_hash%%",
        **(landing_page or {}),
    }
    lp = created(api.post("/api/offer/add_landing_page", page), "landing_pageid")
    affiliate = created(
        api.post(
            "/api/affiliate/add_affiliate",
            {
                "username": f"aff{n}",
                "password": "Aff-pass-1234",
                "email": f"aff{n}@ex.com",
                "payvia": 1,
            },
        ),
        "loginid",
    )
    resp = api.get(
        "/api/affiliate/get_single_link",
        {"loginid": affiliate, "offerid": offerid, "landing_pageid": lp},
    )
    assert resp.status_code == 200, resp.text
    link = urlsplit(resp.json()["message"]).path
    return Network(api, services, advertiser, adv_name, offerid, lp, affiliate, link, offer_params)
