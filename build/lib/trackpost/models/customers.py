"""Customers and the customer audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId, Timestamps

S255 = String(255)


class Customer(Timestamps, Base):
    """A visitor who completed an offer; `locked` freezes platform-side edits."""

    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("advertiserid", "subscription_id"),
        UniqueConstraint("advertiserid", "username"),
        Index("ix_customers_subscription_id", "subscription_id"),
        Index("ix_customers_join_date", "join_date"),
        # Usernames are unique per advertiser regardless of case (migration 0003).
        Index(
            "uq_customers_advertiser_username_ci",
            "advertiserid",
            text("lower(username)"),
            unique=True,
        ),
        # Search matches email case-insensitively (migration 0003).
        Index("ix_customers_email_ci", text("lower(email)")),
        Index("ix_customers_status", "status", "customer_id"),
        # Click retention keeps the clicks customers name (migration 0008).
        Index(
            "ix_customers_clickid",
            "clickid",
            sqlite_where=text("clickid IS NOT NULL"),
            postgresql_where=text("clickid IS NOT NULL"),
        ),
        # The console's list filters and pages on these, newest first (migration 0012).
        Index("ix_customers_username_ci", text("lower(username)")),
        Index("ix_customers_offerid", "offerid", "customer_id"),
        Index("ix_customers_landing_pageid", "landing_pageid", "customer_id"),
        Index("ix_customers_loginid", "loginid", "customer_id"),
        Index("ix_customers_advertiserid", "advertiserid", "customer_id"),
        # Partial: only locked customers are in it, for the dashboard's newest locks.
        Index(
            "ix_customers_locked_at",
            "locked_at",
            sqlite_where=text("locked"),
            postgresql_where=text("locked"),
        ),
        # The list filtered on locked, in each of its orders (migration 0017).
        Index(
            "ix_customers_locked_id",
            "customer_id",
            sqlite_where=text("locked"),
            postgresql_where=text("locked"),
        ),
        Index(
            "ix_customers_locked_joined",
            "join_date",
            "customer_id",
            sqlite_where=text("locked"),
            postgresql_where=text("locked"),
        ),
    )

    customer_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    advertiserid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"))
    subscription_id: Mapped[str | None] = mapped_column(S255)
    username: Mapped[str | None] = mapped_column(S255)
    password_hash: Mapped[str | None] = mapped_column(S255)
    firstname: Mapped[str | None] = mapped_column(S255)
    lastname: Mapped[str | None] = mapped_column(S255)
    email: Mapped[str | None] = mapped_column(S255)
    phone: Mapped[str | None] = mapped_column(String(64))
    address1: Mapped[str | None] = mapped_column(S255)
    address2: Mapped[str | None] = mapped_column(S255)
    city: Mapped[str | None] = mapped_column(S255)
    state: Mapped[str | None] = mapped_column(S255)
    country: Mapped[str | None] = mapped_column(S255)
    zip: Mapped[str | None] = mapped_column(String(32))
    custom1: Mapped[str | None] = mapped_column(S255)
    custom2: Mapped[str | None] = mapped_column(S255)
    custom3: Mapped[str | None] = mapped_column(S255)
    custom4: Mapped[str | None] = mapped_column(S255)
    custom5: Mapped[str | None] = mapped_column(S255)
    status: Mapped[str] = mapped_column(String(16), default="active")
    join_date: Mapped[dt.datetime]
    join_ip: Mapped[str | None] = mapped_column(String(64))
    loginid: Mapped[int | None] = mapped_column(BigId)
    offerid: Mapped[int | None] = mapped_column(BigId)
    landing_pageid: Mapped[int | None] = mapped_column(BigId)
    clickid: Mapped[int | None] = mapped_column(BigId)
    locked: Mapped[bool] = mapped_column(default=False)
    locked_at: Mapped[dt.datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(128))
    lock_reason: Mapped[str | None] = mapped_column(String(500))
    # Fields an advertiser's post sent that could not be stored (an invalid email, a taken
    # username...), as JSON {field: {"value": raw, "problem": why, "at": when}}: the sale was
    # booked without them.
    set_aside: Mapped[str | None] = mapped_column(Text)


class CustomerAudit(Base):
    """One change to a customer, written in the same transaction as the change."""

    __tablename__ = "customer_audit"
    __table_args__ = (Index("ix_customer_audit_customer", "customer_id", "auditid"),)

    auditid: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.customer_id"))
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    changes: Mapped[str] = mapped_column(Text, default="{}")
    reason: Mapped[str | None] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(64))
