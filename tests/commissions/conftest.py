"""Fixtures of the money-engine tests: a network built through the API, with helpers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.postbacks.network import Network, build_network, created
from tests.support import ApiClient
from trackpost.core.http import Services
from trackpost.models.tables import transaction_payouts


class Money:
    """The endpoints of the money engine, called as an admin would."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.api = net.api

    def change(self, **params: Any) -> int:
        resp = self.api.post(
            "/api/offer/add_commission_change", {"offerid": self.net.offer, **params}
        )
        return created(resp, "changeid")

    def patch(self, path: str, **params: Any) -> dict[str, Any]:
        resp = self.api.patch(path, params)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

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
        resp = self.api.get(
            "/api/affiliate/get_single_link",
            {
                "loginid": affiliate,
                "offerid": self.net.offer,
                "landing_pageid": self.net.landing_page,
            },
        )
        assert resp.status_code == 200, resp.text
        from urllib.parse import urlsplit

        return str(urlsplit(resp.json()["message"]).path)

    def click(self, link: str | None = None, **query: str) -> str:
        if link is None:
            return self.net.click(**query)
        old, self.net.link = self.net.link, link
        try:
            return self.net.click(**query)
        finally:
            self.net.link = old

    def payouts(self, transactionid: int) -> list[tuple[int, str, int, int]]:
        """(loginid, kind, tier, amount) of a transaction's payout rows, in order."""
        stmt = (
            select(transaction_payouts)
            .where(transaction_payouts.c.transactionid == transactionid)
            .order_by(transaction_payouts.c.payoutid)
        )
        with self.net.services.db.transaction(write=False) as conn:
            return [(r.loginid, r.kind, r.tier, r.amount) for r in conn.execute(stmt)]

    def preview(self, click_hash: str, **params: Any) -> dict[str, Any]:
        resp = self.api.get(
            "/api/transaction/transaction_payout_preview",
            {"transaction_hash": click_hash, **params},
        )
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()["message"]
        return body


@pytest.fixture
def net(api: ApiClient, services: Services) -> Network:
    """An offer paying 5.00 flat per conversion on 20.00 (and 20% of continuity revenue)."""
    return build_network(
        api,
        services,
        conversion="20.00",
        continuity="10.00",
        percentage_of_customer_continuity="20",
    )


@pytest.fixture
def money(net: Network) -> Money:
    return Money(net)
