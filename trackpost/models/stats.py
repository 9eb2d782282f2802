"""Statistics rollups: hourly sums of clicks and ledger events, folded from the raw tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.core.db import UTCDateTime
from trackpost.models.base import Base, BigId

# Every figure a rollup row sums (integer counts, money in integer minor units).
MEASURES = (
    "raw_clicks",
    "unique_clicks",
    "conversions",
    "trials",
    "goals",
    "continuity",
    "refunds",
    "voids",
    "chargebacks",
    "reversals",
    "income",
    "refund_amount",
    "fees",
    "payout_affiliate",
    "payout_referral",
    "payout_manager",
    "payout_partner",
)
# The grains' keys beside the hour: ids are 0 and texts '' when unknown (a key column is never
# NULL, so ON CONFLICT finds the row).
FACT_IDS = ("loginid", "offerid", "landing_pageid", "campaignid", "adtoolid", "programid")
FACT_TEXTS = (("country", 2), ("device_type", 16), ("device_os", 64), ("device_browser", 64))
FACT_KEYS = (*FACT_IDS, "advertiserid", *(name for name, _ in FACT_TEXTS))
# The coarse grain most reports need: time by offer (and its advertiser). Its rows are bounded by
# offers x hours, whatever the traffic.
OFFER_KEYS = ("offerid", "advertiserid")
SUBAFF_IDS = ("loginid", "offerid", "landing_pageid", "campaignid")
SUBAFF_TEXTS = tuple((f"subaff{i}", 255) for i in range(1, 6))
SUBAFF_KEYS = (*SUBAFF_IDS, *(name for name, _ in SUBAFF_TEXTS))


def _measures() -> list[Column[int]]:
    return [Column(m, BigInteger, nullable=False, default=0) for m in MEASURES]


stats_hourly = Table(
    "stats_hourly",
    Base.metadata,
    Column("hour", UTCDateTime(), primary_key=True),
    *(Column(name, BigInteger, primary_key=True) for name in (*FACT_IDS, "advertiserid")),
    *(Column(name, String(n), primary_key=True) for name, n in FACT_TEXTS),
    *_measures(),
    Index("ix_stats_hourly_offer", "offerid", "hour"),
    Index("ix_stats_hourly_login", "loginid", "hour"),
)
stats_offer_hourly = Table(
    "stats_offer_hourly",
    Base.metadata,
    Column("hour", UTCDateTime(), primary_key=True),
    *(Column(name, BigInteger, primary_key=True) for name in OFFER_KEYS),
    *_measures(),
)
stats_subaff_hourly = Table(
    "stats_subaff_hourly",
    Base.metadata,
    Column("hour", UTCDateTime(), primary_key=True),
    *(Column(name, BigInteger, primary_key=True) for name in SUBAFF_IDS),
    *(Column(name, String(n), primary_key=True) for name, n in SUBAFF_TEXTS),
    *_measures(),
    Index("ix_stats_subaff_hourly_login", "loginid", "hour"),
)
# The offer grain by the network's local day (stats_state.zone, 'YYYY-MM-DD'): the day, month
# and year views read a day's row instead of its 23 to 25 hours'.
stats_offer_daily = Table(
    "stats_offer_daily",
    Base.metadata,
    Column("day", String(10), primary_key=True),
    *(Column(name, BigInteger, primary_key=True) for name in OFFER_KEYS),
    *_measures(),
)


class StatsState(Base):
    """The fold's position: every click and transaction up to these ids is in the rollups."""

    __tablename__ = "stats_state"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    click_cursor: Mapped[int] = mapped_column(BigId, default=0)
    txn_cursor: Mapped[int] = mapped_column(BigId, default=0)
    # Bumped by every in-place change of a ledger row: a fold that summed its batch outside
    # the writer's turn writes it only if this has not moved meanwhile.
    changes: Mapped[int] = mapped_column(BigId, default=0)
    folded_at: Mapped[dt.datetime | None]
    # The zone stats_offer_daily's days are in (None: not built; rebuilt when it changes).
    zone: Mapped[str | None] = mapped_column(String(64))


class StatsSeen(Base):
    """The newest folded click (by clickid) of each IP on each offer: unique clicks' memory."""

    __tablename__ = "stats_seen"

    offerid: Mapped[int] = mapped_column(BigId, primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_at: Mapped[dt.datetime]
