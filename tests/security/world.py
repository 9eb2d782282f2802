"""Existing things for generic tests to aim at: an advertiser, a customer, a transaction.

Built through the HTTP API when the endpoint exists, otherwise through the service functions the
API would call, so the security tests can run while the other domains are still being built.
"""

from __future__ import annotations

import itertools
from typing import Any

from starlette.testclient import TestClient

from tests.security.endpoints import all_endpoints
from tests.support import ApiClient
from trackpost.core.http import Services

_seq = itertools.count(1)


def has_endpoint(method: str, path: str) -> bool:
    return any(ep.method == method and ep.path == path for ep in all_endpoints())


class World:
    """Lazily creates one of each kind of record and remembers its identifiers."""

    def __init__(self, api: ApiClient, http: TestClient, services: Services) -> None:
        self.api = api
        self.http = http
        self.services = services
        self._cache: dict[str, Any] = {}

    def _once(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def advertiser(self) -> int:
        return int(self._once("advertiser", self._make_advertiser))

    def _make_advertiser(self) -> int:
        n = next(_seq)
        if has_endpoint("POST", "/api/advertiser/add_advertiser"):
            resp = self.api.post(
                "/api/advertiser/add_advertiser",
                {"username": f"adv{n}", "password": "Adv-pass-1234", "email": f"adv{n}@ex.com"},
            )
            assert resp.status_code == 200, resp.text
            return int(resp.json()[0]["message"]["loginid"])
        from tests.customers.factory import add_advertiser

        return add_advertiser(self.services.db, f"adv{n}")

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

    def values(self) -> dict[str, str]:
        """Existing values by parameter name, for building requests that reach the database."""
        customer = int(self._once("base_customer", self.customer))
        orderid = str(self._once("base_order", lambda: self.transaction(customer)))
        return {
            "customer_id": str(customer),
            "advertiserid": str(self.advertiser()),
            "orderid": orderid,
        }
