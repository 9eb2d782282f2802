"""What the benchmark seeds: a network's accounts, offers and traffic, generated row by row.

Rows are tuples in a fixed column order so that the bulk writers never build a dict per row;
ids are explicit and derived from the row number, so the Lua scripts can name any customer,
subscription id, order id or click hash without reading the database.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Row = tuple[Any, ...]

SUB_PREFIX = "bsub"
ORDER_PREFIX = "bord"
USER_PREFIX = "user"
HASH_FMT = "bk%018d"  # 20 characters, like the app's own click hashes
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
_SPREAD = 86_400  # distinct timestamps, one every 90 s over the last 90 days


@dataclass(frozen=True)
class Table:
    """One table's seeded rows: column names, row count and a generator of tuples."""

    name: str
    columns: tuple[str, ...]
    count: int
    rows: Iterator[Row]


@dataclass(frozen=True)
class Dataset:
    """A network with `customers` customers, each with its click, subscription id and order."""

    customers: int
    spare_clicks: int
    first_login: int
    advertisers: int = 20
    affiliates: int = 1000
    offers_per_advertiser: int = 5
    pages_per_offer: int = 2

    @property
    def offers(self) -> int:
        return self.advertisers * self.offers_per_advertiser

    @property
    def clicks(self) -> int:
        return self.customers + self.spare_clicks

    def advertiser_id(self, n: int) -> int:
        return self.first_login + n

    def affiliate_id(self, n: int) -> int:
        return self.first_login + self.advertisers + n

    def offer_of_click(self, i: int) -> int:
        return i % self.offers + 1

    def page_of_click(self, i: int) -> int:
        offer = self.offer_of_click(i)
        return (offer - 1) * self.pages_per_offer + (i // self.offers) % self.pages_per_offer + 1

    def advertiser_of_offer(self, offer: int) -> int:
        return self.advertiser_id((offer - 1) // self.offers_per_advertiser)

    def affiliate_of_click(self, i: int) -> int:
        return self.affiliate_id((i * 7919) % self.affiliates)

    def linkcodes(self, count: int, seed: int = 7) -> list[str]:
        """Affiliate links (base64 of the 12 dot-separated ids) over seeded offers and pages."""
        rng = random.Random(seed)
        codes = []
        for _ in range(count):
            i = rng.randrange(self.clicks)
            ids = [
                self.affiliate_of_click(i),
                0,
                self.offer_of_click(i),
                self.page_of_click(i),
                0,
                0,
                *([0] * 6),
            ]
            raw = ".".join(str(x) for x in ids).encode()
            codes.append(base64.b64encode(raw).decode())
        return codes

    def tables(self, now: dt.datetime, fmt: TimeFormat) -> list[Table]:
        """Every table in insert order (parents before children)."""
        times = [fmt(now - dt.timedelta(seconds=90 * k)) for k in range(_SPREAD)]
        return [
            self._logins(times),
            self._offers(times),
            self._pages(times),
            self._clicks(times),
            self._customers(times),
            self._transactions(times),
        ]

    def _logins(self, times: list[Any]) -> Table:
        cols = _names(
            "loginid type username email firstname company status join_date created_at updated_at"
        )

        def all_rows() -> Iterator[Row]:
            for n in range(self.advertisers):
                t = times[n * 97 % _SPREAD]
                name = f"bench_adv{n}"
                yield (
                    self.advertiser_id(n), "advertiser", name, f"{name}@example.com",
                    f"Advertiser {n}", f"Adv {n} Ltd", 0, t, t, t,
                )  # fmt: skip
            for n in range(self.affiliates):
                t = times[n * 89 % _SPREAD]
                name = f"bench_aff{n}"
                yield (
                    self.affiliate_id(n), "affiliate", name, f"{name}@example.com",
                    f"Affiliate {n}", None, 0, t, t, t,
                )  # fmt: skip

        return Table("logins", cols, self.advertisers + self.affiliates, all_rows())

    def _offers(self, times: list[Any]) -> Table:
        cols = _names(
            "offerid advertiserid name active conversion_revenue "
            "conversion_payout_type conversion_payout created_at updated_at"
        )

        def rows() -> Iterator[Row]:
            for o in range(1, self.offers + 1):
                t = times[o * 13 % _SPREAD]
                adv = self.advertiser_of_offer(o)
                yield (o, adv, f"Bench offer {o}", True, 995, "flat", 500, t, t)

        return Table("offers", cols, self.offers, rows())

    def _pages(self, times: list[Any]) -> Table:
        cols = _names("landing_pageid offerid name url conversion_type created_at updated_at")
        count = self.offers * self.pages_per_offer

        def rows() -> Iterator[Row]:
            for p in range(1, count + 1):
                offer = (p - 1) // self.pages_per_offer + 1
                t = times[p * 17 % _SPREAD]
                url = f"https://offer{offer}.example/lp{p}?click_hash=%%click_hash%%"
                yield (p, offer, f"Page {p}", url, "post", t, t)

        return Table("landing_pages", cols, count, rows())

    def _clicks(self, times: list[Any]) -> Table:
        cols = _names("clickid click_hash loginid offerid landing_pageid ip user_agent created_at")

        def rows() -> Iterator[Row]:
            for i in range(1, self.clicks + 1):
                yield (
                    i, HASH_FMT % i, self.affiliate_of_click(i), self.offer_of_click(i),
                    self.page_of_click(i), f"203.0.{i >> 8 & 255}.{i & 255}", USER_AGENT,
                    times[(self.clicks - i) % _SPREAD],
                )  # fmt: skip

        return Table("clicks", cols, self.clicks, rows())

    def _customers(self, times: list[Any]) -> Table:
        cols = _names(
            "customer_id advertiserid subscription_id username firstname lastname email "
            "country status join_date join_ip loginid offerid landing_pageid "
            "clickid locked created_at updated_at"
        )

        def rows() -> Iterator[Row]:
            for i in range(1, self.customers + 1):
                t = times[(self.clicks - i) % _SPREAD]
                offer = self.offer_of_click(i)
                yield (
                    i, self.advertiser_of_offer(offer), f"{SUB_PREFIX}{i}", f"{USER_PREFIX}{i}",
                    "Pat", f"Doe{i}",
                    f"c{i}@example.com", "US", "active", t, f"203.0.{i >> 8 & 255}.{i & 255}",
                    self.affiliate_of_click(i), offer, self.page_of_click(i), i, False, t, t,
                )  # fmt: skip

        return Table("customers", cols, self.customers, rows())

    def _transactions(self, times: list[Any]) -> Table:
        cols = _names(
            "transactionid customer_id orderid trans_type status amount "
            "affiliate_payout click_hash loginid offerid landing_pageid created_at "
            "updated_at advertiserid"
        )

        def rows() -> Iterator[Row]:
            for i in range(1, self.customers + 1):
                t = times[(self.clicks - i) % _SPREAD]
                offer = self.offer_of_click(i)
                yield (
                    i, i, f"{ORDER_PREFIX}{i}", "initial", "approved", 995, 500, HASH_FMT % i,
                    self.affiliate_of_click(i), offer, self.page_of_click(i), t, t,
                    self.advertiser_of_offer(offer),
                )  # fmt: skip

        return Table("transactions", cols, self.customers, rows())


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


class TimeFormat:
    """Renders a UTC datetime the way a backend's bulk path expects it."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __call__(self, value: dt.datetime) -> str:
        return value.strftime(self.pattern)


# SQLAlchemy's SQLite DateTime text (UTCDateTime stores naive UTC there), and a PostgreSQL
# timestamptz literal for COPY.
SQLITE_TIME = TimeFormat("%Y-%m-%d %H:%M:%S.%f")
PG_TIME = TimeFormat("%Y-%m-%d %H:%M:%S.%f+00")
