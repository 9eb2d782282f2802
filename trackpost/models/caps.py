"""Conversion caps and their exact usage counters (docs/caps.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.core.db import utcnow
from trackpost.models.base import Base, BigId


class ConversionCap(Base):
    """One cap: what it counts, over which window and scope, and where overflow goes."""

    __tablename__ = "conversion_caps"
    __table_args__ = (
        Index("ix_conversion_caps_offerid", "offerid"),
        Index("ix_conversion_caps_advertiserid", "advertiserid"),
    )

    capid: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Exactly one of offerid and advertiserid (an advertiser's cap pools all its offers).
    offerid: Mapped[int | None] = mapped_column(BigInteger)
    advertiserid: Mapped[int | None] = mapped_column(BigInteger)
    # all (one pooled counter), each (a counter per affiliate), one (only `loginid`'s traffic).
    affiliate_scope: Mapped[str] = mapped_column(String(8))
    loginid: Mapped[int | None] = mapped_column(BigInteger)
    # conversions, revenue, registrations, unique_clicks, clicks, net_conversions.
    cap_type: Mapped[str] = mapped_column(String(16))
    # A count, or minor units (cents) for revenue.
    cap_value: Mapped[int] = mapped_column(BigInteger)
    # hour, day, week, month, year, all.
    duration: Mapped[str] = mapped_column(String(8))
    # none, weekdays, weekends, or a day's name (monday ... sunday).
    timeframe: Mapped[str] = mapped_column(String(12))
    # The network's time zone when the cap was last saved: its windows' bounds (ledger rows are
    # booked where no settings are at hand, so the cap carries the zone it counts in).
    zone: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[dt.datetime | None] = mapped_column()
    end_at: Mapped[dt.datetime | None] = mapped_column()
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # offer (new_offerid, optionally new_landing_pageid), url (redirect_url), notify.
    overflow: Mapped[str] = mapped_column(String(8))
    new_offerid: Mapped[int | None] = mapped_column(BigInteger)
    new_landing_pageid: Mapped[int | None] = mapped_column(BigInteger)
    redirect_url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CapUsage(Base):
    """A cap's exact count in one window (per affiliate for `each` caps, else loginid 0)."""

    __tablename__ = "cap_usage"

    capid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    loginid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger, default=0)
    reached_at: Mapped[dt.datetime | None] = mapped_column()


class CapVisitor(Base):
    """An address already counted by a unique-clicks cap in a window."""

    __tablename__ = "cap_visitors"

    capid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    loginid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)


class CapBooking(Base):
    """A ledger row a revenue or net-conversions cap counted: the counter it went into, so
    that later changes of the row (refunds, voids, approval, a new amount) adjust that window."""

    __tablename__ = "cap_bookings"
    __table_args__ = (Index("ix_cap_bookings_capid_window", "capid", "window_start"),)

    transactionid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    capid: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    window_start: Mapped[dt.datetime] = mapped_column()
    loginid: Mapped[int] = mapped_column(BigInteger)
