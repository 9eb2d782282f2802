"""Payout periods, payvia settings, payments and their lines, adjustments, builds and the audit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from trackpost.models.base import Base, BigId, Timestamps

S255 = String(255)
# At most one payment per affiliate accrues (open, or banned while the affiliate is banned).
ACCRUING = "state IN ('open', 'banned')"


class PayoutPeriod(Timestamps, Base):
    """A payout period in the vendor's format (`3`, `1,16`, `w1`, `d5`); one is the default."""

    __tablename__ = "payout_periods"
    __table_args__ = (
        Index(
            "uq_payout_periods_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    periodid: Mapped[int] = mapped_column(BigId, primary_key=True)
    spec: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(S255, default="")
    delay: Mapped[int] = mapped_column(default=0)
    enabled: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    auto_store: Mapped[bool] = mapped_column(default=True)


class PayoutPeriodAffiliate(Base):
    """An affiliate allowed a period that is disabled for everyone else."""

    __tablename__ = "payout_period_affiliates"

    periodid: Mapped[int] = mapped_column(
        ForeignKey("payout_periods.periodid", ondelete="CASCADE"), primary_key=True
    )
    loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)


class PaymentProfile(Base):
    """An account's payout period (NULL: the default) and whether it is paid instantly."""

    __tablename__ = "payment_profiles"

    loginid: Mapped[int] = mapped_column(ForeignKey("logins.loginid"), primary_key=True)
    periodid: Mapped[int | None] = mapped_column(ForeignKey("payout_periods.periodid"))
    instant: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime]


class PayviaSetting(Base):
    """A payout method's payment rules: minimum choices, cost (fee or bonus), dump format."""

    __tablename__ = "payvia_settings"

    payvia_type_id: Mapped[int] = mapped_column(
        ForeignKey("payvia_types.payvia_type_id"), primary_key=True
    )
    minimums: Mapped[str] = mapped_column(S255, default="")  # cents, comma-separated
    cost_type: Mapped[str] = mapped_column(String(8), default="flat")  # flat | percent
    cost_amount: Mapped[int] = mapped_column(BigId, default=0)  # cents or basis points, signed
    dump_format: Mapped[str] = mapped_column(String(64), default="csv")
    dump_vars: Mapped[str] = mapped_column(Text, default="{}")  # JSON: {$payvia.<name>}
    updated_at: Mapped[dt.datetime]


class PaymentDumpFormat(Timestamps, Base):
    """An admin's own dump format: the vendor's five template parts (the shipped ones are files)."""

    __tablename__ = "payment_dump_formats"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(S255)
    media_type: Mapped[str] = mapped_column(String(64), default="text/plain")
    header: Mapped[str] = mapped_column(Text, default="")
    entry_header: Mapped[str] = mapped_column(Text, default="")
    entry: Mapped[str] = mapped_column(Text, default="")
    entry_footer: Mapped[str] = mapped_column(Text, default="")
    footer: Mapped[str] = mapped_column(Text, default="")


class PaymentBuild(Base):
    """One period's build at one period end: its row is what makes a build happen only once."""

    __tablename__ = "payment_builds"

    periodid: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    period_end: Mapped[dt.datetime] = mapped_column(primary_key=True)
    earn_start: Mapped[dt.datetime]
    earn_end: Mapped[dt.datetime]
    payments: Mapped[int] = mapped_column(default=0)
    stored: Mapped[int] = mapped_column(default=0)
    built_at: Mapped[dt.datetime]
    built_by: Mapped[str] = mapped_column(String(64))
    # Where this build left the ledger (migration 0024): every payee row up to cursor_payoutid
    # was settled, and a later change to one shows as its transaction's updated_at >= since.
    cursor_payoutid: Mapped[int | None] = mapped_column(BigId)
    cursor_since: Mapped[dt.datetime | None]


class Payment(Timestamps, Base):
    """What one account is owed through one payout method: Open, Stored, Paid or Banned."""

    __tablename__ = "payments"
    __table_args__ = (
        Index(
            "uq_payments_accruing",
            "loginid",
            unique=True,
            sqlite_where=text(ACCRUING),
            postgresql_where=text(ACCRUING),
        ),
        Index("ix_payments_state", "state", "payvia_type_id"),
        Index("ix_payments_loginid", "loginid", "paymentid"),
    )

    paymentid: Mapped[int] = mapped_column(BigId, primary_key=True)
    loginid: Mapped[int] = mapped_column(BigId)
    payvia_type_id: Mapped[int] = mapped_column(default=0)  # 0: no payout method chosen
    periodid: Mapped[int] = mapped_column(BigId)
    state: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[dt.datetime]  # the first earnings period it holds
    last_start: Mapped[dt.datetime]  # the start of the latest earnings period added
    period_end: Mapped[dt.datetime]
    total: Mapped[int] = mapped_column(BigId, default=0)  # always the sum of its lines
    fee: Mapped[int] = mapped_column(BigId, default=0)  # the payvia's cost (negative: bonus)
    minimum: Mapped[int] = mapped_column(BigId, default=0)
    payvia_name: Mapped[str | None] = mapped_column(String(64))
    frozen: Mapped[str | None] = mapped_column(Text)  # JSON: payvia details and contact, at store
    dump_format: Mapped[str | None] = mapped_column(String(64))
    dump_entry: Mapped[str | None] = mapped_column(Text)  # rendered once at store, then kept
    stored_at: Mapped[dt.datetime | None]
    stored_by: Mapped[str | None] = mapped_column(String(64))
    paid_at: Mapped[dt.datetime | None]
    paid_reference: Mapped[str | None] = mapped_column(S255)
    paid_by: Mapped[str | None] = mapped_column(String(64))


class PaymentLine(Base):
    """One amount of a payment: a payee row (or its later change), adjustment, invoice or fee."""

    __tablename__ = "payment_lines"
    __table_args__ = (
        Index("ix_payment_lines_paymentid", "paymentid", "lineid"),
        Index("ix_payment_lines_payoutid", "payoutid"),
    )

    lineid: Mapped[int] = mapped_column(BigId, primary_key=True)
    paymentid: Mapped[int] = mapped_column(ForeignKey("payments.paymentid"))
    kind: Mapped[str] = mapped_column(String(16))  # payout | adjustment | invoice | fee
    amount: Mapped[int] = mapped_column(BigId)
    payoutid: Mapped[int | None] = mapped_column(BigId)
    transactionid: Mapped[int | None] = mapped_column(BigId)
    payee_kind: Mapped[str | None] = mapped_column(String(16))
    adjustmentid: Mapped[int | None] = mapped_column(BigId, unique=True)
    payable_at: Mapped[dt.datetime]
    added_at: Mapped[dt.datetime]


class PaymentAdjustment(Base):
    """A manual adjustment of a payment, or an invoice (a credit paid with the next payment)."""

    __tablename__ = "payment_adjustments"
    __table_args__ = (Index("ix_payment_adjustments_loginid", "loginid", "adjustmentid"),)

    adjustmentid: Mapped[int] = mapped_column(BigId, primary_key=True)
    loginid: Mapped[int] = mapped_column(BigId)
    paymentid: Mapped[int | None] = mapped_column(BigId)  # NULL: an invoice awaiting a payment
    kind: Mapped[str] = mapped_column(String(16))  # adjustment | invoice
    amount: Mapped[int] = mapped_column(BigId)
    reason: Mapped[str] = mapped_column(S255)
    admin: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]


class PaymentAudit(Base):
    """Every change to payments, periods and payvia settings: who, when, what (JSON)."""

    __tablename__ = "payment_audit"
    __table_args__ = (Index("ix_payment_audit_paymentid", "paymentid", "auditid"),)

    auditid: Mapped[int] = mapped_column(BigId, primary_key=True)
    paymentid: Mapped[int | None] = mapped_column(BigId)
    loginid: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime]
