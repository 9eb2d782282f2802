"""Fresh records for the compatibility requests: every "{name}" of a sample is filled here."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import urlsplit

from tests.postbacks.network import Network, build_network
from tests.support import ApiClient
from trackpost.core.http import Services

_seq = itertools.count(1)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The address remote voids come from: the network's pages list it in void_ips.
SENDER = "203.0.113.7"


class CompatWorld:
    """One network (advertiser, offer, page, affiliate) and fresh sales and customers."""

    def __init__(self, api: ApiClient, services: Services) -> None:
        self.api = api
        self.services = services
        page = {
            "void_ips": SENDER,
            "url": "https://lander.example.com/?ch=%%click_hash%%&cv=%%cust_var%%",
        }
        self.net: Network = build_network(api, services, landing_page=page)
        self._pending: Network | None = None
        self.memo: dict[str, str] = {}

    def fresh(self) -> None:
        """The next request's placeholders name new records."""
        self.memo = {"n": str(next(_seq))}

    def _sale(self, net: Network) -> None:
        n = self.memo["n"]
        click = net.click()
        net.convert(click_hash=click, orderid=f"compat-{n}", subscription_id=f"csub-{n}")
        row = net.rows()[-1]
        self.memo.update(
            sale_hash=click,
            sale_orderid=f"compat-{n}",
            sale_id=str(row["transactionid"]),
            customer_id=str(row["customer_id"]),
            subscription_id=f"csub-{n}",
            customer_orderid=f"compat-{n}",
        )

    def prepare(self, kind: str) -> None:
        """The record an endpoint acts on: a sale, a voided sale, or a pending sale."""
        if kind == "pending_sale":
            if self._pending is None:
                self._pending = build_network(self.api, self.services, pending_conversions="1")
            self._sale(self._pending)
        elif kind in ("sale", "voided_sale"):
            self._sale(self.net)
            if kind == "voided_sale":
                resp = self.api.post(
                    "/api/transaction/process_void", {"orderid": self.memo["sale_orderid"]}
                )
                assert resp.status_code == 200, resp.text

    def value(self, name: str) -> str | None:
        net = self.net
        if name in self.memo:
            return self.memo[name]
        if name in ("customer_id", "subscription_id", "customer_orderid"):
            self._sale(net)
            return self.memo[name]
        simple = {
            "advertiserid": str(net.advertiser),
            "offerid": str(net.offer),
            "landing_pageid": str(net.landing_page),
            "loginid": str(net.affiliate),
            "ocode": net.link.rsplit("/", 1)[-1],
        }
        if name in simple:
            return simple[name]
        if name == "aff_username":
            found = self.api.get("/api/affiliate/search", {"loginid": net.affiliate}).json()
            return str(found[str(net.affiliate)]["username"])
        if name == "click_hash":
            self.memo[name] = net.click()
            return self.memo[name]
        if name in ("pending_advertiserid", "pending_offerid") and self._pending is not None:
            pending = self._pending
            return str(pending.advertiser if name == "pending_advertiserid" else pending.offer)
        if name in ("goal_id", "offer_goal"):
            return self._goal(name)
        if name == "goal_change":
            change = {"offerid": net.offer, "type": "standard", "goalid": self.fill("{offer_goal}")}
            resp = self.api.post("/api/offer/add_commission_change", change)
            assert resp.status_code == 200, resp.text
            self.memo[name] = str(resp.json()[0]["message"]["changeid"])
            return self.memo[name]
        if name == "other_affiliate":
            other = build_network(self.api, self.services)
            self.memo[name] = str(other.affiliate)
            return self.memo[name]
        return None

    def _goal(self, name: str) -> str:
        """A new goal ('goal_id'), or one enabled on the network's offer ('offer_goal')."""
        n = self.memo["n"]
        resp = self.api.post("/api/offer/add_goal", {"name": f"Goal {n}-{name}"})
        assert resp.status_code == 200, resp.text
        goal = str(resp.json()[0]["message"]["goal_id"])
        if name == "offer_goal":
            enable = {"offerid": self.net.offer, "goal_vars[0][goal_id]": goal}
            resp = self.api.patch("/api/offer/set_offer_goals", enable)
            assert resp.status_code == 200, resp.text
        self.memo[name] = goal
        return goal

    def fill(self, sample: Any) -> Any:
        """The sample with its known placeholders filled (others, like {clickid}, kept)."""
        if isinstance(sample, dict):
            return {k: self.fill(v) for k, v in sample.items()}
        if isinstance(sample, list):
            return [self.fill(v) for v in sample]
        if not isinstance(sample, str):
            return sample

        def one(match: re.Match[str]) -> str:
            found = self.value(match.group(1))
            return match.group(0) if found is None else found

        return _PLACEHOLDER.sub(one, sample)

    def track_path(self) -> str:
        return urlsplit(self.net.link).path
