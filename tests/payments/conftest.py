"""Fixtures of the payment tests: a network whose ledger events happen at chosen times."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, insert, select, text, update

from tests.postbacks.network import Network, build_network, created
from tests.support import ApiClient
from trackpost.core.http import Services
from trackpost.models.tables import payout_periods, transaction_payouts, transactions

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """'2026-01-15' or '2026-01-15 10:00' as an aware UTC datetime."""
    value = dt.datetime.fromisoformat(text)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Pay:
    """The network, its ledger moved in time, and the payment endpoints called as an admin."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.api: ApiClient = net.api
        self.services: Services = net.services
        self._seq = 0

    # --- the ledger ------------------------------------------------------------------------
    def _last_id(self) -> int:
        stmt = select(transactions.c.transactionid).order_by(transactions.c.transactionid.desc())
        with self.services.db.transaction(write=False) as conn:
            return int(conn.execute(stmt.limit(1)).scalar_one())

    def backdate(self, transactionid: int, when: dt.datetime) -> None:
        stmt = (
            update(transactions)
            .where(transactions.c.transactionid == transactionid)
            .values(created_at=when, updated_at=when)
        )
        with self.services.db.transaction(write=True) as conn:
            conn.execute(stmt)

    def sale(self, when: str, link: str | None = None, **params: Any) -> int:
        """A conversion on a fresh click of `link` (the network's affiliate by default) at `when`."""
        self._seq += 1
        params.setdefault("orderid", f"ord-{self._seq}")
        if link is None:
            self.net.convert(**params)
        else:
            old, self.net.link = self.net.link, link
            try:
                self.net.convert(**params)
            finally:
                self.net.link = old
        tid = self._last_id()
        self.backdate(tid, at(when))
        return tid

    def void(self, transactionid: int, when: str, path: str = "process_void") -> int:
        params: dict[str, Any] = {"transactionid": transactionid}
        if path == "process_chargeback":
            params["type"] = "chargeback"
        resp = self.api.post(f"/api/transaction/{path}", params)
        assert resp.status_code == 200, resp.text
        tid = self._last_id()
        self.backdate(tid, at(when))
        return tid

    def payouts(self) -> list[dict[str, Any]]:
        stmt = select(transaction_payouts).order_by(transaction_payouts.c.payoutid)
        with self.services.db.transaction(write=False) as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

    def affiliate(self, name: str, **extra: Any) -> int:
        params = {
            "username": name,
            "password": "Aff-pass-1234",
            "email": f"{name}@ex.com",
            "payvia": 1,
            **extra,
        }
        return created(self.api.post("/api/affiliate/add_affiliate", params), "loginid")

    def link_for(self, affiliate: int) -> str:
        from urllib.parse import urlsplit

        resp = self.api.get(
            "/api/affiliate/get_single_link",
            {
                "loginid": affiliate,
                "offerid": self.net.offer,
                "landing_pageid": self.net.landing_page,
            },
        )
        assert resp.status_code == 200, resp.text
        return str(urlsplit(resp.json()["message"]).path)

    # --- the payment endpoints ---------------------------------------------------------------
    def ok(self, resp: httpx.Response) -> Any:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return body["message"] if isinstance(body, dict) else body

    def build(self, as_of: str) -> list[dict[str, Any]]:
        builds: list[dict[str, Any]] = self.ok(
            self.api.post("/api/payment/build", {"as_of": as_of})
        )["builds"]
        return builds

    def search(self, **filters: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(self.api.get("/api/payment/search", filters))
        return result

    def payments(self, **filters: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.search(count=1000, **filters)["payments"]
        return found

    def lines(self, paymentid: int | str) -> dict[str, Any]:
        result: dict[str, Any] = self.ok(
            self.api.get("/api/payment/get_lines", {"paymentid": paymentid})
        )
        return result

    def patch(self, path: str, **params: Any) -> Any:
        return self.ok(self.api.patch(path, params))

    def post(self, path: str, **params: Any) -> Any:
        return self.ok(self.api.post(path, params))


def reset_periods(services: Services, spec: str = "1", **extra: Any) -> None:
    """One period, the default: the same start on both backends (PostgreSQL's tests truncate)."""
    now = dt.datetime.now(UTC)
    row = {
        "periodid": 1,
        "spec": spec,
        "description": "Monthly",
        "delay": 0,
        "enabled": True,
        "is_default": True,
        "auto_store": True,
        "created_at": now,
        "updated_at": now,
        **extra,
    }
    with services.db.transaction(write=True) as conn:
        conn.execute(delete(payout_periods))
        conn.execute(insert(payout_periods), row)
        if conn.dialect.name == "postgresql":
            # The id was given explicitly: the sequence goes on after it.
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('payout_periods', 'periodid'), 1)")
            )


@pytest.fixture
def net(api: ApiClient, services: Services) -> Network:
    """An offer paying 5.00 flat per conversion on 9.95, one affiliate (payvia 1)."""
    reset_periods(services)
    return build_network(api, services)


@pytest.fixture
def pay(net: Network) -> Pay:
    return Pay(net)
