"""Transactions (money events on customers) and the global postback/void IP lists."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId, Timestamps

S255 = String(255)
# The trans_types that are a click's conversion: the customer's first transaction.
CONVERSION_TYPES = ("initial", "trial")
CONVERSION_WHERE = "trans_type IN ('initial', 'trial')"
# An event changed after it was written (its insert gives both times one value).
CHANGED_WHERE = "updated_at > created_at"


class Transaction(Timestamps, Base):
    """One money event on a customer; amounts are signed integer minor units.

    The ledger is append-only: a void, chargeback, refund or reversal is a row of its own (linked
    by parent_transactionid) whose amounts offset the original's, and the original's `status`
    says what happened to it. Rows count toward revenue and payouts unless their status is
    `pending` or `denied` (a pending conversion voided before approval).
    """

    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_transactions_customer_id", "customer_id", "transactionid"),
        Index("ix_transactions_click_hash", "click_hash"),
        Index("ix_transactions_created_at", "created_at"),
        # Changed events only (a void, an approval, a revision): payment builds read the payee
        # rows of what changed since their cursor; a conversion's insert never writes to it.
        Index(
            "ix_transactions_changed",
            "updated_at",
            sqlite_where=text(CHANGED_WHERE),
            postgresql_where=text(CHANGED_WHERE),
        ),
        # Partial: a conversion (the hot insert) has no parent and so costs this index nothing.
        Index(
            "ix_transactions_parent",
            "parent_transactionid",
            sqlite_where=text("parent_transactionid IS NOT NULL"),
            postgresql_where=text("parent_transactionid IS NOT NULL"),
        ),
        # A click converts once (a sale or a trial): the database, not a read-then-write
        # check, keeps it so (migration 0011 added the trial).
        Index(
            "uq_transactions_click_initial",
            "click_hash",
            unique=True,
            sqlite_where=text(CONVERSION_WHERE),
            postgresql_where=text(CONVERSION_WHERE),
        ),
        # Leads with orderid: a lookup by orderid alone (an admin's) uses it as well.
        Index("uq_transactions_orderid_advertiser", "orderid", "advertiserid", unique=True),
    )

    transactionid: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.customer_id"))
    # Unique per advertiser (uq_transactions_orderid_advertiser): two advertisers' order numbers
    # may collide.
    orderid: Mapped[str | None] = mapped_column(S255)
    trans_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="approved")
    amount: Mapped[int] = mapped_column(BigId, default=0)
    # The amount as the advertiser posted it ('10.000'), when it was posted: `amount` holds it
    # rounded half up to the cent.
    amount_raw: Mapped[str | None] = mapped_column(String(32))
    affiliate_payout: Mapped[int] = mapped_column(BigId, default=0)
    chargeback_cost: Mapped[int] = mapped_column(BigId, default=0)
    click_hash: Mapped[str | None] = mapped_column(String(40))
    loginid: Mapped[int | None] = mapped_column(BigId)
    offerid: Mapped[int | None] = mapped_column(BigId)
    landing_pageid: Mapped[int | None] = mapped_column(BigId)
    ocid: Mapped[str | None] = mapped_column(S255)
    parent_transactionid: Mapped[int | None] = mapped_column(BigId)
    trans_custom1: Mapped[str | None] = mapped_column(S255)
    trans_custom2: Mapped[str | None] = mapped_column(S255)
    trans_custom3: Mapped[str | None] = mapped_column(S255)
    trans_custom4: Mapped[str | None] = mapped_column(S255)
    trans_custom5: Mapped[str | None] = mapped_column(S255)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Who recorded the event: 'advertiser' (a postback or remote void) or 'admin' (the API).
    source: Mapped[str] = mapped_column(
        String(16), default="advertiser", server_default="advertiser"
    )
    # The payout's rate in basis points when it is a percentage of the revenue, so that a
    # revenue update can recompute it; NULL for a flat payout.
    payout_percent: Mapped[int | None]
    programid: Mapped[int | None] = mapped_column(BigId)
    campaignid: Mapped[int | None] = mapped_column(BigId)
    adtoolid: Mapped[int | None] = mapped_column(BigId)
    # The sum of the event's payout rows (transaction_payouts), one per payee.
    total_payout: Mapped[int] = mapped_column(BigId, default=0, server_default="0")
    # The commission change that decided the affiliate's payout (0: the default), frozen.
    changeid: Mapped[int | None] = mapped_column(BigId)
    goalid: Mapped[int | None] = mapped_column(BigId)
    approved_at: Mapped[dt.datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    # Why a sale was recorded pending for review (an amount above the offer's maximum, say).
    hold_reason: Mapped[str | None] = mapped_column(S255)
    # The advertiser whose customer the event is on; the scope of `orderid` (migration 0023).
    # NOT NULL: a NULL would escape the unique index (NULLs are distinct there).
    advertiserid: Mapped[int] = mapped_column(BigId)


class IpListEntry(Base):
    """Global postback and void IP allowlists (`list` is 'post' or 'void')."""

    __tablename__ = "ip_list_entries"

    list: Mapped[str] = mapped_column(String(8), primary_key=True)
    ip: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime]
