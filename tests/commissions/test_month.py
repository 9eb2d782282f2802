"""A scripted month of a small network, checked against an independent calculation to the cent.

3 advertisers, 5 offers (flat and percentage defaults, an affiliate change and a subaff change
each, a goal), 10 affiliates (two referral chains with a signup bonus, four managed) and their
manager, a partner, and about 3,500 events (1,200 clicks, then conversions, rebills, goals,
voids, chargebacks, partial refunds), all through the HTTP API with one reused client.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from tests.conftest import Admin, BuildApp
from tests.postbacks.network import created
from tests.support import ApiClient
from trackpost.core.config import Settings
from trackpost.models.tables import transaction_payouts as TP
from trackpost.models.tables import transactions as T

PIXEL = "/signup/process_pixel.php"
DEFAULTS = [("flat", "5.00"), ("pct", "25"), ("flat", "3.00"), ("pct", "30"), ("flat", "10.00")]
REFS = {2: 1, 3: 2, 4: 3, 6: 5}  # affiliate index -> its referrer's index
MANAGED = (1, 2, 3, 4)
MANAGER_START = 20
BONUS = 300  # the referral signup bonus, cents (TRACKPOST_REFERRAL_SIGNUP_BONUS=3.00)
CONVERSIONS = 1200


def _cents(text: str) -> int:
    return int(Decimal(text) * 100)


def _round(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def _pct(amount: int, percent: str) -> int:
    return _round(Decimal(amount) * Decimal(percent) / 100)


class World:
    """The network built through the API, and the test's own model of what each payee earns."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api
        self.rng = random.Random(22)
        self.affs: list[int] = []
        self.offers: list[int] = []
        self.links: dict[tuple[int, int], str] = {}
        self.expected: dict[tuple[int, str], int] = defaultdict(int)
        self.revenue = 0
        self.managed_sales = 0
        self.seq = 0
        self.sold: set[int] = set()  # affiliates (index) whose first conversion was booked

    def build(self) -> None:
        api = self.api
        advertisers = []
        for n in range(3):
            adv = {"username": f"madv{n}", "password": "Adv-pass-1234", "email": f"m{n}@a.com"}
            advertisers.append(created(api.post("/api/advertiser/add_advertiser", adv), "loginid"))
        for i in range(11):  # ten sellers (index 1..10) and the manager (index 0)
            params: dict[str, Any] = {
                "username": f"maff{i}",
                "password": "Aff-pass-1234",
                "email": f"maff{i}@ex.com",
                "payvia": 1,
            }
            if i in REFS:
                params["ref"] = str(self.affs[REFS[i]])
            self.affs.append(created(api.post("/api/affiliate/add_affiliate", params), "loginid"))
        self.boss, self.partner = self.affs[0], self.affs[10]
        for i in MANAGED:
            edit = {"loginid": self.affs[i], "affiliate_manager_loginid": self.boss}
            assert api.patch("/api/affiliate/edit_affiliate", edit).status_code == 200
        self._patch(
            "/api/affiliate/set_manager_commission",
            loginid=str(self.boss),
            percentage_of_revenue="5",
            start_after_sales=str(MANAGER_START),
        )
        self._patch("/api/offer/set_referral_payouts", offerid="0", tier1="10", tier2="5")
        goal = created(api.post("/api/offer/add_goal", {"name": "Month signup"}), "goal_id")
        self.goal = goal
        for k, (kind, value) in enumerate(DEFAULTS):
            payout = (
                {"flat_amount_per_conversion": value}
                if kind == "flat"
                else {"percentage_of_customer_conversion": value}
            )
            offer = {
                "name": f"Month offer {k}",
                "advertiserid": advertisers[min(k // 2, 2)],
                "conversion": "20.00",
                "continuity": "10.00",
                "percentage_of_customer_continuity": "20",
                **payout,
            }
            offerid = created(api.post("/api/offer/add_offer", offer), "offerid")
            page = {
                "name": f"MP{k}",
                "offerid": offerid,
                "url": "https://l.example.com/?c=%%click_hash%%",
            }
            lp = created(api.post("/api/offer/add_landing_page", page), "landing_pageid")
            self.offers.append(offerid)
            # The affiliate change first, the subaff change on top of it.
            self._change(
                offerid,
                type="standard",
                loginid=str(self.affs[1 + k]),
                flat_amount_per_conversion="8.00",
            )
            self._change(
                offerid, type="standard", subaff="promo", percentage_of_customer_conversion="40"
            )
            self._patch(
                "/api/offer/set_offer_goals",
                offerid=str(offerid),
                **{
                    "goal_vars[0][goal_id]": str(goal),
                    "goal_vars[0][commission_type]": "flat",
                    "goal_vars[0][amount]": "1.00",
                    "goal_vars[0][revenue_type]": "conversion",
                    "goal_vars[0][revenue_amount]": "2.00",
                    "goal_vars[0][aff_referral_payout]": "1",
                },
            )
            for i in range(1, 11):
                link = api.get(
                    "/api/affiliate/get_single_link",
                    {"loginid": self.affs[i], "offerid": offerid, "landing_pageid": lp},
                ).json()["message"]
                self.links[(i, k)] = urlsplit(link).path
        self._patch(
            "/api/offer/set_offer_partner",
            offerid=str(self.offers[0]),
            loginid=str(self.partner),
            percentage_of_revenue="2",
        )
        self._patch(
            "/api/offer/set_money_rules", offerid=str(self.offers[0]), chargeback_fee_cap="payout"
        )

    def _patch(self, path: str, **params: str) -> None:
        resp = self.api.patch(path, params)
        assert resp.status_code == 200, resp.text

    def _change(self, offerid: int, **params: str) -> None:
        created(
            self.api.post("/api/offer/add_commission_change", {"offerid": offerid, **params}),
            "changeid",
        )

    # The independent model: what each payee earns on one event.
    def _payees(
        self, i: int, k: int, kind: str, rev: int, subaff: str
    ) -> dict[tuple[int, str], int]:
        aff = self.affs[i]
        if kind == "goal":
            own = 100
        elif kind == "continuity":
            own = _pct(rev, "20")
        elif subaff == "promo":
            own = _pct(rev, "40")
        elif i == 1 + k:
            own = 800
        else:
            how, value = DEFAULTS[k]
            own = _cents(value) if how == "flat" else _pct(rev, value)
        rows = {(aff, "affiliate"): own}
        referrer = REFS.get(i)
        for rate in ("10", "5"):
            if referrer is None:
                break
            amount = _pct(own, rate)
            if amount:
                rows[(self.affs[referrer], "referral")] = amount
            referrer = REFS.get(referrer)
        if kind != "goal" and i in MANAGED:
            if kind == "initial":
                self.managed_sales += 1
            if self.managed_sales > MANAGER_START and _pct(rev, "5"):
                rows[(self.boss, "manager")] = _pct(rev, "5")
        if kind != "goal" and k == 0 and _pct(rev, "2"):
            rows[(self.partner, "partner")] = _pct(rev, "2")
        return rows

    def _post(self, **params: str) -> dict[str, Any]:
        resp = self.api.client.get(PIXEL, params=params)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def _click(self, i: int, k: int, subaff: str) -> str:
        query = {"subaff1": subaff} if subaff else {}
        resp = self.api.client.get(self.links[(i, k)], params=query, follow_redirects=False)
        assert resp.status_code == 302, resp.text
        self.api.client.cookies.clear()
        return str(parse_qs(urlsplit(resp.headers["location"]).query)["c"][0])

    def _book(self, rows: dict[tuple[int, str], int], rev: int, sign: int = 1) -> None:
        self.revenue += sign * rev
        for key, amount in rows.items():
            self.expected[key] += sign * amount

    def run(self, conversions: int) -> int:
        """The month's events; returns how many were posted."""
        posted = 0
        rng = self.rng
        for n in range(conversions):
            i, k = rng.randint(1, 10), rng.randrange(5)
            subaff = "promo" if rng.random() < 0.1 else ""
            rev = _cents(rng.choice(["9.95", "19.95", "49.00", "120.00"]))
            sub = f"M{n}"
            click = self._click(i, k, subaff)
            self._post(
                click_hash=click,
                subscription_id=sub,
                orderid=f"{sub}-c",
                amount=str(Decimal(rev) / 100),
            )
            sale = self._payees(i, k, "initial", rev, subaff)
            self._book(sale, rev)
            bonus: dict[tuple[int, str], int] = {}
            if i in REFS and i not in self.sold:
                # The referrer's signup bonus, on the referred affiliate's first conversion.
                bonus = {(self.affs[REFS[i]], "referral"): BONUS}
                self._book(bonus, 0)
            self.sold.add(i)
            posted += 1
            for r in range(rng.choice([0, 0, 1, 2, 3])):
                rebill = _cents(rng.choice(["9.95", "29.95"]))
                self._post(
                    subscription_id=sub,
                    type="rebill",
                    orderid=f"{sub}-r{r}",
                    amount=str(Decimal(rebill) / 100),
                )
                self._book(self._payees(i, k, "continuity", rebill, subaff), rebill)
                posted += 1
            if rng.random() < 0.25:
                self._post(subscription_id=sub, goal_id=str(self.goal), orderid=f"{sub}-g")
                self._book(self._payees(i, k, "goal", 200, subaff), 200)
                posted += 1
            posted += self._adjust(sub, sale, rev, bonus)
        return posted

    def _adjust(
        self, sub: str, sale: dict[tuple[int, str], int], rev: int, bonus: dict[Any, int]
    ) -> int:
        """A void or chargeback takes every row back, the bonus too; a refund leaves the bonus."""
        roll = self.rng.random()
        if roll < 0.05:
            resp = self.api.post("/api/transaction/process_void", {"orderid": f"{sub}-c"})
            assert resp.status_code == 200, resp.text
            self._book(sale, rev, -1)
            self._book(bonus, 0, -1)
        elif roll < 0.08:
            own = next(a for (_p, kind), a in sale.items() if kind == "affiliate")
            cost = own // 2
            cb = {"orderid": f"{sub}-c", "type": "chargeback", "cost": str(Decimal(cost) / 100)}
            resp = self.api.post("/api/transaction/process_chargeback", cb)
            assert resp.status_code == 200, resp.text
            self._book(sale, rev, -1)
            self._book(bonus, 0, -1)
            aff = next(p for (p, kind) in sale if kind == "affiliate")
            self.expected[(aff, "affiliate")] -= cost
        elif roll < 0.13:
            part = rev // 3
            self._post(
                subscription_id=sub,
                type="refund",
                original_orderid=f"{sub}-c",
                orderid=f"{sub}-f",
                amount=str(Decimal(part) / 100),
            )
            self.revenue -= part
            for key, amount in sale.items():
                self.expected[key] -= _round(Decimal(amount) * part / rev)
        else:
            return 0
        return 1


def _no_flush(url: str) -> str:
    """On PostgreSQL, commits that do not wait for the disk: the month's thousands of
    one-request transactions are about the ledger's arithmetic, not the server's durability."""
    if not url.startswith("postgresql") or "options=" not in url:
        return url
    return url.replace("options=", "options=-csynchronous_commit%3Doff%20", 1)


def test_a_month_balances_to_the_cent(
    build_app: BuildApp, admin: Admin, settings: Settings
) -> None:
    url = _no_flush(settings.database_url)
    # The month posts one request at a time, so PostgreSQL's group commit (for concurrent
    # writers) would only add its hand-off to each one; SQLite's stays on.
    built = build_app(referral_signup_bonus="3.00", database_url=url, postgres_group_commit=False)
    services = built.services
    api = ApiClient(built.client(), admin.headers)
    world = World(api)
    world.build()
    started = time.perf_counter()
    posted = world.run(conversions=CONVERSIONS)
    elapsed = time.perf_counter() - started
    # Each click and each post is one HTTP request through the whole stack.
    assert CONVERSIONS + posted > 3000, posted
    print(f"month: {CONVERSIONS} clicks and {posted} posts in {elapsed:.1f} s")
    counted = T.c.status.not_in(("pending", "denied"))
    with services.db.transaction(write=False) as conn:
        revenue = conn.execute(select(T.c.amount).where(counted)).scalars().all()
        rows = conn.execute(
            select(TP.c.loginid, TP.c.kind, TP.c.amount)
            .join(T, T.c.transactionid == TP.c.transactionid)
            .where(counted)
        ).all()
        totals = conn.execute(select(T.c.total_payout).where(counted)).scalars().all()
        bonuses = conn.execute(
            select(TP.c.loginid).where(TP.c.kind == "referral", TP.c.tier == 0, TP.c.amount > 0)
        ).scalars()
        bonused = sorted(bonuses)
    booked: dict[tuple[int, str], int] = defaultdict(int)
    for loginid, kind, amount in rows:
        booked[(loginid, kind)] += amount
    assert sum(revenue) == world.revenue
    assert {k: v for k, v in booked.items() if v} == {k: v for k, v in world.expected.items() if v}
    assert sum(totals) == sum(amount for *_x, amount in rows)
    assert bonused == sorted(world.affs[REFS[i]] for i in REFS)  # once per referred affiliate
    kinds = {kind for (_p, kind), v in booked.items() if v}
    assert kinds == {"affiliate", "referral", "manager", "partner"}
