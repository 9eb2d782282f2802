"""Commission changes, payee rules, offer goals, sale counters, and each ledger event's payouts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId, Timestamps

S255 = String(255)


class CommissionChange(Timestamps, Base):
    """A payout rule of an offer (or of one of its goals); the highest priority that matches wins.

    A payout column left NULL is not set: the change then takes no part for that kind of event.
    Money is integer cents, percentages basis points.
    """

    __tablename__ = "commission_changes"
    __table_args__ = (Index("ix_commission_changes_offerid", "offerid", "goalid"),)

    changeid: Mapped[int] = mapped_column(BigId, primary_key=True)
    offerid: Mapped[int] = mapped_column(ForeignKey("offers.offerid"))
    goalid: Mapped[int] = mapped_column(BigId, default=0)
    type: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(BigId)
    enabled: Mapped[bool] = mapped_column(default=True)
    loginid: Mapped[int | None] = mapped_column(BigId)
    countries: Mapped[str | None] = mapped_column(String(1024))
    subaff1: Mapped[str | None] = mapped_column(S255)
    subaff2: Mapped[str | None] = mapped_column(S255)
    subaff3: Mapped[str | None] = mapped_column(S255)
    subaff4: Mapped[str | None] = mapped_column(S255)
    subaff5: Mapped[str | None] = mapped_column(S255)
    start_time: Mapped[dt.datetime | None]
    end_time: Mapped[dt.datetime | None]
    after_sales: Mapped[int | None] = mapped_column(BigId)
    recur: Mapped[str | None] = mapped_column(String(8))
    flat_click: Mapped[int | None] = mapped_column(BigId)
    flat_visitor: Mapped[int | None] = mapped_column(BigId)
    flat_conversion: Mapped[int | None] = mapped_column(BigId)
    flat_continuity: Mapped[int | None] = mapped_column(BigId)
    pct_conversion: Mapped[int | None]
    pct_continuity: Mapped[int | None]
    cpm: Mapped[int | None] = mapped_column(BigId)
    aff_manager_payout: Mapped[bool | None]
    aff_referral_payout: Mapped[bool | None]
    offer_partner_payout: Mapped[bool | None]


class CommissionAudit(Base):
    """Who changed which commission rule, when, and the rule before and after (JSON)."""

    __tablename__ = "commission_audit"
    __table_args__ = (Index("ix_commission_audit_offerid", "offerid", "auditid"),)

    auditid: Mapped[int] = mapped_column(BigId, primary_key=True)
    offerid: Mapped[int | None] = mapped_column(BigId)
    changeid: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(48))
    actor: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class OfferCommission(Base):
    """An offer's money settings beyond its default payouts (change 0's click payouts, caps)."""

    __tablename__ = "offer_commissions"

    offerid: Mapped[int] = mapped_column(ForeignKey("offers.offerid"), primary_key=True)
    flat_click: Mapped[int | None] = mapped_column(BigId)
    flat_visitor: Mapped[int | None] = mapped_column(BigId)
    cpm: Mapped[int | None] = mapped_column(BigId)
    referral_base: Mapped[str] = mapped_column(String(8), default="payout")
    fee_cap: Mapped[str] = mapped_column(String(8), default="payout")
    fee_cap_amount: Mapped[int | None] = mapped_column(BigId)
    max_amount: Mapped[int | None] = mapped_column(BigId)
    updated_at: Mapped[dt.datetime]


class ReferralTier(Base):
    """Tier N's rate (basis points) on an offer; offerid 0 is the network's default program."""

    __tablename__ = "referral_tiers"

    offerid: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    tier: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rate: Mapped[int]
    base: Mapped[str] = mapped_column(String(8), default="payout")


class OfferPartner(Base):
    """A partner's share of an offer: a rate of revenue and/or a flat amount per transaction."""

    __tablename__ = "offer_partners"

    offerid: Mapped[int] = mapped_column(ForeignKey("offers.offerid"), primary_key=True)
    loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)
    rate: Mapped[int] = mapped_column(default=0)
    flat: Mapped[int] = mapped_column(BigId, default=0)


class ManagerCommission(Base):
    """What a manager earns on its affiliates' sales, from its start_after'th sale on."""

    __tablename__ = "manager_commissions"

    manager_loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)
    rate: Mapped[int] = mapped_column(default=0)
    flat: Mapped[int] = mapped_column(BigId, default=0)
    start_after: Mapped[int] = mapped_column(BigId, default=0)
    updated_at: Mapped[dt.datetime]


class Goal(Base):
    """A custom event beyond conversion and continuity (a free signup, say)."""

    __tablename__ = "goals"

    goalid: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(S255, unique=True)
    allow_repeat: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime]


class OfferGoal(Timestamps, Base):
    """A goal enabled on an offer, with its revenue and default commission (change 0)."""

    __tablename__ = "offer_goals"
    __table_args__ = (UniqueConstraint("offerid", "goalid"),)

    offer_goal_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    offerid: Mapped[int] = mapped_column(ForeignKey("offers.offerid"))
    goalid: Mapped[int] = mapped_column(ForeignKey("goals.goalid"))
    enabled: Mapped[bool] = mapped_column(default=True)
    commission_type: Mapped[str] = mapped_column(String(16), default="flat")
    amount: Mapped[int] = mapped_column(BigId, default=0)
    revenue_type: Mapped[str] = mapped_column(String(24), default="dynamic_conversion")
    revenue_amount: Mapped[int] = mapped_column(BigId, default=0)
    aff_manager_payout: Mapped[bool] = mapped_column(default=False)
    aff_referral_payout: Mapped[bool] = mapped_column(default=False)
    offer_partner_payout: Mapped[bool] = mapped_column(default=False)


class CommissionCounter(Base):
    """Sales counted for tiered changes and manager thresholds ('aff:<loginid>:<offerid>', ...)."""

    __tablename__ = "commission_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigId, default=0)


class TransactionPayout(Base):
    """One payee's payout on one ledger event (adjusting events carry their own, signed)."""

    __tablename__ = "transaction_payouts"
    __table_args__ = (
        # No index by payee: a conversion's payees would each write a random leaf of it; the
        # payee's net reads the period's transactions instead (reports/repository.payee_net).
        Index("ix_transaction_payouts_transactionid", "transactionid"),
    )

    payoutid: Mapped[int] = mapped_column(BigId, primary_key=True)
    transactionid: Mapped[int] = mapped_column(BigId)
    loginid: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(16))
    tier: Mapped[int] = mapped_column(default=0)
    amount: Mapped[int] = mapped_column(BigId)
    flat: Mapped[int] = mapped_column(BigId, default=0)
    rate: Mapped[int] = mapped_column(default=0)
    base: Mapped[str] = mapped_column(String(8), default="revenue")
    changeid: Mapped[int | None] = mapped_column(BigId)
