"""Existing records for generic tests to aim at: advertiser, offer, landing page, affiliate, click,
customer, transaction.

Built through the HTTP API wherever the endpoint exists; customers and transactions fall back to the
service functions the postbacks call, while the postbacks domain is still being built.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from tests.security.endpoints import all_endpoints
from tests.support import ApiClient
from trackpost.core.http import Services

T = TypeVar("T")
_seq = itertools.count(1)
PIXEL = "/signup/process_pixel.php"


def has_endpoint(method: str, path: str) -> bool:
    return any(ep.method == method and ep.path == path for ep in all_endpoints())


def _created_id(resp: Any, key: str) -> int:
    """The vendor's creation body: [{"result":"Success","message":{"<key>":"<id>"}}]."""
    assert resp.status_code == 200, resp.text
    return int(resp.json()[0]["message"][key])


class World:
    """Lazily creates one of each kind of record and remembers its identifiers."""

    def __init__(self, api: ApiClient, http: TestClient, services: Services) -> None:
        self.api = api
        self.http = http
        self.services = services
        self._cache: dict[str, Any] = {}

    def _once(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = make()
        value: T = self._cache[key]
        return value

    def advertiser(self) -> int:
        return self._once("advertiser", self.new_advertiser)

    def new_advertiser(self) -> int:
        n = next(_seq)
        if has_endpoint("POST", "/api/advertiser/add_advertiser"):
            data = {"username": f"adv{n}", "password": "Adv-pass-1234", "email": f"adv{n}@ex.com"}
            return _created_id(self.api.post("/api/advertiser/add_advertiser", data), "loginid")
        from tests.customers.factory import add_advertiser

        return add_advertiser(self.services.db, f"adv{n}")

    def offer(self, slot: str = "world") -> int:
        def make() -> int:
            data = {"name": f"{slot} offer", "advertiserid": self.advertiser()}
            return _created_id(self.api.post("/api/offer/add_offer", data), "offerid")

        return self._once(f"offer:{slot}", make)

    def landing_page(self, slot: str = "world") -> int:
        def make() -> int:
            data = {
                "name": f"{slot} page",
                "offerid": self.offer(slot),
                "url": "https://lander.example.com/?ch=%%click_hash%%",
                "postback_ips": "",
            }
            return _created_id(self.api.post("/api/offer/add_landing_page", data), "landing_pageid")

        return self._once(f"landing_page:{slot}", make)

    def affiliate(self, slot: str = "world") -> int:
        def make() -> int:
            n = next(_seq)
            data = {
                "username": f"aff{n}",
                "password": "Aff-pass-1234",
                "email": f"aff{n}@ex.com",
                "payvia": 1,
            }
            return _created_id(self.api.post("/api/affiliate/add_affiliate", data), "loginid")

        return self._once(f"affiliate:{slot}", make)

    def link_path(self, slot: str = "world") -> str:
        """The /track/<code> path of the slot's affiliate link to the slot's landing page."""

        def make() -> str:
            self.landing_page(slot)
            params = {"loginid": self.affiliate(slot), "offerid": self.offer(slot)}
            resp = self.api.get("/api/affiliate/get_single_link", params)
            assert resp.status_code == 200, resp.text
            return str(urlsplit(resp.json()["message"]).path)

        return self._once(f"link:{slot}", make)

    def click(self) -> str:
        """A fresh click hash, on an offer of its own that no probe edits or pauses."""
        resp = self.http.get(self.link_path("clicks"), follow_redirects=False)
        assert resp.status_code in (301, 302, 303, 307), resp.text
        return str(parse_qs(urlsplit(resp.headers["location"]).query)["ch"][0])

    def customer(self, subscription_id: str | None = None) -> int:
        """A fresh customer (each call makes a new one) belonging to the world's advertiser."""
        n = next(_seq)
        from tests.customers.factory import add_customer

        return add_customer(
            self.services.db,
            self.advertiser(),
            subscription_id or f"sub-{n}",
            firstname="Ada",
            email=f"ada{n}@example.com",
        )

    def transaction(self, customer_id: int) -> str:
        """An orderid belonging to the customer."""
        orderid = f"ORD-{next(_seq)}"
        from tests.customers.factory import add_transaction

        add_transaction(self.services.db, customer_id, orderid)
        return orderid

    def forget_customer(self) -> None:
        """The next values() names a new customer (and order), untouched by earlier requests."""
        self._cache.pop("base_customer", None)
        self._cache.pop("base_order", None)

    def values(self) -> dict[str, str]:
        """Existing values by parameter name, so that generic requests reach the database."""
        customer = self._once("base_customer", self.customer)
        orderid = self._once("base_order", lambda: self.transaction(customer))
        return {
            "customer_id": str(customer),
            "orderid": orderid,
            "advertiserid": str(self.advertiser()),
            "offerid": str(self.offer()),
            "landing_pageid": str(self.landing_page()),
            "loginid": str(self.affiliate()),
            "ocode": self.link_path().rsplit("/", 1)[-1],
            "click_hash": self._once("base_click", self.click),
            "transaction_hash": self._once("base_click", self.click),
        }
